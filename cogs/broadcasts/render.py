"""The broadcasts module's texts and replies: pure functions of records, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.core.clock import utcnow
from bot.core.clock import when as shown
from bot.core.i18n import _, ngettext
from bot.core.markup import plain
from bot.core.types import Attachment, Button, Reply
from cogs.broadcasts import actions
from cogs.broadcasts.actions import Verb, topic_number
from storage.records.outbox import (
    BroadcastCounts,
    BroadcastRecord,
    BroadcastStatus,
    RecipientState,
)
from storage.vocabulary import Channel, Topic

MAX_TITLE = 60


def title_of(text: str) -> str:
    """The name of an announcement in lists and reports: its text without markup, on one
    line, shortened."""
    title = " ".join(plain(text).split())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


def members(n: int) -> str:
    return ngettext("{n} member", "{n} members", n).format(n=n)


def topic_name(topic: Topic) -> str:
    return f"{topic.value} — {_(topic.label)}"


def stop_line(topic: Topic) -> str:
    """The last line of every topic message: why the member gets it, how to stop it."""
    return _("You get this because “{topic}” is on. Switch it off with /meldingen.").format(
        topic=topic.value
    )


# -- members' choices --------------------------------------------------------------------------


def choices(topics: set[Topic], channel: Channel, *, first_time: bool = False) -> Reply:
    """Every topic with an on/off button, and the channel."""
    lines = [
        _("What would you like to receive? Nothing is on unless you switch it on.")
        if first_time
        else _("Your notifications (press to switch on or off):")
    ]
    switches: list[Button] = []
    for topic in Topic:
        on = topic in topics
        lines.append(("✅ " if on else "⬜ ") + topic_name(topic))
        verb = Verb.OFF if on else Verb.ON
        label = ("✅ " if on else "⬜ ") + topic.value
        switches.append(Button(label, actions.encode(verb, topic_number(topic))))
    # Three a row: Discord shows at most five rows of buttons under a message.
    rows: list[tuple[Button, ...]] = [
        tuple(switches[i : i + 3]) for i in range(0, len(switches), 3)
    ]
    if channel is Channel.EMAIL:
        lines.append(_("You receive them by e-mail."))
        other, label = Channel.CHAT, _("Receive them in chat instead")
    else:
        lines.append(_("You receive them in chat (by e-mail only when no chat reaches you)."))
        other, label = Channel.EMAIL, _("Receive them by e-mail instead")
    rows.append((Button(label, actions.encode(Verb.CHANNEL, actions.CHANNELS.index(other) + 1)),))
    rows.append((Button(_("Done"), actions.encode(Verb.DONE)),))
    return Reply("\n".join(lines), tuple(rows), private=True)


# -- organizers ---------------------------------------------------------------------------------


def status_name(status: BroadcastStatus) -> str:
    return {
        BroadcastStatus.PLANNED: _("planned"),
        BroadcastStatus.RUNNING: _("running"),
        BroadcastStatus.STOPPED: _("stopped"),
        BroadcastStatus.CANCELLED: _("cancelled"),
        BroadcastStatus.DONE: _("done"),
    }[status]


def state_name(state: RecipientState) -> str:
    return {
        RecipientState.PENDING: _("waiting"),
        RecipientState.SENDING: _("being sent"),
        RecipientState.SENT: _("sent"),
        RecipientState.FAILED: _("failed"),
        RecipientState.UNREACHABLE: _("unreachable"),
        RecipientState.SKIPPED: _("not sent (stopped or erased)"),
    }[state]


def progress(broadcast: BroadcastRecord, counts: BroadcastCounts, rate: float | None) -> Reply:
    """Where a broadcast stands: edited in place while it runs, then the final report."""
    sent = counts.state(RecipientState.SENT)
    failed = counts.state(RecipientState.FAILED)
    unreachable = counts.state(RecipientState.UNREACHABLE)
    if broadcast.status is BroadcastStatus.RUNNING and counts.open:
        text = _(
            "Broadcast {id} “{title}”: {sent} sent, {failed} failed, {unreachable} "
            "unreachable, {left} to go."
        ).format(
            id=broadcast.id,
            title=broadcast.title,
            sent=sent,
            failed=failed,
            unreachable=unreachable,
            left=counts.open,
        )
        if rate:
            seconds = counts.open / rate
            end = shown(utcnow() + timedelta(seconds=min(seconds, 366 * 86400)))
            text += " " + _("Expected end: {end} (about {minutes:.0f} more minutes).").format(
                end=end[-5:] if seconds < 12 * 3600 else end, minutes=max(1, seconds / 60)
            )
        return Reply(text, ((Button(_("Stop"), actions.encode(Verb.STOP, broadcast.id)),),))
    return Reply(
        _(
            "Broadcast {id} “{title}” is {status}: {sent} sent, {failed} failed, {unreachable} "
            "unreachable. Details: /aankondiging_status {id}"
        ).format(
            id=broadcast.id,
            title=broadcast.title,
            status=status_name(broadcast.status),
            sent=sent,
            failed=failed,
            unreachable=unreachable,
        )
    )


def status(broadcast: BroadcastRecord, counts: BroadcastCounts, failures_csv: bytes) -> list[Reply]:
    """``/aankondiging_status``: counts per platform and state, and the failures as CSV."""
    lines = [
        _("Broadcast {id} “{title}” ({status}), {total} recipients.").format(
            id=broadcast.id,
            title=broadcast.title,
            status=status_name(broadcast.status),
            total=broadcast.total,
        )
    ]
    by_platform: dict[str, dict[RecipientState, int]] = {}
    for (platform, state), number in sorted(
        counts.by_platform.items(), key=lambda item: (item[0][0] or "", item[0][1])
    ):
        by_platform.setdefault(platform or "—", {})[state] = number
    for platform, states in by_platform.items():
        listed = ", ".join(f"{state_name(state)} {number}" for state, number in states.items())
        lines.append(f"{platform}: {listed}")
    replies = [Reply("\n".join(lines), private=True)]
    failed = counts.state(RecipientState.FAILED) + counts.state(RecipientState.UNREACHABLE)
    if failed:
        replies.append(
            Reply(
                _("Who was not reached (member numbers only):"),
                attachment=Attachment(
                    f"aankondiging-{broadcast.id}-mislukt.csv", failures_csv, "text/csv"
                ),
                private=True,
            )
        )
    return replies


def broadcast_list(found: Sequence[BroadcastRecord]) -> Reply:
    if not found:
        return Reply(_("No broadcasts yet. Compose one with /aankondiging."), private=True)
    lines = [_("Broadcasts (number, status, recipients):")]
    rows: list[tuple[Button, ...]] = []
    for broadcast in found:
        when = ""
        if broadcast.status is BroadcastStatus.PLANNED and broadcast.planned_at is not None:
            when = " — " + shown(broadcast.planned_at)
        lines.append(
            f"{broadcast.id}. {broadcast.title} — {status_name(broadcast.status)}, "
            f"{broadcast.total}{when}"
        )
        if broadcast.status is BroadcastStatus.PLANNED:
            rows.append(
                (
                    Button(
                        _("Cancel {id}").format(id=broadcast.id),
                        actions.encode(Verb.CANCEL, broadcast.id),
                    ),
                )
            )
        elif broadcast.status is BroadcastStatus.RUNNING:
            rows.append(
                (
                    Button(
                        _("Stop {id}").format(id=broadcast.id),
                        actions.encode(Verb.STOP, broadcast.id),
                    ),
                )
            )
    return Reply("\n".join(lines), tuple(rows), private=True)


def announcement(text: str, link: tuple[str, str] | None, attachment: Attachment | None) -> Reply:
    """An organizer's announcement as members get it (and as the organizer previews it)."""
    buttons: tuple[tuple[Button, ...], ...] = ()
    if link is not None:
        url, label = link
        buttons = ((Button(label, url=url),),)
    return Reply(text, buttons, attachment=attachment, markup=True, private=True)
