"""The rules of the magazine: editions, how they reach members, and contributions.

Editions are published by organizers and announced through the outbox (topic
"magazine": only members who chose it get it). Members send the editors opinions,
advice and stories; organizers accept or decline them. Every file is checked where it
enters (size, and what it really is), before anything is stored.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from bot.core.bounds import EARLIEST, LATEST
from bot.core.checks import checked_line, checked_link, checked_text
from bot.core.clock import utcnow
from bot.core.errors import UserError
from bot.core.files import (
    DOCUMENTS,
    EXTENSION_OF,
    OCTET,
    PDF,
    check_size,
    declared_type,
    image_type,
    is_pdf,
    safe_filename,
)
from bot.core.i18n import _
from bot.core.outbox import Broadcast, Broadcaster
from bot.core.types import Attachment, Chat
from storage.records.magazine import (
    ContributionKind,
    ContributionRecord,
    ContributionState,
    EditionRecord,
    NewContribution,
    NewEdition,
)
from storage.repositories.magazine import MagazineRepository
from storage.vocabulary import Topic

log = logging.getLogger(__name__)

EDITION_TEMPLATE = "magazine.edition"
MAX_NUMBER = 9999
MAX_TITLE = 200
MAX_SUMMARY = 1000
MAX_LINK = 500
"""Discord takes link buttons up to 512 characters."""
MIN_TEXT = 10
MAX_TEXT = 2000
MAX_OPEN = 5
"""Contributions of one member waiting for the editors at once."""
LOOSE_FILES_KEPT = timedelta(days=7)
"""A file nothing refers to (its conversation was abandoned) is removed after this."""

class Member(Protocol):
    @property
    def member_id(self) -> int: ...


class MemberFacts(Protocol):
    """What the magazine needs from the members module (its service): all members."""

    async def audience(self, *, verified_only: bool = False) -> Sequence[Member]: ...


def checked_cover(attachment: Attachment) -> Attachment:
    """A cover: an image (JPEG, PNG, GIF or WebP) of at most 5 MB."""
    check_size(attachment)
    declared = declared_type(attachment)
    sniffed = image_type(attachment.data)
    if sniffed is None or not (declared.startswith("image/") or declared == OCTET):
        raise UserError(_("The cover must be an image (JPEG, PNG, GIF or WebP)."))
    return Attachment(f"cover.{EXTENSION_OF[sniffed]}", attachment.data, sniffed)


def checked_pdf(attachment: Attachment) -> Attachment:
    check_size(attachment)
    if not is_pdf(attachment):
        raise UserError(_("Please send the magazine as a PDF file."))
    name = safe_filename(attachment.filename, "magazine.pdf")
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return Attachment(name, attachment.data, PDF)


def checked_contribution_file(attachment: Attachment) -> Attachment:
    """An image, a PDF or a text document (Word, OpenDocument, RTF, plain text)."""
    check_size(attachment)
    sniffed = image_type(attachment.data)
    declared = declared_type(attachment)
    if sniffed is not None and (declared.startswith("image/") or declared == OCTET):
        mime = sniffed
    elif is_pdf(attachment):
        mime = PDF
    elif declared in DOCUMENTS:
        mime = declared
    else:
        raise UserError(
            _("Please send an image, a PDF or a text document (Word, OpenDocument or plain text).")
        )
    return Attachment(safe_filename(attachment.filename, "bijlage"), attachment.data, mime)


# -- texts ---------------------------------------------------------------------------------------


def checked_number(number: int) -> int:
    if not 1 <= number <= MAX_NUMBER:
        raise UserError(_("Please give a number from 1 to {max}.").format(max=MAX_NUMBER))
    return number


def checked_date(moment: date) -> date:
    if not EARLIEST.year <= moment.year < LATEST.year:
        raise UserError(
            _("Please give a date between {first} and {last}.").format(
                first=EARLIEST.year, last=LATEST.year - 1
            )
        )
    return moment


@dataclass(frozen=True)
class EditionFiles:
    cover: Attachment | None
    pdf: Attachment | None


class MagazineService:
    def __init__(
        self,
        repository: MagazineRepository,
        broadcaster: Broadcaster,
        members: MemberFacts,
        *,
        verified_only: bool,
        announcement_chats: Sequence[Chat] = (),
    ) -> None:
        self._repo = repository
        self._broadcaster = broadcaster
        self._members = members
        self._verified_only = verified_only
        self.announcement_chats = list(announcement_chats)

    # -- files -----------------------------------------------------------------------------------

    async def store_cover(self, attachment: Attachment) -> int:
        cover = checked_cover(attachment)
        return await self._repo.add_file(cover.filename, cover.mime_type, cover.data, None)

    async def store_pdf(self, attachment: Attachment) -> int:
        pdf = checked_pdf(attachment)
        return await self._repo.add_file(pdf.filename, pdf.mime_type, pdf.data, None)

    async def store_contribution_file(self, member_id: int, attachment: Attachment) -> int:
        """A member's file for a contribution; theirs (erased with them) until it is sent."""
        file = checked_contribution_file(attachment)
        return await self._repo.add_file(file.filename, file.mime_type, file.data, member_id)

    async def discard(self, file_ids: Iterable[int | None]) -> None:
        """Files of a conversation that ended without using them (unless something uses them)."""
        await self._repo.discard_loose(f for f in file_ids if f)

    async def file(self, file_id: int | None) -> Attachment | None:
        if not file_id:
            return None
        found = await self._repo.file(int(file_id))
        return None if found is None else Attachment(found.filename, found.data, found.mime_type)

    async def purge_loose_files(self) -> int:
        """Daily: files of conversations abandoned a week ago."""
        return await self._repo.purge_loose(utcnow() - LOOSE_FILES_KEPT)

    # -- editions --------------------------------------------------------------------------------

    async def next_number(self) -> int:
        highest = await self._repo.highest_number()
        return min((highest or 0) + 1, MAX_NUMBER)

    async def check_number(self, number: int) -> int:
        checked_number(number)
        if await self._repo.number_taken(number):
            raise UserError(_("There already is an edition number {number}.").format(number=number))
        return number

    async def publish(self, new: NewEdition) -> EditionRecord:
        """Store an edition (checked once more: nothing is stored when anything is wrong)."""
        checked_number(new.number)
        checked_line(new.title, MAX_TITLE)
        checked_text(new.summary, MAX_SUMMARY)
        checked_date(new.published_on)
        if new.link_url is not None:
            checked_link(new.link_url)
        if new.link_url is None and new.pdf_file_id is None:
            raise UserError(_("An edition needs a PDF or a link."))
        files = [f for f in (new.cover_file_id, new.pdf_file_id) if f is not None]
        if len(await self._repo.existing_files(files)) != len(set(files)):
            raise UserError(_("A file of this edition is no longer there; please send it again."))
        stored = await self._repo.add_edition(new)
        if stored is None:
            raise UserError(
                _("There already is an edition number {number}.").format(number=new.number)
            )
        log.info(
            "magazine edition %s (#%s) published by %s", stored.id, stored.number, new.created_by
        )
        return stored

    async def announce(
        self, edition: EditionRecord, *, created_by: str | None, report_to: Chat | None
    ) -> int:
        """To every member who chose the topic "magazine", and the announcement chats."""
        members = await self._members.audience(verified_only=self._verified_only)
        broadcast_id = await self._broadcaster.broadcast(
            Broadcast(
                title=f"Magazine #{edition.number}: {edition.title}"[:60],
                template=EDITION_TEMPLATE,
                params={"edition_id": edition.id},
                topic=Topic.MAGAZINE,
                members=[member.member_id for member in members],
                chats=self.announcement_chats,
                created_by=created_by,
                report_to=report_to,
            )
        )
        await self._repo.set_broadcast(edition.id, broadcast_id)
        return broadcast_id

    async def editions(self, limit: int = 11) -> list[EditionRecord]:
        """The newest (highest number) first."""
        return await self._repo.editions(limit)

    async def edition(self, edition_id: int) -> EditionRecord:
        found = await self._repo.edition(edition_id)
        if found is None:
            raise UserError(_("That edition does not exist (any more)."))
        return found

    async def edition_files(self, edition: EditionRecord) -> EditionFiles:
        return EditionFiles(
            cover=await self.file(edition.cover_file_id), pdf=await self.file(edition.pdf_file_id)
        )

    # -- contributions ---------------------------------------------------------------------------

    async def may_contribute(self, member_id: int) -> None:
        if await self._repo.count(ContributionState.NEW, member_id) >= MAX_OPEN:
            raise UserError(
                _(
                    "You have {count} contributions waiting for the editors. Please wait until "
                    "they have read them."
                ).format(count=MAX_OPEN)
            )

    async def contribute(
        self,
        member_id: int,
        author_name: str | None,
        kind: ContributionKind,
        text: str,
        file_id: int | None,
    ) -> ContributionRecord:
        cleaned = checked_text(text, MAX_TEXT, MIN_TEXT)
        await self.may_contribute(member_id)
        if file_id is not None and not await self._repo.existing_files([file_id]):
            raise UserError(_("Your file is no longer there; please send it again."))
        return await self._repo.add_contribution(
            NewContribution(member_id, (author_name or "")[:200] or None, kind, cleaned, file_id)
        )

    async def inbox(self, *, everything: bool = False, limit: int = 10) -> list[ContributionRecord]:
        """The newest first: the new ones, or (``everything``) decided ones too."""
        states = () if everything else (ContributionState.NEW,)
        return await self._repo.contributions(states, limit=limit)

    async def waiting(self) -> int:
        return await self._repo.count(ContributionState.NEW)

    async def decide(self, contribution_id: int, accept: bool, by: str) -> ContributionRecord:
        found = await self._repo.contribution(contribution_id)
        if found is None:
            raise UserError(_("That contribution does not exist (any more)."))
        state = ContributionState.ACCEPTED if accept else ContributionState.DECLINED
        if not await self._repo.decide(contribution_id, state, by):
            raise UserError(_("Contribution {id} was decided already.").format(id=contribution_id))
        decided = await self._repo.contribution(contribution_id)
        return decided or found

    # -- AVG/GDPR --------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        contributions = []
        for record, file in await self._repo.contributions_of(member_id):
            contributions.append(
                {
                    "number": record.id,
                    "kind": record.kind.value,
                    "name": record.author_name,
                    "text": record.text,
                    "state": record.state.value,
                    "sent_at": record.created_at.isoformat(),
                    "decided_at": record.decided_at.isoformat() if record.decided_at else None,
                    "file": None
                    if file is None
                    else {
                        "name": file.filename,
                        "type": file.mime_type,
                        "size": len(file.data),
                        "base64": base64.b64encode(file.data).decode("ascii"),
                    },
                }
            )
        loose = [
            {"name": info.filename, "type": info.mime_type, "size": info.size}
            for info in await self._repo.loose_files_of(member_id)
        ]
        return {"contributions": contributions, "files_not_sent": loose}

    async def erase(self, member_id: int) -> None:
        await self._repo.erase_member(member_id)
