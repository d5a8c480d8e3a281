"""Member rules on a real database (SQLite file and PostgreSQL), with real SMTP."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine

from bot.core.errors import UserError
from bot.core.types import Identity, Role
from bot.mail import SmtpMailer
from cogs.members.service import MemberService, RolePolicy, VerifyResult
from storage import Database
from storage.repositories.members import MemberRepository
from storage.types import utcnow
from tests.support.smtp import LocalSmtp


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtp]:
    with LocalSmtp() as server:
        yield server


@pytest.fixture
def service(db: Database, smtp_server: LocalSmtp) -> MemberService:
    mailer = SmtpMailer("127.0.0.1", smtp_server.port, "Werkbot <bot@test>", security="none")
    policy = RolePolicy(
        organizers=frozenset({"telegram:900"}),
        admins=frozenset({"console:root"}),
        organizer_platform_roles=frozenset({"role-org"}),
    )
    return MemberService(MemberRepository(db), mailer, policy)


async def _member(service: MemberService, user: str, email: str, platform: str = "console") -> int:
    return await service.register(
        platform, user, name=user.title(), email=email, work_situation="zzp",
        province="utrecht", language=None,
    )


async def test_register_and_verify_with_mailed_code(
    service: MemberService, smtp_server: LocalSmtp
) -> None:
    member_id = await _member(service, "alice", "alice@example.org")
    await service.send_code(member_id, force=True)
    mail = (await asyncio.to_thread(smtp_server.inbox.wait_for, 1))[0]
    code = re.search(r"\b(\d{6})\b", mail["Subject"]).group(1)
    assert await service.verify(member_id, "000000" if code != "000000" else "111111") is VerifyResult.WRONG
    assert await service.verify(member_id, f" {code} ") is VerifyResult.OK
    assert await service.verify(member_id, code) is VerifyResult.ALREADY
    caller = await service.caller(Identity("console", "alice"))
    assert caller.member_id == member_id and caller.verified and caller.role is Role.MEMBER


async def test_codes_expire_and_wrong_tries_are_limited(service: MemberService) -> None:
    member_id = await _member(service, "bob", "bob@example.org")
    code = await service.send_code(member_id, force=True)
    for _ in range(5):
        assert await service.verify(member_id, "abcdef") is VerifyResult.WRONG
    assert await service.verify(member_id, code) is VerifyResult.TOO_MANY
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        fresh = await service.send_code(member_id)
    with time_machine.travel(utcnow() + timedelta(minutes=32), tick=False):
        assert await service.verify(member_id, fresh) is VerifyResult.EXPIRED


async def test_resend_is_throttled(service: MemberService) -> None:
    member_id = await _member(service, "carl", "carl@example.org")
    await service.send_code(member_id, force=True)
    with pytest.raises(UserError):
        await service.send_code(member_id)


async def test_email_is_unique_and_checked(service: MemberService) -> None:
    await _member(service, "dora", "dora@example.org")
    with pytest.raises(UserError):
        await service.clean_email("dora@EXAMPLE.org")
    for bad in ("no-at-sign", "a@b", "two@@example.org", "x" * 250 + "@example.org"):
        with pytest.raises(UserError):
            await service.clean_email(bad)
    assert await service.clean_email(" Eve@Example.ORG ") == "Eve@example.org"
    with pytest.raises(UserError):
        await service.register(
            "telegram", "55", name="Dup", email="dora@example.org", work_situation="zzp",
            province="utrecht", language=None,
        )


async def test_link_code_links_once_and_expires(service: MemberService) -> None:
    member_id = await _member(service, "fenna", "fenna@example.org")
    code, expires = await service.new_link_code(member_id)
    assert expires - utcnow() <= timedelta(minutes=10)
    assert await service.link("telegram", "777", code.lower()) == member_id
    with pytest.raises(UserError):
        await service.link("discord", "888", code)
    caller = await service.caller(Identity("telegram", "777"))
    assert caller.member_id == member_id
    late, _ = await service.new_link_code(member_id)
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=1), tick=False):
        with pytest.raises(UserError):
            await service.link("discord", "888", late)
    assert (await service.caller(Identity("discord", "888"))).member_id is None


async def test_concurrent_use_of_one_link_code_links_one_account(service: MemberService) -> None:
    member_id = await _member(service, "gijs", "gijs@example.org")
    code, _ = await service.new_link_code(member_id)
    results = await asyncio.gather(
        *(service.link("discord", str(1000 + i), code) for i in range(10)), return_exceptions=True
    )
    assert sum(1 for r in results if r == member_id) == 1
    assert all(isinstance(r, UserError) for r in results if r != member_id)


async def test_an_account_of_another_member_is_not_taken_over(service: MemberService) -> None:
    first = await _member(service, "hans", "hans@example.org")
    await _member(service, "ine", "ine@example.org")
    code, _ = await service.new_link_code(first)
    with pytest.raises(UserError):
        await service.link("console", "ine", code)
    assert (await service.caller(Identity("console", "ine"))).name == "Ine"


async def test_roles_from_settings_grants_and_platform_roles(service: MemberService) -> None:
    member_id = await _member(service, "jan", "jan@example.org", platform="telegram")
    assert (await service.caller(Identity("telegram", "jan"))).role is Role.MEMBER
    assert await service.grant_opjutter(member_id, "telegram:900")
    assert not await service.grant_opjutter(member_id, "telegram:900")
    assert (await service.caller(Identity("telegram", "jan"))).role is Role.OPJUTTER
    assert await service.revoke_opjutter(member_id)
    assert (await service.caller(Identity("telegram", "jan"))).role is Role.MEMBER
    # Organizer by settings, even before registering; admin through a linked account.
    assert (await service.caller(Identity("telegram", "900"))).role is Role.ORGANIZER
    assert (
        await service.caller(Identity("discord", "1", platform_roles=frozenset({"role-org"})))
    ).role is Role.ORGANIZER
    code, _ = await service.new_link_code(member_id)
    await service.link("console", "root", code)
    assert (await service.caller(Identity("telegram", "jan"))).role is Role.ADMIN
    with pytest.raises(UserError):
        await service.grant_opjutter(424242, "x")


async def test_sponsor_representatives_share_one_voice(service: MemberService) -> None:
    sponsor = await service.create_sponsor("Coöperatie De Zelfstandige")
    with pytest.raises(UserError):
        await service.create_sponsor("Coöperatie De Zelfstandige")
    kim = await _member(service, "kim", "kim@example.org")
    lot = await _member(service, "lot", "lot@example.org")
    solo = await _member(service, "max", "max@example.org")
    await service.add_representative(sponsor, kim)
    await service.add_representative(sponsor, lot)
    assert await service.voice_of(kim) == await service.voice_of(lot) == f"sponsor:{sponsor}"
    assert await service.voice_of(solo) == f"member:{solo}"
    assert (await service.sponsors())[0][2] == 2
    await service.remove_representative(lot)
    assert await service.voice_of(lot) == f"member:{lot}"
    with pytest.raises(UserError):
        await service.add_representative(sponsor + 100, kim)


async def test_language_choice_wins_over_hint(service: MemberService) -> None:
    assert (await service.caller(Identity("telegram", "9", language_hint="en-GB"))).language == "en"
    assert (await service.caller(Identity("telegram", "9", language_hint="de"))).language == "nl"
    await service.set_language("telegram", "9", None, "nl")
    assert (await service.caller(Identity("telegram", "9", language_hint="en"))).language == "nl"


async def test_erasure_leaves_an_anonymous_tombstone(service: MemberService, db: Database) -> None:
    member_id = await _member(service, "nora", "nora@example.org")
    await service.grant_opjutter(member_id, "x")
    repository = MemberRepository(db)
    exported = await repository.export(member_id)
    assert exported["member"]["email"] == "nora@example.org"
    await repository.erase(member_id)
    assert await repository.get(member_id) is None
    assert await repository.accounts_of(member_id) == []
    assert await repository.roles_of(member_id) == []
    caller = await service.caller(Identity("console", "nora"))
    assert caller.member_id is None and caller.role is Role.GUEST
    # The same person may register again with the same address.
    assert await _member(service, "nora", "nora@example.org") != member_id


async def test_an_unreachable_account_is_reachable_again_when_it_writes(
    service: MemberService,
) -> None:
    member_id = await _member(service, "olaf", "olaf@example.org", platform="telegram")
    assert (await service.contact_points(member_id))[1] == [("telegram", "olaf")]
    await service.mark_unreachable("telegram", "olaf")
    assert (await service.contact_points(member_id))[1] == []
    await service.caller(Identity("telegram", "olaf"))
    assert (await service.contact_points(member_id))[1] == [("telegram", "olaf")]


async def test_a_search_takes_wildcards_literally(service: MemberService) -> None:
    kim = await _member(service, "kim", "kim_de_vries@example.org")
    await _member(service, "lot", "lot@example.org")
    assert [found[0] for found in await service.search("%")] == []  # not everyone
    assert [found[0] for found in await service.search("_de_")] == [kim]
    assert len(await service.search("example")) == 2
