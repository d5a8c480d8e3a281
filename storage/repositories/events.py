"""The events' queries: events and their programme, sign-ups, offers, check-ins; records out.

Every change to an event's sign-ups runs in one transaction that first locks the event
row (:func:`_lock`): on PostgreSQL a row lock, on SQLite the database's write lock. Two
members pressing "Ik kom" at the same moment are therefore counted one after the other,
and the event never holds one more than its capacity (``going`` and ``offered`` places,
a guest counting as one more).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models.events import (
    Event,
    EventDoorStaff,
    EventSession,
    EventSessionChoice,
    EventSignup,
)
from storage.records.events import (
    EventKind,
    EventRecord,
    EventStatus,
    NewEvent,
    SessionRecord,
    SignupRecord,
    SignupState,
    Venue,
)
from storage.types import lock_rows, stored_id, table_of, utcnow

_events = table_of(Event)
_sessions = table_of(EventSession)
_signups = table_of(EventSignup)
_choices = table_of(EventSessionChoice)
_staff = table_of(EventDoorStaff)

HOLDING = (SignupState.GOING.value, SignupState.OFFERED.value)
"""States that hold a place (and the guest's place)."""
SIGNED_UP = (SignupState.GOING.value, SignupState.OFFERED.value, SignupState.WAITLISTED.value)


def _session(row: Any) -> SessionRecord:
    return SessionRecord(
        id=int(row.id),
        event_id=int(row.event_id),
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        room=row.room,
        capacity=row.capacity,
        description=row.description,
    )


def _event(row: Any, sessions: Sequence[SessionRecord] = ()) -> EventRecord:
    return EventRecord(
        id=int(row.id),
        uid=row.uid,
        sequence=int(row.sequence),
        title=row.title,
        description=row.description or "",
        kind=EventKind(row.kind),
        status=EventStatus(row.status),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        time_zone=row.time_zone,
        venue=Venue(row.venue_name, row.venue_address, row.map_url, row.online_url),
        capacity=row.capacity,
        rsvp_deadline=row.rsvp_deadline,
        allow_guest=bool(row.allow_guest),
        audience={key: list(value) for key, value in dict(row.audience or {}).items()},
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sessions=tuple(sessions),
        discord_event_id=row.discord_event_id,
    )


def _signup(row: Any, session_ids: Iterable[int] = ()) -> SignupRecord:
    return SignupRecord(
        id=int(row.id),
        event_id=int(row.event_id),
        member_id=int(row.member_id),
        state=SignupState(row.state),
        guest=bool(row.guest),
        position=int(row.position),
        offered_until=row.offered_until,
        reminders=bool(row.reminders),
        checkin_code=row.checkin_code,
        checked_in_at=row.checked_in_at,
        checked_in_by=row.checked_in_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        session_ids=tuple(sorted(session_ids)),
    )


async def _lock(conn: AsyncConnection, event_id: int) -> Row[Any] | None:
    """Take the event for this transaction (``lock_rows``); its row, None when there is none."""
    await lock_rows(conn, _events, _events.c.id == event_id)
    return (await conn.execute(select(_events).where(_events.c.id == event_id))).first()


async def _used(conn: AsyncConnection, event_id: int) -> int:
    """Places held: every going or offered sign-up, and their guests."""
    found = await conn.execute(
        select(func.coalesce(func.sum(1 + func.cast(_signups.c.guest, Integer)), 0)).where(
            _signups.c.event_id == event_id, _signups.c.state.in_(HOLDING)
        )
    )
    return int(found.scalar_one())


def checked_in_by(member_id: int) -> str:
    """How a check-in names the door staff member who did it (erasable by member)."""
    return f"member:{member_id}"


@dataclass(frozen=True, slots=True)
class Rsvp:
    """What a "going" answer did."""

    signup: SignupRecord
    before: SignupState | None
    """The state before (None: not signed up yet)."""
    guest_refused: bool = False
    """A guest was asked for but there was no place for them (the member's own place stands)."""
    lapsed: bool = False
    """The member's offer had run out (its job not run yet): it lapsed, and the member
    signed up anew, at the back of the line when others wait."""


class EventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- events --------------------------------------------------------------------------------

    async def create(self, new: NewEvent, uid: str) -> EventRecord:
        now = utcnow()
        async with self._db.begin() as conn:
            event_id = stored_id(
                (
                    await conn.execute(
                        insert(_events)
                        .values(
                            uid=uid,
                            sequence=0,
                            title=new.title,
                            description=new.description,
                            kind=new.kind.value,
                            status=EventStatus.PLANNED.value,
                            starts_at=new.starts_at,
                            ends_at=new.ends_at,
                            time_zone=new.time_zone,
                            venue_name=new.venue.name,
                            venue_address=new.venue.address,
                            map_url=new.venue.map_url,
                            online_url=new.venue.online_url,
                            capacity=new.capacity,
                            rsvp_deadline=new.rsvp_deadline,
                            allow_guest=new.allow_guest,
                            audience=new.audience,
                            created_by=new.created_by,
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(_events.c.id)
                    )
                ).scalar_one()
            )
            if new.sessions:
                await conn.execute(
                    insert(_sessions),
                    [
                        {
                            "event_id": event_id,
                            "title": session.title,
                            "starts_at": session.starts_at,
                            "ends_at": session.ends_at,
                            "room": session.room,
                            "capacity": session.capacity,
                            "description": session.description,
                        }
                        for session in new.sessions
                    ],
                )
        found = await self.get(event_id)
        assert found is not None  # just written in this call
        return found

    async def get(self, event_id: int) -> EventRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_events).where(_events.c.id == event_id))).first()
            if row is None:
                return None
            sessions = await conn.execute(
                select(_sessions)
                .where(_sessions.c.event_id == event_id)
                .order_by(_sessions.c.starts_at, _sessions.c.id)
            )
            return _event(row, [_session(s) for s in sessions])

    async def events(
        self, *, after: datetime | None = None, statuses: Sequence[EventStatus] = (), limit: int = 50
    ) -> list[EventRecord]:
        """Events ending after ``after`` (all when None), soonest first."""
        query = select(_events).order_by(_events.c.starts_at, _events.c.id).limit(limit)
        if after is not None:
            query = query.where(_events.c.ends_at > after)
        if statuses:
            query = query.where(_events.c.status.in_([status.value for status in statuses]))
        async with self._db.engine.connect() as conn:
            rows = list(await conn.execute(query))
            ids = [int(row.id) for row in rows]
            by_event: dict[int, list[SessionRecord]] = {}
            if ids:
                for session in await conn.execute(
                    select(_sessions)
                    .where(_sessions.c.event_id.in_(ids))
                    .order_by(_sessions.c.starts_at, _sessions.c.id)
                ):
                    by_event.setdefault(int(session.event_id), []).append(_session(session))
            return [_event(row, by_event.get(int(row.id), ())) for row in rows]

    async def update(
        self, event_id: int, values: dict[str, Any], *, new_sequence: bool
    ) -> EventRecord | None:
        """Change an event's columns; ``new_sequence`` raises SEQUENCE (calendars update)."""
        changes = dict(values, updated_at=utcnow())
        if new_sequence:
            changes["sequence"] = _events.c.sequence + 1
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_events).where(_events.c.id == event_id).values(**changes)
            )
            if not result.rowcount:
                return None
        return await self.get(event_id)

    # -- sign-ups ------------------------------------------------------------------------------

    async def rsvp(
        self, event_id: int, member_id: int, *, guest: bool, code: str, capacity_check: bool = True
    ) -> Rsvp | None:
        """Sign a member up (or add their guest): going when there is room and nobody
        waits, else on the waitlist at the back. An offered place is taken while the offer
        runs; an offer that ran out lapses and the member signs up anew. A guest once added
        stays; a new guest needs a free place nobody waits for. None: no such event."""
        async with self._db.begin() as conn:
            event = await _lock(conn, event_id)
            if event is None:
                return None
            now = utcnow()  # after the lock: the order of arrival is the order served
            row = (
                await conn.execute(
                    select(_signups).where(
                        _signups.c.event_id == event_id, _signups.c.member_id == member_id
                    )
                )
            ).first()
            before = SignupState(row.state) if row is not None else None
            capacity = event.capacity if capacity_check else None
            used = await _used(conn, event_id)
            waiting = (  # whether anyone waits (not how many: that would scan them all)
                await conn.execute(
                    select(_signups.c.id)
                    .where(
                        _signups.c.event_id == event_id,
                        _signups.c.state == SignupState.WAITLISTED.value,
                    )
                    .limit(1)
                )
            ).first() is not None
            guest_refused = False
            if row is not None:
                guest = guest or bool(row.guest)  # a guest once added stays (an old button)
            lapsed = (
                before is SignupState.OFFERED
                and row is not None
                and row.offered_until is not None
                and row.offered_until <= now
            )
            if lapsed:  # the place held for them is given back; they join as anyone would
                assert row is not None
                used -= 1 + int(bool(row.guest))
            if before in (SignupState.GOING, SignupState.OFFERED) and not lapsed:
                assert row is not None
                # their own places are held already; only a new guest needs one more,
                # and not while someone waits for it
                if guest and not row.guest:
                    if waiting or (capacity is not None and used + 1 > capacity):
                        guest_refused, guest = True, False
                values: dict[str, Any] = {
                    "state": SignupState.GOING.value,
                    "guest": guest,
                    "offered_until": None,
                    "updated_at": now,
                }
                await conn.execute(update(_signups).where(_signups.c.id == row.id).values(**values))
                signup_id = int(row.id)
            elif before is SignupState.WAITLISTED:
                assert row is not None
                await conn.execute(
                    update(_signups)
                    .where(_signups.c.id == row.id)
                    .values(guest=guest, updated_at=now)
                )
                signup_id = int(row.id)
            else:
                need = 1 + int(guest)
                room = capacity is None or used + need <= capacity
                state = SignupState.GOING if room and waiting == 0 else SignupState.WAITLISTED
                position = int(
                    (
                        await conn.execute(
                            select(func.coalesce(func.max(_signups.c.position), 0)).where(
                                _signups.c.event_id == event_id
                            )
                        )
                    ).scalar_one()
                ) + 1
                values = {
                    "state": state.value,
                    "guest": guest,
                    "position": position,
                    "offered_until": None,
                    "updated_at": now,
                }
                if row is None:
                    signup_id = stored_id(
                        (
                            await conn.execute(
                                insert(_signups)
                                .values(
                                    event_id=event_id,
                                    member_id=member_id,
                                    checkin_code=code,
                                    reminders=True,
                                    created_at=now,
                                    **values,
                                )
                                .returning(_signups.c.id)
                            )
                        ).scalar_one()
                    )
                else:
                    signup_id = int(row.id)
                    await conn.execute(
                        update(_signups).where(_signups.c.id == signup_id).values(**values)
                    )
                    # choices of an earlier place are not kept: the sessions may be full now
                    await conn.execute(delete(_choices).where(_choices.c.signup_id == signup_id))
            signup = await self._signup_in(conn, signup_id)
        return Rsvp(signup, before, guest_refused, lapsed)

    async def give_up(self, event_id: int, member_id: int) -> SignupState | None:
        """Not going (any more): the member's place, offer or waitlist spot is freed. The
        state before; None when they were not signed up."""
        async with self._db.begin() as conn:
            if await _lock(conn, event_id) is None:
                return None
            row = (
                await conn.execute(
                    select(_signups.c.id, _signups.c.state).where(
                        _signups.c.event_id == event_id, _signups.c.member_id == member_id
                    )
                )
            ).first()
            if row is None:
                return None
            await conn.execute(
                update(_signups)
                .where(_signups.c.id == row.id)
                .values(
                    state=SignupState.NOT_GOING.value,
                    offered_until=None,
                    guest=False,
                    updated_at=utcnow(),
                )
            )
            await conn.execute(delete(_choices).where(_choices.c.signup_id == row.id))
            return SignupState(row.state)

    async def offer_free_places(self, event_id: int, until: datetime) -> list[SignupRecord]:
        """Offer freed places to the first on the waitlist, in order, while they fit (the
        first who does not fit with their guest stops the line: nobody is skipped)."""
        offered: list[SignupRecord] = []
        async with self._db.begin() as conn:
            event = await _lock(conn, event_id)
            if event is None or event.status != EventStatus.PLANNED.value:
                return []
            used = await _used(conn, event_id)
            waiting = await conn.execute(
                select(_signups.c.id, _signups.c.guest)
                .where(
                    _signups.c.event_id == event_id,
                    _signups.c.state == SignupState.WAITLISTED.value,
                )
                .order_by(_signups.c.position)
            )
            for row in list(waiting):
                need = 1 + int(bool(row.guest))
                if event.capacity is not None and used + need > event.capacity:
                    break
                await conn.execute(
                    update(_signups)
                    .where(_signups.c.id == row.id)
                    .values(
                        state=SignupState.OFFERED.value, offered_until=until, updated_at=utcnow()
                    )
                )
                used += need
                offered.append(await self._signup_in(conn, int(row.id)))
        return offered

    async def _settle_offer(
        self, signup_id: int, conditions: Sequence[Any], *, going: bool, now: datetime
    ) -> SignupRecord | None:
        """Move an open offer, under its event's lock, when ``conditions`` hold: to going
        (claimed) or to not going (declined, run out; its session places are freed). The
        sign-up after; None when the offer was not (or no longer) in that state."""
        async with self._db.begin() as conn:
            row = (
                await conn.execute(select(_signups.c.event_id).where(_signups.c.id == signup_id))
            ).first()
            if row is None or await _lock(conn, int(row.event_id)) is None:
                return None
            values: dict[str, Any] = {"offered_until": None, "updated_at": now}
            if going:
                values["state"] = SignupState.GOING.value
            else:
                values.update(state=SignupState.NOT_GOING.value, guest=False)
            result = await conn.execute(
                update(_signups)
                .where(
                    _signups.c.id == signup_id,
                    _signups.c.state == SignupState.OFFERED.value,
                    *conditions,
                )
                .values(**values)
            )
            if not result.rowcount:
                return None
            if not going:  # as when giving a place up: their session places are free again
                await conn.execute(delete(_choices).where(_choices.c.signup_id == signup_id))
            return await self._signup_in(conn, signup_id)

    async def claim(self, signup_id: int, member_id: int, now: datetime) -> SignupRecord | None:
        """Take an offered place while the offer runs; None when it is not (or no longer) theirs."""
        return await self._settle_offer(
            signup_id,
            (_signups.c.member_id == member_id, _signups.c.offered_until > now),
            going=True,
            now=now,
        )

    async def decline_offer(self, signup_id: int, member_id: int) -> SignupRecord | None:
        """[Laat maar]: an offer still open is given back (not going); None when it is not
        (or no longer) an open offer of this member (claimed, run out, declined)."""
        return await self._settle_offer(
            signup_id, (_signups.c.member_id == member_id,), going=False, now=utcnow()
        )

    async def expire_offer(self, signup_id: int, now: datetime) -> SignupRecord | None:
        """An offer whose time ran out lapses (not going); the record, None when it was
        claimed, declined or is still running."""
        return await self._settle_offer(
            signup_id, (_signups.c.offered_until <= now,), going=False, now=now
        )

    async def shorten_offers(self, event_id: int, until: datetime) -> list[int]:
        """Offers that would run past ``until`` (an earlier start) now end then; their ids."""
        async with self._db.begin() as conn:
            if await _lock(conn, event_id) is None:
                return []
            rows = list(
                await conn.execute(
                    select(_signups.c.id).where(
                        _signups.c.event_id == event_id,
                        _signups.c.state == SignupState.OFFERED.value,
                        _signups.c.offered_until > until,
                    )
                )
            )
            if rows:
                await conn.execute(
                    update(_signups)
                    .where(_signups.c.id.in_([int(row.id) for row in rows]))
                    .values(offered_until=until, updated_at=utcnow())
                )
            return [int(row.id) for row in rows]

    async def set_reminders(self, signup_id: int, member_id: int, on: bool) -> bool:
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_signups)
                .where(_signups.c.id == signup_id, _signups.c.member_id == member_id)
                .values(reminders=on, updated_at=utcnow())
            )
            return bool(result.rowcount)

    async def choose_session(
        self, signup_id: int, session_id: int, wanted: bool
    ) -> tuple[SignupRecord, str | None] | None:
        """Choose or drop a session; the sign-up and a refusal reason (``overlap`` with the
        clashing session's title, ``full``, ``not_going``). None: no such sign-up/session."""
        async with self._db.begin() as conn:
            found = (
                await conn.execute(
                    select(_signups.c.event_id, _signups.c.state).where(_signups.c.id == signup_id)
                )
            ).first()
            if found is None or await _lock(conn, int(found.event_id)) is None:
                return None
            session = (
                await conn.execute(
                    select(_sessions).where(
                        _sessions.c.id == session_id, _sessions.c.event_id == found.event_id
                    )
                )
            ).first()
            if session is None:
                return None
            if not wanted:
                await conn.execute(
                    delete(_choices).where(
                        _choices.c.signup_id == signup_id, _choices.c.session_id == session_id
                    )
                )
                return await self._signup_in(conn, signup_id), None
            if found.state not in HOLDING:
                return await self._signup_in(conn, signup_id), "not_going"
            chosen = await conn.execute(
                select(_sessions.c.id, _sessions.c.title, _sessions.c.starts_at, _sessions.c.ends_at)
                .join(_choices, _choices.c.session_id == _sessions.c.id)
                .where(_choices.c.signup_id == signup_id)
            )
            for other in chosen:
                if int(other.id) == session_id:
                    return await self._signup_in(conn, signup_id), None
                if other.starts_at < session.ends_at and session.starts_at < other.ends_at:
                    return await self._signup_in(conn, signup_id), f"overlap:{other.title}"
            if session.capacity is not None:
                taken = int(
                    (
                        await conn.execute(
                            select(func.count())
                            .select_from(_choices.join(_signups, _signups.c.id == _choices.c.signup_id))
                            .where(
                                _choices.c.session_id == session_id,
                                _signups.c.state.in_(HOLDING),
                            )
                        )
                    ).scalar_one()
                )
                if taken >= session.capacity:
                    return await self._signup_in(conn, signup_id), "full"
            await conn.execute(insert(_choices).values(signup_id=signup_id, session_id=session_id))
            return await self._signup_in(conn, signup_id), None

    # -- reading sign-ups ----------------------------------------------------------------------

    async def _signup_in(self, conn: AsyncConnection, signup_id: int) -> SignupRecord:
        row = (await conn.execute(select(_signups).where(_signups.c.id == signup_id))).one()
        sessions = await conn.execute(
            select(_choices.c.session_id).where(_choices.c.signup_id == signup_id)
        )
        return _signup(row, [int(s) for (s,) in sessions])

    async def signup_of(self, event_id: int, member_id: int) -> SignupRecord | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(_signups.c.id).where(
                        _signups.c.event_id == event_id, _signups.c.member_id == member_id
                    )
                )
            ).first()
            return None if row is None else await self._signup_in(conn, int(row.id))

    async def signup(self, signup_id: int) -> SignupRecord | None:
        async with self._db.engine.connect() as conn:
            exists_ = (
                await conn.execute(select(_signups.c.id).where(_signups.c.id == signup_id))
            ).first()
            return None if exists_ is None else await self._signup_in(conn, signup_id)

    async def by_code(self, code: str) -> SignupRecord | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(_signups.c.id).where(_signups.c.checkin_code == code))
            ).first()
            return None if row is None else await self._signup_in(conn, int(row.id))

    async def signups(
        self, event_id: int, states: Sequence[SignupState] = ()
    ) -> list[SignupRecord]:
        """An event's sign-ups in order of arrival, with their sessions."""
        query = (
            select(_signups).where(_signups.c.event_id == event_id).order_by(_signups.c.position)
        )
        if states:
            query = query.where(_signups.c.state.in_([state.value for state in states]))
        async with self._db.engine.connect() as conn:
            rows = list(await conn.execute(query))
            chosen: dict[int, list[int]] = {}
            ids = [int(row.id) for row in rows]
            for start in range(0, len(ids), 5_000):
                for signup_id, session_id in await conn.execute(
                    select(_choices.c.signup_id, _choices.c.session_id).where(
                        _choices.c.signup_id.in_(ids[start : start + 5_000])
                    )
                ):
                    chosen.setdefault(int(signup_id), []).append(int(session_id))
            return [_signup(row, chosen.get(int(row.id), ())) for row in rows]

    async def signups_of_member(self, member_id: int) -> list[tuple[SignupRecord, str]]:
        """A member's sign-ups with the event's title (for their data export)."""
        async with self._db.engine.connect() as conn:
            rows = list(
                await conn.execute(
                    select(_signups.c.id, _events.c.title)
                    .join(_events, _events.c.id == _signups.c.event_id)
                    .where(_signups.c.member_id == member_id)
                    .order_by(_events.c.starts_at)
                )
            )
            return [(await self._signup_in(conn, int(row.id)), row.title) for row in rows]

    async def upcoming_of_member(self, member_id: int, after: datetime) -> list[SignupRecord]:
        async with self._db.engine.connect() as conn:
            rows = list(
                await conn.execute(
                    select(_signups.c.id)
                    .join(_events, _events.c.id == _signups.c.event_id)
                    .where(
                        _signups.c.member_id == member_id,
                        _signups.c.state.in_(SIGNED_UP),
                        _events.c.ends_at > after,
                    )
                    .order_by(_events.c.starts_at)
                )
            )
            return [await self._signup_in(conn, int(row.id)) for row in rows]

    async def counts(self, event_id: int) -> dict[SignupState, tuple[int, int]]:
        """Per state: (people, of whom bring a guest)."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(
                    _signups.c.state,
                    func.count(),
                    func.coalesce(func.sum(func.cast(_signups.c.guest, Integer)), 0),
                )
                .where(_signups.c.event_id == event_id)
                .group_by(_signups.c.state)
            )
            return {SignupState(state): (int(n), int(guests)) for state, n, guests in rows}

    async def checked_in(self, event_id: int) -> int:
        async with self._db.engine.connect() as conn:
            found = await conn.execute(
                select(func.count()).where(
                    _signups.c.event_id == event_id, _signups.c.checked_in_at.is_not(None)
                )
            )
            return int(found.scalar_one())

    async def session_counts(self, event_id: int) -> dict[int, int]:
        """Per session: the people holding a place who chose it."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_choices.c.session_id, func.count())
                .select_from(_choices.join(_signups, _signups.c.id == _choices.c.signup_id))
                .where(_signups.c.event_id == event_id, _signups.c.state.in_(HOLDING))
                .group_by(_choices.c.session_id)
            )
            return {int(session_id): int(n) for session_id, n in rows}

    async def members_in(self, event_id: int, states: Sequence[SignupState]) -> list[int]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_signups.c.member_id)
                .where(
                    _signups.c.event_id == event_id,
                    _signups.c.state.in_([state.value for state in states]),
                )
                .order_by(_signups.c.position)
            )
            return [int(member_id) for (member_id,) in rows]

    async def reminded(self, event_id: int) -> list[int]:
        """Members going who did not switch the event's reminders off."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_signups.c.member_id)
                .where(
                    _signups.c.event_id == event_id,
                    _signups.c.state == SignupState.GOING.value,
                    _signups.c.reminders.is_(True),
                )
                .order_by(_signups.c.position)
            )
            return [int(member_id) for (member_id,) in rows]

    # -- the door ------------------------------------------------------------------------------

    async def check_in(
        self, signup_id: int, by: str, now: datetime
    ) -> tuple[bool, datetime | None]:
        """(True, now) on the first check-in; (False, when) when it was done before;
        (False, None) when the sign-up is no longer going (given up a moment ago)."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_signups)
                .where(
                    _signups.c.id == signup_id,
                    _signups.c.checked_in_at.is_(None),
                    _signups.c.state == SignupState.GOING.value,
                )
                .values(checked_in_at=now, checked_in_by=by, updated_at=now)
            )
            if result.rowcount:
                return True, now
            row = (
                await conn.execute(
                    select(_signups.c.checked_in_at).where(_signups.c.id == signup_id)
                )
            ).first()
            return False, None if row is None else row.checked_in_at

    async def add_staff(self, event_id: int, member_id: int) -> bool:
        async with self._db.begin() as conn:
            present = (
                await conn.execute(
                    select(_staff.c.member_id).where(
                        _staff.c.event_id == event_id, _staff.c.member_id == member_id
                    )
                )
            ).first()
            if present is not None:
                return False
            await conn.execute(insert(_staff).values(event_id=event_id, member_id=member_id))
            return True

    async def remove_staff(self, event_id: int, member_id: int) -> bool:
        async with self._db.begin() as conn:
            result = await conn.execute(
                delete(_staff).where(_staff.c.event_id == event_id, _staff.c.member_id == member_id)
            )
            return bool(result.rowcount)

    async def staffed_by(self, member_id: int) -> set[int]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_staff.c.event_id).where(_staff.c.member_id == member_id)
            )
            return {int(event_id) for (event_id,) in rows}

    async def staff(self, event_id: int) -> list[int]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_staff.c.member_id).where(_staff.c.event_id == event_id)
            )
            return [int(member_id) for (member_id,) in rows]

    # -- privacy -------------------------------------------------------------------------------

    async def forget_member(self, member_id: int) -> list[tuple[int, SignupState]]:
        """Remove a member's sign-ups (with their sessions and check-ins) and door duties;
        the (event, state) of each removed sign-up, so freed places can be offered."""
        async with self._db.begin() as conn:
            rows = list(
                await conn.execute(
                    select(_signups.c.id, _signups.c.event_id, _signups.c.state).where(
                        _signups.c.member_id == member_id
                    )
                )
            )
            for event_id in sorted({int(row.event_id) for row in rows}):
                await _lock(conn, event_id)  # in one order: two erasures cannot deadlock
            if rows:
                await conn.execute(
                    delete(_choices).where(_choices.c.signup_id.in_([int(r.id) for r in rows]))
                )
                await conn.execute(delete(_signups).where(_signups.c.member_id == member_id))
            await conn.execute(delete(_staff).where(_staff.c.member_id == member_id))
            await conn.execute(  # who checked others in: not kept of an erased member
                update(_signups)
                .where(_signups.c.checked_in_by == checked_in_by(member_id))
                .values(checked_in_by=None)
            )
        return [(int(row.event_id), SignupState(row.state)) for row in rows]

    async def due_offers(self, now: datetime) -> list[int]:
        """Offers whose time ran out (found by the daily housekeeping as a safety net)."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_signups.c.id).where(
                    and_(
                        _signups.c.state == SignupState.OFFERED.value,
                        _signups.c.offered_until <= now,
                    )
                )
            )
            return [int(signup_id) for (signup_id,) in rows]
