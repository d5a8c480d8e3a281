"""The outbox tables on SQLite and PostgreSQL: claims never overlap, leases hand rows over.

Two ``Database`` objects on one PostgreSQL database stand for two Werkbot processes: each
claims with ``FOR UPDATE SKIP LOCKED``, so no row is taken twice while both run at once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import time_machine

from storage.db import Database
from storage.records.outbox import Delivered, NewBroadcast, RecipientState
from storage.repositories.outbox import OutboxRepository
from storage.types import utcnow


def new_broadcast(members: int) -> NewBroadcast:
    return NewBroadcast(
        title="Test",
        template="broadcasts.announcement",
        params={"text": "hallo"},
        topic="nieuws",
        created_by="console:olga",
        members=tuple(range(1, members + 1)),
        chats=(("telegram", "-100123"),),
    )


async def test_two_senders_never_claim_the_same_row(db: Database, database_url: str) -> None:
    first = OutboxRepository(db)
    other_db = Database(database_url)  # a second process on the same database
    second = OutboxRepository(other_db)
    try:
        broadcast_id = await first.create(new_broadcast(999))
        claimed: list[int] = []

        async def drain(store: OutboxRepository) -> None:
            while rows := await store.claim(37, timedelta(minutes=1)):
                claimed.extend(row.id for row in rows)
                await store.record(
                    [
                        Delivered(row.id, RecipientState.SENT, "console", claim=row.lease_until)
                        for row in rows
                    ]
                )

        await asyncio.gather(drain(first), drain(second), drain(first), drain(second))
        assert len(claimed) == len(set(claimed)) == 1000  # 999 members and one chat
        counts = await first.counts(broadcast_id)
        assert counts.state(RecipientState.SENT) == 1000 and counts.open == 0
    finally:
        await other_db.dispose()


async def test_an_expired_lease_goes_back_and_the_old_sender_cannot_record(db: Database) -> None:
    store = OutboxRepository(db)
    broadcast_id = await store.create(new_broadcast(3))
    first = await store.claim(10, timedelta(seconds=60))
    assert len(first) == 4 and await store.claim(10, timedelta(seconds=60)) == []
    assert await store.release_expired() == 0  # still held

    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        assert await store.release_expired() == 4
        again = await store.claim(10, timedelta(seconds=60))
    assert [row.id for row in again] == [row.id for row in first]
    assert all(row.attempts == 2 for row in again)

    # The first sender comes back late: its outcomes are not written over the new claim.
    await store.record(
        [Delivered(row.id, RecipientState.FAILED, claim=row.lease_until) for row in first]
    )
    counts = await store.counts(broadcast_id)
    assert counts.state(RecipientState.SENDING) == 4 and counts.state(RecipientState.FAILED) == 0
    await store.record(
        [
            Delivered(row.id, RecipientState.SENT, "telegram", "42", claim=row.lease_until)
            for row in again
        ]
    )
    counts = await store.counts(broadcast_id)
    assert counts.state(RecipientState.SENT) == 4 and counts.open == 0


async def test_a_retry_waits_and_a_stopped_broadcast_sends_nothing_more(db: Database) -> None:
    store = OutboxRepository(db)
    broadcast_id = await store.create(new_broadcast(2))
    rows = await store.claim(10, timedelta(seconds=60))
    later = utcnow() + timedelta(seconds=30)
    await store.record(
        [
            Delivered(row.id, RecipientState.PENDING, retry_at=later, claim=row.lease_until)
            for row in rows
        ]
    )
    assert await store.claim(10, timedelta(seconds=60)) == []  # not yet due
    with time_machine.travel(later + timedelta(seconds=1), tick=False):
        assert len(await store.claim(1, timedelta(seconds=60))) == 1
        assert await store.skip_open(broadcast_id) == 2  # the other two: never sent
        assert await store.claim(10, timedelta(seconds=60)) == []
    counts = await store.counts(broadcast_id)
    assert counts.state(RecipientState.SKIPPED) == 2 and counts.state(RecipientState.SENDING) == 1


async def test_claimed_rows_given_back_unsent_are_due_again_unattempted(db: Database) -> None:
    store = OutboxRepository(db)
    broadcast_id = await store.create(new_broadcast(3))
    rows = await store.claim(10, timedelta(seconds=60))
    await store.release([(row.id, row.lease_until) for row in rows[2:]])
    counts = await store.counts(broadcast_id)
    assert counts.state(RecipientState.SENDING) == 2 and counts.state(RecipientState.PENDING) == 2
    again = await store.claim(10, timedelta(seconds=60))
    assert [row.id for row in again] == [row.id for row in rows[2:]]
    assert all(row.attempts == 1 for row in again)  # the given-back claim did not count
