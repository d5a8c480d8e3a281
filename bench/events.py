"""Events: 10,000 members sign up at once for 500 places (issue 12, "Speed").

Every run starts from an empty database (SQLite: a real file in a temporary folder;
PostgreSQL: a database of its own, created for the run and dropped after it) and a
Werkbot built and started as ``werkbot run`` builds it (migrations, the clock, the
modules), without adapters. The members are inserted in bulk first (registering is not
what is measured); the event is created through the events service with its capacity.

Then every member answers "Ik kom" through ``app.events.service.rsvp(event, member,
going=True)``, the call the chat handlers make, and the run measures:

* **sign-ups per second**: members over the wall-clock time of the whole burst;
* **latency per sign-up** (p50/p99/max): from the call to its return (committed);
* **statements per sign-up**: SQL statements the app's engine executed, per sign-up;
* **CPU per sign-up** of this process (the database server's is not in it), and the rate
  in the second and the ninth tenth of the run (does a sign-up cost more as the list grows);

and checks the outcome: no call failed, exactly ``places`` members going and the rest on
the waitlist, and, read back from the database, every sign-up's position is exactly the
order in which the database served them (ids in commit order carry positions 1, 2, 3 ...:
unique, no gaps, the going ones first). It prints "ok" or fails loudly (exit status 1).

How the calls are fired (``--concurrency``): 64 at a time by default, by a fixed set of
worker tasks each taking the next member as soon as its call returned, because 64 is how
many updates the Telegram adapter handles at once (``TelegramOptions.max_concurrent_updates``):
the rest of a burst waits in the adapter's update queue, outside the service, so the
latency measured is the service's own (its connection pool, the event's lock, the event
loop it shares with the other 63). ``--concurrency 0`` fires all calls at once with
``asyncio.gather``, as a Discord-only burst would arrive (discord.py starts a task per
event): the latency then includes the wait for one of the engine's pooled connections,
and calls that wait longer than the pool's timeout (30 s) fail, which fails the run.

``python -m bench.events``: about twenty minutes on two cores (``--runs``, default 3, the
median is reported; ``--members``/``--places``, or ``--quick`` for 1,000 members and 50
places once; ``--only sqlite|postgresql``; ``--concurrency``; ``--profile`` adds cProfile
of one more SQLite run).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, text

from bench.surveys import percentile
from bot.adapters.telegram.adapter import TelegramOptions
from bot.app import Werkbot
from bot.collector import settle, tune
from bot.loop import event_loop_factory
from cogs.events.service import RsvpResult
from config import load_settings
from storage.db import Database
from storage.models.events import EventSignup
from storage.models.members import Member
from storage.records.events import EventKind, NewEvent, SignupState, Venue
from storage.types import table_of, utcnow
from storage.vocabulary import Province, WorkSituation
from tests.support.databases import (
    PG_ADMIN_DSN,
    create_pg_database,
    drop_pg_database,
    pg_reachable,
    pg_url,
)

log = logging.getLogger(__name__)

MEMBERS = 10_000
PLACES = 500
CONCURRENCY = TelegramOptions(token="-").max_concurrent_updates
"""Sign-ups in flight at once: what the Telegram adapter lets through (64)."""


class Failed(Exception):
    """The outcome is wrong: the run's figures do not count."""


# -- setup --------------------------------------------------------------------------------------


async def add_members(db: Database, count: int) -> list[int]:
    """Verified members, inserted in bulk with SQLAlchemy Core (setup only: works on both
    databases, the timestamps as datetimes)."""
    works, provinces = [str(w) for w in WorkSituation], [str(p) for p in Province]
    now = utcnow()
    async with db.engine.begin() as conn:
        start = int(
            (await conn.execute(text("select coalesce(max(id), 0) from members"))).scalar_one()
        )
        ids = [start + n for n in range(1, count + 1)]
        rows: list[dict[str, Any]] = [
            {
                "id": member_id,
                "kind": "deelnemer",
                "name": f"Lid {member_id}",
                "email": f"lid{member_id}@example.org",
                "email_verified_at": now,
                "work_situation": works[n % len(works)],
                "province": provinces[n % len(provinces)],
                "language": "nl",
                "consent_at": now,
                "created_at": now,
            }
            for n, member_id in enumerate(ids)
        ]
        for chunk in range(0, len(rows), 2_000):  # under SQLite's and asyncpg's limits
            await conn.execute(insert(table_of(Member)), rows[chunk : chunk + 2_000])
    return ids


def festival(places: int) -> NewEvent:
    starts = (utcnow() + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
    return NewEvent(
        title="Festival voor Modern Werkenden",
        description="De Dag van de Modern Werkenden.",
        kind=EventKind.FESTIVAL,
        starts_at=starts,
        ends_at=starts + timedelta(hours=7),
        venue=Venue("Seats2meet Utrecht CS", "Moreelsepark 65, 3511 EP Utrecht"),
        capacity=places,
        created_by="bench",
    )


class Statements:
    """SQL statements the engine executes (a counter on the sync engine's cursor)."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        self._engine = db.engine.sync_engine
        sa_event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def close(self) -> None:
        sa_event.remove(self._engine, "before_cursor_execute", self._seen)


# -- one run ------------------------------------------------------------------------------------


async def burst(
    call: Callable[[int], Any], members: list[int], concurrency: int, finished: list[float]
) -> tuple[list[float], list[Any], list[BaseException]]:
    """Every member's call, ``concurrency`` at a time (0: all at once); the latency of each
    call, its result (None when it raised) and the exceptions. ``finished`` gets the moment
    each call returned."""
    latencies: list[float] = []
    results: list[Any] = [None] * len(members)
    errors: list[BaseException] = []
    clock = time.perf_counter

    async def one(index: int) -> None:
        t0 = clock()
        try:
            results[index] = await call(members[index])
        except Exception as error:  # counted and reported: the run fails loudly after
            errors.append(error)
        t1 = clock()
        latencies.append(t1 - t0)
        finished.append(t1)

    if concurrency <= 0:
        await asyncio.gather(*(one(index) for index in range(len(members))))
    else:
        queue = iter(range(len(members)))

        async def worker() -> None:
            for index in queue:  # a shared iterator: each index is taken once
                await one(index)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(members)))))
    return latencies, results, errors


async def check(
    app: Werkbot,
    event_id: int,
    members: list[int],
    places: int,
    results: list[RsvpResult | None],
    errors: list[BaseException],
) -> str:
    """The outcome is right, or :class:`Failed` says what is wrong."""
    if errors:
        kinds = Counter(f"{type(e).__name__}: {str(e).splitlines()[0][:160]}" for e in errors)
        raise Failed(
            f"{len(errors):,} of {len(members):,} sign-ups raised: "
            + "; ".join(f"{n:,} x {kind}" for kind, n in kinds.most_common(3))
        )
    going = min(places, len(members))
    waiting = len(members) - going
    answered = Counter(result.signup.state for result in results if result is not None)
    expected_answers = Counter({SignupState.GOING: going, SignupState.WAITLISTED: waiting})
    if answered != +expected_answers:  # (+ drops a zero count)
        raise Failed(
            f"the members were told {dict(answered)}; expected {going:,} going, "
            f"{waiting:,} waitlisted"
        )
    signups = table_of(EventSignup)
    async with app.db.engine.connect() as conn:
        rows = list(
            await conn.execute(
                select(signups.c.id, signups.c.member_id, signups.c.state, signups.c.position)
                .where(signups.c.event_id == event_id)
                .order_by(signups.c.id)
            )
        )
    if len(rows) != len(members) or {int(r.member_id) for r in rows} != set(members):
        raise Failed(f"{len(rows):,} sign-ups stored for {len(members):,} members")
    # Ids are handed out by the insert, under the event's lock: id order is the order in
    # which the database served the sign-ups. Positions must follow it exactly.
    positions = [int(r.position) for r in rows]
    if positions != list(range(1, len(rows) + 1)):
        duplicates = len(positions) - len(set(positions))
        disorder = sum(1 for a, b in pairwise(positions) if b <= a)
        raise Failed(
            f"positions are not 1..{len(rows):,} in the order served: {duplicates} duplicated, "
            f"{disorder} out of order, range {min(positions)}..{max(positions)}"
        )
    states = [SignupState(r.state) for r in rows]
    expected = [SignupState.GOING] * going + [SignupState.WAITLISTED] * waiting
    if states != expected:
        wrong = sum(1 for a, b in zip(states, expected, strict=True) if a != b)
        raise Failed(f"{wrong} sign-ups in the wrong state for their place in the order")
    stored = {int(r.member_id): (SignupState(r.state), int(r.position)) for r in rows}
    for result in results:
        assert result is not None
        told = (result.signup.state, result.signup.position)
        if told != stored[result.signup.member_id]:
            raise Failed(
                f"member {result.signup.member_id} was told {told}, the database holds "
                f"{stored[result.signup.member_id]}"
            )
    event = await app.events.service.get(event_id)
    left, queued = await app.events.service.availability(event)
    if (left, queued) != (max(0, places - going), waiting):
        raise Failed(f"the service counts {left} places left and {queued} waiting")
    return (
        f"{going:,} going, {waiting:,} waitlisted at positions {going + 1:,}-{len(rows):,}, "
        "positions in the order served (unique, no gaps): ok"
    )


async def signup_run(
    url: str,
    folder: Path,
    members_count: int,
    places: int,
    concurrency: int,
    profiler: cProfile.Profile | None = None,
) -> dict[str, Any]:
    app = Werkbot(load_settings(database_url=url, data_dir=folder))
    await app.start()
    try:
        members = await add_members(app.db, members_count)
        service = app.events.service
        festival_event = await service.create(festival(places))
        event_id = festival_event.id
        settle()  # as the bot does once started

        async def sign_up(member_id: int) -> RsvpResult:
            return await service.rsvp(event_id, member_id, going=True)

        statements = Statements(app.db)
        finished: list[float] = []
        cpu, started = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            latencies, results, errors = await burst(sign_up, members, concurrency, finished)
        finally:
            if profiler is not None:
                profiler.disable()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            statements.close()
        verdict = await check(app, event_id, members, places, results, errors)
        return {
            "seconds": seconds,
            "rate": members_count / seconds,
            "p50_ms": 1000 * percentile(latencies, 0.50),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            "max_ms": 1000 * max(latencies),
            "cpu_ms": 1000 * cpu / members_count,
            "statements": statements.count / members_count,
            **tenths(finished, started),
            "load": os.getloadavg()[0],
            "verdict": verdict,
        }
    finally:
        await app.stop()


async def sqlite_run(
    members_count: int, places: int, concurrency: int, profiler: cProfile.Profile | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="werkbot-bench-") as name:
        folder = Path(name)
        url = f"sqlite+aiosqlite:///{folder / 'events.db'}"
        return await signup_run(url, folder, members_count, places, concurrency, profiler)


async def postgresql_run(members_count: int, places: int, concurrency: int) -> dict[str, Any]:
    database = await create_pg_database()
    try:
        with tempfile.TemporaryDirectory(prefix="werkbot-bench-") as name:
            return await signup_run(
                pg_url(database), Path(name), members_count, places, concurrency
            )
    finally:
        await drop_pg_database(database)


def tenths(finished: list[float], started: float) -> dict[str, float]:
    """Sign-ups per second in the second and the ninth tenth of the run (by completions; the
    first has the pool's warm-up, the last the tail): the cost as the list grows."""
    done = [started, *sorted(finished)]
    tenth = len(finished) // 10
    if tenth < 1:
        return {"early_rate": 0.0, "late_rate": 0.0}

    def rate(part: int) -> float:
        return tenth / max(done[(part + 1) * tenth] - done[part * tenth], 1e-9)

    return {"early_rate": rate(1), "late_rate": rate(8)}


# -- reporting ----------------------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{os.cpu_count()} CPUs ({usable} usable, {model}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; load average now {os.getloadavg()[0]:.1f} (other "
        "work on the machine lowers the figures)"
    )


async def pg_version() -> str:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return str(await connection.fetchval("show server_version")).split()[0]
    finally:
        await connection.close()


def how(concurrency: int) -> str:
    return "all at once (asyncio.gather)" if concurrency <= 0 else f"{concurrency} at a time"


def report(database: str, found: list[dict[str, Any]], concurrency: int) -> dict[str, float]:
    for n, run in enumerate(found, 1):
        print(
            f"  {database} run {n}: {run['rate']:,.0f} sign-ups/s ({run['seconds']:.1f} s); "
            f"latency p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, max "
            f"{run['max_ms']:.0f} ms; {run['cpu_ms']:.2f} ms CPU and {run['statements']:.1f} "
            f"SQL statements per sign-up; 2nd tenth {run['early_rate']:,.0f}/s, 9th tenth "
            f"{run['late_rate']:,.0f}/s; load average {run['load']:.1f}"
        )
        print(f"    check: {run['verdict']}")
    median = {
        key: statistics.median(run[key] for run in found)
        for key in (
            "rate",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "cpu_ms",
            "statements",
            "seconds",
            "early_rate",
            "late_rate",
        )
    }
    print(
        f"{database}, {how(concurrency)}: median of {len(found)}: {median['rate']:,.0f} "
        f"sign-ups/s, latency p50 {median['p50_ms']:.1f} ms, p99 {median['p99_ms']:.1f} ms"
    )
    return median


def table(rows: list[tuple[str, int, dict[str, float] | str]]) -> None:
    print()
    print(
        f"{'database':<11} {'calls':<13} {'sign-ups/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'CPU ms':>7} {'stmts':>6} {'2nd 10%/s':>9} {'9th 10%/s':>9}"
    )
    for database, concurrency, m in rows:
        calls = "all at once" if concurrency <= 0 else f"{concurrency} at a time"
        if isinstance(m, str):
            print(f"{database:<11} {calls:<13} FAILED: {m}")
            continue
        print(
            f"{database:<11} {calls:<13} {m['rate']:>10,.0f} {m['p50_ms']:>8.1f} "
            f"{m['p99_ms']:>8.1f} {m['max_ms']:>8.0f} {m['cpu_ms']:>7.2f} {m['statements']:>6.1f} "
            f"{m['early_rate']:>9,.0f} {m['late_rate']:>9,.0f}"
        )
    print(
        "(medians; CPU ms and SQL statements per sign-up, CPU of this process only (the "
        "database server's is not in it); sign-ups/s in the 2nd and the 9th tenth of the run)"
    )


async def profile_one(members_count: int, places: int, concurrency: int, lines: int) -> None:
    """cProfile of one SQLite run's burst (the main thread only: the SQLite work in
    aiosqlite's threads is not in it; a coroutine counts a call at every resumption)."""
    profiler = cProfile.Profile()
    run = await sqlite_run(members_count, places, concurrency, profiler)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    print(
        f"cProfile of one SQLite run ({how(concurrency)}; {run['rate']:,.0f} sign-ups/s under "
        f"the profiler), main thread, by own time:"
    )
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


async def one_database(
    database: str, members_count: int, places: int, runs: int, concurrency: int
) -> dict[str, float] | str:
    """The runs on one database, reported; a failure's message instead of figures."""
    print(f"{database}, {how(concurrency)}:")
    found = []
    try:
        for _run in range(runs):
            if database == "sqlite":
                found.append(await sqlite_run(members_count, places, concurrency))
            else:
                found.append(await postgresql_run(members_count, places, concurrency))
    except Failed as failure:
        print(f"FAILED ({database}, {how(concurrency)}, run {len(found) + 1}): {failure}")
        return str(failure)
    return report(database, found, concurrency)


async def bench(
    members_count: int,
    places: int,
    runs: int,
    modes: list[int],
    databases: list[str],
    profile: bool,
) -> int:
    print(
        f"Events: {members_count:,} members sign up at once for {places:,} places through "
        f"EventService.rsvp; {runs} runs each, a fresh database per run (median)"
    )
    print(f"machine: {machine()}")
    if "postgresql" in databases and not await asyncio.to_thread(pg_reachable):
        print(f"PostgreSQL at {PG_ADMIN_DSN}: not reachable, skipped")
        databases = [d for d in databases if d != "postgresql"]
    elif "postgresql" in databases:
        print(f"PostgreSQL {await pg_version()} at {PG_ADMIN_DSN.rsplit('/', 1)[0]}")
    rows: list[tuple[str, int, dict[str, float] | str]] = []
    for concurrency in modes:
        for database in databases:
            found = await one_database(database, members_count, places, runs, concurrency)
            rows.append((database, concurrency, found))
    table(rows)
    if profile:
        print()
        await profile_one(members_count, places, modes[0], 25)
    return 1 if any(isinstance(found, str) for _d, _c, found in rows) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events")
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--places", type=int, default=PLACES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--concurrency",
        default=str(CONCURRENCY),
        help=f"sign-ups in flight at once, comma separated for several (default {CONCURRENCY}, "
        "the Telegram adapter's limit); 0: all at once with asyncio.gather",
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--quick", action="store_true", help="1,000 members for 50 places, one run each"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile of one more SQLite run at the end"
    )
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="event loop (Werkbot runs on uvloop where it is installed)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.places, args.runs = 1_000, 50, 1
    modes = [int(part) for part in args.concurrency.split(",") if part.strip()]
    if args.members < 1 or args.places < 1 or args.runs < 1 or not modes:
        parser.error("--members, --places and --runs must be at least 1, --concurrency given")
    databases = [args.only] if args.only else ["sqlite", "postgresql"]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.app").setLevel(logging.ERROR)  # the development-mode notice
    tune()  # Werkbot's collector settings, as bot/__main__.py sets them
    print(f"event loop: {args.loop}; garbage collector: Werkbot's {gc.get_threshold()}")
    with asyncio.Runner(loop_factory=event_loop_factory(args.loop == "uvloop")) as runner:
        return runner.run(
            bench(args.members, args.places, args.runs, modes, databases, args.profile)
        )


if __name__ == "__main__":
    sys.exit(main())
