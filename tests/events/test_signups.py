"""Signing up, the waitlist and its offers, reminders, changes, the audience, privacy and
the door: the events service on a real database, with the clock in the test's hands.

Jobs are not left to the scheduler (it is paused): a test proves that the service
planned a job (``app.clock.when``) and runs its handler itself, at the moment it chooses. Who got a message is read from the outbox (one row per recipient), and where the
template matters the outbox is run into a recording chat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import Werkbot
from bot.core.errors import UserError
from bot.core.i18n import set_language
from cogs.events.service import (
    CHANGED_TEMPLATE,
    LAPSED_TEMPLATE,
    OFFER_TEMPLATE,
    REMINDER_TEMPLATE,
    CheckinOutcome,
    EventService,
)
from storage.models.outbox import OutboxBroadcast, OutboxMessage
from storage.records.events import (
    EventKind,
    EventRecord,
    EventStatus,
    NewEvent,
    NewSession,
    SignupRecord,
    SignupState,
    Venue,
)
from storage.types import table_of, utcnow
from tests.events.conftest import make_member
from tests.support.chat import RecordingChat
from tests.support.outbox import sent

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = datetime(2027, 5, 11, 8, 0, tzinfo=UTC)  # 10:00 in Utrecht
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

GOING = SignupState.GOING
WAITLISTED = SignupState.WAITLISTED
OFFERED = SignupState.OFFERED
NOT_GOING = SignupState.NOT_GOING

EVENT = NewEvent(
    title="Ledenavond Utrecht",
    description="Praten over werk dat past.",
    kind=EventKind.BIJEENKOMST,
    starts_at=START,
    ends_at=START + 3 * HOUR,
    venue=Venue("De Werkplaats", "Oudegracht 1, Utrecht"),
    capacity=2,
)


# -- helpers (also used by test_concurrency.py) -----------------------------------------------


def paused(app: Werkbot) -> EventService:
    """The app's event service, with the scheduler paused: jobs run when the test says."""
    app.clock._running().pause()
    return app.events.service


async def create(service: EventService, **changes: Any) -> EventRecord:
    return await service.create(replace(EVENT, **changes))


async def members(app: Werkbot, *users: str, **facts: Any) -> list[int]:
    return [await make_member(app, user, **facts) for user in users]


async def signup(service: EventService, event: EventRecord, member_id: int) -> SignupRecord:
    found = await service.signup_of(event.id, member_id)
    assert found is not None, f"member {member_id} has no sign-up for event {event.id}"
    return found


async def states(service: EventService, event: EventRecord) -> dict[int, SignupState]:
    return {s.member_id: s.state for s in await service._repo.signups(event.id)}


async def held(service: EventService, event: EventRecord) -> int:
    """Places taken: going and offered sign-ups, each guest one more."""
    return sum(
        1 + int(s.guest)
        for s in await service._repo.signups(event.id)
        if s.state in (GOING, OFFERED)
    )


@dataclass(frozen=True)
class Sent:
    id: int
    params: dict[str, Any]
    members: list[int]


async def outbox(app: Werkbot, template: str) -> list[Sent]:
    """Every broadcast of a template, oldest first, with its recipients in order."""
    broadcasts = table_of(OutboxBroadcast)
    messages = table_of(OutboxMessage)
    query = (
        select(broadcasts.c.id, broadcasts.c.params, messages.c.member_id)
        .select_from(broadcasts.outerjoin(messages, messages.c.broadcast_id == broadcasts.c.id))
        .where(broadcasts.c.template == template)
        .order_by(broadcasts.c.id, messages.c.id)
    )
    found: dict[int, Sent] = {}
    async with app.db.engine.connect() as conn:
        for broadcast_id, params, member_id in await conn.execute(query):
            entry = found.setdefault(broadcast_id, Sent(broadcast_id, dict(params), []))
            if member_id is not None:
                entry.members.append(int(member_id))
    return list(found.values())


def offer_job(signup_id: int) -> str:
    return f"events.offer_lapses:{signup_id}"


def delivered_to(chat: RecordingChat) -> list[str]:
    """The chats that got something, once each, in order (a notice may be two replies)."""
    return list(dict.fromkeys(target.chat_id for target, _reply in chat.delivered))


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as moving:
        yield moving


@pytest.fixture
def service(app: Werkbot, traveller: time_machine.Traveller) -> EventService:
    return paused(app)


# -- the waitlist and its offers (acceptance 2, 3, 4) -----------------------------------------


async def test_a_freed_place_is_offered_to_the_first_on_the_waitlist_only(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller, chat: RecordingChat
) -> None:
    event = await create(service, capacity=2)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    for member_id in (anna, bob, cas, dirk):
        await service.rsvp(event.id, member_id, going=True)
    assert await states(service, event) == {
        anna: GOING,
        bob: GOING,
        cas: WAITLISTED,
        dirk: WAITLISTED,
    }
    assert await service.availability(event) == (0, 2)
    assert await service.waitlist_ahead(await signup(service, event, dirk)) == 1
    await sent(app)
    chat.delivered.clear()

    traveller.shift(10 * 60)
    given_up = await service.rsvp(event.id, bob, going=False)
    assert given_up.before is GOING and given_up.signup.state is NOT_GOING

    offer = await signup(service, event, cas)
    assert offer.state is OFFERED
    assert offer.offered_until == utcnow() + 24 * HOUR  # the event is months away
    assert app.clock.when(offer_job(offer.id)) == offer.offered_until
    assert (await signup(service, event, dirk)).state is WAITLISTED
    assert await service.availability(event) == (0, 1)  # an offered place is held
    offers = await outbox(app, OFFER_TEMPLATE)
    assert [(o.params, o.members) for o in offers] == [
        ({"event": event.id, "signup": offer.id}, [cas])
    ]
    await sent(app)
    assert delivered_to(chat) == ["cas"]
    assert chat.delivered[0][1].buttons  # [Ik kom] and [Laat maar]

    with pytest.raises(UserError):
        await service.claim(offer.id, dirk)  # not theirs
    claimed = await service.claim(offer.id, cas)
    assert claimed.before is OFFERED and claimed.signup.state is GOING
    assert claimed.signup.offered_until is None
    assert app.clock.when(offer_job(offer.id)) is None
    again = await service.claim(offer.id, cas)  # a second press changes nothing
    assert again.signup.state is GOING
    assert await states(service, event) == {
        anna: GOING,
        bob: NOT_GOING,
        cas: GOING,
        dirk: WAITLISTED,
    }
    assert len(await outbox(app, OFFER_TEMPLATE)) == 1


async def test_offers_close_to_the_start_run_two_hours_and_never_past_the_start(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    soon = await create(service, starts_at=NOW + 40 * HOUR, ends_at=NOW + 42 * HOUR, capacity=1)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    await service.rsvp(soon.id, anna, going=True)
    await service.rsvp(soon.id, bob, going=True)
    await service.rsvp(soon.id, anna, going=False)
    offer = await signup(service, soon, bob)
    assert offer.state is OFFERED and offer.offered_until == NOW + 2 * HOUR
    assert app.clock.when(offer_job(offer.id)) == NOW + 2 * HOUR

    very_soon = await create(service, starts_at=NOW + HOUR, ends_at=NOW + 3 * HOUR, capacity=1)
    await service.rsvp(very_soon.id, cas, going=True)
    await service.rsvp(very_soon.id, dirk, going=True)
    await service.rsvp(very_soon.id, cas, going=False)
    assert (await signup(service, very_soon, dirk)).offered_until == NOW + HOUR


async def test_a_claim_after_the_offer_ran_out_is_refused(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob, cas):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)
    assert offer.offered_until is not None

    traveller.move_to(offer.offered_until)  # the job has not run (yet)
    with pytest.raises(UserError):
        await service.claim(offer.id, bob)
    assert (await signup(service, event, bob)).state is OFFERED
    # nor through an old [Ik kom] button of the event: the offer lapses, the place moves
    # on to the next in line and bob joins the back of the waitlist
    late = await service.rsvp(event.id, bob, going=True)
    assert late.signup.state is WAITLISTED
    assert (await signup(service, event, cas)).state is OFFERED
    assert [o.members for o in await outbox(app, LAPSED_TEMPLATE)] == [[bob]]
    assert app.clock.when(offer_job(offer.id)) is None


async def test_an_offer_that_runs_out_goes_to_the_next(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    for member_id in (anna, bob, cas, dirk):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)
    assert offer.offered_until is not None

    traveller.move_to(offer.offered_until - timedelta(seconds=1))
    assert await service.offer_lapses({"signup": offer.id}) == []  # too early: nothing
    assert (await signup(service, event, bob)).state is OFFERED

    traveller.move_to(offer.offered_until + timedelta(seconds=1))
    await service.offer_lapses({"signup": offer.id})
    lapsed = await signup(service, event, bob)
    assert lapsed.state is NOT_GOING and lapsed.offered_until is None
    assert [(o.params, o.members) for o in await outbox(app, LAPSED_TEMPLATE)] == [
        ({"event": event.id}, [bob])
    ]
    nxt = await signup(service, event, cas)
    assert nxt.state is OFFERED and nxt.offered_until == utcnow() + 24 * HOUR
    assert app.clock.when(offer_job(nxt.id)) == nxt.offered_until
    assert (await signup(service, event, dirk)).state is WAITLISTED
    assert [o.members for o in await outbox(app, OFFER_TEMPLATE)] == [[bob], [cas]]

    await service.offer_lapses({"signup": offer.id})  # the job once more: nothing twice
    assert len(await outbox(app, LAPSED_TEMPLATE)) == 1
    assert len(await outbox(app, OFFER_TEMPLATE)) == 2


async def test_a_declined_offer_goes_to_the_next(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob, cas):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)

    with pytest.raises(UserError):
        await service.decline_offer(offer.id, cas)  # not theirs
    await service.decline_offer(offer.id, bob)
    assert (await signup(service, event, bob)).state is NOT_GOING
    assert app.clock.when(offer_job(offer.id)) is None
    nxt = await signup(service, event, cas)
    assert nxt.state is OFFERED and app.clock.when(offer_job(nxt.id)) is not None
    with pytest.raises(UserError):
        await service.decline_offer(offer.id, bob)  # no longer open
    with pytest.raises(UserError):
        await service.claim(offer.id, bob)
    assert await states(service, event) == {anna: NOT_GOING, bob: NOT_GOING, cas: OFFERED}
    assert not await outbox(app, LAPSED_TEMPLATE)  # declining is not running out


async def test_a_decline_that_comes_after_a_claim_is_refused(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    """Two buttons of one offer pressed at once: the claim lands between the decline's
    first look and its change. The decline must see the claim, not undo it."""
    event = await create(service, capacity=1)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob, cas):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)
    repository = service._repo
    first_look = repository.signup

    async def claimed_meanwhile(signup_id: int) -> SignupRecord | None:
        found = await first_look(signup_id)
        assert await repository.claim(offer.id, bob, utcnow())  # the other press
        return found

    repository.signup = claimed_meanwhile  # type: ignore[method-assign]
    try:
        with pytest.raises(UserError):
            await service.decline_offer(offer.id, bob)
    finally:
        repository.signup = first_look  # type: ignore[method-assign]
    assert await states(service, event) == {anna: NOT_GOING, bob: GOING, cas: WAITLISTED}
    assert await held(service, event) == 1


async def test_giving_up_an_offer_or_a_waitlist_place(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    for member_id in (anna, bob, cas, dirk):
        await service.rsvp(event.id, member_id, going=True)
    left = await service.rsvp(event.id, cas, going=False)  # leaves the waitlist
    assert left.before is WAITLISTED
    assert (await signup(service, event, dirk)).state is WAITLISTED  # no place came free
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)
    assert offer.state is OFFERED
    passed = await service.rsvp(event.id, bob, going=False)  # "not coming" on the page
    assert passed.before is OFFERED
    assert app.clock.when(offer_job(offer.id)) is None
    assert (await signup(service, event, dirk)).state is OFFERED
    with pytest.raises(UserError):  # never signed up
        await service.rsvp(event.id, await make_member(app, "eve"), going=False)


async def test_who_comes_back_joins_the_back_of_the_line(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=2)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob, cas):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)  # cas is offered anna's place
    back = await service.rsvp(event.id, anna, going=True)
    assert back.signup.state is WAITLISTED and back.signup.position == 4
    await service.rsvp(event.id, bob, going=False)  # anna is next in line
    assert (await signup(service, event, anna)).state is OFFERED
    again = await service.rsvp(event.id, bob, going=True)
    assert again.signup.state is WAITLISTED and again.signup.position == 5
    positions = [s.position for s in await service._repo.signups(event.id)]
    assert sorted(positions) == [3, 4, 5]
    assert (await signup(service, event, anna)).checkin_code == back.signup.checkin_code


async def test_the_daily_safety_net_lapses_an_offer_whose_job_was_lost(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob, cas):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)
    assert offer.offered_until is not None
    assert await app.clock.cancel(offer_job(offer.id))  # a crash between offer and plan
    assert await service.lapse_due_offers() == 0  # still running

    traveller.move_to(offer.offered_until + 3 * HOUR)
    assert await service.lapse_due_offers() == 1
    assert (await signup(service, event, bob)).state is NOT_GOING
    assert [o.members for o in await outbox(app, LAPSED_TEMPLATE)] == [[bob]]
    assert (await signup(service, event, cas)).state is OFFERED
    assert await service.lapse_due_offers() == 0


async def test_the_daily_safety_net_offers_a_place_given_back_without_an_offer(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob, cas):
        await service.rsvp(event.id, member_id, going=True)
    await service._repo.give_up(event.id, anna)  # a crash before the offer was made
    assert (await signup(service, event, bob)).state is WAITLISTED
    traveller.shift(DAY)
    await service.lapse_due_offers()
    offer = await signup(service, event, bob)
    assert offer.state is OFFERED and app.clock.when(offer_job(offer.id)) == offer.offered_until
    assert (await signup(service, event, cas)).state is WAITLISTED
    await service.lapse_due_offers()  # nothing more is free: nothing more is offered
    assert [o.members for o in await outbox(app, OFFER_TEMPLATE)] == [[bob]]


async def test_more_places_are_offered_to_the_waitlist_in_order(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=2)
    people = await members(app, "p1", "p2", "p3", "p4", "p5", "p6")
    for member_id in people:
        await service.rsvp(event.id, member_id, going=True)
    changed = await service.change(event.id, capacity=4)
    assert changed.capacity == 4 and changed.sequence == 0  # places are no news for all
    got = await states(service, event)
    assert [got[m] for m in people] == [GOING, GOING, OFFERED, OFFERED, WAITLISTED, WAITLISTED]
    assert [o.members for o in await outbox(app, OFFER_TEMPLATE)] == [[people[2]], [people[3]]]
    for member_id in people[2:4]:
        offer = await signup(service, event, member_id)
        assert app.clock.when(offer_job(offer.id)) == NOW + 24 * HOUR
    assert not await outbox(app, CHANGED_TEMPLATE)

    await service.change(event.id, capacity=1)  # fewer places take none away
    assert (await states(service, event))[people[2]] is OFFERED
    await service.change(event.id, unlimited=True)
    got = await states(service, event)
    assert [got[m] for m in people] == [GOING, GOING, OFFERED, OFFERED, OFFERED, OFFERED]
    assert [o.members for o in await outbox(app, OFFER_TEMPLATE)][2:] == [
        [people[4]],
        [people[5]],
    ]


async def test_a_guest_who_does_not_fit_stops_the_line(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=3, allow_guest=True)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    await service.rsvp(event.id, anna, going=True)
    assert (await service.rsvp(event.id, bob, going=True, guest=True)).signup.state is GOING
    assert (await service.rsvp(event.id, cas, going=True, guest=True)).signup.state is WAITLISTED
    # one place would be free for dirk alone, but cas waits first
    assert (await service.rsvp(event.id, dirk, going=True)).signup.state is WAITLISTED
    refused = await service.rsvp(event.id, anna, going=True, guest=True)
    assert refused.guest_refused and not refused.signup.guest  # full: her own place stands
    assert await held(service, event) == 3

    await service.rsvp(event.id, anna, going=False)  # one place: too small for cas and guest
    assert (await states(service, event))[cas] is WAITLISTED
    assert (await states(service, event))[dirk] is WAITLISTED  # nobody is skipped
    await service.change(event.id, capacity=4)
    assert (await states(service, event))[cas] is OFFERED
    assert (await states(service, event))[dirk] is WAITLISTED
    await service.change(event.id, capacity=5)
    assert (await states(service, event))[dirk] is OFFERED
    assert await held(service, event) == 5

    plain = await create(service, capacity=5)  # no guests at all
    with pytest.raises(UserError):
        await service.rsvp(plain.id, anna, going=True, guest=True)
    assert await service.signup_of(plain.id, anna) is None


async def test_session_choices_go_with_an_offer_that_runs_out(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(
        service,
        capacity=1,
        sessions=(NewSession("Workshop pensioen", START, START + HOUR, capacity=1),),
    )
    (session,) = event.sessions
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    for member_id in (anna, bob):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)
    offer = await signup(service, event, bob)
    await service.choose_session(offer.id, bob, session.id, True)  # offered: may choose
    assert await service._repo.session_counts(event.id) == {session.id: 1}
    assert offer.offered_until is not None

    traveller.move_to(offer.offered_until)
    await service.offer_lapses({"signup": offer.id})
    lapsed = await signup(service, event, bob)
    assert lapsed.state is NOT_GOING and lapsed.session_ids == ()
    # bob signs up again (the place is free, nobody waits): no session came with him
    back = await service.rsvp(event.id, bob, going=True)
    assert back.signup.state is GOING and back.signup.session_ids == ()
    await service.rsvp(event.id, bob, going=False)
    await service.rsvp(event.id, cas, going=True)
    cas_signup = await signup(service, event, cas)
    chosen = await service.choose_session(cas_signup.id, cas, session.id, True)
    assert chosen.session_ids == (session.id,)


async def test_a_guest_once_added_stays_and_a_new_one_does_not_jump_the_line(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=4, allow_guest=True)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    await service.rsvp(event.id, anna, going=True, guest=True)
    await service.rsvp(event.id, bob, going=True)
    await service.change(event.id, capacity=2)  # fewer places: nobody loses theirs
    again = await service.rsvp(event.id, anna, going=True)  # an old [Ik kom] button
    assert again.signup.state is GOING and again.signup.guest and not again.guest_refused
    assert (await signup(service, event, bob)).state is GOING

    await service.change(event.id, capacity=4)  # one place free
    await service.rsvp(event.id, cas, going=True, guest=True)
    # cas waits for two places
    assert (await signup(service, event, cas)).state is WAITLISTED
    plus_one = await service.rsvp(event.id, bob, going=True, guest=True)
    assert plus_one.guest_refused and not plus_one.signup.guest  # cas was first
    await service.rsvp(event.id, dirk, going=True)
    assert (await signup(service, event, dirk)).state is WAITLISTED
    await service.change(event.id, capacity=5)
    assert (await signup(service, event, cas)).state is OFFERED
    assert (await service.rsvp(event.id, bob, going=True, guest=True)).guest_refused
    await service.change(event.id, capacity=7)  # dirk is offered one, one is left
    assert (await signup(service, event, dirk)).state is OFFERED
    now_room = await service.rsvp(event.id, bob, going=True, guest=True)
    assert now_room.signup.guest and not now_room.guest_refused
    assert await held(service, event) == 7


# -- when signing up is possible (acceptance 5) -----------------------------------------------


async def test_no_signups_after_the_deadline_or_the_start_or_for_a_cancelled_event(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    set_language("en")
    deadline = START - 7 * DAY
    event = await create(service, capacity=1, rsvp_deadline=deadline)
    anna, bob, cas = await members(app, "anna", "bob", "cas")
    await service.rsvp(event.id, anna, going=True)
    await service.rsvp(event.id, bob, going=True)

    traveller.move_to(deadline)
    with pytest.raises(UserError, match="closed"):
        await service.rsvp(event.id, cas, going=True)
    assert await service.signup_of(event.id, cas) is None
    assert await service.availability(event) == (0, 1)
    # giving a place back is still possible, and it goes to the waitlist
    await service.rsvp(event.id, anna, going=False)
    assert (await signup(service, event, bob)).state is OFFERED

    traveller.move_to(START)
    with pytest.raises(UserError, match="started"):
        await service.rsvp(event.id, cas, going=True)
    assert await service.signup_of(event.id, cas) is None

    traveller.move_to(NOW)
    other = await create(service, capacity=10)
    await service.rsvp(other.id, anna, going=True)
    await service.cancel(other.id)
    with pytest.raises(UserError, match="cancelled"):
        await service.rsvp(other.id, cas, going=True)
    assert await service.signup_of(other.id, cas) is None
    with pytest.raises(UserError):
        await service.rsvp(other.id, 999_999, going=True)  # not a member


async def test_a_sign_up_without_deadline_is_open_until_the_start(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=1)
    (anna,) = await members(app, "anna")
    traveller.move_to(START - timedelta(seconds=1))
    assert (await service.rsvp(event.id, anna, going=True)).signup.state is GOING


# -- sessions (acceptance 6) ------------------------------------------------------------------


async def test_sessions_overlap_full_dropped_and_only_for_members_going(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    set_language("en")
    event = await create(
        service,
        capacity=2,
        ends_at=START + 6 * HOUR,
        sessions=(
            NewSession("Pensioen voor zzp'ers", START, START + HOUR, room="Zaal 1", capacity=1),
            NewSession("Netwerken", START + HOUR / 2, START + 2 * HOUR, room="Zaal 2"),
            NewSession("Scholing", START + HOUR, START + 2 * HOUR, room="Zaal 1"),
        ),
    )
    pension, network, school = event.sessions
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    a = (await service.rsvp(event.id, anna, going=True)).signup
    b = (await service.rsvp(event.id, bob, going=True)).signup
    c = (await service.rsvp(event.id, cas, going=True)).signup
    assert c.state is WAITLISTED

    assert (await service.choose_session(a.id, anna, pension.id, True)).session_ids == (pension.id,)
    with pytest.raises(UserError, match="Pensioen voor zzp'ers"):
        await service.choose_session(a.id, anna, network.id, True)  # overlaps
    chosen = await service.choose_session(a.id, anna, school.id, True)  # right after: fine
    assert chosen.session_ids == tuple(sorted((pension.id, school.id)))
    with pytest.raises(UserError, match="full"):
        await service.choose_session(b.id, bob, pension.id, True)
    assert (await service.choose_session(b.id, bob, network.id, True)).session_ids == (network.id,)
    with pytest.raises(UserError, match="Netwerken"):
        await service.choose_session(b.id, bob, school.id, True)

    dropped = await service.choose_session(a.id, anna, pension.id, False)
    assert dropped.session_ids == (school.id,)
    assert await service._repo.session_counts(event.id) == {school.id: 1, network.id: 1}
    await service.choose_session(b.id, bob, network.id, False)
    assert (await service.choose_session(b.id, bob, pension.id, True)).session_ids == (pension.id,)

    with pytest.raises(UserError, match="Sign up"):  # on the waitlist: no sessions
        await service.choose_session(c.id, cas, school.id, True)
    with pytest.raises(UserError):
        await service.choose_session(a.id, bob, school.id, True)  # someone else's sign-up
    with pytest.raises(UserError):
        await service.choose_session(a.id, anna, 999_999, True)  # no such session

    await service.rsvp(event.id, bob, going=False)  # his session place is free again
    assert (await signup(service, event, bob)).session_ids == ()
    with pytest.raises(UserError, match="Sign up"):
        await service.choose_session(b.id, bob, pension.id, True)
    d = (await service.rsvp(event.id, dirk, going=True)).signup  # behind cas
    assert d.state is WAITLISTED
    offer = await signup(service, event, cas)
    assert offer.state is OFFERED
    assert (await service.choose_session(offer.id, cas, pension.id, True)).session_ids == (
        pension.id,
    )


# -- reminders (acceptance 7) -----------------------------------------------------------------


async def test_reminders_are_planned_replanned_and_cancelled(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service)
    day_before, hours_before = f"events.remind:{event.id}:24h", f"events.remind:{event.id}:2h"
    assert app.clock.when(day_before) == START - 24 * HOUR
    assert app.clock.when(hours_before) == START - 2 * HOUR

    later = START + 2 * DAY
    await service.change(event.id, starts_at=later)
    assert app.clock.when(day_before) == later - 24 * HOUR
    assert app.clock.when(hours_before) == later - 2 * HOUR

    await service.change(event.id, title="Ledenavond Utrecht (nieuwe zaal)")
    assert app.clock.when(day_before) == later - 24 * HOUR  # the time did not change

    soon = NOW + 10 * HOUR  # too close for the one a day before
    await service.change(event.id, starts_at=soon)
    assert app.clock.when(day_before) is None
    assert app.clock.when(hours_before) == soon - 2 * HOUR

    await service.cancel(event.id)
    assert app.clock.when(day_before) is None and app.clock.when(hours_before) is None

    close = await create(service, starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR)
    assert app.clock.when(f"events.remind:{close.id}:24h") is None
    assert app.clock.when(f"events.remind:{close.id}:2h") is None


async def test_reminders_reach_only_members_going_who_kept_them_on(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller, chat: RecordingChat
) -> None:
    event = await create(service, capacity=3)
    anna, bob, cas, dirk, eve, fred = await members(
        app, "anna", "bob", "cas", "dirk", "eve", "fred"
    )
    for member_id in (anna, bob, cas, dirk, fred):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, cas, going=False)  # dirk is offered cas's place
    await service.rsvp(event.id, eve, going=True)  # waitlisted behind fred
    assert await states(service, event) == {
        anna: GOING,
        bob: GOING,
        cas: NOT_GOING,
        dirk: OFFERED,
        fred: WAITLISTED,
        eve: WAITLISTED,
    }
    await service.set_reminders(event.id, bob, False)
    with pytest.raises(UserError):
        await service.set_reminders(event.id, await make_member(app, "gijs"), False)
    await sent(app)
    chat.delivered.clear()

    traveller.move_to(START - 24 * HOUR)
    await service.remind({"event": event.id, "label": "24h"})
    reminders = await outbox(app, REMINDER_TEMPLATE)
    assert [(r.params, r.members) for r in reminders] == [
        ({"event": event.id, "label": "24h"}, [anna])
    ]
    await sent(app)
    assert delivered_to(chat) == ["anna"]

    await service.set_reminders(event.id, bob, True)
    traveller.move_to(START - 2 * HOUR)
    await service.remind({"event": event.id, "label": "2h"})
    assert [r.members for r in await outbox(app, REMINDER_TEMPLATE)] == [[anna], [anna, bob]]

    traveller.move_to(START + HOUR)  # a job that came due while Werkbot was down
    await service.remind({"event": event.id, "label": "2h"})
    assert len(await outbox(app, REMINDER_TEMPLATE)) == 2

    traveller.move_to(START - 2 * HOUR)
    await service.cancel(event.id)
    await service.remind({"event": event.id, "label": "2h"})  # cancelled: nothing
    assert len(await outbox(app, REMINDER_TEMPLATE)) == 2


# -- changes and cancellation (acceptance 8) --------------------------------------------------


async def test_a_new_time_or_place_reaches_everyone_signed_up_and_raises_the_sequence(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller, chat: RecordingChat
) -> None:
    event = await create(service, capacity=2)
    anna, bob, cas, dirk, eve = await members(app, "anna", "bob", "cas", "dirk", "eve")
    for member_id in (anna, bob, cas, dirk, eve):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, bob, going=False)  # cas offered, dirk and eve wait
    await service.rsvp(event.id, eve, going=False)
    assert await states(service, event) == {
        anna: GOING,
        bob: NOT_GOING,
        cas: OFFERED,
        dirk: WAITLISTED,
        eve: NOT_GOING,
    }
    assert event.sequence == 0
    await sent(app)
    chat.delivered.clear()

    moved = await service.change(event.id, starts_at=START + HOUR)
    assert moved.sequence == 1
    assert moved.ends_at == START + 4 * HOUR  # the end moves along
    notices = await outbox(app, CHANGED_TEMPLATE)
    assert [(n.params, sorted(n.members)) for n in notices] == [
        ({"event": event.id, "kind": "changed", "sequence": 1}, sorted([anna, cas, dirk]))
    ]
    await sent(app)
    assert sorted(delivered_to(chat)) == ["anna", "cas", "dirk"]

    retitled = await service.change(event.id, title="Ledenavond", description="Nieuw.")
    assert retitled.sequence == 1 and retitled.title == "Ledenavond"
    assert len(await outbox(app, CHANGED_TEMPLATE)) == 1
    same_place = await service.change(event.id, venue=event.venue)
    assert same_place.sequence == 1
    assert len(await outbox(app, CHANGED_TEMPLATE)) == 1

    elsewhere = await service.change(event.id, venue=Venue("Seats2meet", "Moreelsepark 65"))
    assert elsewhere.sequence == 2 and elsewhere.venue.name == "Seats2meet"
    assert elsewhere.venue.map_url and "openstreetmap" in elsewhere.venue.map_url
    notices = await outbox(app, CHANGED_TEMPLATE)
    assert len(notices) == 2 and sorted(notices[1].members) == sorted([anna, cas, dirk])

    await service.change(event.id, ends_at=START + 5 * HOUR)  # a new end is a new time
    assert (await service.get(event.id)).sequence == 3
    assert len(await outbox(app, CHANGED_TEMPLATE)) == 3

    with pytest.raises(UserError):
        await service.change(event.id, starts_at=NOW - HOUR)
    with pytest.raises(UserError):
        await service.change(event.id, ends_at=START)
    with pytest.raises(UserError):
        await service.change(event.id, capacity=0)
    assert (await service.get(event.id)).sequence == 3


async def test_cancelling_tells_everyone_signed_up_and_closes_the_event(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller, chat: RecordingChat
) -> None:
    event = await create(service, capacity=1)
    anna, bob, cas, dirk = await members(app, "anna", "bob", "cas", "dirk")
    for member_id in (anna, bob, cas, dirk):
        await service.rsvp(event.id, member_id, going=True)
    await service.rsvp(event.id, anna, going=False)  # bob offered, cas and dirk wait
    await service.rsvp(event.id, dirk, going=False)
    offer = await signup(service, event, bob)
    await sent(app)
    chat.delivered.clear()

    cancelled = await service.cancel(event.id, by="console:olga")
    assert cancelled.status is EventStatus.CANCELLED and cancelled.sequence == 1
    assert (await service.get(event.id)).status is EventStatus.CANCELLED
    notices = await outbox(app, CHANGED_TEMPLATE)
    assert [(n.params, sorted(n.members)) for n in notices] == [
        ({"event": event.id, "kind": "cancelled", "sequence": 1}, sorted([bob, cas]))
    ]
    await sent(app)
    assert sorted(delivered_to(chat)) == ["bob", "cas"]
    with pytest.raises(UserError):
        await service.cancel(event.id)
    with pytest.raises(UserError):
        await service.change(event.id, title="Toch")
    with pytest.raises(UserError):
        await service.claim(offer.id, bob)
    assert event.id not in [e.id for e in await service.upcoming(anna)]

    # the offer's job still comes due: no "your offer ran out" for a cancelled event
    assert offer.offered_until is not None
    traveller.move_to(offer.offered_until)
    await service.offer_lapses({"signup": offer.id})
    assert not await outbox(app, LAPSED_TEMPLATE)
    assert [o.members for o in await outbox(app, OFFER_TEMPLATE)] == [[bob]]  # none to cas
    assert (await signup(service, event, cas)).state is WAITLISTED


# -- the audience (acceptance 9) --------------------------------------------------------------


async def test_an_event_for_zzp_is_not_listed_for_or_open_to_others(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    set_language("en")
    for_zzp = await create(service, audience={"work_situation": ["zzp"]}, capacity=10)
    for_all = await create(service, capacity=10)
    for_utrecht = await create(service, audience={"province": ["utrecht"]}, capacity=10)
    zzp = await make_member(app, "zelfstandige", work="zzp", province="limburg")
    student = await make_member(app, "student", work="student")

    assert [e.id for e in await service.upcoming(zzp)] == [for_zzp.id, for_all.id]
    assert [e.id for e in await service.upcoming(student)] == [for_all.id, for_utrecht.id]
    assert [e.id for e in await service.upcoming(None)] == [for_all.id]  # guests
    with pytest.raises(UserError, match="not open to you"):
        await service.rsvp(for_zzp.id, student, going=True)
    assert await service.signup_of(for_zzp.id, student) is None
    with pytest.raises(UserError, match="not open to you"):
        await service.rsvp(for_utrecht.id, zzp, going=True)
    assert (await service.rsvp(for_zzp.id, zzp, going=True)).signup.state is GOING
    everything = [e.id for e in await service.upcoming(everything=True)]
    assert everything == [for_zzp.id, for_all.id, for_utrecht.id]


async def test_verified_only_refuses_unverified_members(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    set_language("en")
    event = await create(service, capacity=10)
    unverified = await make_member(app, "nieuw", verified=False)
    assert service.options.verified_only  # REQUIRE_VERIFICATION is on by default
    assert await service.upcoming(unverified) == []
    with pytest.raises(UserError, match="not open to you"):
        await service.rsvp(event.id, unverified, going=True)
    assert await service.signup_of(event.id, unverified) is None

    service.options = replace(service.options, verified_only=False)
    assert [e.id for e in await service.upcoming(unverified)] == [event.id]
    assert (await service.rsvp(event.id, unverified, going=True)).signup.state is GOING


# -- privacy (acceptance 10) ------------------------------------------------------------------


async def test_export_lists_signups_with_code_and_check_in(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=5)
    other = await create(
        service, title="Festival", starts_at=START + DAY, ends_at=START + 26 * HOUR
    )
    anna, door = await members(app, "anna", "deur")
    mine = (await service.rsvp(event.id, anna, going=True)).signup
    await service.rsvp(other.id, anna, going=True)
    await service.rsvp(other.id, anna, going=False)
    await service.add_door_staff(event.id, door)

    traveller.move_to(START - HOUR)
    checked = await service.check_in(
        mine.checkin_code, by="console:deur", member_id=door, organizer=False
    )
    assert checked.outcome is CheckinOutcome.CHECKED_IN

    exported = await service.export(anna)
    assert exported["door_staff_for_events"] == []
    assert [(s["event"], s["state"]) for s in exported["signups"]] == [
        ("Ledenavond Utrecht", "going"),
        ("Festival", "not_going"),
    ]
    first = exported["signups"][0]
    assert first["checkin_code"] == mine.checkin_code
    assert first["checked_in_at"] == (START - HOUR).isoformat()
    assert exported["signups"][1]["checked_in_at"] is None
    assert (await service.export(door)) == {"signups": [], "door_staff_for_events": [event.id]}
    json.dumps(exported)  # it goes into the JSON document as it is


async def test_erasure_removes_signups_sessions_door_duty_and_who_checked_in(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(
        service,
        capacity=2,
        sessions=(NewSession("Workshop", START, START + HOUR, capacity=1),),
    )
    (session,) = event.sessions
    anna, bob, door, cas = await members(app, "anna", "bob", "deur", "cas")
    a = (await service.rsvp(event.id, anna, going=True)).signup
    b = (await service.rsvp(event.id, bob, going=True)).signup
    await service.rsvp(event.id, cas, going=True)  # waits
    await service.choose_session(a.id, anna, session.id, True)
    await service.add_door_staff(event.id, door)
    await service.add_door_staff(event.id, anna)
    traveller.move_to(START - HOUR)
    await service.check_in(b.checkin_code, by="console:deur", member_id=door, organizer=False)
    await service.check_in(a.checkin_code, by="console:deur", member_id=door, organizer=False)
    assert (await signup(service, event, b.member_id)).checked_in_by == f"member:{door}"

    await service.erase(anna)
    assert await service.signup_of(event.id, anna) is None
    assert await service._repo.session_counts(event.id) == {}
    assert anna not in await service._repo.staff(event.id)
    assert await service.export(anna) == {"signups": [], "door_staff_for_events": []}
    offer = await signup(service, event, cas)  # her place went to the waitlist
    assert offer.state is OFFERED
    assert app.clock.when(offer_job(offer.id)) == offer.offered_until
    assert (
        await service.check_in(a.checkin_code, by="x", member_id=None, organizer=True)
    ).outcome is CheckinOutcome.UNKNOWN

    await service.erase(door)
    assert await service._repo.staff(event.id) == []
    assert (await signup(service, event, bob)).checked_in_by is None
    assert (await signup(service, event, bob)).checked_in_at is not None  # bob's own
    assert await service.export(door) == {"signups": [], "door_staff_for_events": []}


async def test_the_personal_data_commands_cover_events(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller, chat: RecordingChat
) -> None:
    event = await create(service, capacity=1)
    anna, bob = await members(app, "anna", "bob")
    mine = (await service.rsvp(event.id, anna, going=True)).signup
    await service.rsvp(event.id, bob, going=True)

    replies = await chat.say("anna", "/mijngegevens")
    files = [r.attachment for r in replies if r.attachment is not None]
    assert files, [r.text for r in replies]
    document = json.loads(files[0].data)
    assert document["events"]["signups"][0]["checkin_code"] == mine.checkin_code

    await chat.say("anna", "/vergeetmij")
    await chat.press("anna", 1)
    assert await service.signup_of(event.id, anna) is None
    assert (await signup(service, event, bob)).state is OFFERED


# -- the door (acceptance 11) -----------------------------------------------------------------


async def test_check_in_at_the_door(
    app: Werkbot, service: EventService, traveller: time_machine.Traveller
) -> None:
    event = await create(service, capacity=10)
    other = await create(
        service, title="Festival", starts_at=START + DAY, ends_at=START + 26 * HOUR
    )
    anna, bob, cas, door, stranger = await members(app, "anna", "bob", "cas", "deur", "vreemd")
    a = (await service.rsvp(event.id, anna, going=True)).signup
    b = (await service.rsvp(other.id, bob, going=True)).signup
    c = (await service.rsvp(event.id, cas, going=True)).signup
    await service.rsvp(event.id, cas, going=False)
    assert await service.add_door_staff(event.id, door)
    assert not await service.add_door_staff(event.id, door)  # once is enough

    async def by_staff(code: str, member_id: int = door) -> Any:
        return await service.check_in(code, by="console:x", member_id=member_id, organizer=False)

    async def by_organizer(code: str) -> Any:
        return await service.check_in(code, by="console:olga", member_id=None, organizer=True)

    traveller.move_to(START - 3 * HOUR - timedelta(minutes=1))
    assert (await by_staff(a.checkin_code)).outcome is not CheckinOutcome.CHECKED_IN
    assert (await signup(service, event, anna)).checked_in_at is None

    opens = START - 3 * HOUR
    traveller.move_to(opens)
    first = await by_staff(a.checkin_code)
    assert first.outcome is CheckinOutcome.CHECKED_IN and first.at == opens
    assert first.name == "Lid anna"
    traveller.shift(600)
    again = await by_organizer(a.checkin_code.upper())
    assert again.outcome is CheckinOutcome.ALREADY and again.at == opens
    stored = await signup(service, event, anna)
    assert stored.checked_in_at == opens and stored.checked_in_by == f"member:{door}"

    assert (await by_staff(c.checkin_code)).outcome is CheckinOutcome.NOT_GOING
    assert (await by_staff(b.checkin_code)).outcome is CheckinOutcome.OTHER_EVENT
    assert (await signup(service, other, bob)).checked_in_at is None
    assert (await by_staff("AAAA-BBBB-CCCC")).outcome is CheckinOutcome.UNKNOWN
    assert (await by_staff("")).outcome is CheckinOutcome.UNKNOWN
    assert (await by_staff(a.checkin_code, stranger)).outcome is CheckinOutcome.NOT_STAFF
    assert (await by_staff(a.checkin_code, anna)).outcome is CheckinOutcome.OWN_CODE
    assert (await by_organizer(b.checkin_code)).outcome is not CheckinOutcome.CHECKED_IN

    traveller.move_to(event.ends_at + 2 * HOUR + timedelta(minutes=1))  # the door closed
    late = await create(service, starts_at=START + 2 * DAY, ends_at=START + 50 * HOUR)
    d = (await service.rsvp(late.id, stranger, going=True)).signup
    assert (await by_organizer(d.checkin_code)).outcome is not CheckinOutcome.CHECKED_IN
    assert (await service._repo.checked_in(event.id)) == 1


# -- a property: whatever members do, the capacity holds and the line keeps its order ----------


@pytest.fixture
async def people(app: Werkbot) -> list[int]:
    """Five members, made once for all the examples."""
    return await members(app, "p0", "p1", "p2", "p3", "p4")


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["go", "go_guest", "give_up", "claim", "decline", "time_passes", "jobs_run", "more"]
        ),
        st.integers(0, 4),
    ),
    min_size=1,
    max_size=25,
)


async def check_invariants(service: EventService, event_id: int) -> None:
    event = await service.get(event_id)
    signups = await service._repo.signups(event_id)
    positions = [s.position for s in signups]
    assert len(set(positions)) == len(positions)
    used = sum(1 + int(s.guest) for s in signups if s.state in (GOING, OFFERED))
    assert event.capacity is not None and used <= event.capacity
    waiting = sorted((s for s in signups if s.state is WAITLISTED), key=lambda s: s.position)
    if waiting:  # no place stays idle while the first in line would fit
        assert used + 1 + int(waiting[0].guest) > event.capacity
        offered = [s.position for s in signups if s.state is OFFERED]
        assert all(p < waiting[0].position for p in offered)  # offers went in order
    for s in signups:
        assert (s.state is OFFERED) == (s.offered_until is not None)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS, capacity=st.integers(1, 3))
async def test_any_sequence_of_answers_keeps_capacity_and_order(
    app: Werkbot, people: list[int], operations: Sequence[tuple[str, int]], capacity: int
) -> None:
    service = paused(app)
    with time_machine.travel(NOW, tick=False) as clock:
        event = await create(service, capacity=capacity, allow_guest=True)
        for operation, who in operations:
            member_id = people[who]
            mine = await service.signup_of(event.id, member_id)
            try:
                if operation in ("go", "go_guest"):
                    await service.rsvp(
                        event.id, member_id, going=True, guest=operation == "go_guest"
                    )
                elif operation == "give_up":
                    await service.rsvp(event.id, member_id, going=False)
                elif operation == "claim" and mine is not None:
                    await service.claim(mine.id, member_id)
                elif operation == "decline" and mine is not None:
                    await service.decline_offer(mine.id, member_id)
                elif operation == "time_passes":  # offers run out, their jobs not run yet
                    clock.shift(25 * HOUR)
                elif operation == "jobs_run":
                    await service.lapse_due_offers()
                elif operation == "more":
                    current = await service.get(event.id)
                    assert current.capacity is not None
                    await service.change(event.id, capacity=current.capacity + 1)
            except UserError:
                pass
            await check_invariants(service, event.id)
