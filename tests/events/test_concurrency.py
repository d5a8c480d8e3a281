"""Many members press at once: the database decides, on SQLite and on PostgreSQL.

Every change of an event's sign-ups locks the event first, so however the presses
interleave the event never holds more than its capacity (guests included), and the line
is kept in the order the database served the presses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import time_machine

from bot.app import Werkbot
from bot.core.errors import UserError
from cogs.events.service import OFFER_TEMPLATE, EventService
from config import Settings
from storage.records.events import SignupState
from tests.events.conftest import make_member
from tests.events.test_signups import NOW, create, held, outbox, paused, signup

GOING = SignupState.GOING
WAITLISTED = SignupState.WAITLISTED
OFFERED = SignupState.OFFERED
NOT_GOING = SignupState.NOT_GOING


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as moving:
        yield moving


@pytest.fixture
async def db_app(
    database_url: str, make_settings: Callable[..., Settings]
) -> AsyncIterator[Werkbot]:
    """A Werkbot on SQLite and on PostgreSQL (a fresh database each)."""
    bot = Werkbot(make_settings(database_url=database_url))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def service(db_app: Werkbot, traveller: time_machine.Traveller) -> EventService:
    return paused(db_app)


async def crowd(app: Werkbot, size: int, prefix: str = "m") -> list[int]:
    """Registered, verified members (made ten at a time: only the setting up is faster)."""
    made: list[int] = []
    for first in range(0, size, 10):
        made += await asyncio.gather(
            *(make_member(app, f"{prefix}{n}") for n in range(first, min(first + 10, size)))
        )
    return made


async def test_a_hundred_members_at_once_for_ten_places(
    db_app: Werkbot, service: EventService
) -> None:
    event = await create(service, capacity=10)
    people = await crowd(db_app, 100)

    results = await asyncio.gather(
        *(service.rsvp(event.id, member_id, going=True) for member_id in people)
    )
    signups = await service._repo.signups(event.id)
    assert len(signups) == 100
    assert sum(1 for s in signups if s.state is GOING) == 10
    assert sum(1 for s in signups if s.state is WAITLISTED) == 90
    assert await service.availability(event) == (0, 90)
    # positions: unique, 1..100, in the order the database served the presses (the row
    # ids are given out under the same lock), the ten going first
    assert sorted(s.position for s in signups) == list(range(1, 101))
    served = sorted(signups, key=lambda s: s.id)
    assert [s.position for s in served] == list(range(1, 101))
    assert [s.state for s in served] == [GOING] * 10 + [WAITLISTED] * 90
    assert {r.signup.id: r.signup.state for r in results} == {s.id: s.state for s in signups}
    ahead = [await service.waitlist_ahead(s) for s in served[10:13]]
    assert ahead == [0, 1, 2]

    # the first of the line gets the first place that frees up
    await service.rsvp(event.id, served[0].member_id, going=False)
    assert (await signup(service, event, served[10].member_id)).state is OFFERED
    assert (await signup(service, event, served[11].member_id)).state is WAITLISTED


async def test_guests_never_push_an_event_over_its_capacity(
    db_app: Werkbot, service: EventService
) -> None:
    event = await create(service, capacity=15, allow_guest=True)
    people = await crowd(db_app, 30)

    await asyncio.gather(
        *(
            service.rsvp(event.id, member_id, going=True, guest=n % 2 == 0)
            for n, member_id in enumerate(people)
        )
    )
    assert await held(service, event) in (14, 15)  # a guest's two places may not fit
    first = {s.member_id: s for s in await service._repo.signups(event.id)}
    going = [m for m in people if first[m].state is GOING]
    waiting = [m for m in people if first[m].state is WAITLISTED]
    assert going and waiting

    # at once: half of those going leave, the others ask for a guest, newcomers arrive,
    # and some of the waitlist leave it
    newcomers = await crowd(db_app, 10, prefix="n")
    outcomes = await asyncio.gather(
        *(service.rsvp(event.id, m, going=False) for m in going[::2]),
        *(service.rsvp(event.id, m, going=True, guest=True) for m in going[1::2]),
        *(service.rsvp(event.id, m, going=True, guest=True) for m in newcomers),
        *(service.rsvp(event.id, m, going=False) for m in waiting[::3]),
        return_exceptions=True,
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert await held(service, event) <= 15
    signups = await service._repo.signups(event.id)
    assert sorted(s.position for s in signups) == sorted({s.position for s in signups})

    # and every offer claimed at once
    offered = [s for s in signups if s.state is OFFERED]
    assert offered
    claimed = await asyncio.gather(*(service.claim(s.id, s.member_id) for s in offered))
    assert all(c.signup.state is GOING for c in claimed)
    assert await held(service, event) <= 15


async def test_places_given_back_at_once_are_offered_once_each_in_order(
    db_app: Werkbot, service: EventService
) -> None:
    event = await create(service, capacity=10)
    people = await crowd(db_app, 30)
    for member_id in people:  # one by one: the line is people[10:]
        await service.rsvp(event.id, member_id, going=True)

    await asyncio.gather(*(service.rsvp(event.id, m, going=False) for m in people[:6]))
    states = {s.member_id: s.state for s in await service._repo.signups(event.id)}
    assert [states[m] for m in people[10:16]] == [OFFERED] * 6
    assert [states[m] for m in people[16:]] == [WAITLISTED] * 14
    offers = await outbox(db_app, OFFER_TEMPLATE)
    assert sorted(m for o in offers for m in o.members) == sorted(people[10:16])
    assert await held(service, event) == 10

    # two presses of one member at once make one sign-up, and no more places
    late = await make_member(db_app, "dubbel")
    twice = await asyncio.gather(
        service.rsvp(event.id, late, going=True), service.rsvp(event.id, late, going=True)
    )
    assert twice[0].signup.id == twice[1].signup.id
    assert (await signup(service, event, late)).position == 31
    # a claim and its decline at once: one of them wins, the place is never held twice
    offer = await signup(service, event, people[10])
    outcomes = await asyncio.gather(
        service.claim(offer.id, people[10]),
        service.decline_offer(offer.id, people[10]),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], UserError), outcomes
    final = (await signup(service, event, people[10])).state
    assert final is (NOT_GOING if isinstance(outcomes[0], UserError) else GOING)
    assert await held(service, event) == 10
