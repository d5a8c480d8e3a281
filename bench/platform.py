"""Platform Vernieuwen Doen We Samen: one matching round for 2,000 participants (issue 14,
"Speed").

The participants are synthetic and the same every run (``participants``): tags from a
vocabulary of 60 Dutch tags with skewed popularity (a few like "financiering" and
"netwerk" are everywhere, most are rare), short Dutch texts built around the tags, 12
provinces or online only, some never-lists, and a history of 5 earlier rounds (each
with 80% of the participants, paired by ``greedy_round``, so pairs that fit well have
often met already, as in a real platform).

Measured from the participants in memory (reading profiles and storing pairs are the
database's part, measured with the service): the wall time of ``plan_round`` and of
``greedy_round``, the pairs, the trio and who is left out, and the total score of the
maximum-weight plan against the greedy one. The median of ``--runs`` runs (default 3);
each run is checked (everyone in exactly one group or left out, never-lists and the last
3 rounds respected) and fails loudly otherwise.

``python -m bench.platform``: about a minute on two cores (``--sizes``, default
``2000,500``; ``--candidates`` for the pruning, comma separated, default ``auto``: the
module's ``candidates_for`` the size; ``--runs``).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from cogs.platform.matching import (
    NO_REPEAT_ROUNDS,
    History,
    Participant,
    RoundPlan,
    candidates_for,
    greedy_round,
    plan_round,
)

TARGET_SECONDS = 10.0

TAGS = (
    "financiering", "netwerk", "mentoring", "werving", "scholing", "juridisch advies",
    "zzp-pensioen", "marketing", "subsidie", "ledenwerving", "coöperatie", "crowdfunding",
    "boekhouding", "verzekering", "arbeidsongeschiktheid", "huisvesting", "werkruimte",
    "software", "website", "sociale media", "fotografie", "vormgeving", "schrijven",
    "vertalen", "coaching", "loopbaan", "onderhandelen", "tarieven", "acquisitie",
    "samenwerken", "broodfonds", "belastingaangifte", "btw", "contracten", "algemene voorwaarden",
    "privacy", "duurzaamheid", "energie", "zorg", "onderwijs", "cultuur", "bouw", "techniek",
    "horeca", "logistiek", "landbouw", "retail", "ict", "data", "onderzoek", "beleid",
    "lobby", "vakbond", "medezeggenschap", "inclusie", "taal", "kinderopvang", "mobiliteit",
    "events", "podcast",
)  # fmt: skip
"""60 tags, most popular first (drawn with weight 1 / rank: Zipf-like)."""

PROVINCES = (
    "Groningen", "Friesland", "Drenthe", "Overijssel", "Flevoland", "Gelderland", "Utrecht",
    "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg",
)  # fmt: skip

OPENINGS = (
    "Ik ben zelfstandig {beroep} in {plaats} en",
    "Als {beroep} werk ik al jaren voor mezelf en",
    "Wij zijn een kleine coöperatie van {beroep}s en",
    "Ik ben net begonnen als {beroep} en",
    "Met ons initiatief helpen we {beroep}s in {plaats}; we",
)
WANTS = (
    "zoek hulp bij {need}.",
    "wil graag meer weten over {need}.",
    "loop vast op {need}, wie heeft ervaring?",
    "zoek iemand om mee te sparren over {need}.",
)
GIVES = (
    "Ik kan anderen helpen met {offer}.",
    "In ruil bied ik kennis van {offer}.",
    "Wij hebben veel ervaring met {offer} en delen die graag.",
    "Vraag me gerust over {offer}.",
)
TRADES = (
    "schilder", "fotograaf", "vertaler", "programmeur", "verpleegkundige", "docent",
    "timmerman", "ontwerper", "journalist", "kok", "coach", "boekhouder", "onderzoeker",
    "bezorger", "muzikant", "stukadoor",
)  # fmt: skip
PLACES = ("Zwolle", "Utrecht", "Rotterdam", "Groningen", "Eindhoven", "Maastricht", "Leeuwarden")


def participants(count: int, seed: int = 14) -> list[Participant]:
    """``count`` synthetic participants, the same for the same count and seed."""
    rng = random.Random(seed)
    popularity = [1.0 / rank for rank in range(1, len(TAGS) + 1)]

    def draw(k: int) -> frozenset[str]:
        chosen: set[str] = set()
        while len(chosen) < k:
            chosen.add(rng.choices(TAGS, popularity)[0])
        return frozenset(chosen)

    people = []
    for pid in range(1, count + 1):
        offers, needs = draw(rng.randint(1, 4)), draw(rng.randint(1, 3))
        text = " ".join(
            (
                rng.choice(OPENINGS).format(beroep=rng.choice(TRADES), plaats=rng.choice(PLACES)),
                rng.choice(WANTS).format(need=" en ".join(sorted(needs))),
                rng.choice(GIVES).format(offer=", ".join(sorted(offers))),
            )
        )
        where = rng.randrange(len(PROVINCES) + 1)
        if where == len(PROVINCES):  # online only
            region, online, in_person = None, True, False
        else:
            region, in_person = PROVINCES[where], True
            online = rng.random() < 0.7  # the rest only in person
        never = (
            frozenset(rng.randint(1, count) for _ in range(rng.randint(1, 3))) - {pid}
            if rng.random() < 0.03
            else frozenset()
        )
        people.append(Participant(pid, offers, needs, text, region, online, in_person, never))
    return people


def history(people: list[Participant], rounds: int = 5, seed: int = 14) -> History:
    """``rounds`` earlier rounds, each with 80% of the participants, paired greedily."""
    rng = random.Random(seed)
    past = History(current_round=1)
    for round_number in range(1, rounds + 1):
        present = [p for p in people if rng.random() < 0.8]
        past = past.after(greedy_round(present, past, seed=round_number))
    return past


def check(people: list[Participant], past: History, plan: RoundPlan) -> None:
    """Everyone exactly once; no never-list and no recent meeting inside a group."""
    seen = [i for g in plan.groups for i in g.ids] + [o.id for o in plan.left_out]
    assert sorted(seen) == sorted(p.id for p in people), "someone missing or twice"
    assert sum(len(g.ids) == 3 for g in plan.groups) <= 1, "more than one trio"
    by_id = {p.id: p for p in people}
    for group in plan.groups:
        for n, a in enumerate(group.ids):
            for b in group.ids[n + 1 :]:
                assert b not in by_id[a].never and a not in by_id[b].never, "never-list"
                since = past.rounds_since(a, b)
                assert since is None or since > NO_REPEAT_ROUNDS, "met recently"


def timed(
    plan: Callable[..., RoundPlan], people: list[Participant], past: History, k: int
) -> tuple[float, float, RoundPlan]:
    """Wall and CPU seconds of one plan (CPU: this process; the machine may be busy)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = plan(people, past, seed=2026, candidates_per_person=k)
    return time.perf_counter() - started, time.process_time() - cpu, result


def run_size(count: int, k: int, runs: int) -> dict[str, Any]:
    people = participants(count)
    past = history(people)
    found = []
    for _ in range(runs):
        seconds, cpu, plan = timed(plan_round, people, past, k)
        greedy_seconds, _cpu, greedy = timed(greedy_round, people, past, k)
        check(people, past, plan)
        check(people, past, greedy)
        found.append((seconds, greedy_seconds, plan, greedy, cpu))
    plan = found[0][2]
    assert all(f[2] == plan for f in found), "the same seed gave different plans"
    reasons: dict[str, int] = {}
    for out in plan.left_out:
        reasons[out.reason] = reasons.get(out.reason, 0) + 1
    greedy = found[0][3]
    return {
        "count": count,
        "k": k,
        "seconds": statistics.median(f[0] for f in found),
        "greedy_seconds": statistics.median(f[1] for f in found),
        "cpu": statistics.median(f[4] for f in found),
        "pairs": sum(len(g.ids) == 2 for g in plan.groups),
        "trio": plan.trio is not None,
        "left_out": len(plan.left_out),
        "reasons": reasons,
        "total": plan.total_score,
        "greedy_total": greedy.total_score,
        "greedy_pairs": sum(len(g.ids) == 2 for g in greedy.groups),
        "greedy_left_out": len(greedy.left_out),
        "shared": sum(bool(g.shared) for g in plan.groups),
        "greedy_shared": sum(bool(g.shared) for g in greedy.groups),
        "met_before": sum(past.rounds_since(g.ids[0], g.ids[1]) is not None for g in plan.groups),
    }


def report(results: list[dict[str, Any]], runs: int) -> None:
    print(
        f"median of {runs} runs; plan_round from the participants in memory (the database's "
        f"part is measured with the service)"
    )
    header = (
        f"{'people':>6} {'k':>3} {'plan s':>7} {'cpu s':>6} {'greedy s':>8} {'pairs':>6} {'trio':>4} "
        f"{'left out':>8} {'max-weight':>10} {'greedy':>10} {'ratio':>6} "
        f"{'tag match':>9} {'greedy tag':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['count']:>6} {r['k']:>3} {r['seconds']:>7.2f} {r['cpu']:>6.2f} "
            f"{r['greedy_seconds']:>8.2f} "
            f"{r['pairs']:>6} {'yes' if r['trio'] else 'no':>4} {r['left_out']:>8} "
            f"{r['total']:>10.1f} {r['greedy_total']:>10.1f} "
            f"{r['total'] / r['greedy_total']:>6.3f} {r['shared']:>9} {r['greedy_shared']:>10}"
        )
    for r in results:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(r["reasons"].items())) or "nobody"
        verdict = "ok" if r["seconds"] <= TARGET_SECONDS else "OVER"
        print(
            f"{r['count']:,} people: left out: {reasons}; greedy pairs {r['greedy_pairs']}, "
            f"left out {r['greedy_left_out']}; groups that met before (> {NO_REPEAT_ROUNDS} "
            f"rounds ago) {r['met_before']}; target <= {TARGET_SECONDS:.0f} s: {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.platform")
    parser.add_argument("--sizes", default="2000,500", help="participants, comma separated")
    parser.add_argument("--candidates", default="auto",
                        help="candidates per person, comma separated; auto: the module's "
                        "default for the round's size (candidates_for)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    results = [
        run_size(count, candidates_for(count) if k == "auto" else int(k), args.runs)
        for count in (int(size) for size in args.sizes.split(","))
        for k in args.candidates.split(",")
    ]
    report(results, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
