"""The matching round (issue 14): a pure function, tested without database or chat.

Units for the score (tags both ways, text, region, the fading penalty), for what is never
allowed (never-lists both ways, the last three rounds, no way to meet) and for small
rounds (0 to 3 people, a trio, who is left out and why); hypothesis for the invariants on
random rounds: everyone exactly once, pairs and at most one trio, no forbidden pair, the
same plan for the same seed, and never worse than the greedy pairing.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.platform import matching
from cogs.platform.matching import (
    MET_PENALTY,
    NO_REPEAT_ROUNDS,
    REGION_BONUS,
    TAG_MATCH,
    TEXT_WEIGHT,
    History,
    LeftOut,
    Participant,
    RoundPlan,
    TextModel,
    allowed,
    greedy_round,
    plan_round,
    score,
    words,
)

TAGS = ("financiering", "mentoring", "werving", "scholing", "juridisch advies", "zzp-pensioen")
WORDS = ("pensioen", "café", "één", "coöperatie", "fiets", "bakker", "schilder", "de", "en", "ik")
REGIONS = (None, "Utrecht", "Zeeland", "Limburg")


def person(pid: int, **fields: object) -> Participant:
    return Participant(pid, **fields)  # type: ignore[arg-type]


def everyone_once(people: list[Participant], plan: RoundPlan) -> None:
    seen = [i for g in plan.groups for i in g.ids] + [o.id for o in plan.left_out]
    assert sorted(seen) == sorted(p.id for p in people)


def members(plan: RoundPlan) -> set[frozenset[int]]:
    return {frozenset(g.ids) for g in plan.groups}


# --- the score -------------------------------------------------------------------------


def test_offer_need_matches_count_both_ways_and_are_named_for_the_intro() -> None:
    a = person(1, offers=frozenset({"financiering", "werving"}), needs=frozenset({"mentoring"}))
    b = person(2, offers=frozenset({"mentoring"}), needs=frozenset({"financiering"}))
    found = score(a, b)
    assert found.shared == ("financiering", "mentoring")
    assert found.total == pytest.approx(2 * TAG_MATCH)
    assert score(b, a).total == found.total
    # Offering what the other also offers, or needing what they need, is no match.
    c = person(3, offers=frozenset({"financiering"}), needs=frozenset({"mentoring"}))
    assert score(a, c).shared == ()
    assert score(a, c).total == 0.0


def test_text_similarity_tf_idf_over_dutch_words() -> None:
    assert words("De Coöperatie en één café, zzp-pensioen!") == [
        "coöperatie", "één", "café", "zzp", "pensioen",
    ]  # fmt: skip
    model = TextModel.fit(
        ["ik zoek een fietsenmaker", "fietsenmaker in Zwolle", "bakker in Zwolle", "de en het"]
    )
    assert model.similarity("ik zoek een fietsenmaker", "fietsenmaker in Zwolle") > 0
    assert model.similarity("Fietsenmaker", "fietsenmaker") == pytest.approx(1.0)
    # Only stop words in common: nothing shared.
    assert model.similarity("ik ben de bakker", "ik ben de schilder") == 0.0
    assert model.similarity("", "fietsenmaker") == 0.0
    # A rare shared word says more than a common one.
    rare = model.similarity("fietsenmaker bakker", "fietsenmaker")
    common = model.similarity("fietsenmaker bakker", "zwolle bakker zwolle")
    assert 0 < common < 1 and 0 < rare < 1
    a, b = person(1, text="fietsenmaker zwolle"), person(2, text="fietsenmaker utrecht")
    assert score(a, b, text_model=model).text == pytest.approx(model.similarity(a.text, b.text))
    assert 0 < score(a, b).total <= TEXT_WEIGHT


def test_region_counts_only_when_both_meet_in_person() -> None:
    both = {"online": True, "in_person": True}
    a = person(1, region="Utrecht", **both)
    assert score(a, person(2, region="Utrecht", **both)).region is True
    assert score(a, person(2, region="Utrecht", **both)).total == REGION_BONUS
    assert score(a, person(2, region="Zeeland", **both)).region is False
    assert score(a, person(2, region="Utrecht", online=True, in_person=False)).region is False
    assert score(person(1), person(2)).region is False  # no region at all


def test_the_penalty_for_having_met_fades() -> None:
    a = person(1, offers=frozenset({"werving"}))
    b = person(2, needs=frozenset({"werving"}))
    totals = []
    for since in (4, 5, 6, 10):
        history = History({frozenset((1, 2)): 20 - since}, current_round=20)
        found = score(a, b, history)
        assert found.penalty == pytest.approx(MET_PENALTY * 0.5 ** max(since - 4, 0))
        totals.append(found.total)
    assert totals == sorted(totals) and len(set(totals)) == len(totals)
    assert score(a, b, History({}, 20)).total == TAG_MATCH > totals[-1]


def test_what_is_never_allowed() -> None:
    online, in_person = person(1), person(2, online=False, in_person=True)
    both = person(3, online=True, in_person=True)
    assert not allowed(online, in_person) and not allowed(in_person, online)
    assert allowed(online, both) and allowed(in_person, both)
    assert not allowed(online, online)  # oneself
    never = person(4, never=frozenset({5}))
    assert not allowed(never, person(5)) and not allowed(person(5), never)
    for since in range(1, NO_REPEAT_ROUNDS + 1):
        history = History({frozenset((1, 3)): 10 - since}, current_round=10)
        assert not allowed(online, both, history)
    assert allowed(online, both, History({frozenset((1, 3)): 10 - NO_REPEAT_ROUNDS - 1}, 10))
    assert allowed(online, both, History({frozenset((1, 4)): 9}, 10))


def test_history_after_a_round() -> None:
    plan = plan_round([person(i) for i in range(1, 6)], History({}, 3), seed=1)
    after = History({}, 3).after(plan)
    assert after.current_round == 4
    trio = plan.trio
    assert trio is not None
    for a, b in itertools.combinations(trio.ids, 2):
        assert after.rounds_since(a, b) == 1
    assert len(after.met) == 3 + 1


# --- small rounds ------------------------------------------------------------------------


def test_nobody_and_one_person() -> None:
    assert plan_round([], seed=1) == RoundPlan((), (), 0.0)
    alone = plan_round([person(7)], seed=1)
    assert alone.groups == () and alone.left_out == (LeftOut(7, "alone"),)


def test_two_people() -> None:
    plan = plan_round([person(2), person(1)], seed=1)
    assert [g.ids for g in plan.groups] == [(1, 2)] and plan.left_out == ()
    apart = plan_round([person(1), person(2, online=False, in_person=True)], seed=1)
    assert apart.groups == ()
    assert apart.left_out == (LeftOut(1, "no_allowed_partner"), LeftOut(2, "no_allowed_partner"))
    recent = plan_round([person(1), person(2)], History({frozenset((1, 2)): 9}, 10), seed=1)
    assert {o.reason for o in recent.left_out} == {"no_allowed_partner"}


def test_three_people_make_a_trio_or_say_why_not() -> None:
    plan = plan_round([person(1), person(2), person(3)], seed=1)
    assert [g.ids for g in plan.groups] == [(1, 2, 3)] and plan.left_out == ()
    # 3 may meet 1 but not 2: no trio; 3 is the odd one out (or 1 is, and 3 pairs).
    star = plan_round([person(1), person(2), person(3, never=frozenset({2}))], seed=1)
    assert len(star.groups) == 1 and len(star.groups[0].ids) == 2
    assert [o.reason for o in star.left_out] == ["odd_one_out"]


def test_the_odd_person_joins_the_pair_where_they_add_most() -> None:
    finance = frozenset({"financiering"})
    people = [
        person(1, offers=finance),
        person(2, needs=finance),
        person(3, offers=frozenset({"werving"})),
        person(4, needs=frozenset({"werving"})),
        person(5, needs=finance, never=frozenset({4})),
    ]
    plan = plan_round(people, seed=3)
    assert sorted(g.ids for g in plan.groups) == [(1, 2, 5), (3, 4)]
    trio = plan.trio
    assert trio is not None
    by_id = {p.id: p for p in people}
    model = TextModel.fit(p.text for p in people)
    assert trio.score == pytest.approx(
        sum(score(by_id[a], by_id[b], text_model=model).total for a, b in [(1, 2), (1, 5), (2, 5)])
    )
    assert trio.shared == ("financiering",)


def test_offer_need_matches_are_preferred() -> None:
    people = [
        person(1, offers=frozenset({"juridisch advies"})),
        person(2),
        person(3),
        person(4, needs=frozenset({"juridisch advies"})),
    ]
    for seed in range(5):
        plan = plan_round(people, seed=seed)
        assert members(plan) == {frozenset((1, 4)), frozenset((2, 3))}
        assert plan.total_score == pytest.approx(TAG_MATCH)


def test_as_many_people_as_possible_are_paired() -> None:
    """1-2 scores high, but pairing 1-2 would leave 3 and 4 (who may only meet 1 and 2)."""
    tag = frozenset({"scholing"})
    people = [
        person(1, offers=tag),
        person(2, needs=tag),
        person(3, never=frozenset({2, 4})),
        person(4, never=frozenset({1})),
    ]
    plan = plan_round(people, seed=1)
    assert members(plan) == {frozenset((1, 3)), frozenset((2, 4))} and plan.left_out == ()


def test_a_fixed_seed_gives_the_same_plan_and_seeds_decide_ties() -> None:
    people = [person(i) for i in range(1, 21)]  # all scores equal: only the seed decides
    assert plan_round(people, seed=42) == plan_round(list(reversed(people)), seed=42)
    plans = {tuple(g.ids for g in plan_round(people, seed=s).groups) for s in range(8)}
    assert len(plans) > 1
    greedy = {tuple(g.ids for g in greedy_round(people, seed=s).groups) for s in range(8)}
    assert len(greedy) > 1


def test_first_question_seed_is_fixed_by_seed_and_members() -> None:
    people = [person(1), person(2)]
    one, again = plan_round(people, seed=5), plan_round(people, seed=5)
    assert one.groups[0].first_question_seed == again.groups[0].first_question_seed
    assert len({plan_round(people, seed=s).groups[0].first_question_seed for s in range(6)}) > 1


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        plan_round([person(1), person(1)], seed=1)
    with pytest.raises(ValueError):
        plan_round([person(1), person(2)], seed=1, candidates_per_person=0)


def test_pruning_keeps_everyone_matchable() -> None:
    """One candidate per person: two people whose only candidate is taken are still paired."""
    people = [person(i, text="fiets" if i < 5 else "") for i in range(1, 11)]
    plan = plan_round(people, seed=9, candidates_per_person=1)
    assert len(plan.groups) == 5 and plan.left_out == ()


def test_a_large_round_improves_window_by_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rounds above ``EXACT_UP_TO`` people are improved in windows; small ones here."""
    monkeypatch.setattr(matching, "EXACT_UP_TO", 30)
    monkeypatch.setattr(matching, "WINDOW", 24)
    people = random_people(80, seed=4)
    history = History({frozenset((p.id, p.id + 1)): 8 for p in people[::3]}, 10)
    plan = plan_round(people, history, seed=4, candidates_per_person=4)
    greedy = greedy_round(people, history, seed=4, candidates_per_person=4)
    check_plan(people, history, plan)
    assert pairs_in(plan) >= pairs_in(greedy)
    assert plan.total_score > greedy.total_score
    assert plan == plan_round(people, history, seed=4, candidates_per_person=4)


# --- properties on random rounds -----------------------------------------------------------


def random_people(count: int, seed: int) -> list[Participant]:
    import random

    rng = random.Random(seed)
    people = []
    for pid in range(1, count + 1):
        mode = rng.choice(("online", "in_person", "both", "both"))
        people.append(
            Participant(
                pid,
                frozenset(rng.sample(TAGS, rng.randint(0, 2))),
                frozenset(rng.sample(TAGS, rng.randint(0, 2))),
                " ".join(rng.choices(WORDS, k=rng.randint(0, 5))),
                rng.choice(REGIONS),
                mode != "in_person",
                mode != "online",
                frozenset({rng.randint(1, count)}) - {pid} if rng.random() < 0.1 else frozenset(),
            )
        )
    return people


def pairs_in(plan: RoundPlan) -> int:
    return sum(len(g.ids) == 2 for g in plan.groups) + (1 if plan.trio else 0)


def check_plan(people: list[Participant], history: History, plan: RoundPlan) -> None:
    everyone_once(people, plan)
    sizes = [len(g.ids) for g in plan.groups]
    assert set(sizes) <= {2, 3} and sizes.count(3) <= 1
    by_id = {p.id: p for p in people}
    model = TextModel.fit(p.text for p in people)
    for group in plan.groups:
        assert list(group.ids) == sorted(group.ids)
        for a, b in itertools.combinations(group.ids, 2):
            pa, pb = by_id[a], by_id[b]
            assert b not in pa.never and a not in pb.never
            since = history.rounds_since(a, b)
            assert since is None or since > NO_REPEAT_ROUNDS
            assert (pa.online and pb.online) or (pa.in_person and pb.in_person)
        expected = sum(
            score(by_id[a], by_id[b], history, text_model=model).total
            for a, b in itertools.combinations(group.ids, 2)
        )
        assert group.score == pytest.approx(expected)
    assert plan.total_score == pytest.approx(sum(g.score for g in plan.groups))
    assert [o.id for o in plan.left_out] == sorted(o.id for o in plan.left_out)
    out = {o.id: o.reason for o in plan.left_out}
    for pid, reason in out.items():
        others = [p for p in people if p.id != pid]
        can = any(allowed(by_id[pid], p, history) for p in others)
        if len(people) < 2:
            assert reason == "alone"
        elif reason == "no_allowed_partner":
            assert not can
        else:
            assert reason == "odd_one_out" and can
    # Two people left over who may meet would have been paired.
    odd = [by_id[i] for i, reason in out.items() if reason == "odd_one_out"]
    assert not any(allowed(a, b, history) for a, b in itertools.combinations(odd, 2))


@st.composite
def rounds(draw: st.DrawFn, max_people: int = 12) -> tuple[list[Participant], History]:
    ids = draw(st.lists(st.integers(1, 50), max_size=max_people, unique=True))
    people = []
    for pid in ids:
        mode = draw(st.sampled_from(("online", "in_person", "both")))
        people.append(
            Participant(
                pid,
                frozenset(draw(st.lists(st.sampled_from(TAGS), max_size=3))),
                frozenset(draw(st.lists(st.sampled_from(TAGS), max_size=3))),
                " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=5))),
                draw(st.sampled_from(REGIONS)),
                mode != "in_person",
                mode != "online",
                frozenset(draw(st.lists(st.sampled_from(ids), max_size=2))) - {pid},
            )
        )
    met: dict[frozenset[int], int] = {}
    if len(ids) >= 2:
        for a, b, last in draw(
            st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.integers(1, 9)))
        ):
            if a != b:
                met[frozenset((a, b))] = last
    return people, History(met, current_round=10)


@settings(max_examples=80, deadline=None)
@given(rounds(), st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_every_plan_keeps_the_rules(
    case: tuple[list[Participant], History], seed: int, k: int
) -> None:
    people, history = case
    plan = plan_round(people, history, seed=seed, candidates_per_person=k)
    check_plan(people, history, plan)
    assert plan == plan_round(list(reversed(people)), history, seed=seed, candidates_per_person=k)
    greedy = greedy_round(people, history, seed=seed, candidates_per_person=k)
    check_plan(people, history, greedy)
    assert sum(len(g.ids) == 2 for g in plan.groups) + bool(plan.trio) >= sum(
        len(g.ids) == 2 for g in greedy.groups
    ) + bool(greedy.trio)


@settings(max_examples=60, deadline=None)
@given(rounds(max_people=14), st.integers(0, 2**32 - 1))
def test_max_weight_scores_at_least_the_greedy_pairing(
    case: tuple[list[Participant], History], seed: int
) -> None:
    """Everyone may meet everyone (all online, no never-lists, met long ago at most): both
    pair everybody, and the maximum-weight pairs score at least as much as the greedy ones
    (up to the rounding of the weights to ``UNIT``)."""
    people, history = case
    people = [
        Participant(p.id, p.offers, p.needs, p.text, p.region, True, p.in_person) for p in people
    ]
    history = History({pair: 1 for pair in history.met}, history.current_round)
    plan = plan_round(people, history, seed=seed)
    greedy = greedy_round(people, history, seed=seed)
    if len(people) % 2 == 0:
        assert plan.trio is None and plan.left_out == ()
        assert plan.total_score >= greedy.total_score - len(plan.groups) / matching.UNIT
    else:
        assert plan.trio is not None or len(people) == 1
        assert len(plan.left_out) == (1 if len(people) == 1 else 0)
