"""Helpers of the Meetlat tests: the module, criteria with method v1, items, raters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from bot.app import Werkbot
from cogs.meetlat import MeetlatModule
from cogs.meetlat.service import MeetlatService
from storage.records.meetlat import ItemKind, ItemRecord, NewItem, RatingInput
from tests.support.chat import RecordingChat
from tests.surveys.conftest import make_member

CRITERIA = (
    ("flexibiliteit", "Flexibility", "It fits your work and life, not the other way round."),
    ("transparantie", "Transparency", "Prices, terms and decisions are clear beforehand."),
    ("autonomie", "Autonomy", "You keep control of your work and your data."),
)
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    return english_chat


def meetlat_of(app: Werkbot) -> MeetlatService:
    found = next(module for module in app.modules if module.name == "meetlat")
    assert isinstance(found, MeetlatModule)
    return found.service


async def with_method(app: Werkbot) -> list[int]:
    """The three criteria and method v1, made (and so applying) at ``START``; the
    criteria's numbers."""
    service = meetlat_of(app)
    ids = []
    with time_machine.travel(START):
        for code, name, explanation in CRITERIA:
            criterion, _new = await service.put_criterion(code, name, explanation)
            ids.append(criterion.id)
        await service.new_method("Version 1: three checkpoints, m = 5, at least 5 raters.", START, "test")
    return ids


async def item(app: Werkbot, name: str = "Broodfonds", kind: ItemKind = ItemKind.SERVICE, sector: str | None = "verzekeren") -> ItemRecord:
    return await meetlat_of(app).propose(NewItem(name, kind, None, sector), None, organizer=True, by="test")


async def raters(app: Werkbot, count: int, prefix: str = "r", **facts: object) -> list[int]:
    return [await make_member(app, f"{prefix}{n}", **facts) for n in range(count)]  # type: ignore[arg-type]


async def rate_all(app: Werkbot, item_id: int, members: list[int], scores: dict[int, int], note: str | None = None) -> None:
    service = meetlat_of(app)
    for member_id in members:
        await service.rate(item_id, member_id, RatingInput(used=True, works_there=False, scores=dict(scores), note=note))
