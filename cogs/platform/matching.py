"""The matching round of Platform Vernieuwen Doen We Samen: who meets whom this round.

A pure, deterministic function: profiles and the history of earlier rounds go in, a plan
comes out (groups, who is left out and why, the total score). No database, no chat; the
same inputs and seed give the same plan, so organizers can do a dry run with a fixed seed
and then the real run.

How a round is planned (``plan_round``):

1. Every allowed pair gets a score (``score``): shared offer↔need tags, the similarity of
   the profile texts (TF-IDF over Dutch words, cosine), the same region when both meet in
   person, minus a penalty for having met before that fades over the rounds. A pair is
   *not allowed* when one is on the other's never-list (either way), when they met in
   the last ``NO_REPEAT_ROUNDS`` rounds, or when they have no way to meet (one only
   online, the other only in person).
2. Each person keeps their ``candidates_per_person`` best partners (ties broken by a
   shuffle from the seed); a pair stays a candidate when it is in the list of either.
   Two people left over by the pairing below who may meet are paired all the same.
3. The candidates are matched by a maximum-weight matching (networkx, Edmonds' blossom
   algorithm, ``maxcardinality=True``: as many people as possible are paired, and among
   the matchings that pair that many, the one with the highest total score). The pairs
   of the greedy pairing (``greedy_round``) are among the candidates, so it never pairs
   fewer people than greedy and, with as many pairs, never scores less. The blossom
   algorithm is pure Python and slow, so the pruning shrinks as rounds grow
   (``candidates_for``), and a round of more than ``EXACT_UP_TO`` people is improved
   window by window, starting from the greedy pairing.
4. People still unmatched who can meet each other (possible after pruning) are paired
   best-first; then one person still unmatched joins the pair where the added score
   (with both members) is highest and allowed: the one trio.
5. Everyone else is left out with a reason (``LeftOut``), never silently.

``greedy_round`` is the baseline for the benchmark: the same candidates, best pair first.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
import numpy.typing as npt

# --- weights -------------------------------------------------------------------------

TAG_MATCH = 3.0
"""Per offer↔need match: a tag that one offers and the other needs. Both directions
count (A offers what B needs *and* B offers what A needs is worth 6.0). This is the
point of the platform (an innovator who offers "financiering" meets a member who needs
it), so one match outweighs everything else together (text at most 2.0, region 1.0)."""

TEXT_WEIGHT = 2.0
"""Times the cosine similarity of the profile texts (0..1). Free text catches what the
tags miss (the same trade, the same plans), but it is noisier than a chosen tag, so even
identical texts count for less than one tag match."""

REGION_BONUS = 1.0
"""When both meet in person and live in the same region: a meeting that is easy to hold
and a contact close by. Only a tie-breaker between otherwise equal partners; for people
who (also) meet online the region does not matter."""

MET_PENALTY = 4.0
"""Penalty for having met before, ``MET_PENALTY × MET_FADE ** rounds_since``. Pairs that
met within the last ``NO_REPEAT_ROUNDS`` rounds are not allowed at all; after that the
penalty is already small (0.25 four rounds later, 0.125 five rounds later): new faces
win a tie, but a pair with a real offer↔need match may meet again."""

MET_FADE = 0.5
"""The penalty halves with every round since the pair last met."""

NO_REPEAT_ROUNDS = 3
"""No pair meets again within this many rounds: met in round r, not allowed in rounds
r+1 .. r+NO_REPEAT_ROUNDS."""

CANDIDATE_BUDGET = 10000
"""Pruning: each person keeps their ``candidates_for(n)`` best partners, ``CANDIDATE_BUDGET
// n`` within ``MIN_CANDIDATES`` .. ``MAX_CANDIDATES``: 30 in a round of up to 333
people, 20 for 500, 10 for 1,000, 5 for 2,000. networkx's blossom algorithm is pure Python and its
time grows with the square of the people times their candidates: one 2,000-person round
takes about 5 s with 3 candidates each, 8.5 s with 5 (``python -m bench.platform``).
More candidates give a better matching: for 500 people 12 candidates score 4% above the
greedy pairing; for 2,000, 3 candidates 2.5%."""

MIN_CANDIDATES = 3
MAX_CANDIDATES = 30

EXACT_UP_TO = 1000
"""Up to this many people (with a partner) are matched by one run of the blossom
algorithm. A larger round starts from the greedy pairing and is improved in windows of
at most ``WINDOW`` people, ``PASSES`` times (``_max_weight``), so its time grows about
linearly instead of with the square."""

WINDOW = 1000
PASSES = 2

UNIT = 10
"""Scores are matched as integers in tenths of a point. networkx's blossom algorithm is
exact with integer weights (equal scores are exactly equal, no rounding drift), and
coarser weights make it faster (thousandths took twice as long for the same pairs): a
tenth of a point is finer than any difference that matters between two partners. The
plan's scores themselves are exact (``score``)."""


def candidates_for(people: int) -> int:
    """The default number of candidates per person in a round of ``people``."""
    return max(MIN_CANDIDATES, min(MAX_CANDIDATES, CANDIDATE_BUDGET // max(people, 1)))


LeftOutReason = Literal["alone", "no_allowed_partner", "odd_one_out"]
"""Why someone has nobody this round (a code; the message is the chat's job):

* ``alone``: fewer than two participants this round.
* ``no_allowed_partner``: nobody this round may be paired with them (they met everyone
  recently, cannot meet the others online or in person, or never-lists). The message
  must not tell which: never-lists are private.
* ``odd_one_out``: there were possible partners, but all of them were paired with
  someone else and no trio could be formed.
"""

# --- text similarity ------------------------------------------------------------------

STOP_WORDS = frozenset(
    """
    aan al alle als altijd andere ben bij daar dan dat de der deze die dit doch doen door
    dus een eens en er ga gaan gaat had heb hebben heeft hem het hier hij hoe hun iemand
    iets ik in is ja je jij jou jouw kan kon kunnen maar me meer men met mij mijn moet na
    naar niet niets nog nu of om omdat ons onze ook op over reeds te tegen toch toen tot
    u uit uw van veel voor want waren was wat we wel werd wie wij wil willen wordt worden
    zal ze zei zelf zich zij zijn zo zonder zou
    """.split()
)
"""Dutch function words that say nothing about what someone offers or needs."""

_WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    """The content words of a text: lower-cased letters (accents kept: "één", "café"),
    split at anything else (so "zzp-pensioen" gives "zzp" and "pensioen"), without stop
    words and single letters."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


@dataclass(frozen=True, slots=True)
class TextModel:
    """TF-IDF over the texts of one round: a word many people use says less.

    Term weight ``1 + ln(count)``, inverse document frequency ``ln((1 + N) / (1 + df)) + 1``
    (smoothed), vectors normalized to length 1, so the similarity is the cosine (0..1).
    """

    documents: int
    frequency: Mapping[str, int]

    @classmethod
    def fit(cls, texts: Iterable[str]) -> TextModel:
        frequency: Counter[str] = Counter()
        documents = 0
        for text in texts:
            documents += 1
            frequency.update(set(words(text)))
        return cls(documents, dict(frequency))

    def idf(self, word: str) -> float:
        return math.log((1 + self.documents) / (1 + self.frequency.get(word, 0))) + 1.0

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(words(text))
        weights = {w: (1.0 + math.log(c)) * self.idf(w) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        return {w: v / norm for w, v in sorted(weights.items())} if norm else {}

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.vector(a), self.vector(b)
        if len(vb) < len(va):
            va, vb = vb, va
        return sum(v * vb[w] for w, v in va.items() if w in vb)


# --- profiles, history, scores --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Participant:
    """One person taking part in a round (an innovator or a member).

    ``never``: ids this person must never be paired with; private, and applied both ways
    (if A never wants B, B never meets A either).
    """

    id: int
    offers: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    text: str = ""
    region: str | None = None
    online: bool = True
    in_person: bool = False
    never: frozenset[int] = frozenset()


@dataclass(frozen=True)
class History:
    """Who met whom: for each pair of ids that met, the round they last met in;
    ``current_round`` is the round being planned."""

    met: Mapping[frozenset[int], int] = field(default_factory=dict)
    current_round: int = 1

    def rounds_since(self, a: int, b: int) -> int | None:
        """Rounds since ``a`` and ``b`` last met (1: in the previous round), or None."""
        last = self.met.get(frozenset((a, b)))
        return None if last is None else self.current_round - last

    def after(self, plan: RoundPlan) -> History:
        """The history for the next round: this round's groups (every pair in a trio)
        met in ``current_round``."""
        met = dict(self.met)
        for group in plan.groups:
            for i, a in enumerate(group.ids):
                for b in group.ids[i + 1 :]:
                    met[frozenset((a, b))] = self.current_round
        return History(met, self.current_round + 1)


def met_penalty(rounds_since: int | None) -> float:
    """The penalty for a pair that met ``rounds_since`` rounds ago (0 if never)."""
    if rounds_since is None:
        return 0.0
    # Fading from the first round the pair may meet again (before it they cannot): at
    # 0.5^rounds_since the penalty was 0.25 by then and 4 in 10 pairs of a large round
    # were people who had met 4 or 5 rounds before.
    return MET_PENALTY * MET_FADE ** max(rounds_since - NO_REPEAT_ROUNDS - 1, 0)


def can_meet(a: Participant, b: Participant) -> bool:
    """Both online, or both in person."""
    return (a.online and b.online) or (a.in_person and b.in_person)


def allowed(a: Participant, b: Participant, history: History | None = None) -> bool:
    """May ``a`` and ``b`` be paired this round? Not with oneself, not when either has the
    other on their never-list, not when they met within ``NO_REPEAT_ROUNDS`` rounds, not
    when they have no way to meet."""
    if a.id == b.id or b.id in a.never or a.id in b.never or not can_meet(a, b):
        return False
    since = history.rounds_since(a.id, b.id) if history is not None else None
    return since is None or since > NO_REPEAT_ROUNDS


@dataclass(frozen=True, slots=True)
class Score:
    """How well two people fit. ``shared``: the tags one offers and the other needs (both
    directions, sorted), for the introduction ("jij zoekt X, zij bieden X"); ``text``: the
    cosine similarity of the texts (before ``TEXT_WEIGHT``); ``region``: the same region
    and both meet in person; ``penalty``: for having met before (already subtracted)."""

    total: float
    shared: tuple[str, ...]
    text: float
    region: bool
    penalty: float


def same_region(a: Participant, b: Participant) -> bool:
    return a.in_person and b.in_person and bool(a.region) and a.region == b.region


def score(
    a: Participant,
    b: Participant,
    history: History | None = None,
    *,
    text_model: TextModel | None = None,
) -> Score:
    """The score of pairing ``a`` with ``b`` (symmetric). ``text_model``: the round's
    TF-IDF (``TextModel.fit`` over all texts of the round); without one, the two texts
    alone. Whether the pair is allowed at all is ``allowed``; a pair with a total ≤ 0 is
    allowed but ranks last."""
    model = text_model if text_model is not None else TextModel.fit((a.text, b.text))
    ab, ba = a.offers & b.needs, b.offers & a.needs
    text = model.similarity(a.text, b.text)
    region = same_region(a, b)
    penalty = met_penalty(history.rounds_since(a.id, b.id) if history is not None else None)
    total = (
        TAG_MATCH * (len(ab) + len(ba))
        + TEXT_WEIGHT * text
        + (REGION_BONUS if region else 0.0)
        - penalty
    )
    return Score(total, tuple(sorted(ab | ba)), text, region, penalty)


# --- the plan -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """Two people who meet this round, or the one trio. ``score``: the pair's total (for
    a trio the sum over its three pairs); ``shared``: every tag matched within the group;
    ``first_question_seed``: picks the group's first conversation question, fixed by the
    round's seed and the members."""

    ids: tuple[int, ...]
    score: float
    shared: tuple[str, ...]
    first_question_seed: int


@dataclass(frozen=True, slots=True)
class LeftOut:
    id: int
    reason: LeftOutReason


@dataclass(frozen=True, slots=True)
class RoundPlan:
    groups: tuple[Group, ...]
    left_out: tuple[LeftOut, ...]
    total_score: float

    @property
    def trio(self) -> Group | None:
        return next((g for g in self.groups if len(g.ids) == 3), None)


Edges = dict[tuple[int, int], int]
"""Candidate pairs of people (by position, i < j) and their weight in ``UNIT``s."""


def plan_round(
    participants: Iterable[Participant],
    history: History | None = None,
    *,
    seed: int,
    candidates_per_person: int | None = None,
) -> RoundPlan:
    """Who meets whom this round: maximum-weight matching over each person's best
    candidates (see the module docstring). Deterministic for the same inputs and seed.

    ``history``: who met whom before (none if omitted); ``seed``: decides between equal
    choices (a dry run with a seed shows exactly what the real run with it will do);
    ``candidates_per_person``: the pruning, by default ``candidates_for(len(people))``."""
    return _plan(participants, history, seed, candidates_per_person, improve=True)


def greedy_round(
    participants: Iterable[Participant],
    history: History | None = None,
    *,
    seed: int,
    candidates_per_person: int | None = None,
) -> RoundPlan:
    """The baseline: the same candidates, repeatedly the best pair of two people who are
    both still free; then the same repair and trio as ``plan_round``."""
    return _plan(participants, history, seed, candidates_per_person, improve=False)


def _plan(
    participants: Iterable[Participant],
    history: History | None,
    seed: int,
    k: int | None,
    *,
    improve: bool,
) -> RoundPlan:
    if k is not None and k < 1:
        raise ValueError("candidates_per_person must be at least 1")
    people = sorted(participants, key=lambda p: p.id)
    ids = [p.id for p in people]
    if len(set(ids)) != len(ids):
        raise ValueError("participant ids must be unique")
    history = history if history is not None else History()
    if len(people) < 2:
        return RoundPlan((), tuple(LeftOut(p.id, "alone") for p in people), 0.0)

    table = _Table(people, history)
    k = k if k is not None else candidates_for(len(people))
    edges, has_partner = table.candidates(k, np.random.default_rng(seed % (1 << 64)))
    # The greedy pairing: best candidate pair first, then whoever is left best-first
    # among all allowed pairs (two people left over may fit without being each other's
    # candidates). ``plan_round`` improves it by maximum-weight matching.
    pairs = _greedy(edges, seed)
    pairs += table.pair_leftovers(_free(pairs, has_partner), edges)
    if improve:
        pairs = _max_weight(edges, pairs, seed)
        pairs += table.pair_leftovers(_free(pairs, has_partner), edges)
    free = _free(pairs, has_partner)
    trio = table.best_trio(free, pairs)

    groups: list[tuple[int, ...]] = [tuple(pair) for pair in pairs]
    if trio is not None:
        x, at = trio
        groups[at] = (*groups[at], x)
        free.remove(x)
    left_out = [LeftOut(people[i].id, "odd_one_out") for i in free]
    left_out += [
        LeftOut(people[i].id, "no_allowed_partner")
        for i in range(len(people))
        if not has_partner[i]
    ]
    made = sorted(
        (table.group(tuple(sorted(people[i].id for i in g)), seed) for g in groups),
        key=lambda g: g.ids,
    )
    return RoundPlan(
        tuple(made),
        tuple(sorted(left_out, key=lambda o: o.id)),
        math.fsum(g.score for g in made),
    )


def _free(pairs: list[tuple[int, int]], has_partner: list[bool]) -> list[int]:
    """People without a pair who could have one."""
    matched = {i for pair in pairs for i in pair}
    return [i for i, possible in enumerate(has_partner) if possible and i not in matched]


class _Table:
    """The round's profiles as arrays, for scoring many pairs at once.

    Integer weights (``UNIT``) from the same formula as ``score``; the groups of the plan
    are scored again with ``score`` itself, so the figures in the plan are exactly those of
    ``score``."""

    def __init__(self, people: Sequence[Participant], history: History) -> None:
        self.people = people
        self.history = history
        self.by_id = {p.id: p for p in people}
        n = len(people)
        index = {p.id: i for i, p in enumerate(people)}
        tags = {t: c for c, t in enumerate(sorted({t for p in people for t in p.offers | p.needs}))}
        self.offers = np.zeros((n, len(tags)))
        self.needs = np.zeros((n, len(tags)))
        for i, p in enumerate(people):
            self.offers[i, [tags[t] for t in p.offers]] = 1.0
            self.needs[i, [tags[t] for t in p.needs]] = 1.0
        self.model = TextModel.fit(p.text for p in people)
        # Only words in two texts or more can be shared; the others only shorten a vector.
        shared_words = {
            w: c
            for c, w in enumerate(sorted(w for w, df in self.model.frequency.items() if df > 1))
        }
        self.text = np.zeros((n, len(shared_words)))
        for i, p in enumerate(people):
            for w, v in self.model.vector(p.text).items():
                if w in shared_words:
                    self.text[i, shared_words[w]] = v
        self.online = np.array([p.online for p in people], dtype=bool)
        self.in_person = np.array([p.in_person for p in people], dtype=bool)
        regions = {r: c for c, r in enumerate(sorted({p.region for p in people if p.region}))}
        self.region = np.array([regions.get(p.region or "", -1) for p in people], dtype=np.int64)
        # Pairs that are not allowed (never-lists, met recently) or carry a penalty.
        self.blocked: dict[int, set[int]] = {}
        self.penalty: dict[int, dict[int, float]] = {}
        for i, p in enumerate(people):
            for other in p.never:
                j = index.get(other)
                if j is not None and j != i:
                    self.blocked.setdefault(i, set()).add(j)
                    self.blocked.setdefault(j, set()).add(i)
        for pair, last in history.met.items():
            if len(pair) != 2:
                continue
            a, b = sorted(pair)
            if a not in index or b not in index:
                continue
            i, j = index[a], index[b]
            since = history.current_round - last
            if since <= NO_REPEAT_ROUNDS:
                self.blocked.setdefault(i, set()).add(j)
                self.blocked.setdefault(j, set()).add(i)
            else:
                self.penalty.setdefault(i, {})[j] = met_penalty(since)
                self.penalty.setdefault(j, {})[i] = met_penalty(since)

    def weights(
        self, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Integer weights and whether each pair (row person, column person) is allowed."""
        total = TAG_MATCH * (
            self.offers[rows] @ self.needs[cols].T + self.needs[rows] @ self.offers[cols].T
        )
        total += TEXT_WEIGHT * (self.text[rows] @ self.text[cols].T)
        region = self.region[rows][:, None]
        total += REGION_BONUS * (
            (region == self.region[cols][None, :])
            & (region >= 0)
            & self.in_person[rows][:, None]
            & self.in_person[cols][None, :]
        )
        ok = (self.online[rows][:, None] & self.online[cols][None, :]) | (
            self.in_person[rows][:, None] & self.in_person[cols][None, :]
        )
        ok &= rows[:, None] != cols[None, :]
        position = dict(zip(cols.tolist(), range(len(cols)), strict=True))
        for r, i in enumerate(rows.tolist()):
            for j in self.blocked.get(i, ()):
                c = position.get(j)
                if c is not None:
                    ok[r, c] = False
            for j, p in self.penalty.get(i, {}).items():
                c = position.get(j)
                if c is not None:
                    total[r, c] -= p
        return np.rint(total * UNIT).astype(np.int64), ok

    def candidates(self, k: int, rng: np.random.Generator) -> tuple[Edges, list[bool]]:
        """Each person's ``k`` best allowed partners (ties in a shuffled order from ``rng``),
        as edges (i < j) with their weight; and who has any allowed partner at all."""
        n = len(self.people)
        cols = np.arange(n, dtype=np.int64)
        edges: Edges = {}
        has_partner: list[bool] = []
        block = max(1, 1_000_000 // n)
        for start in range(0, n, block):
            rows = np.arange(start, min(n, start + block), dtype=np.int64)
            w, ok = self.weights(rows, cols)
            # Best first; within equal weights a random order (the low 20 bits).
            key = np.where(
                ok, -w * (1 << 20) + rng.integers(0, 1 << 20, w.shape), np.iinfo(np.int64).max
            )
            top = min(k, n - 1)
            best = np.argpartition(key, top - 1, axis=1)[:, :top]  # the top, in any order
            for r, i in enumerate(rows.tolist()):
                row_ok = ok[r]
                has_partner.append(bool(row_ok.any()))
                for j in best[r].tolist():
                    if row_ok[j]:
                        edges[(i, j) if i < j else (j, i)] = int(w[r, j])
        return edges, has_partner

    def pair_leftovers(self, free: list[int], edges: Edges) -> list[tuple[int, int]]:
        """Pairs among people still free who may meet (after pruning, two of them can be
        each other's partner without being each other's candidate): best pair first.
        The pairs are added to ``edges`` (with their weight) if they were not in it."""
        if len(free) < 2:
            return []
        idx = np.array(free, dtype=np.int64)
        w, ok = self.weights(idx, idx)
        rows, cols = np.nonzero(np.triu(ok, 1))
        weight = w[rows, cols]
        taken: set[int] = set()
        pairs = []
        for n in np.lexsort((cols, rows, -weight)).tolist():  # best first, then by position
            i, j = free[int(rows[n])], free[int(cols[n])]
            if i not in taken and j not in taken:
                taken.update((i, j))
                pairs.append((i, j))
                edges.setdefault((i, j), int(weight[n]))
        return pairs

    def best_trio(self, free: list[int], pairs: list[tuple[int, int]]) -> tuple[int, int] | None:
        """(person, index of the pair) where one free person adds the most score to a pair
        with both of whom they may be paired; None if nobody can join any pair."""
        if not free or not pairs:
            return None
        rows = np.array(free, dtype=np.int64)
        w, ok = self.weights(rows, np.arange(len(self.people), dtype=np.int64))
        a = np.array([p[0] for p in pairs])
        b = np.array([p[1] for p in pairs])
        gain = w[:, a] + w[:, b]
        valid = ok[:, a] & ok[:, b]
        if not valid.any():
            return None
        gain = np.where(valid, gain, np.iinfo(np.int64).min)
        r, at = np.unravel_index(int(np.argmax(gain)), gain.shape)
        return free[int(r)], int(at)

    def group(self, ids: tuple[int, ...], seed: int) -> Group:
        total = 0.0
        shared: set[str] = set()
        for n, a in enumerate(ids):
            for b in ids[n + 1 :]:
                s = score(self.by_id[a], self.by_id[b], self.history, text_model=self.model)
                total += s.total
                shared.update(s.shared)
        digest = hashlib.blake2b(
            f"{seed}:{','.join(map(str, ids))}".encode(), digest_size=4
        ).digest()
        return Group(ids, total, tuple(sorted(shared)), int.from_bytes(digest, "big"))


def _edge_order(edges: Edges, seed: int) -> list[tuple[int, int]]:
    """The edges in an order shuffled by the seed (sorted first: the same for any dict
    order), so that among equally good matchings the seed decides."""
    order = sorted(edges)
    random.Random(seed).shuffle(order)
    return order


def _max_weight(edges: Edges, start: list[tuple[int, int]], seed: int) -> list[tuple[int, int]]:
    """Maximum-weight matching among the maximum-cardinality matchings, from ``start``.

    Up to ``EXACT_UP_TO`` people: one run of the blossom algorithm over all candidate
    pairs, ``start``'s pairs among them, so the result never pairs fewer people than
    ``start`` (the greedy pairing), nor scores less with as many pairs. A larger round
    is improved window by window (``_windows``): each window is matched exactly, with
    its candidate pairs and its current pairs, and the new pairs are taken when they pair
    more people, or as many with a higher total (the same guarantee). Windows are drawn
    again (other boundaries) for up to ``PASSES`` passes, until a pass improves nothing."""
    rank = {e: n for n, e in enumerate(_edge_order(edges, seed))}
    people = sorted({i for e in edges for i in e})
    if len(people) <= EXACT_UP_TO:
        return _blossom(edges, sorted(edges, key=rank.__getitem__))
    adjacent: dict[int, list[int]] = {i: [] for i in people}
    for i, j in sorted(edges, key=lambda e: (-edges[e], rank[e])):
        adjacent[i].append(j)
        adjacent[j].append(i)
    mate: dict[int, int] = {}
    for i, j in start:
        mate[i], mate[j] = j, i
    rng = random.Random(seed)
    for _ in range(PASSES):
        improved = False
        for window in _windows(people, adjacent, mate, rng):
            inside = {
                (i, j) if i < j else (j, i) for i in window for j in adjacent[i] if j in window
            }
            now = {(i, mate[i]) for i in window if i in mate and i < mate[i]}
            found = _blossom(edges, sorted(inside, key=rank.__getitem__))
            if (len(found), sum(edges[e] for e in found)) > (len(now), sum(edges[e] for e in now)):
                improved = True
                for i in window:
                    mate.pop(i, None)
                for i, j in found:
                    mate[i], mate[j] = j, i
        if not improved:
            break
    return sorted((i, j) for i, j in mate.items() if i < j)


def _windows(
    people: list[int],
    adjacent: Mapping[int, list[int]],
    mate: Mapping[int, int],
    rng: random.Random,
) -> list[set[int]]:
    """Everyone split into windows of equal size (at most ``WINDOW``) of people who are
    close in the candidate graph: from a random start, breadth first along the best
    candidates, each person together with their current partner (so every current pair
    lies in one window, and the window's own matching can only improve it)."""
    size = math.ceil(len(people) / math.ceil(len(people) / WINDOW))
    starts = list(people)
    rng.shuffle(starts)
    placed: set[int] = set()
    windows = []
    for start in starts:
        if start in placed:
            continue
        window: set[int] = set()
        queue = deque([start])
        while queue and len(window) < size - 1:
            i = queue.popleft()
            if i in placed:
                continue
            for person in (i, mate.get(i)):
                if person is not None and person not in placed:
                    placed.add(person)
                    window.add(person)
                    queue.extend(j for j in adjacent[person] if j not in placed)
        windows.append(window)
    return windows


class _Graph(nx.Graph):
    """networkx's Graph, but ``G[v]`` is the plain adjacency dict instead of a read-only
    view. The blossom algorithm reads every edge weight through ``G[v][w]`` (its
    ``slack``), millions of times in a large round; the views took a third of its time."""

    def __getitem__(self, n: int) -> dict[int, dict[str, int]]:
        return self._adj[n]  # type: ignore[no-any-return]


def _blossom(edges: Edges, chosen: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """networkx's maximum-weight matching over the ``chosen`` edges (added in that order:
    the seed's order, which decides between equally good matchings)."""
    if not chosen:
        return []
    # maxcardinality=True picks the best among the matchings with the most pairs; every
    # such matching has the same number of pairs, so adding a constant to every weight
    # changes nothing but keeps them positive (scores can be ≤ 0 after a penalty).
    low = min(edges[e] for e in chosen)
    graph = _Graph()
    graph.add_weighted_edges_from((i, j, edges[(i, j)] - low + 1) for i, j in chosen)
    mate = nx.max_weight_matching(graph, maxcardinality=True)
    return sorted((min(u, v), max(u, v)) for u, v in mate)


def _greedy(edges: Edges, seed: int) -> list[tuple[int, int]]:
    rank = {e: n for n, e in enumerate(_edge_order(edges, seed))}
    taken: set[int] = set()
    pairs = []
    for i, j in sorted(edges, key=lambda e: (-edges[e], rank[e])):
        if i not in taken and j not in taken:
            taken.update((i, j))
            pairs.append((i, j))
    return sorted(pairs)
