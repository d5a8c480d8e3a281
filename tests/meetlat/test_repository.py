"""The Meetlat's storage on SQLite and PostgreSQL: one current rating per member and item
also when two saves race, decisions taken once, one flag and one active mark per item,
erasure, and texts at their limits (emoji, the longest names)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.records.meetlat import (
    AppealStatus,
    FlagStatus,
    ItemKind,
    ItemStatus,
    MarkStatus,
    NewItem,
    RatingInput,
)
from storage.repositories.meetlat import MeetlatRepository, NameTaken

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


async def prepared(db: Database) -> tuple[MeetlatRepository, int, list[int]]:
    repo = MeetlatRepository(db)
    criteria = []
    for code in ("flexibiliteit", "autonomie"):
        criterion, _new = await repo.put_criterion(code, code.capitalize(), "Een regel uitleg.")
        criteria.append(criterion.id)
    item = await repo.add_item(NewItem("Broodfonds", ItemKind.SERVICE), status=ItemStatus.APPROVED, proposed_by=None, decided_by="t")
    return repo, item.id, criteria


async def test_two_saves_at_once_leave_one_rating_and_the_other_in_the_history(db: Database) -> None:
    repo, item_id, criteria = await prepared(db)
    first = RatingInput(used=True, works_there=False, scores={criteria[0]: 1}, note="eerste")
    second = RatingInput(used=True, works_there=False, scores={criteria[0]: 5, criteria[1]: 4}, note="tweede")
    saved = await asyncio.gather(repo.save_rating(item_id, 7, first, NOW), repo.save_rating(item_id, 7, second, NOW + timedelta(seconds=1)))
    assert sorted(s.changed for s in saved) == [False, True]
    rows = await repo.rating_rows(NOW - timedelta(days=1))
    assert len(rows) == 1
    export = await repo.export(7)
    assert len(export["ratings"]) == 1 and len(export["earlier_ratings"]) == 1
    kept = {export["ratings"][0]["note"], export["earlier_ratings"][0]["note"]}
    assert kept == {"eerste", "tweede"}
    assert len(rows[0].scores) in (1, 2)  # whichever came last, whole: never a mix
    assert rows[0].scores in ({criteria[0]: 1}, {criteria[0]: 5, criteria[1]: 4})


async def test_a_proposal_and_an_appeal_are_decided_once(db: Database) -> None:
    repo, item_id, _criteria = await prepared(db)
    proposal = await repo.add_item(NewItem("Voorstel", ItemKind.TOOL), status=ItemStatus.PROPOSED, proposed_by=3, decided_by=None)
    decided = await asyncio.gather(*(repo.decide_item(proposal.id, ItemStatus.APPROVED, f"o{n}") for n in range(4)))
    assert decided.count(True) == 1
    appeal = await repo.add_appeal(item_id, 3, "Dit klopt niet.")
    ruled = await asyncio.gather(
        repo.decide_appeal(appeal.id, AppealStatus.UPHELD, "ja", "a"), repo.decide_appeal(appeal.id, AppealStatus.REJECTED, "nee", "b")
    )
    assert ruled.count(True) == 1
    try:
        await repo.add_item(NewItem("  voorstel ", ItemKind.TOOL), status=ItemStatus.PROPOSED, proposed_by=3, decided_by=None)
    except NameTaken:
        pass
    else:
        raise AssertionError("a second item with the same name was stored")


async def test_bursts_at_once_make_one_flag_and_awards_at_once_one_active_mark(db: Database) -> None:
    repo, item_id, criteria = await prepared(db)
    for member in range(12):
        await repo.save_rating(item_id, member + 1, RatingInput(used=True, works_there=False, scores={criteria[0]: 5}), NOW)
    flags = await asyncio.gather(*(repo.flag_burst(item_id, NOW - timedelta(hours=24), 12, 12, 0.0, recent=NOW - timedelta(hours=24)) for _ in range(3)))
    assert sum(1 for _flag, new in flags if new) == 1
    assert len({flag.id for flag, _new in flags}) == 1
    assert (await repo.flags())[0].ratings == 12
    assert await repo.decide_flag(flags[0][0].id, FlagStatus.HELD, "o")
    assert all(row.held for row in await repo.rating_rows(NOW - timedelta(days=1)))

    awarded = await asyncio.gather(*(repo.award(item_id, "basis", 1, NOW, NOW + timedelta(days=365), {"raters": 12}) for _ in range(3)))
    assert sum(1 for mark in awarded if mark is not None) == 1
    assert len(await repo.marks(item_id=item_id)) == 1
    expired = await repo.expire_marks(NOW + timedelta(days=366))
    assert [mark.status for mark in await repo.marks(statuses=list(MarkStatus), item_id=item_id)] == [MarkStatus.EXPIRED]
    assert len(expired) == 1


async def test_erasure_takes_the_ratings_history_and_contact_roles(db: Database) -> None:
    repo, item_id, criteria = await prepared(db)
    await repo.save_rating(item_id, 5, RatingInput(used=True, works_there=False, scores={criteria[0]: 3}, note="😀" * 500), NOW)
    await repo.save_rating(item_id, 5, RatingInput(used=True, works_there=False, scores={criteria[0]: 4}), NOW + timedelta(hours=1))
    await repo.save_rating(item_id, 6, RatingInput(used=True, works_there=False, scores={criteria[0]: 2}), NOW)
    await repo.add_contact(item_id, 5)
    appeal = await repo.add_appeal(item_id, 5, "Namens de organisatie: dit klopt niet.")
    long_name = await repo.add_item(NewItem("👩‍👩‍👧‍👦" * 17 + "x", ItemKind.COMPANY), status=ItemStatus.PROPOSED, proposed_by=5, decided_by=None)
    assert len(long_name.name) == 120
    await repo.erase(5)
    assert [row.member_id for row in await repo.rating_rows(NOW - timedelta(days=1))] == [6]
    assert await repo.export(5) == {"ratings": [], "earlier_ratings": [], "proposed_items": [], "speaks_for": [], "appeals": []}
    assert await repo.contacts(item_id) == []
    kept = await repo.appeal(appeal.id)
    assert kept is not None and kept.member_id is None and kept.text.startswith("Namens")
    assert (await repo.item(long_name.id)).proposed_by is None  # type: ignore[union-attr]
