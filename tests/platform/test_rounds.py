"""Matching rounds through the real core: asked, paired, introduced, met; requests; privacy.

The clock is controlled (time_machine) and the scheduler paused, so the tests run the jobs
themselves at the moments they were planned for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.app import Werkbot
from bot.core.types import Reply
from cogs.platform import PlatformModule
from cogs.platform.profiles import ProfileDraft
from config import Settings
from storage.records.platform import ProfileStatus, RoundStatus
from tests.support.chat import RecordingChat, text_of
from tests.support.outbox import sent
from tests.surveys.conftest import make_member

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MATCH_AT = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
TAGS = {
    "financiering": "Financiering",
    "mentoring": "Mentoring",
    "juridisch-advies": "Juridisch advies",
    "scholing": "Scholing en leren",
    "cooperatie": "Coöperatie of broodfonds",
}


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    return english_chat


def platform_of(app: Werkbot) -> PlatformModule:
    found = next(module for module in app.modules if module.name == "platform")
    assert isinstance(found, PlatformModule)
    return found


async def with_tags(app: Werkbot) -> None:
    for code, label in TAGS.items():
        await platform_of(app).service.profiles.put_tag(code, label)


async def person(app: Werkbot, user: str, offers: tuple[str, ...], needs: tuple[str, ...], **extra: object) -> tuple[int, int]:
    member_id = await make_member(app, user)
    draft = ProfileDraft(offers=offers, needs=needs, offer_text=f"{user} helpt graag.", region="utrecht", **extra)  # type: ignore[arg-type]
    profile = await platform_of(app).service.profiles.save_own(member_id, draft)
    return member_id, profile.id


def delivered_to(chat: RecordingChat, user: str) -> list[Reply]:
    return [reply for target, reply in chat.delivered if target.chat_id == user]


async def run_round(app: Werkbot, joining: list[int], *, match_at: datetime = MATCH_AT, weeks: int | None = None) -> int:
    service = platform_of(app).service
    round_ = await service.plan(match_at, repeat_weeks=weeks, seed=7, created_by="test")
    await service.ask({"round": round_.id})
    for member_id in joining:
        await service.answer(round_.id, member_id, True)
    with time_machine.travel(match_at, tick=False):
        await service.match({"round": round_.id})
        await sent(app)  # the introductions leave at the round's moment
    return round_.id


@time_machine.travel(NOW, tick=False)
async def test_a_round_pairs_everyone_with_a_trio_for_an_odd_count_and_introduces_them(
    app: Werkbot, chat: RecordingChat
) -> None:
    app.clock._running().pause()
    await with_tags(app)
    _anna, _ = await person(app, "anna", ("financiering",), ("mentoring",))
    _bob, _ = await person(app, "bob", ("mentoring",), ("financiering",))
    _cem, _ = await person(app, "cem", ("scholing",), ("juridisch-advies",))
    _dirk, _ = await person(app, "dirk", ("juridisch-advies",), ("scholing",))
    _eva, _ = await person(app, "eva", ("cooperatie",), ("scholing",))
    service = platform_of(app).service
    round_ = await service.plan(MATCH_AT, repeat_weeks=None, seed=7, created_by="test")
    assert app.clock.when(f"platform.ask:{round_.id}") == MATCH_AT - timedelta(days=1)
    assert app.clock.when(f"platform.match:{round_.id}") == MATCH_AT
    await service.ask({"round": round_.id})
    await sent(app)
    asked = delivered_to(chat, "anna")
    assert any("new round" in reply.text for reply in asked)
    for user in ("anna", "bob", "cem", "dirk", "eva"):
        assert "You are in" in text_of(await chat.press(user, f"pl:join:{round_.id}"))
    with time_machine.travel(MATCH_AT, tick=False):
        await service.match({"round": round_.id})
        await service.match({"round": round_.id})  # a second run stores nothing more
        await sent(app)
    groups = await service._repo.groups(round_id=round_.id)
    sizes = sorted(len(group.members) for group in groups)
    assert sizes == [2, 3]
    everyone = sorted(member.profile_id for group in groups for member in group.members)
    assert len(everyone) == 5
    await sent(app)
    intro = text_of(delivered_to(chat, "anna"))
    assert "You look for Mentoring; they offer it." in intro  # the score explains itself
    assert "A first question to talk about" in intro
    assert "bob@example.org" not in intro  # details only after both accept
    assert (await service._repo.round(round_.id)).status is RoundStatus.MATCHED  # type: ignore[union-attr]


@time_machine.travel(NOW, tick=False)
async def test_details_are_shared_only_after_both_want_to_meet(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    anna, _ = await person(app, "anna", ("financiering",), ("mentoring",))
    bob, _ = await person(app, "bob", ("mentoring",), ("financiering",))
    round_id = await run_round(app, [anna, bob])
    service = platform_of(app).service
    group = (await service._repo.groups(round_id=round_id))[0]
    assert "When the other side" in text_of(await chat.press("anna", f"pl:want:{group.id}"))
    await sent(app)
    assert not any("anna@example.org" in reply.text for _chat, reply in chat.delivered)
    await make_member(app, "cem")
    assert "This button is not for you" in text_of(await chat.press("cem", f"pl:want:{group.id}"))
    assert "Everyone wants to meet" in text_of(await chat.press("bob", f"pl:want:{group.id}"))
    await sent(app)
    details = text_of(delivered_to(chat, "anna"))
    assert "bob@example.org" in details and "anna@example.org" in details


@time_machine.travel(NOW, tick=False)
async def test_no_repeat_of_a_recent_pair_and_never_lists_hold(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    anna, anna_profile = await person(app, "anna", ("financiering",), ("mentoring",))
    bob, _bob_profile = await person(app, "bob", ("mentoring",), ("financiering",))
    cem, _cem_profile = await person(app, "cem", ("mentoring",), ("financiering",))
    dirk, _dirk_profile = await person(app, "dirk", ("financiering",), ("mentoring",))
    service = platform_of(app).service
    first = await run_round(app, [anna, bob, cem, dirk])
    pairs_before = {frozenset(m.profile_id for m in group.members) for group in await service._repo.groups(round_id=first)}
    second = await run_round(app, [anna, bob, cem, dirk], match_at=MATCH_AT + timedelta(days=28))
    pairs_after = {frozenset(m.profile_id for m in group.members) for group in await service._repo.groups(round_id=second)}
    assert not pairs_before & pairs_after
    # anna never wants to meet whoever she met in round 2; a third round keeps them apart
    met_in_second = next(pair for pair in pairs_after if anna_profile in pair)
    other = next(iter(met_in_second - {anna_profile}))
    await chat.say("anna", f"/nooit {other}")
    third = await run_round(app, [anna, bob, cem, dirk], match_at=MATCH_AT + timedelta(days=56))
    for group in await service._repo.groups(round_id=third):
        ids = {member.profile_id for member in group.members}
        assert not {anna_profile, other} <= ids


@time_machine.travel(NOW, tick=False)
async def test_snoozed_and_paused_profiles_are_not_asked_nor_paired(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    anna, _ = await person(app, "anna", ("financiering",), ("mentoring",))
    bob, _ = await person(app, "bob", ("mentoring",), ("financiering",))
    _cem, _ = await person(app, "cem", ("mentoring",), ("financiering",))
    assert "until" in text_of(await chat.say("cem", "/platform_pauze_tot 2027-01-15"))
    service = platform_of(app).service
    round_id = await run_round(app, [anna, bob])
    await sent(app)
    assert not any("new round" in reply.text for reply in delivered_to(chat, "cem"))
    ids = {member.profile_id for group in await service._repo.groups(round_id=round_id) for member in group.members}
    assert len(ids) == 2


@time_machine.travel(NOW, tick=False)
async def test_a_planned_round_runs_after_a_restart(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(organizers="console:olga")
    first = Werkbot(settings)
    await first.start()
    await with_tags(first)
    anna, _ = await person(first, "anna", ("financiering",), ("mentoring",))
    bob, _ = await person(first, "bob", ("mentoring",), ("financiering",))
    round_ = await platform_of(first).service.plan(MATCH_AT, repeat_weeks=4, seed=3, created_by="test")
    await first.stop()

    second = Werkbot(settings)
    await second.start()
    try:
        second.clock._running().pause()
        service = platform_of(second).service
        assert second.clock.when(f"platform.match:{round_.id}") == MATCH_AT  # kept across the restart
        await service.ask({"round": round_.id})
        await service.answer(round_.id, anna, True)
        await service.answer(round_.id, bob, True)
        with time_machine.travel(MATCH_AT, tick=False):
            await service.match({"round": round_.id})
        assert len(await service._repo.groups(round_id=round_.id)) == 1
        following = [r for r in await service.rounds() if r.id != round_.id]
        assert following and following[0].match_at == MATCH_AT + timedelta(weeks=4)
    finally:
        await second.stop()


@time_machine.travel(NOW, tick=False)
async def test_the_dry_run_with_a_fixed_seed_is_stable_and_stores_nothing(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    for n in range(7):
        await person(app, f"lid{n}", (list(TAGS)[n % 5],), (list(TAGS)[(n + 2) % 5],))
    service = platform_of(app).service
    round_ = await service.plan(MATCH_AT, repeat_weeks=None, seed=11, created_by="test")
    first = text_of(await chat.say("olga", f"/ronde_proef {round_.id} 5"))
    again = text_of(await chat.say("olga", f"/ronde_proef {round_.id} 5"))
    assert first == again and "seed 5" in first and "nothing is stored" in first
    assert await service._repo.groups(round_id=round_.id) == []


@time_machine.travel(NOW, tick=False)
async def test_feedback_statistics_and_silence(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    anna, _ = await person(app, "anna", ("financiering",), ("mentoring",))
    bob, _ = await person(app, "bob", ("mentoring",), ("financiering",))
    dirk, _ = await person(app, "dirk", ("financiering",), ("mentoring",))
    eva, _ = await person(app, "eva", ("mentoring",), ("financiering",))
    _cem, cem_profile = await person(app, "cem", ("scholing",), ("mentoring",))
    service = platform_of(app).service
    round_id = 0
    for number in range(3):  # four people meet anew each round; cem never answers
        round_id = await run_round(app, [anna, bob, dirk, eva], match_at=MATCH_AT + timedelta(days=28 * number))
    assert (await service.profiles.get(cem_profile)).status is ProfileStatus.PAUSED
    await sent(app)
    assert any("paused" in reply.text for reply in delivered_to(chat, "cem"))
    anna_profile = (await service.profiles.own(anna)).id  # type: ignore[union-attr]
    group = next(
        group
        for group in await service._repo.groups(round_id=round_id)
        if anna_profile in {member.profile_id for member in group.members}
    )
    with time_machine.travel(MATCH_AT + timedelta(days=56 + 27), tick=False):
        await service.feedback({"round": round_id})
        await sent(app)
    assert "Thank you" in text_of(await chat.press("anna", f"pl:mety:{group.id}"))
    report = text_of(await chat.say("olga", f"/ronde_stats {round_id}"))
    assert "yes 1" in report and "Offered most" in report
    assert "You take part again" in text_of(await chat.press("cem", f"pl:rejoin:{cem_profile}"))


@time_machine.travel(NOW, tick=False)
async def test_search_request_and_answer(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    await person(app, "anna", ("mentoring",), ("financiering",))
    _bob, bob_profile = await person(app, "bob", ("financiering",), ("mentoring",))
    found = text_of(await chat.say("anna", "/zoek financiering voor een coöperatie"))
    assert "Lid bob" in found and "Financiering" in found
    assert "request went to" in text_of(await chat.press("anna", f"pl:req:{bob_profile}"))
    assert "asked already" in text_of(await chat.press("anna", f"pl:req:{bob_profile}"))
    await sent(app)
    request = [reply for reply in delivered_to(chat, "bob") if reply.all_buttons]
    accept = next(b.action for r in request for b in r.all_buttons if b.action.startswith("pl:acc:"))
    assert "Accepted" in text_of(await chat.press("bob", accept))
    await sent(app)
    assert "bob@example.org" in text_of(delivered_to(chat, "anna"))


@time_machine.travel(NOW, tick=False)
async def test_export_and_erasure_cover_profiles_never_lists_and_history(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    anna, anna_profile = await person(app, "anna", ("financiering",), ("mentoring",))
    bob, bob_profile = await person(app, "bob", ("mentoring",), ("financiering",))
    await run_round(app, [anna, bob])
    service = platform_of(app).service
    await service.profiles.set_never(anna, bob_profile, True)
    exported = await service.export(anna)
    assert exported["profiles"][0]["offers"] == ["financiering"]
    assert exported["never_pair_with_profiles"] == [bob_profile]
    assert exported["history"] and exported["history"][0]["with_profiles"] == [bob_profile]
    assert (await service.export(bob))["never_pair_with_profiles"] == []  # bob is not told
    await service.erase(anna)
    assert await service.export(anna) == {"profiles": [], "never_pair_with_profiles": [], "history": []}
    assert (await service._repo.profile(anna_profile)) is None


@time_machine.travel(NOW, tick=False)
async def test_an_organization_speaks_through_its_contacts(app: Werkbot, chat: RecordingChat) -> None:
    app.clock._running().pause()
    await with_tags(app)
    sam = await make_member(app, "sam")
    nina = await make_member(app, "nina")
    anna, _ = await person(app, "anna", ("financiering",), ("mentoring",))
    service = platform_of(app).service
    org = await service.profiles.create_organization(
        sam,
        ProfileDraft(offers=("mentoring",), needs=("financiering",), name="Coöperatie De Zelfstandige", what="Een broodfonds voor zzp'ers."),
    )
    added = text_of(await chat.say("sam", f"/platform_contactpersoon {org.id} {nina}"))
    assert "is now a contact of Coöperatie De Zelfstandige" in added
    assert "This profile is not yours" in text_of(await chat.say("anna", f"/platform_contactpersoon {org.id} {anna}"))
    assert "no member with number" in text_of(await chat.say("sam", f"/platform_contactpersoon {org.id} 999"))
    await service.ask({"round": (await service.plan(MATCH_AT, repeat_weeks=None, seed=1, created_by="t")).id})
    for member_id in (sam, anna):
        await service.answer(1, member_id, True)
    with time_machine.travel(MATCH_AT, tick=False):
        await service.match({"round": 1})
        await sent(app)
    for user in ("sam", "nina"):
        assert "Anna" in text_of(delivered_to(chat, user)) or "Lid anna" in text_of(delivered_to(chat, user))
    assert "Coöperatie De Zelfstandige" in text_of(delivered_to(chat, "anna"))
