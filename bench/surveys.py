"""Jouw Stem benchmarks: the answer path, the tally, and (if present) the Telegram path.

1. 10,000 members answer a 5-question survey concurrently through the core services
   (no platform) on SQLite in WAL mode: answers/s over the whole run and the latency of
   each ``answer()`` call from call to durable commit (p50/p99).
2. The tally of one question holding 1,000,000 answers.
3. The same 10,000 members through the Telegram adapter against the fake Bot API server,
   beside python-telegram-bot's own update-handling rate measured in the same run.

Figures are medians over several runs; nothing here is a test (no timing assertions).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.collector import settle, tune
from bot.core.mail import Mailer
from bot.loop import event_loop_factory
from cogs.members.service import MemberService, RolePolicy
from cogs.surveys.answering import Answering, ResponseKeys, SurveyCache, Voter, Voters
from cogs.surveys.service import SurveyService
from cogs.surveys.writer import AnswerWriter
from storage.db import Database
from storage.records.surveys import NewQuestion, NewSurvey
from storage.repositories.members import MemberRepository
from storage.repositories.surveys import SurveyRepository
from storage.types import utcnow
from storage.vocabulary import Province, WorkSituation

log = logging.getLogger(__name__)

QUESTIONS = (
    NewQuestion(kind="single", text="Werk je thuis?", options=("ja", "nee", "soms")),
    NewQuestion(kind="multiple", text="Wat mis je?", options=("a", "b", "c", "d"), max_choices=2),
    NewQuestion(kind="scale", text="Tevreden?", labels=("niet", "zeer")),
    NewQuestion(kind="single", text="Stem je?", options=("ja", "nee")),
    NewQuestion(kind="number", text="Uren?", min_value=0, max_value=80),
)


class NoMail(Mailer):
    development = True

    async def send(self, to: str, subject: str, body: str, **options: Any) -> None:
        return None


class NoClock:
    """The benchmark opens surveys by hand; planned jobs are only recorded."""

    async def plan(self, job_id: str, when: Any, kind: str, payload: dict[str, Any]) -> None:
        return None

    async def cancel(self, job_id: str) -> bool:
        return False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class CollectorWatch:
    """Time spent in Python's garbage collector while a run is on (gc.callbacks).

    Every collection stops the event loop, so its pauses land straight in the latency.
    """

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> CollectorWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def figures(self) -> dict[str, float]:
        return {
            "gc_ms": 1000 * sum(self.pauses),
            "gc_max_ms": 1000 * max(self.pauses, default=0.0),
        }


async def add_members(db: Database, count: int) -> list[int]:
    """Verified members inserted in bulk (setup only; the answer path uses the real service)."""
    rng = random.Random(5)
    works, provinces = [str(w) for w in WorkSituation], [str(p) for p in Province]
    now = utcnow().isoformat(sep=" ")
    async with db.engine.begin() as conn:
        start = int(
            (await conn.execute(text("select coalesce(max(id), 0) from members"))).scalar_one()
        )
        rows = [
            {
                "id": start + n,
                "name": f"Lid {start + n}",
                "email": f"lid{start + n}@example.org",
                "w": rng.choice(works),
                "p": rng.choice(provinces),
                "now": now,
            }
            for n in range(1, count + 1)
        ]
        await conn.execute(
            text(
                "insert into members (id, kind, name, email, email_verified_at, work_situation, "
                "province, language, consent_at, created_at) values (:id, 'deelnemer', :name, "
                ":email, :now, :w, :p, 'nl', :now, :now)"
            ),
            rows,
        )
    return [row["id"] for row in rows]


def first_contact(url: str, member_ids: list[int]) -> list[Voter]:
    """Voice and profile of some members through the member service (in a worker process).

    First contact costs several ORM queries per member, all CPU; spread over processes
    it takes a fraction of the time, and what the answer path sees afterwards (a warm
    cache of the same Voter records) is the same.
    """

    async def run() -> list[Voter]:
        db = Database(url)
        voters = Voters(MemberService(MemberRepository(db), NoMail(), RolePolicy()), ttl=3600)
        found = []
        for member_id in member_ids:
            voter = await voters.voter(member_id)
            assert voter is not None, member_id
            found.append(voter)
        await db.dispose()
        return found

    return asyncio.run(run())


async def warm_voters(stack: Stack, url: str, members: list[int]) -> None:
    """First contact of every member, in parallel worker processes, into the stack's cache."""
    workers = max(1, os.cpu_count() or 1)
    chunks = [members[n::workers] for n in range(workers)]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = await asyncio.gather(
            *(loop.run_in_executor(pool, first_contact, url, chunk) for chunk in chunks)
        )
    for found in results:
        for voter in found:
            stack.answering.voters.remember(voter)


class Stack:
    """The survey services wired as in the app, on one database."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        members = MemberService(MemberRepository(db), NoMail(), RolePolicy())
        self.repository = SurveyRepository(db)
        self.writer = AnswerWriter(self.repository.write_batch, close=self.repository.close)
        cache = SurveyCache(self.repository)
        self.answering = Answering(
            cache,
            self.repository,
            self.writer,
            ResponseKeys.from_settings(None, data_dir),
            Voters(members, ttl=3600),
            require_verification=True,
        )
        self.service = SurveyService(
            self.repository,
            cache,
            self.answering,
            NoClock(),
            members,
            require_verification=True,
            reminder_before=timedelta(hours=24),
            quick_poll_duration=timedelta(hours=24),
        )

    async def new_survey(self) -> Any:
        survey = await self.service.create(
            NewSurvey(
                title="Bench",
                intro="",
                mode="anonymous",
                results="after_close",
                audience={},
                opens_at=None,
                closes_at=utcnow() + timedelta(days=1),
                created_by="bench",
                questions=QUESTIONS,
            )
        )
        return (await self.service.open(survey.id)).survey


def value_for(kind: str, rng: random.Random) -> Any:
    if kind == "single":
        return rng.randint(1, 2)
    if kind == "multiple":
        return rng.sample([1, 2, 3, 4], 2)
    if kind == "scale":
        return rng.randint(1, 5)
    return rng.randint(0, 80)


async def answer_run(stack: Stack, members: list[int], offered: float | None) -> dict[str, float]:
    """One run. ``offered`` answers/s paces the members (open loop: members think between
    questions, as people do); None fires every answer as soon as the previous one is saved
    (closed loop: the most the path can take, latency is then mostly queueing)."""
    survey = await stack.new_survey()
    # Each member opens the survey first (/stem), as in the chat.
    started = time.perf_counter()
    await asyncio.gather(*(stack.answering.start(survey.id, m) for m in members))
    start_seconds = time.perf_counter() - started

    latencies: list[float] = []
    lags: list[float] = []
    finished_at: list[float] = []  # paced runs: when each answer was committed
    rng = random.Random(7)
    questions = survey.questions
    # The answers are drawn before the clock starts: the run measures the service.
    values = {m: [value_for(q.kind, rng) for q in questions] for m in members}
    total = len(members) * len(questions)
    finished = asyncio.Event()
    done = 0
    answer = stack.answering.answer
    clock = time.perf_counter

    async def member(member_id: int) -> None:
        for question, value in zip(questions, values[member_id], strict=True):
            t0 = clock()
            await answer(survey.id, member_id, question.id, value)
            latencies.append(clock() - t0)

    async def paced_member(member_id: int) -> None:
        nonlocal done
        loop = asyncio.get_running_loop()
        for question, value in zip(questions, values[member_id], strict=True):
            turn: asyncio.Future[float] = loop.create_future()
            ready.append(turn)
            due = await turn  # the scheduler says this member presses now
            t0 = clock()
            await answer(survey.id, member_id, question.id, value)
            t1 = clock()
            latencies.append(t1 - t0)
            lags.append(t1 - due)
            finished_at.append(t1)
            done += 1
        if done == total:
            finished.set()

    ready: deque[asyncio.Future[float]] = deque()  # members waiting to press

    async def paced(rate: float) -> None:
        """Open loop: presses arrive at ``rate`` per second on a fixed schedule, spread
        over all members, each member's questions in order (a member presses again only
        after being answered). Every member is one long-lived task, as in the burst; one
        scheduler loop hands out the presses that are due every millisecond. A press
        handed out late (a busy loop) keeps its due time, so throughput is not capped by
        the timer, and the delay from the scheduled press is reported too."""
        nonlocal started
        members_tasks = [asyncio.ensure_future(paced_member(m)) for m in members]
        await asyncio.sleep(0)  # every member takes its place in the queue
        issued = 0
        began = started = clock()  # the run is timed from the first scheduled press
        while not finished.is_set():
            due = int((clock() - began) * rate)
            while issued < due and ready:
                ready.popleft().set_result(began + issued / rate)
                issued += 1
            await asyncio.sleep(0.001)
        await asyncio.gather(*members_tasks)

    batches_before = stack.writer.batches
    started = time.perf_counter()
    with CollectorWatch() as collector:
        if offered:
            await paced(offered)
        else:
            await asyncio.gather(*(member(m) for m in members))
    seconds = time.perf_counter() - started
    responses = await stack.repository.response_count(survey.id)
    assert responses == len(members), (responses, len(members))
    return {
        "answers": len(latencies),
        "seconds": seconds,
        "rate": len(latencies) / seconds,
        "sustained": sustained_rate(finished_at, started, len(latencies) / offered)
        if offered
        else 0.0,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "lag_p99_ms": 1000 * percentile(lags, 0.99) if lags else 0.0,
        "batches": stack.writer.batches - batches_before,
        "start_seconds": start_seconds,
        **collector.figures(),
    }


def sustained_rate(finished_at: list[float], began: float, planned: float) -> float:
    """Commits per second in the middle 80% of a paced run's schedule (no ramp-up or tail)."""
    low, high = began + 0.1 * planned, began + 0.9 * planned
    return sum(low <= t < high for t in finished_at) / (0.8 * planned)


def report(title: str, results: list[dict[str, float]]) -> None:
    print(title)
    for run, figures in enumerate(results, start=1):
        print(
            f"  run {run}: {figures['answers']:.0f} answers in {figures['seconds']:.2f} s = "
            f"{figures['rate']:,.0f} answers/s"
            + (
                f" (sustained {figures['sustained']:,.0f} answers/s in the middle 80%)"
                if figures["sustained"]
                else ""
            )
            + f"; latency p50 {figures['p50_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms; "
            f"{figures['batches']:.0f} commits; garbage collection {figures['gc_ms']:.0f} ms, "
            f"longest pause {figures['gc_max_ms']:.0f} ms"
            + (
                f"; from the scheduled press p99 {figures['lag_p99_ms']:.1f} ms"
                if figures["lag_p99_ms"]
                else ""
            )
        )
    sustained = statistics.median(r["sustained"] for r in results)
    print(
        f"  median of {len(results)}: {statistics.median(r['rate'] for r in results):,.0f} "
        f"answers/s"
        + (f" (sustained {sustained:,.0f} answers/s)" if sustained else "")
        + f", p99 {statistics.median(r['p99_ms'] for r in results):.1f} ms"
    )


def fill_answers(path: Path, question_id: int, count: int) -> None:
    """1,000,000 answers to one question, written straight into the file (setup only)."""
    rng = random.Random(3)
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "insert into survey_answers (question_id, response_key, choice, number, text) "
            "values (?, ?, ?, NULL, NULL)",
            ((question_id, f"{n:032x}", rng.randint(1, 5)) for n in range(count)),
        )
    connection.close()


async def tally_run(stack: Stack, question_id: int, runs: int) -> list[float]:
    timings = []
    for _run in range(runs):
        t0 = time.perf_counter()
        counts = await stack.repository.tally(question_id)
        timings.append(1000 * (time.perf_counter() - t0))
        assert counts, "the tally found nothing"
    return timings


async def bench(
    members_count: int,
    runs: int,
    tally_answers: int,
    offered: list[float],
    telegram: int,
    tuned_gc: bool = True,
    core: bool = True,
) -> int:
    if core:
        with tempfile.TemporaryDirectory(prefix="werkbot-bench-") as folder:
            path = Path(folder) / "bench.db"
            db = Database(f"sqlite+aiosqlite:///{path}")
            await db.migrate()
            async with db.engine.connect() as conn:
                mode = (await conn.execute(text("pragma journal_mode"))).scalar_one()
            members = await add_members(db, members_count)
            stack = Stack(db, Path(folder))
            stack.writer.start()
            if tuned_gc:
                settle()  # as Werkbot does once started: members come afterwards
            print(
                f"Jouw Stem answer path: {members_count:,} members x 5 questions through the "
                f"services, SQLite ({mode}), {runs} runs each"
            )
            t0 = time.perf_counter()
            await warm_voters(stack, str(db.url), members)
            print(
                f"  setup: first contact of {members_count:,} members (voice and profile from the "
                f"member service in {os.cpu_count()} worker processes, then cached): "
                f"{time.perf_counter() - t0:.1f} s"
            )
            opening: list[float] = []
            for rate in offered:
                paced = [await answer_run(stack, members, rate) for _run in range(runs)]
                opening += [r["start_seconds"] for r in paced]
                report(
                    f"Sustained, members paced at {rate:,.0f} answers/s offered "
                    "(target >= 20,000 answers/s with p99 <= 50 ms):",
                    paced,
                )
            print(
                f"  opening the survey (/stem) for all {members_count:,} members at once: median "
                f"{statistics.median(opening):.2f} s"
            )
            burst = [await answer_run(stack, members, None) for _run in range(runs)]
            report(
                "Burst, every member answers as fast as it can (closed loop: capacity; the "
                "latency is queueing behind 10,000 concurrent callers):",
                burst,
            )
            await stack.writer.stop()

            if tally_answers > 0:
                survey = await stack.new_survey()
                question_id = survey.questions[2].id
                await db.dispose()
                t0 = time.perf_counter()
                await asyncio.to_thread(fill_answers, path, question_id, tally_answers)
                print(
                    f"Tally: {tally_answers:,} answers to one question (filled in {time.perf_counter() - t0:.1f} s)"
                )
                timings = await tally_run(stack, question_id, max(runs, 5))
                print(
                    "  runs: "
                    + ", ".join(f"{t:.0f} ms" for t in timings)
                    + f"; median {statistics.median(timings):.0f} ms (target <= 150 ms)"
                )
            await db.dispose()
    if telegram:
        try:
            from bench.telegram_surveys import bench as telegram_bench
        except ImportError as error:
            print(f"Telegram: skipped ({error})")
        else:
            await telegram_bench(telegram, runs)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.surveys")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tally", type=int, default=1_000_000)
    parser.add_argument(
        "--rates", default="20000,22000,25000", help="offered answers/s, comma separated"
    )
    parser.add_argument(
        "--telegram", type=int, default=10_000, help="members in the Telegram run (0: skip)"
    )
    parser.add_argument(
        "--loop", choices=("uvloop", "asyncio"), default="uvloop",
        help="event loop (Werkbot runs on uvloop where it is installed)",
    )
    parser.add_argument(
        "--telegram-only", action="store_true", help="only the run through the Telegram adapter"
    )
    parser.add_argument(
        "--default-gc", action="store_true",
        help="CPython's default collector settings instead of Werkbot's (bot/collector.py)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # The fake Bot API server reports the long poll it drops at shutdown; the development
    # mode notice is not news here either.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    logging.getLogger("bot.app").setLevel(logging.ERROR)
    rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]
    if not args.default_gc:
        tune()
    print(
        f"event loop: {args.loop}; garbage collector: "
        + ("CPython's defaults" if args.default_gc else f"Werkbot's {gc.get_threshold()}")
    )
    with asyncio.Runner(loop_factory=event_loop_factory(args.loop == "uvloop")) as runner:
        return runner.run(
            bench(
                args.members, args.runs, args.tally, rates, args.telegram,
                not args.default_gc, not args.telegram_only,
            )
        )


if __name__ == "__main__":
    sys.exit(main())
