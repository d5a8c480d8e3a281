"""``python -m bench.meetlat``: the Meetlat's scores with many ratings in the database.

10,000 verified members each rated 5 of 300 items on 5 criteria (50,000 ratings, 250,000
answers), inserted in bulk. Measured on a SQLite file, median of several runs:

* ``/meetlat_score``: one item's standing when the scores are computed from every counted
  rating (the prior *C* is the mean of all items, and the members' current facts decide who
  counts): the first view after start, then at most once a minute;
* ``/meetlat_score`` right after a new rating of that item (only its ratings are read again);
* ``/meetlat_ranglijst``: the ranking of every published item, from the kept statistics;
* the scorecard PNG of one item;
* saving a rating (``MeetlatService.rate``, with the burst check), one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.events import add_members
from bot.app import Werkbot
from bot.core.clock import utcnow
from cogs.meetlat import render
from cogs.meetlat.service import SCORES_KEPT
from config import load_settings
from storage.models.meetlat import MeetlatItem, MeetlatRating
from storage.records.meetlat import RatingInput
from storage.types import table_of

CRITERIA = ("flexibiliteit", "keuzevrijheid", "transparantie", "autonomie", "weinig-bureaucratie")


async def one_run(members: int, items: int, per_member: int, saves: int, folder: Path) -> dict[str, float]:
    app = Werkbot(load_settings(database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}", data_dir=folder))
    await app.start(background=False)
    try:
        service = app.meetlat.service
        criteria = [(await service.put_criterion(code, code.capitalize(), "Een regel uitleg voor de bench."))[0].id for code in CRITERIA]
        await service.new_method("Versie 1 voor de benchmark van de Meetlat.", utcnow(), "bench")
        people = await add_members(app.db, members)
        now = utcnow()
        draw = random.Random(1)
        async with app.db.engine.begin() as conn:
            await conn.execute(
                insert(table_of(MeetlatItem)),
                [{"id": n, "name": f"Item {n}", "name_key": f"item {n}", "kind": "dienst", "status": "approved", "created_at": now} for n in range(1, items + 1)],
            )
            ratings = []
            quality = {n: draw.uniform(1.5, 4.5) for n in range(1, items + 1)}
            for member_id in people:
                for item_id in draw.sample(range(1, items + 1), per_member):
                    at = now - timedelta(days=draw.uniform(1, 700))  # over two years, no bursts
                    scores = {str(c): min(5, max(1, round(draw.gauss(quality[item_id], 1.0)))) for c in criteria}
                    ratings.append({"item_id": item_id, "member_id": member_id, "used": True, "works_there": False, "scores": scores, "first_rated_at": at, "rated_at": at})
            for start in range(0, len(ratings), 5_000):
                await conn.execute(insert(table_of(MeetlatRating)), ratings[start : start + 5_000])

        started = time.perf_counter()
        standing = await service.standing(1)
        one_item = time.perf_counter() - started
        started = time.perf_counter()
        ranking = await service.standings()
        whole_ranking = time.perf_counter() - started
        started = time.perf_counter()
        card = render.scorecard(standing)
        png = time.perf_counter() - started
        assert card.attachment is not None and ranking
        raters = await add_members(app.db, saves)
        started = time.perf_counter()
        for n, member_id in enumerate(raters):
            await service.rate(1 + n % items, member_id, RatingInput(used=True, works_there=False, scores=dict.fromkeys(criteria, 4)))
        per_save = (time.perf_counter() - started) / saves
        await service.standing(1)  # the items those saves changed are read again here
        await service.rate(2, raters[0], RatingInput(used=True, works_there=False, scores=dict.fromkeys(criteria, 2)))
        started = time.perf_counter()
        await service.standing(2)
        after_rating = time.perf_counter() - started
        return {
            "score": one_item,
            "after_rating": after_rating,
            "ranking": whole_ranking,
            "published": float(len(ranking)),
            "png": png,
            "save_ms": per_save * 1000,
        }
    finally:
        await app.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.meetlat", description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--per-member", type=int, default=5)
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(asyncio.run(one_run(args.members, args.items, args.per_member, args.saves, Path(folder))))

    def median(key: str) -> float:
        return statistics.median(result[key] for result in results)

    ratings = args.members * args.per_member
    print(f"Meetlat: {args.members:,} members, {args.items} items, {ratings:,} ratings × {len(CRITERIA)} criteria, SQLite, median of {args.runs}")
    print(f"  /meetlat_score, computed from every rating (the first in {SCORES_KEPT.seconds} s): {median('score'):.2f} s")
    print(f"  /meetlat_score right after a new rating of that item: {median('after_rating') * 1000:.0f} ms")
    print(f"  /meetlat_ranglijst ({median('published'):.0f} published items), after that: {median('ranking') * 1000:.0f} ms")
    print(f"  scorecard PNG: {median('png') * 1000:.0f} ms")
    print(f"  saving a rating (with the burst check): {median('save_ms'):.1f} ms each")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
