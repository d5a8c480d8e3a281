"""``python -m bench.platform_round``: a whole matching round with the database in it.

2,000 members with profiles (the synthetic people of ``bench.platform``: Dutch tags of
skewed popularity, short texts, provinces, some never-lists) all say [Doe mee]; then the
round's job runs: reading the profiles, never-lists and history, pairing them, storing
the pairs, and putting the introductions on the outbox (2,000 messages, sent later by the
engine, which is not running here). The time of that job is what is measured, from
reading profiles to stored pairs (target ≤ 10 s), on a SQLite file; median of several
runs, a fresh database each.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import time_machine
from sqlalchemy import insert

from bench.events import add_members
from bench.platform import TARGET_SECONDS, participants
from bot.app import Werkbot
from bot.core.clock import utcnow
from config import load_settings
from storage.models.platform import PlatformAnswer, PlatformContact, PlatformProfile, PlatformTag
from storage.types import table_of


async def one_run(count: int, folder: Path) -> dict[str, float]:
    app = Werkbot(load_settings(database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}", data_dir=folder))
    await app.start(background=False)  # jobs are run here by hand
    try:
        members = await add_members(app.db, count)
        people = participants(count)
        now = utcnow()
        tags = sorted({tag for person in people for tag in person.offers | person.needs})
        provinces = {"Friesland": "friesland", "Noord-Holland": "noord-holland", "Zuid-Holland": "zuid-holland", "Noord-Brabant": "noord-brabant"}
        async with app.db.engine.begin() as conn:
            await conn.execute(insert(table_of(PlatformTag)), [{"code": tag.replace(" ", "-"), "label": tag, "active": True, "created_at": now} for tag in tags])
            rows = [
                {
                    "id": member_id,
                    "kind": "persoon",
                    "member_id": member_id,
                    "offers": sorted(tag.replace(" ", "-") for tag in person.offers),
                    "needs": sorted(tag.replace(" ", "-") for tag in person.needs),
                    "offer_text": person.text,
                    "need_text": "",
                    "region": provinces.get(person.region or "", (person.region or "").lower() or None),
                    "online": person.online,
                    "in_person": person.in_person,
                    "status": "active",
                    "silent_rounds": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for member_id, person in zip(members, people, strict=True)
            ]
            for start in range(0, len(rows), 1_000):
                await conn.execute(insert(table_of(PlatformProfile)), rows[start : start + 1_000])
            await conn.execute(insert(table_of(PlatformContact)), [{"profile_id": m, "member_id": m} for m in members])
        service = app.platform.service
        match_at = now + timedelta(days=2)
        round_ = await service.plan(match_at, repeat_weeks=None, seed=1, created_by="bench")
        await service.ask({"round": round_.id})
        async with app.db.engine.begin() as conn:
            await conn.execute(
                insert(table_of(PlatformAnswer)),
                [{"round_id": round_.id, "profile_id": m, "joins": True, "answered_at": now} for m in members],
            )
        with time_machine.travel(match_at, tick=True):
            started = time.perf_counter()
            cpu = time.process_time()
            await service.match({"round": round_.id})
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
        stats = (await service.round(round_.id)).stats
        groups = await service._repo.groups(round_id=round_.id)
        placed = sum(len(group.members) for group in groups) + int(stats.get("left_out", 0))
        if placed != count:
            raise SystemExit(f"FAILED: {placed} of {count} participants accounted for")
        return {"seconds": seconds, "cpu": cpu, "groups": len(groups), "left_out": float(stats.get("left_out", 0)), "score": float(stats.get("total_score", 0))}
    finally:
        await app.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.platform_round")
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    results = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(one_run(args.participants, Path(folder)))
        results.append(result)
        print(
            f"run {run}: {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU), {int(result['groups'])} groups, "
            f"{int(result['left_out'])} left out, total score {result['score']:.1f}"
        )
    median = statistics.median(result["seconds"] for result in results)
    verdict = "met" if median <= TARGET_SECONDS else "NOT met"
    print(
        f"round of {args.participants} from reading profiles to stored pairs and queued introductions, "
        f"SQLite: median of {args.runs}: {median:.2f} s (target ≤ {TARGET_SECONDS:.0f} s: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
