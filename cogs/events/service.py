"""The rules of events: who may sign up, the capacity and the waitlist, freed places
offered in turn, reminders and change notices, and the door.

The database decides who gets a place (``storage/repositories/events.py`` locks the event
for every change of its sign-ups); this service decides what may be asked for, and plans
what follows: an offer runs out at its time (a job), reminders go 24 h and 2 h before the
start through the outbox, a change of time or place reaches everyone signed up and on the
waitlist. Nothing here sends a message itself.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote_plus

from bot.core.audience import Segmented, covers
from bot.core.bounds import in_window
from bot.core.clock import utcnow
from bot.core.clock import when as _shown
from bot.core.errors import UserError
from bot.core.i18n import _
from bot.core.mirror import MirroredEvent, Mirrors
from bot.core.outbox import Broadcast, Broadcaster
from bot.core.planning import Planner
from bot.core.yamlfile import DefinitionError
from cogs.events.definition import parse_event_file
from cogs.events.door import new_checkin_code, normalize_code
from storage.records.events import (
    DoorEntry,
    EventRecord,
    EventStatus,
    NewEvent,
    SignupRecord,
    SignupState,
    Venue,
)
from storage.repositories.events import EventRepository, checked_in_by
from storage.vocabulary import MemberKind, Province, WorkSituation

log = logging.getLogger(__name__)

REMIND = "events.remind"
OFFER_LAPSES = "events.offer_lapses"
OFFER_TEMPLATE = "events.offer"
REMINDER_TEMPLATE = "events.reminder"
CHANGED_TEMPLATE = "events.changed"
LAPSED_TEMPLATE = "events.offer_lapsed"
MAX_CAPACITY = 100_000

__all__ = ["DefinitionError", "EventService"]


Member = Segmented


class Card(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> MemberKind: ...

    @property
    def work_situation(self) -> WorkSituation | None: ...

    @property
    def province(self) -> Province | None: ...


class MemberFacts(Protocol):
    """What events need from the members module (its service)."""

    async def voter_facts(self, member_id: int) -> Member: ...

    async def cards(self, member_ids: Iterable[int]) -> Mapping[int, Card]: ...


@dataclass(frozen=True)
class EventOptions:
    claim_window: timedelta = timedelta(hours=24)
    """How long a freed place is held for the first on the waitlist."""
    short_claim_window: timedelta = timedelta(hours=2)
    short_before: timedelta = timedelta(hours=48)
    """Closer to the start than this, offers run for ``short_claim_window``."""
    reminders: tuple[tuple[str, timedelta], ...] = (
        ("24h", timedelta(hours=24)),
        ("2h", timedelta(hours=2)),
    )
    door_opens: timedelta = timedelta(hours=3)
    """Check-in is possible from this long before the start until ``door_closes`` after the end."""
    door_closes: timedelta = timedelta(hours=2)
    verified_only: bool = False
    concurrent_changes: int = 8
    """Sign-ups changed at once in this process; the rest wait their turn here rather than
    for a database connection (a burst of thousands would exhaust the pool and fail)."""


class CheckinOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    UNKNOWN = "unknown"
    OTHER_EVENT = "other_event"
    NOT_GOING = "not_going"
    NOT_STAFF = "not_staff"
    OWN_CODE = "own_code"
    DOOR_CLOSED = "door_closed"
    """The right event, but not now: the door opens 3 h before the start (``at``)."""


@dataclass(frozen=True)
class Checkin:
    outcome: CheckinOutcome
    event: EventRecord | None = None
    signup: SignupRecord | None = None
    name: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class RsvpResult:
    event: EventRecord
    signup: SignupRecord
    before: SignupState | None
    guest_refused: bool = False


@dataclass(frozen=True)
class Participants:
    """What organizers see of an event's sign-ups."""

    event: EventRecord
    counts: dict[SignupState, tuple[int, int]]
    checked_in: int
    sessions: dict[int, int]
    segments: dict[str, Counter[str]] = field(default_factory=dict)
    """Per segment kind (work_situation, province, kind): people going per code."""

    def people(self, state: SignupState) -> int:
        return self.counts.get(state, (0, 0))[0]

    def guests(self, state: SignupState) -> int:
        return self.counts.get(state, (0, 0))[1]


def map_linked(venue: Venue) -> Venue:
    """Members tap the map link to find the venue: without one, search for the address."""
    if venue.map_url or not venue.address:
        return venue
    query = quote_plus(", ".join(part for part in (venue.name, venue.address) if part))
    return replace(venue, map_url=f"https://www.openstreetmap.org/search?query={query}")


def _location(venue: Venue) -> str:
    parts = [part for part in (venue.name, venue.address) if part]
    return ", ".join(parts) or venue.online_url or "online"


class EventService:
    def __init__(
        self,
        repository: EventRepository,
        members: MemberFacts,
        broadcaster: Broadcaster,
        planner: Planner,
        mirrors: Mirrors,
        options: EventOptions | None = None,
    ) -> None:
        self._repo = repository
        self._members = members
        self._broadcaster = broadcaster
        self._planner = planner
        self._mirrors = mirrors
        self.options = options or EventOptions()
        self._changes = asyncio.Semaphore(self.options.concurrent_changes)

    # -- events ----------------------------------------------------------------------------------

    @staticmethod
    def with_map(new: NewEvent) -> NewEvent:
        """A venue with an address and no map link gets an OpenStreetMap search link."""
        return replace(new, venue=map_linked(new.venue))

    async def create(self, new: NewEvent) -> EventRecord:
        """Store an event, plan its reminders and mirror it."""
        self._check(new)
        event = await self._repo.create(self.with_map(new), f"{secrets.token_hex(12)}@werkbot")
        await self._plan_reminders(event)
        return await self._mirror(event)

    async def import_file(self, data: bytes, created_by: str | None) -> EventRecord:
        """An event from a YAML file (DefinitionError names every problem by line)."""
        new = parse_event_file(data, now=utcnow())
        return await self.create(replace(new, created_by=created_by))

    def _check(self, new: NewEvent) -> None:
        if new.ends_at <= new.starts_at:
            raise UserError(_("The end must come after the start."))
        if new.starts_at <= utcnow():
            raise UserError(_("That moment has passed; please give a time in the future."))
        if new.capacity is not None and not 1 <= new.capacity <= MAX_CAPACITY:
            raise UserError(_("Please give a number from 1 to {max}.").format(max=MAX_CAPACITY))

    async def get(self, event_id: int) -> EventRecord:
        found = await self._repo.get(event_id)
        if found is None:
            raise UserError(_("There is no event with number {id}.").format(id=event_id))
        return found

    async def upcoming(self, member_id: int | None = None, *, everything: bool = False) -> list[EventRecord]:
        """Planned events that have not ended: for a member those their audience covers;
        ``everything`` (organizers) also cancelled and past ones of the last weeks."""
        now = utcnow()
        if everything:
            return await self._repo.events(after=now - timedelta(days=60), limit=500)
        events = await self._repo.events(after=now, statuses=(EventStatus.PLANNED,), limit=500)
        if member_id is None:
            return [event for event in events if not event.audience]
        facts = await self._members.voter_facts(member_id)
        return [event for event in events if self._covers(event, facts)]

    async def check_visible(self, event: EventRecord, member_id: int | None) -> None:
        """An event for a segment is shown only to its audience (and to those signed up)."""
        if not event.audience:
            return
        if member_id is None or not self._covers(event, await self._members.voter_facts(member_id)):
            raise UserError(_("This event is not open to you."))

    def _covers(self, event: EventRecord, facts: Member) -> bool:
        return covers(event.audience, facts, verified_only=self.options.verified_only)

    async def change(
        self,
        event_id: int,
        *,
        title: str | None = None,
        description: str | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        venue: Venue | None = None,
        capacity: int | None = None,
        unlimited: bool = False,
        rsvp_deadline: datetime | None = None,
        by: str | None = None,
    ) -> EventRecord:
        """Change an event. A new time or place raises SEQUENCE and reaches everyone signed up
        and on the waitlist; more places are offered to the waitlist at once."""
        event = await self.get(event_id)
        if event.status is not EventStatus.PLANNED:
            raise UserError(_("Event {id} is cancelled; it cannot be changed.").format(id=event_id))
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = title
        if description is not None:
            values["description"] = description
        new_start = starts_at or event.starts_at
        new_end = ends_at or (
            event.ends_at + (new_start - event.starts_at) if starts_at else event.ends_at
        )
        if new_end <= new_start:
            raise UserError(_("The end must come after the start."))
        if not in_window(new_end):
            raise UserError(
                _("Please give a date between {first} and {last}.").format(first=1970, last=2199)
            )
        if starts_at is not None and starts_at <= utcnow():
            raise UserError(_("That moment has passed; please give a time in the future."))
        timing = (new_start, new_end) != (event.starts_at, event.ends_at)
        if timing:
            values.update(starts_at=new_start, ends_at=new_end)
        if venue is not None:
            venue = map_linked(venue)
        place = venue is not None and venue != event.venue
        if venue is not None and place:
            values.update(
                venue_name=venue.name,
                venue_address=venue.address,
                map_url=venue.map_url,
                online_url=venue.online_url,
            )
        if unlimited:
            values["capacity"] = None
        elif capacity is not None:
            if not 1 <= capacity <= MAX_CAPACITY:
                raise UserError(_("Please give a number from 1 to {max}.").format(max=MAX_CAPACITY))
            values["capacity"] = capacity
        if rsvp_deadline is not None:
            values["rsvp_deadline"] = rsvp_deadline
        deadline = rsvp_deadline or event.rsvp_deadline
        if (rsvp_deadline is not None or timing) and deadline is not None and deadline >= new_end:
            raise UserError(_("The deadline must be before the event ends."))
        if not values:
            return event
        changed = await self._repo.update(event_id, values, new_sequence=timing or place)
        assert changed is not None  # it existed a moment ago and events are never deleted
        log.info("event %s changed by %s: %s", event_id, by, sorted(values))
        if timing:
            await self._plan_reminders(changed)
            for signup_id in await self._repo.shorten_offers(event_id, changed.starts_at):
                # An offer never runs past the (earlier) start.
                await self._planner.plan(
                    f"{OFFER_LAPSES}:{signup_id}", changed.starts_at, OFFER_LAPSES, {"signup": signup_id}
                )
        if timing or place:
            await self._tell_everyone(changed, kind="changed")
        if "capacity" in values:
            await self._offer(changed)
        return await self._mirror(changed)

    async def cancel(self, event_id: int, by: str | None = None) -> EventRecord:
        event = await self.get(event_id)
        if event.status is EventStatus.CANCELLED:
            raise UserError(_("Event {id} is cancelled already.").format(id=event_id))
        cancelled = await self._repo.update(
            event_id, {"status": EventStatus.CANCELLED.value}, new_sequence=True
        )
        assert cancelled is not None
        log.info("event %s cancelled by %s", event_id, by)
        for label, _before in self.options.reminders:
            await self._planner.cancel(f"{REMIND}:{event_id}:{label}")
        await self._tell_everyone(cancelled, kind="cancelled")
        return await self._mirror(cancelled)

    # -- signing up ------------------------------------------------------------------------------

    def _open_for_signups(self, event: EventRecord, *, deadline: bool = True) -> None:
        """Refuse what can no longer be asked for: anything once the event is cancelled or
        has started; signing up (``deadline``) also after the rsvp deadline. Giving a place
        back stays possible until the start: it goes to the waitlist."""
        now = utcnow()
        if event.status is EventStatus.CANCELLED:
            raise UserError(_("“{title}” is cancelled.").format(title=event.title))
        if now >= event.starts_at:
            raise UserError(
                _("“{title}” has started; signing up is closed.").format(title=event.title)
            )
        if deadline and event.rsvp_deadline is not None and now >= event.rsvp_deadline:
            raise UserError(
                _("Signing up for “{title}” closed at {when}.").format(
                    title=event.title, when=_shown(event.rsvp_deadline)
                )
            )

    async def rsvp(
        self, event_id: int, member_id: int, *, going: bool, guest: bool = False
    ) -> RsvpResult:
        """Sign up or give up, with at most ``concurrent_changes`` at once in this process:
        a burst of thousands waits here, each in turn, instead of for a database
        connection (the pool would time out)."""
        async with self._changes:
            return await self._rsvp(event_id, member_id, going=going, guest=guest)

    async def _rsvp(
        self, event_id: int, member_id: int, *, going: bool, guest: bool = False
    ) -> RsvpResult:
        event = await self.get(event_id)
        self._open_for_signups(event, deadline=going)
        if going:
            facts = await self._members.voter_facts(member_id)
            if not self._covers(event, facts):
                raise UserError(_("This event is not open to you."))
            if guest and not event.allow_guest:
                raise UserError(_("This event has no places for guests."))
            done = await self._repo.rsvp(event_id, member_id, guest=guest, code=new_checkin_code())
            if done is None:
                raise UserError(_("There is no event with number {id}.").format(id=event_id))
            if done.before is SignupState.OFFERED:
                await self._planner.cancel(f"{OFFER_LAPSES}:{done.signup.id}")
            if done.lapsed:  # their offer had run out: the place it held goes on in line
                if done.signup.state is not SignupState.GOING:
                    await self._tell_lapsed(event, done.signup.member_id)
                await self._offer(event)
            return RsvpResult(event, done.signup, done.before, done.guest_refused)
        before = await self._repo.give_up(event_id, member_id)
        if before is None:
            raise UserError(_("You were not signed up for “{title}”.").format(title=event.title))
        if before is SignupState.OFFERED:
            await self._planner.cancel(f"{OFFER_LAPSES}:{await self._signup_id(event_id, member_id)}")
        if before in (SignupState.GOING, SignupState.OFFERED):
            await self._offer(event)
        signup = await self._repo.signup_of(event_id, member_id)
        assert signup is not None
        return RsvpResult(event, signup, before)

    async def _signup_id(self, event_id: int, member_id: int) -> int:
        signup = await self._repo.signup_of(event_id, member_id)
        return 0 if signup is None else signup.id

    async def claim(self, signup_id: int, member_id: int) -> RsvpResult:
        """[Ik kom] on an offer: the place is theirs while the offer runs."""
        signup = await self._repo.signup(signup_id)
        if signup is None or signup.member_id != member_id:
            raise UserError(_("This offer is not for you."))
        event = await self.get(signup.event_id)
        if event.status is EventStatus.CANCELLED:
            raise UserError(_("“{title}” is cancelled.").format(title=event.title))
        taken = await self._repo.claim(signup_id, member_id, utcnow())
        if taken is None:
            if signup.state is SignupState.GOING:
                return RsvpResult(event, signup, SignupState.GOING)
            raise UserError(
                _("This offer has run out; the place went to the next on the waitlist.")
            )
        await self._planner.cancel(f"{OFFER_LAPSES}:{signup_id}")
        return RsvpResult(event, taken, SignupState.OFFERED)

    async def decline_offer(self, signup_id: int, member_id: int) -> EventRecord:
        """[Laat maar]: the place goes to the next on the waitlist."""
        signup = await self._repo.signup(signup_id)
        if signup is None or signup.member_id != member_id:
            raise UserError(_("This offer is not for you."))
        event = await self.get(signup.event_id)
        # checked under the event's lock: a claim pressed at the same moment may have won
        if await self._repo.decline_offer(signup_id, member_id) is None:
            raise UserError(_("This offer is no longer open."))
        await self._planner.cancel(f"{OFFER_LAPSES}:{signup_id}")
        await self._offer(event)
        return event

    async def offer_lapses(self, payload: dict[str, Any]) -> list[Any]:
        """Job: an offer's time ran out; the place goes to the next."""
        signup_id = int(payload["signup"])
        lapsed = await self._repo.expire_offer(signup_id, utcnow())
        if lapsed is None:
            return []
        event = await self.get(lapsed.event_id)
        if event.status is not EventStatus.PLANNED:
            return []  # they heard of the cancellation; an offer that ran out is no news
        await self._tell_lapsed(event, lapsed.member_id)
        await self._offer(event)
        return []

    async def _tell_lapsed(self, event: EventRecord, member_id: int) -> None:
        await self._broadcaster.broadcast(
            Broadcast(
                title=_("Offer for “{title}” ran out").format(title=event.title),
                template=LAPSED_TEMPLATE,
                params={"event": event.id},
                topic=None,
                members=[member_id],
            )
        )

    async def lapse_due_offers(self) -> int:
        """Daily safety net: offers whose job was lost (a crash between offer and plan),
        and places given back whose offer was never made (a crash in between)."""
        due = await self._repo.due_offers(utcnow())
        for signup_id in due:
            await self.offer_lapses({"signup": signup_id})
        for event in await self._repo.events(
            after=utcnow(), statuses=(EventStatus.PLANNED,), limit=1000
        ):
            await self._offer(event)
        return len(due)

    def _claim_until(self, event: EventRecord) -> datetime:
        now = utcnow()
        window = (
            self.options.short_claim_window
            if event.starts_at - now < self.options.short_before
            else self.options.claim_window
        )
        return min(now + window, event.starts_at)

    async def _offer(self, event: EventRecord) -> list[SignupRecord]:
        """Offer whatever is free to the waitlist, in order; each offer is sent and its
        end is planned."""
        if event.status is not EventStatus.PLANNED or utcnow() >= event.starts_at:
            return []
        until = self._claim_until(event)
        offered = await self._repo.offer_free_places(event.id, until)
        for signup in offered:
            await self._planner.plan(
                f"{OFFER_LAPSES}:{signup.id}", until, OFFER_LAPSES, {"signup": signup.id}
            )
            await self._broadcaster.broadcast(
                Broadcast(
                    title=_("A place for “{title}”").format(title=event.title),
                    template=OFFER_TEMPLATE,
                    params={"event": event.id, "signup": signup.id},
                    topic=None,
                    members=[signup.member_id],
                )
            )
        return offered

    async def choose_session(
        self, signup_id: int, member_id: int, session_id: int, wanted: bool
    ) -> SignupRecord:
        signup = await self._repo.signup(signup_id)
        if signup is None or signup.member_id != member_id:
            raise UserError(_("This button is not for you."))
        event = await self.get(signup.event_id)
        if event.status is EventStatus.CANCELLED or utcnow() >= event.starts_at:
            # Until the start (not the sign-up deadline): a place claimed late needs sessions too.
            raise UserError(_("“{title}” has started or is cancelled; the programme is fixed.").format(title=event.title))
        done = await self._repo.choose_session(signup_id, session_id, wanted)
        if done is None:
            raise UserError(_("That session does not exist (any more)."))
        record, refusal = done
        if refusal == "full":
            raise UserError(_("That session is full."))
        if refusal == "not_going":
            raise UserError(_("Sign up for the event first; then choose sessions."))
        if refusal is not None and refusal.startswith("overlap:"):
            raise UserError(
                _("That session is at the same time as “{other}”, which you chose.").format(
                    other=refusal.removeprefix("overlap:")
                )
            )
        return record

    async def set_reminders(self, event_id: int, member_id: int, on: bool) -> None:
        """Reminders on or off for the member's own sign-up (the button in a reminder is
        the same for everyone who gets it, so it names the event, not the sign-up)."""
        signup = await self._repo.signup_of(event_id, member_id)
        if signup is None or not await self._repo.set_reminders(signup.id, member_id, on):
            raise UserError(_("You are not signed up for this event."))

    async def people_signed_up(self, event_id: int) -> int:
        """Members going, offered a place or on the waitlist: who hears of a change."""
        return len(
            await self._repo.members_in(
                event_id, (SignupState.GOING, SignupState.OFFERED, SignupState.WAITLISTED)
            )
        )

    async def availability(self, event: EventRecord) -> tuple[int | None, int]:
        """(places left, None without a limit; people on the waitlist)."""
        counts = await self._repo.counts(event.id)
        held = sum(
            people + guests
            for state, (people, guests) in counts.items()
            if state in (SignupState.GOING, SignupState.OFFERED)
        )
        waiting = counts.get(SignupState.WAITLISTED, (0, 0))[0]
        left = None if event.capacity is None else max(0, event.capacity - held)
        return left, waiting

    async def waitlist_ahead(self, signup: SignupRecord) -> int:
        """How many wait before this member."""
        waiting = await self._repo.signups(signup.event_id, (SignupState.WAITLISTED,))
        return sum(1 for other in waiting if other.position < signup.position)

    def claim_hours(self, event: EventRecord) -> int:
        """Hours a freed place would be held now (shown to those who join the waitlist)."""
        window = self._claim_until(event) - utcnow()
        return max(1, round(window.total_seconds() / 3600))

    async def signup_of(self, event_id: int, member_id: int) -> SignupRecord | None:
        return await self._repo.signup_of(event_id, member_id)

    async def signup(self, signup_id: int) -> SignupRecord | None:
        return await self._repo.signup(signup_id)

    async def my_signups(self, member_id: int) -> list[SignupRecord]:
        return await self._repo.upcoming_of_member(member_id, utcnow())

    # -- reminders and notices -------------------------------------------------------------------

    async def _plan_reminders(self, event: EventRecord) -> None:
        now = utcnow()
        for label, before in self.options.reminders:
            job_id = f"{REMIND}:{event.id}:{label}"
            moment = event.starts_at - before
            if moment > now:
                await self._planner.plan(
                    job_id, moment, REMIND, {"event": event.id, "label": label}
                )
            else:
                await self._planner.cancel(job_id)

    async def remind(self, payload: dict[str, Any]) -> list[Any]:
        """Job: a reminder to members going who kept reminders on."""
        event = await self._repo.get(int(payload["event"]))
        if event is None or event.status is not EventStatus.PLANNED:
            return []
        if utcnow() >= event.starts_at:
            return []  # a job that came due while Werkbot was down: too late to remind
        members = await self._repo.reminded(event.id)
        if members:
            await self._broadcaster.broadcast(
                Broadcast(
                    title=_("Reminder: {title}").format(title=event.title),
                    template=REMINDER_TEMPLATE,
                    params={"event": event.id, "label": str(payload.get("label", ""))},
                    topic=None,
                    members=members,
                )
            )
        return []

    async def _tell_everyone(self, event: EventRecord, *, kind: str) -> None:
        members = await self._repo.members_in(
            event.id, (SignupState.GOING, SignupState.OFFERED, SignupState.WAITLISTED)
        )
        if not members:
            return
        title = (
            _("Cancelled: {title}") if kind == "cancelled" else _("Changed: {title}")
        ).format(title=event.title)
        await self._broadcaster.broadcast(
            Broadcast(
                title=title,
                template=CHANGED_TEMPLATE,
                params={"event": event.id, "kind": kind, "sequence": event.sequence},
                topic=None,
                members=members,
            )
        )

    async def _mirror(self, event: EventRecord) -> EventRecord:
        """Keep the Discord copy in step; a failure is logged, the change stands."""
        mirror = self._mirrors.get("discord")
        if mirror is None:
            return event
        try:
            if event.status is EventStatus.CANCELLED:
                if event.discord_event_id:
                    await mirror.cancel_mirrored_event(event.discord_event_id)
                return event
            mirror_id = await mirror.mirror_event(
                MirroredEvent(
                    event_id=event.id,
                    title=event.title,
                    description=event.description,
                    starts_at=event.starts_at,
                    ends_at=event.ends_at,
                    location=_location(event.venue),
                ),
                event.discord_event_id,
            )
        except Exception as error:  # the bot's own list is the truth; try again next change
            log.warning("event %s was not mirrored on Discord: %r", event.id, error)
            return event
        if mirror_id and mirror_id != event.discord_event_id:
            updated = await self._repo.update(
                event.id, {"discord_event_id": mirror_id}, new_sequence=False
            )
            return updated or event
        return event

    # -- the door --------------------------------------------------------------------------------

    async def add_door_staff(self, event_id: int, member_id: int) -> bool:
        await self.get(event_id)
        await self._members.voter_facts(member_id)  # a registered member
        return await self._repo.add_staff(event_id, member_id)

    def door_opens_at(self, event: EventRecord) -> datetime:
        return event.starts_at - self.options.door_opens

    def _door_open(self, event: EventRecord, now: datetime) -> bool:
        return (
            event.status is EventStatus.PLANNED
            and event.starts_at - self.options.door_opens <= now
            and now <= event.ends_at + self.options.door_closes
        )

    async def check_in(
        self, typed: str, *, by: str, member_id: int | None, organizer: bool
    ) -> Checkin:
        """Door staff (an organizer, or a member named for the event) check someone in."""
        code = normalize_code(typed)
        signup = None if code is None else await self._repo.by_code(code)
        if signup is None:
            return Checkin(CheckinOutcome.UNKNOWN)
        event = await self.get(signup.event_id)
        staffed = set() if member_id is None else await self._repo.staffed_by(member_id)
        if not organizer and event.id not in staffed:
            if member_id is not None and signup.member_id == member_id:
                return Checkin(CheckinOutcome.OWN_CODE, event, signup)
            if staffed:
                return Checkin(CheckinOutcome.OTHER_EVENT, event)
            return Checkin(CheckinOutcome.NOT_STAFF)
        now = utcnow()
        if event.status is not EventStatus.PLANNED:
            return Checkin(CheckinOutcome.NOT_GOING, event, signup)
        if not self._door_open(event, now):
            return Checkin(CheckinOutcome.DOOR_CLOSED, event, signup, at=self.door_opens_at(event))
        if signup.state is not SignupState.GOING:
            return Checkin(CheckinOutcome.NOT_GOING, event, signup)
        cards = await self._members.cards([signup.member_id])
        name = cards[signup.member_id].name if signup.member_id in cards else "?"
        first, at = await self._repo.check_in(
            signup.id, by if member_id is None else checked_in_by(member_id), now
        )
        if not first and at is None:  # gave up their place a moment ago
            return Checkin(CheckinOutcome.NOT_GOING, event, signup)
        outcome = CheckinOutcome.CHECKED_IN if first else CheckinOutcome.ALREADY
        return Checkin(outcome, event, signup, name, at)

    async def door_entries(self, event_id: int) -> tuple[EventRecord, list[DoorEntry]]:
        event = await self.get(event_id)
        going = await self._repo.signups(event_id, (SignupState.GOING,))
        cards = await self._members.cards([signup.member_id for signup in going])
        titles = {session.id: session.title for session in event.sessions}
        return event, [
            DoorEntry(
                signup.id,
                signup.member_id,
                cards[signup.member_id].name if signup.member_id in cards else "?",
                signup.guest,
                signup.checkin_code,
                signup.checked_in_at,
                tuple(titles[s] for s in signup.session_ids if s in titles),
            )
            for signup in going
        ]

    # -- for organizers ----------------------------------------------------------------------------

    async def participants(self, event_id: int) -> Participants:
        event = await self.get(event_id)
        going = await self._repo.signups(event_id, (SignupState.GOING,))
        cards = await self._members.cards([signup.member_id for signup in going])
        segments: dict[str, Counter[str]] = {
            "work_situation": Counter(),
            "province": Counter(),
            "kind": Counter(),
        }
        for signup in going:
            card = cards.get(signup.member_id)
            if card is None:
                continue
            segments["work_situation"][str(card.work_situation or "-")] += 1
            segments["province"][str(card.province or "-")] += 1
            segments["kind"][str(card.kind)] += 1
        return Participants(
            event,
            await self._repo.counts(event_id),
            await self._repo.checked_in(event_id),
            await self._repo.session_counts(event_id),
            segments,
        )

    async def participants_csv(self, event_id: int) -> bytes:
        """Everyone signed up, in order of arrival: for the organizers' own lists."""
        event = await self.get(event_id)
        signups = await self._repo.signups(event_id)
        cards = await self._members.cards([signup.member_id for signup in signups])
        titles = {session.id: session.title for session in event.sessions}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "lid",
                "naam",
                "status",
                "gast",
                "volgorde",
                "aangemeld",
                "ingecheckt",
                "sessies",
                "werksituatie",
                "provincie",
                "soort",
            ]
        )
        for signup in signups:
            card = cards.get(signup.member_id)
            writer.writerow(
                [
                    signup.member_id,
                    card.name if card else "",
                    signup.state.value,
                    "ja" if signup.guest else "nee",
                    signup.position,
                    _shown(signup.created_at),
                    _shown(signup.checked_in_at) if signup.checked_in_at else "",
                    "; ".join(titles[s] for s in signup.session_ids if s in titles),
                    str(card.work_situation or "") if card else "",
                    str(card.province or "") if card else "",
                    str(card.kind) if card else "",
                ]
            )
        return buffer.getvalue().encode("utf-8-sig")

    # -- AVG/GDPR --------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        return {
            "signups": [
                {
                    "event": title,
                    "state": signup.state.value,
                    "guest": signup.guest,
                    "signed_up_at": signup.created_at.isoformat(),
                    "reminders": signup.reminders,
                    "checkin_code": signup.checkin_code,
                    "checked_in_at": signup.checked_in_at.isoformat()
                    if signup.checked_in_at
                    else None,
                    "sessions": list(signup.session_ids),
                }
                for signup, title in await self._repo.signups_of_member(member_id)
            ],
            "door_staff_for_events": sorted(await self._repo.staffed_by(member_id)),
        }

    async def erase(self, member_id: int) -> None:
        removed = await self._repo.forget_member(member_id)
        for event_id, state in removed:
            if state in (SignupState.GOING, SignupState.OFFERED):
                event = await self._repo.get(event_id)
                if event is not None:
                    await self._offer(event)

