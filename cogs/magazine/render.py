"""The magazine's texts and replies: pure functions of records, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.core.clock import when
from bot.core.i18n import _, ngettext
from bot.core.types import Attachment, Button, Reply
from cogs.magazine import actions
from cogs.magazine.actions import Verb
from cogs.magazine.service import EditionFiles
from storage.records.magazine import (
    ContributionKind,
    ContributionRecord,
    ContributionState,
    EditionRecord,
)
from storage.vocabulary import Topic

NAME = "Magazine van de Vernieuwing"
EARLIER_SHOWN = 10
"""Earlier editions listed under the latest: two rows of five buttons."""


def kind_name(kind: ContributionKind) -> str:
    return {
        ContributionKind.OPINION: _("opinion"),
        ContributionKind.ADVICE: _("advice"),
        ContributionKind.STORY: _("story"),
    }[kind]


def state_name(state: ContributionState) -> str:
    return {
        ContributionState.NEW: _("new"),
        ContributionState.ACCEPTED: _("accepted"),
        ContributionState.DECLINED: _("declined"),
    }[state]


def shown_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _rows(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


# -- editions ----------------------------------------------------------------------------------


def edition(record: EditionRecord, files: EditionFiles) -> list[Reply]:
    """An edition as members get it: the cover with the summary and a link button, then
    the PDF (when there is one) as a file of its own."""
    text = (
        f"📰 {NAME} #{record.number} — {record.title}\n"
        + _("Published {date}").format(date=shown_date(record.published_on))
        + f"\n\n{record.summary}"
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if record.link_url:
        buttons = ((Button(_("Read the magazine"), url=record.link_url),),)
    cover = None
    if files.cover is not None:
        cover = replace(files.cover, filename=f"magazine-{record.number}-{files.cover.filename}")
    replies = [Reply(text, buttons, attachment=cover)]
    if files.pdf is not None:
        pdf = Attachment(
            f"magazine-van-de-vernieuwing-{record.number}.pdf", files.pdf.data, files.pdf.mime_type
        )
        replies.append(
            Reply(_("Edition #{number} as a PDF.").format(number=record.number), attachment=pdf)
        )
    return replies


def stop_line() -> str:
    """The line the outbox puts under every message of the topic "magazine" (the same text
    as the broadcasts module's), so the preview shows exactly what members get."""
    return _("You get this because “{topic}” is on. Switch it off with /meldingen.").format(
        topic=Topic.MAGAZINE.value
    )


def as_members_get_it(replies: Sequence[Reply]) -> list[Reply]:
    found = list(replies)
    if found:
        last = found[-1]
        found[-1] = replace(last, text=f"{last.text}\n\n{stop_line()}")
    return [replace(reply, private=True) for reply in found]


def no_editions() -> Reply:
    return Reply(_("No edition of the Magazine van de Vernieuwing has appeared yet."))


def earlier(editions: Sequence[EditionRecord]) -> Reply | None:
    """The editions before the latest, each with a button that opens it."""
    shown = list(editions)[:EARLIER_SHOWN]
    if not shown:
        return None
    lines = [_("Earlier editions:")]
    buttons: list[Button] = []
    for record in shown:
        lines.append(f"#{record.number} — {record.title} ({shown_date(record.published_on)})")
        buttons.append(Button(f"#{record.number}", actions.encode(Verb.EDITION, record.id)))
    return Reply("\n".join(lines), _rows(buttons, 5))


def preview_note(chats: int) -> str:
    text = _(
        "Above is the edition as members will see it. It goes to every member who chose the "
        "magazine in /meldingen."
    )
    if chats:
        text += " " + _("Also to {n} announcement chats.").format(n=chats)
    return text


def published(record: EditionRecord, broadcast_id: int) -> Reply:
    return Reply(
        _(
            "Edition #{number} is published. Broadcast {id} is on its way to the members who "
            "chose the magazine; you see its progress here."
        ).format(number=record.number, id=broadcast_id),
        private=True,
    )


# -- contributions -------------------------------------------------------------------------------


def contribution_check(kind: ContributionKind, text: str, file_name: str | None) -> str:
    """What the member is about to send, before they press Send."""
    lines = [_("Your {kind} for the editors:").format(kind=kind_name(kind)), "", text, ""]
    if file_name:
        lines.append(_("File: {name}").format(name=file_name))
    lines.append(_("Send it to the editors?"))
    return "\n".join(lines)


def received(record: ContributionRecord) -> Reply:
    return Reply(
        _(
            "Thank you! The editors have your {kind} (contribution {id}). You will hear from "
            "them once they have read it."
        ).format(kind=kind_name(record.kind), id=record.id),
        private=True,
    )


def contribution(record: ContributionRecord, file: Attachment | None) -> Reply:
    """One contribution in the organizers' inbox, with Accept and Decline while it is new."""
    head = _("Contribution {id}: {kind} from {name} (member {member}), {when}, {state}.").format(
        id=record.id,
        kind=kind_name(record.kind),
        name=record.author_name or "—",
        member=record.member_id or "—",
        when=when(record.created_at),
        state=state_name(record.state),
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if record.state is ContributionState.NEW:
        buttons = (
            (
                Button(_("Accept"), actions.encode(Verb.ACCEPT, record.id)),
                Button(_("Decline"), actions.encode(Verb.DECLINE, record.id)),
            ),
        )
    return Reply(f"{head}\n\n{record.text or ''}".strip(), buttons, attachment=file, private=True)


def inbox_head(waiting: int, shown: int, *, everything: bool) -> Reply:
    if everything:
        if not shown:
            return Reply(_("No contributions yet."), private=True)
        text = _("The latest contributions, newest first ({count} wait for a decision):").format(
            count=waiting
        )
        return Reply(text, private=True)
    if not waiting:
        return Reply(
            _("No new contributions. /inzendingen alles also shows the decided ones."),
            private=True,
        )
    if shown >= waiting:
        text = ngettext(
            "{count} contribution waits for a decision:",
            "{count} contributions wait for a decision:",
            waiting,
        ).format(count=waiting)
    else:
        text = _("{count} contributions wait for a decision; the newest {shown} below:").format(
            count=waiting, shown=shown
        )
    return Reply(text, private=True)


def decided(record: ContributionRecord) -> Reply:
    if record.state is ContributionState.ACCEPTED:
        text = _("Contribution {id} is accepted; the contributor is thanked.")
    else:
        text = _("Contribution {id} is declined; the contributor gets a kind word.")
    return Reply(text.format(id=record.id), private=True)


def thanks(kind: ContributionKind, contribution_id: int, accepted: bool) -> Reply:
    """For the contributor, in their own language (rendered when it is delivered)."""
    if accepted:
        text = _(
            "Good news: the editors of the Magazine van de Vernieuwing accepted your {kind} "
            "(contribution {id}). Thank you for sending it!"
        )
    else:
        text = _(
            "Thank you for your {kind} for the Magazine van de Vernieuwing (contribution {id}). "
            "The editors will not use it this time, but they read everything: please keep "
            "sending!"
        )
    return Reply(text.format(kind=kind_name(kind), id=contribution_id), private=True)
