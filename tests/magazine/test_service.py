"""The magazine's rules on SQLite and PostgreSQL, through the service only (no chat)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import text

from bot.core.errors import UserError
from bot.core.i18n import language
from bot.core.outbox import Broadcast
from bot.core.types import Attachment, Chat
from cogs.magazine.service import (
    MAX_OPEN,
    MagazineService,
    checked_contribution_file,
    checked_cover,
    checked_pdf,
)
from storage import Database
from storage.records.magazine import ContributionKind, ContributionState, NewEdition
from storage.repositories.magazine import MagazineRepository
from storage.types import utcnow
from storage.vocabulary import Topic
from tests.magazine.conftest import TEN_MB, pdf, png


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are matched in English (the message ids), whatever the catalog says."""
    with language("en"):
        yield


@dataclass(frozen=True)
class Someone:
    member_id: int


@dataclass
class Members:
    ids: tuple[int, ...] = (1, 2, 3)
    asked: list[bool] = field(default_factory=list)

    async def audience(self, *, verified_only: bool = False) -> list[Someone]:
        self.asked.append(verified_only)
        return [Someone(member_id) for member_id in self.ids]


@dataclass
class Broadcaster:
    sent: list[Broadcast] = field(default_factory=list)

    async def broadcast(self, spec: Broadcast) -> int:
        self.sent.append(spec)
        return len(self.sent)


@dataclass
class Setup:
    service: MagazineService
    broadcaster: Broadcaster
    members: Members
    db: Database


@pytest.fixture
async def setup(db: Database) -> AsyncIterator[Setup]:
    broadcaster, members = Broadcaster(), Members()
    service = MagazineService(
        MagazineRepository(db),
        broadcaster,
        members,
        verified_only=True,
        announcement_chats=[Chat("telegram", "-100123", is_private=False)],
    )
    yield Setup(service, broadcaster, members, db)


def edition(number: int, **changes: object) -> NewEdition:
    values: dict[str, object] = {
        "number": number,
        "title": f"Nummer {number}",
        "published_on": date(2026, 5, 11),
        "summary": "Advies en meningen uit het netwerk.",
        "link_url": "https://dewerkvereniging.nl/magazine",
        "cover_file_id": None,
        "pdf_file_id": None,
        "created_by": "console:olga",
    }
    values.update(changes)
    return NewEdition(**values)  # type: ignore[arg-type]


async def rows(db: Database, table: str) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() or 0)


# -- files are checked where they enter --------------------------------------------------------


def test_a_cover_must_be_an_image_of_at_most_5_mb() -> None:
    cover = checked_cover(Attachment("voorkant.png", png()))
    assert cover.mime_type == "image/png" and cover.filename == "cover.png"
    assert checked_cover(Attachment("photo.jpg", b"\xff\xd8\xff" + b"x" * 10, "image/jpeg"))
    refused = [
        Attachment("magazine.pdf", pdf()),  # a PDF as cover
        Attachment("magazine.pdf", pdf(), "application/pdf"),
        Attachment("fake.png", b"not an image at all"),  # the name says image, the bytes don't
        Attachment("groot.png", b"\x89PNG\r\n\x1a\n" + bytes(TEN_MB)),
        Attachment("leeg.png", b""),
    ]
    for attachment in refused:
        with pytest.raises(UserError):
            checked_cover(attachment)


def test_a_magazine_file_must_be_a_pdf() -> None:
    assert checked_pdf(Attachment("nummer 3.pdf", pdf())).mime_type == "application/pdf"
    assert checked_pdf(Attachment("upload", pdf(), "application/pdf")).filename == "upload.pdf"
    with pytest.raises(UserError, match="PDF"):
        checked_pdf(Attachment("voorkant.png", png()))
    with pytest.raises(UserError, match="PDF"):
        checked_pdf(Attachment("vals.pdf", b"<html>not a pdf</html>"))
    with pytest.raises(UserError, match="too large"):
        checked_pdf(Attachment("groot.pdf", b"%PDF-1.4\n" + bytes(TEN_MB)))


def test_a_contribution_file_is_an_image_a_pdf_or_a_document() -> None:
    assert checked_contribution_file(Attachment("foto.png", png())).mime_type == "image/png"
    assert checked_contribution_file(Attachment("stuk.pdf", pdf())).mime_type == "application/pdf"
    assert checked_contribution_file(Attachment("../../etc/mijn stuk.txt", b"Hallo")).filename == (
        "mijn stuk.txt"
    )
    with pytest.raises(UserError):
        checked_contribution_file(Attachment("virus.exe", b"MZ\x90\x00"))
    with pytest.raises(UserError, match="too large"):
        checked_contribution_file(Attachment("groot.txt", bytes(TEN_MB)))


# -- editions ------------------------------------------------------------------------------------


async def test_publish_store_and_announce_to_all_members(setup: Setup) -> None:
    service = setup.service
    assert await service.next_number() == 1
    cover = await service.store_cover(Attachment("voorkant.png", png()))
    document = await service.store_pdf(Attachment("nummer1.pdf", pdf()))
    first = await service.publish(edition(1, cover_file_id=cover, pdf_file_id=document))
    assert first.number == 1 and first.published_on == date(2026, 5, 11)
    broadcast_id = await service.announce(
        first, created_by="console:olga", report_to=Chat("console", "olga")
    )
    spec = setup.broadcaster.sent[0]
    assert spec.template == "magazine.edition" and spec.params == {"edition_id": first.id}
    assert spec.topic == Topic.MAGAZINE and list(spec.members) == [1, 2, 3]
    assert [chat.chat_id for chat in spec.chats] == ["-100123"]
    assert spec.report_to == Chat("console", "olga")
    assert setup.members.asked == [True]  # verified members only, as the settings say
    assert (await service.edition(first.id)).broadcast_id == broadcast_id

    files = await service.edition_files(first)
    assert files.cover is not None and files.cover.mime_type == "image/png"
    assert files.pdf is not None and files.pdf.data.startswith(b"%PDF-")

    await service.publish(edition(3))
    await service.publish(edition(2, link_url=None, pdf_file_id=document))
    assert [e.number for e in await service.editions()] == [3, 2, 1]
    assert await service.next_number() == 4


async def test_an_edition_is_refused_before_anything_is_stored(setup: Setup) -> None:
    service = setup.service
    await service.publish(edition(1))
    for wrong in (
        edition(1),  # the number is taken
        edition(2, link_url=None),  # neither a PDF nor a link
        edition(2, link_url="http://onveilig.example"),
        edition(2, published_on=date(1, 1, 1)),
        edition(2, title=" "),
        edition(2, summary="x" * 1001),
        edition(2, cover_file_id=12345),  # a file that is not there
        edition(0),
    ):
        with pytest.raises(UserError):
            await service.publish(wrong)
    with pytest.raises(UserError, match="already"):
        await service.check_number(1)
    assert await rows(setup.db, "magazine_editions") == 1


# -- contributions -----------------------------------------------------------------------------


async def test_contributions_newest_first_decided_once(setup: Setup) -> None:
    service = setup.service
    file_id = await service.store_contribution_file(7, Attachment("advies.pdf", pdf()))
    first = await service.contribute(
        7, "Anna", ContributionKind.ADVICE, "Regel pensioen voor zzp'ers.", file_id
    )
    second = await service.contribute(
        8, "Bob", ContributionKind.STORY, "Mijn verhaal als mantelzorger.", None
    )
    assert first.file is not None and first.file.filename == "advies.pdf"
    assert [c.id for c in await service.inbox()] == [second.id, first.id]
    assert await service.waiting() == 2

    accepted = await service.decide(first.id, True, "console:olga")
    assert accepted.state is ContributionState.ACCEPTED and accepted.decided_by == "console:olga"
    with pytest.raises(UserError, match="decided already"):
        await service.decide(first.id, False, "console:olga")
    with pytest.raises(UserError):
        await service.decide(999_999, True, "console:olga")
    assert [c.id for c in await service.inbox()] == [second.id]
    assert [c.id for c in await service.inbox(everything=True)] == [second.id, first.id]


async def test_a_member_has_at_most_a_few_contributions_waiting(setup: Setup) -> None:
    service = setup.service
    for n in range(MAX_OPEN):
        await service.contribute(7, "Anna", ContributionKind.OPINION, f"Mening nummer {n}.", None)
    with pytest.raises(UserError, match="waiting"):
        await service.contribute(7, "Anna", ContributionKind.OPINION, "Nog een mening.", None)
    with pytest.raises(UserError, match="at least"):
        await service.contribute(8, "Bob", ContributionKind.OPINION, "kort", None)
    assert await rows(setup.db, "magazine_contributions") == MAX_OPEN


# -- AVG/GDPR ----------------------------------------------------------------------------------


async def test_export_and_erase_a_contributor(setup: Setup) -> None:
    service, db = setup.service, setup.db
    # an organizer's edition files are the association's: erasing the organizer keeps them
    cover = await service.store_cover(Attachment("voorkant.png", png()))
    await service.publish(edition(1, cover_file_id=cover))
    file_id = await service.store_contribution_file(7, Attachment("stuk.pdf", pdf("geheim")))
    await service.contribute(
        7, "Anna de Boer", ContributionKind.OPINION, "Mijn mening over zzp.", file_id
    )
    await service.store_contribution_file(7, Attachment("los.txt", b"nooit verstuurd"))

    exported = await service.export(7)
    (item,) = exported["contributions"]
    assert item["text"] == "Mijn mening over zzp." and item["name"] == "Anna de Boer"
    assert base64.b64decode(item["file"]["base64"]) == pdf("geheim")
    assert exported["files_not_sent"] == [{"name": "los.txt", "type": "text/plain", "size": 15}]
    assert (await service.export(8)) == {"contributions": [], "files_not_sent": []}

    await service.erase(7)
    assert await service.export(7) == {"contributions": [], "files_not_sent": []}
    assert await service.inbox(everything=True) == []
    async with db.engine.connect() as conn:
        left = (
            await conn.execute(
                text(
                    "SELECT member_id, author_name, text, file_id, kind, erased_at "
                    "FROM magazine_contributions"
                )
            )
        ).all()
    assert len(left) == 1
    member, name, body, file, kind, erased = left[0]
    assert (member, name, body, file, kind) == (None, None, None, None, "mening")
    assert erased is not None
    assert await rows(db, "magazine_files") == 1  # only the edition's cover
    assert (await service.edition_files((await service.editions())[0])).cover is not None


async def test_loose_files_are_purged_after_a_week(setup: Setup) -> None:
    service, db = setup.service, setup.db
    loose = await service.store_cover(Attachment("verlaten.png", png()))
    used = await service.store_cover(Attachment("gebruikt.png", png()))
    await service.publish(edition(1, cover_file_id=used))
    assert await service.purge_loose_files() == 0
    with time_machine.travel(utcnow() + timedelta(days=8)):
        assert await service.purge_loose_files() == 1
    assert await service.file(loose) is None and await service.file(used) is not None
    assert await rows(db, "magazine_files") == 1
