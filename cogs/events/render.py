"""The events module's texts and replies: pure functions of records, no I/O.

Times are shown in the event's own zone (Dutch time) with the day written out in the
member's language (Babel), so "zaterdag 11 mei 2027, 10:00–17:00" reads right on both
sides of the change to summer time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.core.clock import utcnow
from bot.core.i18n import _, current_language, ngettext
from bot.core.types import Attachment, Button, Reply
from cogs.events import actions
from cogs.events.actions import Verb
from cogs.events.calendar import event_ics, ics_filename
from cogs.events.door import format_code, qr_png
from cogs.events.service import Checkin, CheckinOutcome, Participants
from storage.records.events import (
    EventKind,
    EventRecord,
    EventStatus,
    SessionRecord,
    SignupRecord,
    SignupState,
    Venue,
)
from storage.vocabulary import SEGMENTS

MAX_LISTED = 20
MAX_ROWS = 5
"""Discord shows at most 5 rows of 5 buttons, and drops the rest; Telegram takes more."""
MAX_SESSION_BUTTONS = 25


def _packed(buttons: Sequence[Button]) -> tuple[tuple[Button, ...], ...]:
    """One button a row while five rows hold them all (easiest to read), else as many a
    row as it takes to stay within five rows: every button can still be pressed on
    Discord. At most 25 (Discord's limit)."""
    per_row = max(1, -(-len(buttons) // MAX_ROWS))
    return tuple(
        tuple(buttons[start : start + per_row]) for start in range(0, len(buttons), per_row)
    )


def kind_name(kind: EventKind) -> str:
    return {
        EventKind.FESTIVAL: _("festival"),
        EventKind.BIJEENKOMST: _("gathering"),
        EventKind.PLATFORM: _("Platform Vernieuwen Doen We Samen"),
    }[kind]


def state_name(state: SignupState) -> str:
    return {
        SignupState.GOING: _("going"),
        SignupState.WAITLISTED: _("on the waitlist"),
        SignupState.OFFERED: _("a place is offered"),
        SignupState.NOT_GOING: _("not going"),
    }[state]


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def day(moment: datetime, zone: str) -> str:
    """"zaterdag 11 mei 2027" / "Saturday 11 May 2027"."""
    return format_date(_local(moment, zone).date(), "EEEE d MMMM y", locale=current_language())


def short_day(moment: datetime, zone: str) -> str:
    return format_date(_local(moment, zone).date(), "d MMM", locale=current_language())


def clock(moment: datetime, zone: str) -> str:
    return _local(moment, zone).strftime("%H:%M")


def when_text(event: EventRecord) -> str:
    start = _local(event.starts_at, event.time_zone)
    end = _local(event.ends_at, event.time_zone)
    if start.date() == end.date():
        return f"{day(event.starts_at, event.time_zone)}, {start:%H:%M}–{end:%H:%M}"
    return (
        f"{day(event.starts_at, event.time_zone)} {start:%H:%M} – "
        f"{day(event.ends_at, event.time_zone)} {end:%H:%M}"
    )


def where_text(venue: Venue) -> str:
    lines = []
    place = ", ".join(part for part in (venue.name, venue.address) if part)
    if place:
        lines.append("📍 " + place)
    if venue.map_url:
        lines.append(_("Map: {url}").format(url=venue.map_url))
    if venue.online_url:
        lines.append(_("Online: {url}").format(url=venue.online_url))
    return "\n".join(lines)


def places_text(event: EventRecord, left: int | None, waiting: int) -> str:
    if event.capacity is None:
        return _("No limit on places.")
    if left:
        return ngettext("{n} place left.", "{n} places left.", left).format(n=left)
    if not waiting:
        return _("Full; signing up puts you on the waitlist.")
    return ngettext(
        "Full; {n} person on the waitlist.", "Full; {n} people on the waitlist.", waiting
    ).format(n=waiting)


def _title_line(event: EventRecord) -> str:
    head = f"📅 {event.title}"
    if event.status is EventStatus.CANCELLED:
        head = "❌ " + _("CANCELLED") + ": " + event.title
    return head


def event_list(
    events: Sequence[EventRecord], mine: Mapping[int, SignupState], *, organizer: bool = False
) -> Reply:
    """``/evenementen``: upcoming events with a button each (✅ where the member goes)."""
    if not events:
        text = _("No events are planned yet.")
        if organizer:
            text += " " + _("Create one with /evenement_nieuw or send an event file.")
        return Reply(text)
    lines = [_("Upcoming events (press one for details and to sign up):")]
    buttons: list[Button] = []
    for event in events[:MAX_LISTED]:
        state = mine.get(event.id)
        mark = {
            SignupState.GOING: "✅ ",
            SignupState.OFFERED: "🎟 ",
            SignupState.WAITLISTED: "⏳ ",
        }.get(state, "") if state else ""
        cancelled = "❌ " if event.status is EventStatus.CANCELLED else ""
        lines.append(
            f"{event.id}. {cancelled}{mark}{event.title} — {when_text(event)}"
        )
        label = f"{cancelled}{mark}{short_day(event.starts_at, event.time_zone)} · {event.title}"
        buttons.append(Button(label[:60], actions.encode(Verb.SHOW, event.id)))
    if len(events) > MAX_LISTED:
        lines.append(_("… and {n} more.").format(n=len(events) - MAX_LISTED))
    return Reply("\n".join(lines), _packed(buttons))


def event_text(event: EventRecord, left: int | None, waiting: int) -> str:
    parts = [
        _title_line(event),
        f"{kind_name(event.kind)} · {when_text(event)}",
        where_text(event.venue),
    ]
    if event.description:
        parts.append(event.description)
    if event.sessions:
        parts.append(_("Programme:"))
        parts.extend(session_line(session, event.time_zone) for session in event.sessions)
    if event.status is EventStatus.PLANNED:
        parts.append(places_text(event, left, waiting))
        if event.rsvp_deadline is not None:
            parts.append(
                _("Sign up before {when}.").format(
                    when=f"{day(event.rsvp_deadline, event.time_zone)} "
                    f"{clock(event.rsvp_deadline, event.time_zone)}"
                )
            )
        if event.allow_guest:
            parts.append(_("You may bring one guest (+1)."))
    return "\n".join(part for part in parts if part)


def session_line(session: SessionRecord, zone: str) -> str:
    room = f", {session.room}" if session.room else ""
    return f"• {clock(session.starts_at, zone)}–{clock(session.ends_at, zone)} {session.title}{room}"


def event_page(
    event: EventRecord, signup: SignupRecord | None, left: int | None, waiting: int
) -> Reply:
    """An event with what the member can do now."""
    text = event_text(event, left, waiting)
    rows: list[tuple[Button, ...]] = []
    state = signup.state if signup else None
    if event.status is EventStatus.PLANNED:
        if state is SignupState.GOING:
            text += "\n\n" + _("✅ You are going.") + (
                " " + _("With a guest.") if signup and signup.guest else ""
            )
            rows.append(
                (
                    Button(_("My check-in code"), actions.encode(Verb.CODE, event.id)),
                    Button(_("Calendar file"), actions.encode(Verb.CALENDAR, event.id)),
                )
            )
            if event.sessions:
                rows.append((Button(_("Choose sessions"), actions.encode(Verb.PROGRAMME, event.id)),))
            if event.allow_guest and signup and not signup.guest:
                rows.append((Button(_("Add a guest (+1)"), actions.encode(Verb.GO_GUEST, event.id)),))
            rows.append((Button(_("I am not coming after all"), actions.encode(Verb.NOT_GOING, event.id)),))
        elif state is SignupState.WAITLISTED:
            text += "\n\n" + _("⏳ You are on the waitlist; we send you a message when a place frees up.")
            rows.append((Button(_("Leave the waitlist"), actions.encode(Verb.NOT_GOING, event.id)),))
        elif state is SignupState.OFFERED and signup is not None:
            text += "\n\n" + _("🎟 A place is held for you.")
            rows.append(
                (
                    Button(_("I'm coming"), actions.encode(Verb.CLAIM, signup.id)),
                    Button(_("No, thanks"), actions.encode(Verb.PASS, signup.id)),
                )
            )
        else:
            full = event.capacity is not None and not left
            label = _("Put me on the waitlist") if full else _("I'm coming")
            going = [Button(label, actions.encode(Verb.GO, event.id))]
            if event.allow_guest and not full:
                going.append(Button(_("I'm coming with a guest"), actions.encode(Verb.GO_GUEST, event.id)))
            rows.append(tuple(going))
    return Reply(text, tuple(rows))


def signed_up(
    event: EventRecord,
    signup: SignupRecord,
    *,
    ahead: int = 0,
    guest_refused: bool = False,
    checkin_link: str | None = None,
    claim_hours: int = 24,
) -> list[Reply]:
    """The answer to "Ik kom": going (with the calendar file and the check-in code) or on
    the waitlist (with the place in line)."""
    if signup.state is SignupState.WAITLISTED:
        return [
            Reply(
                _(
                    "“{title}” is full. You are on the waitlist, number {n} in line; when a "
                    "place frees up you get a message and {hours} hours to take it."
                ).format(title=event.title, n=ahead + 1, hours=claim_hours),
                ((Button(_("Leave the waitlist"), actions.encode(Verb.NOT_GOING, event.id)),),),
            )
        ]
    text = _("✅ You are going to “{title}”, {when}.").format(
        title=event.title, when=when_text(event)
    )
    if signup.guest:
        text += " " + _("Your guest is welcome too.")
    if guest_refused:
        text += " " + _("There was no place left for a guest; your own place stands.")
    text += "\n" + _("The calendar file below opens at the right time in your agenda.")
    replies = [
        Reply(
            text,
            ((Button(_("Reminders off"), actions.encode(Verb.REMINDERS_OFF, event.id)),),),
        ),
        calendar_reply(event),
        checkin_reply(event, signup, checkin_link),
    ]
    if event.sessions:
        replies.append(
            Reply(
                _("This event has a programme. Choose the sessions you want to join."),
                ((Button(_("Choose sessions"), actions.encode(Verb.PROGRAMME, event.id)),),),
            )
        )
    return replies


def calendar_reply(event: EventRecord, sessions: Sequence[SessionRecord] = ()) -> Reply:
    return Reply(
        _("Calendar file for “{title}”.").format(title=event.title),
        attachment=Attachment(ics_filename(event), event_ics(event, sessions), "text/calendar"),
    )


def checkin_reply(event: EventRecord, signup: SignupRecord, link: str | None) -> Reply:
    """The member's personal code and its QR image: shown at the door. The QR holds
    ``link`` (one that opens the bot with the code: a scan checks in), else the code."""
    qr = qr_png(link or format_code(signup.checkin_code))
    return Reply(
        _(
            "Your check-in code for “{title}”: {code}\nShow this QR code at the door. It is "
            "only for you; it holds no name or other personal data."
        ).format(title=event.title, code=format_code(signup.checkin_code)),
        attachment=Attachment(f"inchecken-{event.id}.png", qr, "image/png"),
        private=True,
    )


def not_going(event: EventRecord, before: SignupState | None) -> Reply:
    if before is SignupState.WAITLISTED:
        return Reply(_("You left the waitlist of “{title}”.").format(title=event.title))
    return Reply(
        _("Noted: you are not coming to “{title}”. Changed your mind? Sign up again with /evenementen.").format(
            title=event.title
        )
    )


def offer(event: EventRecord, signup: SignupRecord) -> Reply:
    until = signup.offered_until
    shown = (
        f"{day(until, event.time_zone)} {clock(until, event.time_zone)}" if until else ""
    )
    return Reply(
        _(
            "🎟 A place has come free for “{title}” ({when}). It is held for you until {until}. "
            "Are you coming?"
        ).format(title=event.title, when=when_text(event), until=shown),
        (
            (
                Button(_("I'm coming"), actions.encode(Verb.CLAIM, signup.id)),
                Button(_("No, thanks"), actions.encode(Verb.PASS, signup.id)),
            ),
        ),
    )


def lapsed(event: EventRecord) -> Reply:
    return Reply(
        _(
            "The place held for you at “{title}” has gone to the next person on the "
            "waitlist. Still want to come? Sign up again with /evenementen."
        ).format(title=event.title)
    )


def reminder(event: EventRecord, label: str) -> list[Reply]:
    """The same for everyone going (the outbox renders it once per language): the buttons
    name the event, and the member's own code comes with [Mijn incheckcode]."""
    head = (
        _("⏰ Tomorrow: “{title}”.") if label == "24h" else _("⏰ Soon: “{title}”.")
    ).format(title=event.title)
    text = "\n".join(
        part for part in (head, when_text(event), where_text(event.venue)) if part
    )
    rows = (
        (
            Button(_("My check-in code"), actions.encode(Verb.CODE, event.id)),
            Button(_("No more reminders"), actions.encode(Verb.REMINDERS_OFF, event.id)),
        ),
    )
    return [Reply(text, rows)]


def reminders_set(event: EventRecord, on: bool) -> Reply:
    if on:
        return Reply(_("Reminders for “{title}” are on again.").format(title=event.title))
    return Reply(
        _("You get no more reminders for “{title}”.").format(title=event.title),
        ((Button(_("Reminders on"), actions.encode(Verb.REMINDERS_ON, event.id)),),),
    )


def moment_text(moment: datetime, zone: str) -> str:
    return f"{day(moment, zone)} {clock(moment, zone)}"


def created(event: EventRecord) -> Reply:
    """To the organizer: the event is there, and what to do next."""
    return Reply(
        _("Event {id} is created:").format(id=event.id)
        + "\n"
        + event_text(event, event.capacity, 0)
        + "\n\n"
        + _(
            "Members find it with /evenementen. Change it with /evenement_wijzig {id}; see "
            "who comes with /deelnemers {id}."
        ).format(id=event.id),
        private=True,
    )


def changed(event: EventRecord, kind: str) -> list[Reply]:
    if kind == "cancelled" or event.status is EventStatus.CANCELLED:
        text = _(
            "❌ “{title}” on {when} is cancelled. We are sorry. The calendar file below "
            "removes it from your agenda."
        ).format(title=event.title, when=day(event.starts_at, event.time_zone))
    else:
        text = _("📅 “{title}” has changed. It is now:").format(title=event.title)
        text += "\n" + when_text(event)
        where = where_text(event.venue)
        if where:
            text += "\n" + where
        text += "\n" + _("The calendar file below updates your agenda.")
    return [Reply(text), calendar_reply(event)]


def sessions_menu(
    event: EventRecord, signup: SignupRecord, taken: Mapping[int, int]
) -> Reply:
    """Every session with a toggle: ☑ chosen, ☐ not; full ones say so."""
    lines = [_("Programme of “{title}”: press a session to choose or drop it.").format(title=event.title)]
    buttons: list[Button] = []
    for session in event.sessions:
        chosen = session.id in signup.session_ids
        full = (
            session.capacity is not None
            and taken.get(session.id, 0) >= session.capacity
            and not chosen
        )
        mark = "☑" if chosen else ("⛔" if full else "☐")
        line = f"{mark} {session_line(session, event.time_zone)[2:]}"
        if full:
            line += " — " + _("full")
        lines.append(line)
        label = f"{mark} {clock(session.starts_at, event.time_zone)} {session.title}"
        buttons.append(Button(label[:60], actions.encode(Verb.SESSION, event.id, session.id)))
    return Reply("\n".join(lines), _packed(buttons[:MAX_SESSION_BUTTONS]), replace=True)


# -- organizers and the door ---------------------------------------------------------------------


def segment_label(kind: str, code: str) -> str:
    """A segment code as people read it (the shared vocabularies' labels)."""
    for member in SEGMENTS.get(kind, ()):
        if member.value == code:
            return _(member.label)
    return code


def participants(stats: Participants, csv_data: bytes) -> list[Reply]:
    event = stats.event
    going = stats.people(SignupState.GOING)
    guests = stats.guests(SignupState.GOING)
    lines = [
        _title_line(event),
        when_text(event),
        (
            ngettext("Going: {n} (+{guests} guest)", "Going: {n} (+{guests} guests)", guests)
            if guests
            else _("Going: {n}")
        ).format(n=going, guests=guests),
        _("Waitlist: {n}").format(n=stats.people(SignupState.WAITLISTED)),
        _("Offered, not yet answered: {n}").format(n=stats.people(SignupState.OFFERED)),
        _("Not going: {n}").format(n=stats.people(SignupState.NOT_GOING)),
    ]
    if event.capacity is not None:
        lines.append(_("Capacity: {n}").format(n=event.capacity))
    lines.append(_("Checked in: {n}").format(n=stats.checked_in))
    if utcnow() > event.ends_at:
        lines.append(
            _("Attended: {came} of {going}; no-shows: {missed}").format(
                came=stats.checked_in, going=going, missed=max(0, going - stats.checked_in)
            )
        )
    if event.sessions:
        lines.append(_("Per session:"))
        for session in event.sessions:
            cap = f"/{session.capacity}" if session.capacity is not None else ""
            lines.append(f"• {session.title}: {stats.sessions.get(session.id, 0)}{cap}")
    titles = {
        "work_situation": _("By work situation"),
        "province": _("By province"),
        "kind": _("By kind of member"),
    }
    for kind, counter in stats.segments.items():
        if not counter:
            continue
        shown = ", ".join(
            f"{segment_label(kind, code)} {n}" for code, n in counter.most_common()
        )
        lines.append(f"{titles[kind]}: {shown}")
    return [
        Reply("\n".join(lines), private=True),
        Reply(
            _("Everyone signed up, in order of arrival:"),
            attachment=Attachment(f"deelnemers-{event.id}.csv", csv_data, "text/csv"),
            private=True,
        ),
    ]


def checkin(result: Checkin) -> Reply:
    event = result.event
    title = event.title if event else ""
    if result.outcome is CheckinOutcome.CHECKED_IN:
        text = _("✅ Welcome, {name}! Checked in for “{title}”.").format(
            name=result.name, title=title
        )
        if result.signup is not None and result.signup.guest:
            text += " " + _("With a guest.")
        return Reply(text)
    if result.outcome is CheckinOutcome.ALREADY and event is not None and result.at is not None:
        return Reply(
            _("⚠️ {name} is already checked in, at {time}.").format(
                name=result.name, time=clock(result.at, event.time_zone)
            ),
            refusal=True,
        )
    if (
        result.outcome in (CheckinOutcome.OTHER_EVENT, CheckinOutcome.NOT_GOING)
        and event is not None
        and event.status is EventStatus.CANCELLED
    ):  # not "another event" nor "not going": this one is off
        return Reply("⛔ " + _("“{title}” is cancelled.").format(title=title), refusal=True)
    if result.outcome is CheckinOutcome.OTHER_EVENT and event is not None:
        return Reply(
            _("⛔ This code is for another event: “{title}” on {day}.").format(
                title=title, day=day(event.starts_at, event.time_zone)
            ),
            refusal=True,
        )
    if result.outcome is CheckinOutcome.DOOR_CLOSED and event is not None and result.at is not None:
        if utcnow() < result.at:
            return Reply(
                _("⏳ The door of “{title}” opens on {day} at {time}.").format(
                    title=title, day=day(result.at, event.time_zone), time=clock(result.at, event.time_zone)
                ),
                refusal=True,
            )
        return Reply(_("⛔ “{title}” is over; the door is closed.").format(title=title), refusal=True)
    if result.outcome is CheckinOutcome.NOT_GOING:
        return Reply(
            _("⛔ This code's sign-up for “{title}” is not (or no longer) going.").format(
                title=title
            ),
            refusal=True,
        )
    if result.outcome is CheckinOutcome.OWN_CODE:
        return Reply(
            _("This is your own check-in code for “{title}”. Show it at the door.").format(
                title=title
            )
        )
    if result.outcome is CheckinOutcome.NOT_STAFF:
        return Reply(_("Only the door staff of an event can check people in."), refusal=True)
    return Reply(_("⛔ Unknown code. Check it and try again."), refusal=True)
