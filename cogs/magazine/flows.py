"""The magazine's conversations: publishing an edition, and sending the editors a piece.

Every answer is kept in the stored conversation (a file as the number of the stored
file), so a restart in the middle continues at the same question. Files are checked
(size, kind) the moment they arrive; a file the conversation did not use in the end is
removed when it ends (and by the daily housekeeping when it was abandoned).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.bounds import parse_int
from bot.core.clock import LOCAL_ZONE, utcnow
from bot.core.context import Context
from bot.core.conversation import Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Attachment, Reply, in_rows
from cogs.magazine import render
from cogs.magazine.service import (
    MAX_NUMBER,
    MAX_SUMMARY,
    MAX_TEXT,
    MAX_TITLE,
    MIN_TEXT,
    EditionFiles,
    MagazineService,
    checked_date,
    checked_line,
    checked_link,
    checked_text,
)
from storage.records.magazine import ContributionKind, EditionRecord, NewEdition
from storage.vocabulary import known

EDITION_FLOW = "edition"
CONTRIBUTION_FLOW = "contribution"
CHANGEABLE = ("number", "title", "date", "summary", "cover", "pdf", "link")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")



def today() -> date:
    """Today in Dutch time."""
    return utcnow().astimezone(LOCAL_ZONE).date()


def parse_day(text: str) -> date:
    """A date typed as "2027-05-11", "11-05-2027" (also with / or .) or "today", between
    1970 and 2199."""
    raw = text.strip().lower()
    if raw in ("today", "vandaag"):
        return today()
    iso, dutch = _ISO_DATE.fullmatch(raw), _DUTCH_DATE.fullmatch(raw)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
    elif dutch is not None:
        day, month, year = (int(part) for part in dutch.groups())
    else:
        raise InvalidAnswer(_("Please type a date like 11-05-2027 (or 2027-05-11)."))
    try:
        moment = date(year, month, day)
    except ValueError:
        raise InvalidAnswer(_("Please type a date like 11-05-2027 (or 2027-05-11).")) from None
    try:
        return checked_date(moment)
    except UserError as problem:
        raise InvalidAnswer(problem.message) from None



class EditionFlow(Flow):
    """``/magazine_nieuw``: number, title, date, summary, cover, PDF, link, preview."""

    name = EDITION_FLOW
    first_step = "number"

    def __init__(self, service: MagazineService) -> None:
        self._service = service

    # -- questions ---------------------------------------------------------------------------

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "number":
            suggested = await self._service.next_number()
            return Reply(
                _("New edition of the Magazine van de Vernieuwing.")
                + " "
                + _("Which number is it? The next one is {number}.").format(number=suggested)
                + "\n"
                + _("(Type /stop to stop.)"),
                ((self.button(step, f"#{suggested}", str(suggested)),),),
                private=True,
                expects_text=True,
            )
        if step == "title":
            return Reply(
                _("The title of edition #{number}?").format(number=data["number"]),
                private=True,
                expects_text=True,
            )
        if step == "date":
            return Reply(
                _("Its publication date? Type it like 11-05-2027, or press Today."),
                ((self.button(step, _("Today"), "today"),),),
                private=True,
                expects_text=True,
            )
        if step == "summary":
            return Reply(
                _("A short summary for members (at most {count} characters).").format(
                    count=MAX_SUMMARY
                ),
                private=True,
                expects_text=True,
            )
        if step == "cover":
            return Reply(
                _("Send the cover as an image (JPEG, PNG, GIF or WebP), or press No cover."),
                ((self.button(step, _("No cover"), "none"),),),
                private=True,
            )
        if step == "pdf":
            return Reply(
                _(
                    "Send the magazine as a PDF file (at most 5 MB), or press No PDF to give a link."
                ),
                ((self.button(step, _("No PDF"), "none"),),),
                private=True,
            )
        if step == "link":
            if data.get("pdf"):
                return Reply(
                    _("A link to the magazine online? Type it (https://…), or press No link."),
                    ((self.button(step, _("No link"), "none"),),),
                    private=True,
                    expects_text=True,
                )
            return Reply(
                _("Type the link to the magazine online (https://…)."),
                private=True,
                expects_text=True,
            )
        if step == "preview":
            return Reply(
                render.preview_note(len(self._service.announcement_chats)),
                (
                    (
                        self.button(step, _("Send"), "send"),
                        self.button(step, _("Change"), "change"),
                        self.button(step, _("Cancel"), "cancel"),
                    ),
                ),
                private=True,
            )
        if step == "change":
            labels = {
                "number": _("Number"),
                "title": _("Title"),
                "date": _("Date"),
                "summary": _("Summary"),
                "cover": _("Cover"),
                "pdf": _("PDF"),
                "link": _("Link"),
            }
            options = [self.button(step, labels[part], part) for part in CHANGEABLE]
            options.append(self.button(step, _("Back to the preview"), "back"))
            return Reply(_("What do you want to change?"), in_rows(options, 4), private=True)
        raise ValueError(step)

    def _draft(self, data: dict[str, Any]) -> NewEdition:
        return NewEdition(
            number=int(data["number"]),
            title=str(data["title"]),
            published_on=date.fromisoformat(data["date"]),
            summary=str(data["summary"]),
            link_url=data.get("link") or None,
            cover_file_id=data.get("cover") or None,
            pdf_file_id=data.get("pdf") or None,
            created_by=None,
        )

    async def preview(self, data: dict[str, Any]) -> list[Reply]:
        """The edition exactly as a member with the topic "magazine" gets it."""
        draft = self._draft(data)
        record = EditionRecord(
            id=0,
            number=draft.number,
            title=draft.title,
            published_on=draft.published_on,
            summary=draft.summary,
            link_url=draft.link_url,
            cover_file_id=draft.cover_file_id,
            pdf_file_id=draft.pdf_file_id,
            broadcast_id=None,
            created_by=None,
            created_at=utcnow(),
        )
        files = EditionFiles(
            cover=await self._service.file(draft.cover_file_id),
            pdf=await self._service.file(draft.pdf_file_id),
        )
        return render.as_members_get_it(render.edition(record, files))

    async def _then(self, data: dict[str, Any], following: str) -> Outcome:
        """On to ``following``, or back to the preview when a single part was changed."""
        if data.get("changing"):
            if not data.get("pdf") and not data.get("link"):
                return Outcome("link")
            return Outcome("preview", await self.preview(data))
        return Outcome(following)

    # -- answers ------------------------------------------------------------------------------

    async def accept_file(
        self, ctx: Context, step: str, data: dict[str, Any], attachment: Attachment
    ) -> Outcome:
        if step not in ("cover", "pdf"):
            raise InvalidAnswer(_("Please answer with text or a button, not a file."))
        try:
            if step == "cover":
                stored = await self._service.store_cover(attachment)
            else:
                stored = await self._service.store_pdf(attachment)
        except UserError as problem:
            raise InvalidAnswer.of(problem) from None
        replaced = data.get(step)
        data[step] = stored
        await self._service.discard([replaced])
        return await self._then(data, "pdf" if step == "cover" else "link")

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        if step == "number":
            number = parse_int(text.lstrip("#"), low=1, high=MAX_NUMBER)
            if number is None:
                raise InvalidAnswer(
                    _("Please give a number from 1 to {max}.").format(max=MAX_NUMBER)
                )
            if number != data.get("number"):
                try:
                    await self._service.check_number(number)
                except UserError as problem:
                    raise InvalidAnswer.of(problem) from None
            data["number"] = number
            return await self._then(data, "title")
        if step == "title":
            try:
                data["title"] = checked_line(text, MAX_TITLE)
            except UserError as problem:
                raise InvalidAnswer.of(problem) from None
            return await self._then(data, "date")
        if step == "date":
            data["date"] = parse_day(text).isoformat()
            return await self._then(data, "summary")
        if step == "summary":
            try:
                data["summary"] = checked_text(text, MAX_SUMMARY)
            except UserError as problem:
                raise InvalidAnswer.of(problem) from None
            return await self._then(data, "cover")
        if step == "cover":
            if text != "none":
                raise InvalidAnswer(_("Send an image, or press No cover."))
            dropped = data.pop("cover", None)
            await self._service.discard([dropped])
            return await self._then(data, "pdf")
        if step == "pdf":
            if text != "none":
                raise InvalidAnswer(_("Send a PDF file, or press No PDF."))
            dropped = data.pop("pdf", None)
            await self._service.discard([dropped])
            if not data.get("link"):
                return Outcome("link")
            return await self._then(data, "link")
        if step == "link":
            if text == "none":
                if not data.get("pdf"):
                    raise InvalidAnswer(_("An edition needs a PDF or a link."))
                data.pop("link", None)
            else:
                try:
                    data["link"] = checked_link(text)
                except UserError as problem:
                    raise InvalidAnswer.of(problem) from None
            return Outcome("preview", await self.preview(data))
        if step == "preview":
            return await self._decide(ctx, data, text)
        if step == "change":
            if text == "back":
                return Outcome("preview", await self.preview(data))
            if text not in CHANGEABLE:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["changing"] = True
            return Outcome(text)
        raise ValueError(step)

    async def _decide(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if text == "cancel":
            await self._service.discard([data.get("cover"), data.get("pdf")])
            return Outcome(None, [Reply(_("Cancelled; nothing was published."), private=True)])
        if text == "change":
            return Outcome("change")
        if text != "send":
            raise InvalidAnswer(_("Please choose one of the buttons."))
        try:
            record = await self._service.publish(
                replace(self._draft(data), created_by=ctx.identity.key)
            )
        except UserError as problem:
            raise InvalidAnswer(problem.message + " " + _("Press Change to correct it.")) from None
        broadcast_id = await self._service.announce(
            record, created_by=ctx.identity.key, report_to=ctx.chat
        )
        return Outcome(None, [render.published(record, broadcast_id)])


class ContributionFlow(Flow):
    """``/inzending``: kind, text, an optional file, and a last look before it is sent."""

    name = CONTRIBUTION_FLOW
    first_step = "kind"
    personal = True
    """A contribution in the making is the member's own text: scrubbed when it ends."""

    def __init__(self, service: MagazineService) -> None:
        self._service = service

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "kind":
            return Reply(
                _(
                    "Send the editors of the Magazine van de Vernieuwing your opinion, advice or "
                    "story. Politicians and policy makers read it. What is it?"
                )
                + "\n"
                + _("(Type /stop to stop.)"),
                (
                    tuple(
                        self.button(step, render.kind_name(kind).capitalize(), kind.value)
                        for kind in ContributionKind
                    ),
                ),
                private=True,
            )
        if step == "text":
            kind = ContributionKind(data["kind"])
            return Reply(
                _("Type your {kind} (at most {count} characters).").format(
                    kind=render.kind_name(kind), count=MAX_TEXT
                ),
                private=True,
                expects_text=True,
            )
        if step == "file":
            options = [self.button(step, _("No file"), "none")]
            if data.get("file"):
                options.insert(0, self.button(step, _("Keep the file"), "keep"))
            return Reply(
                _(
                    "Add a file (an image, a PDF or a text document of at most 5 MB)? Send it "
                    "now, or press No file."
                ),
                (tuple(options),),
                private=True,
            )
        if step == "confirm":
            kind = ContributionKind(data["kind"])
            return Reply(
                render.contribution_check(kind, data["text"], data.get("file_name")),
                (
                    (
                        self.button(step, _("Send"), "send"),
                        self.button(step, _("Change"), "change"),
                        self.button(step, _("Cancel"), "cancel"),
                    ),
                ),
                private=True,
            )
        raise ValueError(step)

    async def accept_file(
        self, ctx: Context, step: str, data: dict[str, Any], attachment: Attachment
    ) -> Outcome:
        if step != "file":
            raise InvalidAnswer(_("Please answer with text or a button, not a file."))
        member_id = ctx.require_member()
        try:
            stored = await self._service.store_contribution_file(member_id, attachment)
        except UserError as problem:
            raise InvalidAnswer.of(problem) from None
        replaced = data.get("file")
        data["file"] = stored
        data["file_name"] = (await self._service.file(stored) or attachment).filename
        await self._service.discard([replaced])
        return Outcome("confirm")

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        if step == "kind":
            kind = known(ContributionKind, text.lower())
            if kind is None:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["kind"] = kind.value
            return Outcome("text")
        if step == "text":
            try:
                data["text"] = checked_text(answer, MAX_TEXT, MIN_TEXT)
            except UserError as problem:
                raise InvalidAnswer.of(problem) from None
            return Outcome("file")
        if step == "file":
            if text == "keep" and data.get("file"):
                return Outcome("confirm")
            if text != "none":
                raise InvalidAnswer(_("Send a file, or press No file."))
            dropped = data.pop("file", None)
            data.pop("file_name", None)
            await self._service.discard([dropped])
            return Outcome("confirm")
        if step == "confirm":
            return await self._decide(ctx, data, text)
        raise ValueError(step)

    async def _decide(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if text == "cancel":
            await self._service.discard([data.get("file")])
            return Outcome(None, [Reply(_("Cancelled; nothing was sent."), private=True)])
        if text == "change":
            return Outcome("kind")
        if text != "send":
            raise InvalidAnswer(_("Please choose one of the buttons."))
        member_id = ctx.require_member()
        try:
            record = await self._service.contribute(
                member_id,
                ctx.caller.name,
                ContributionKind(data["kind"]),
                data["text"],
                data.get("file") or None,
            )
        except UserError as problem:
            raise InvalidAnswer.of(problem) from None
        return Outcome(None, [render.received(record)])
