"""Bad input for the Meetlat (hypothesis, through the real router on a real SQLite file,
with the harness of ``tests/test_property_inputs.py``).

Garbage ``ml:`` and ``mlo:`` payloads, organizer buttons pressed by members, answers that
do not fit the rating and proposal conversations (a 6 for a criterion, a forged button of
another step, a note of 501 characters, a website that is not https), search texts with
SQL wildcards, dates in the year 1 and 9999 for a method, numbers beyond 64 bits: every
answer is a short message, never a failure, and a refused input leaves every table as it
was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.clock import utcnow
from cogs.meetlat import MeetlatModule
from cogs.meetlat.actions import ORGANIZER_ARITY, OrganizerVerb, Verb
from cogs.meetlat.service import MeetlatService
from storage.records.meetlat import ItemKind, NewItem
from tests.test_property_inputs import (
    ARGUMENTS,
    EXAMPLES,
    NASTY_NUMBERS,
    TOKEN,
    Harness,
    refused,
    short,
)
from tests.test_property_inputs import harness as property_harness  # noqa: F401  (a fixture)

HUGE = "99999999999999999999"


@pytest.fixture(name="harness")
def _harness(request: pytest.FixtureRequest) -> Harness:
    found: Harness = request.getfixturevalue("property_harness")
    return found


@dataclass
class World:
    item: int
    proposal: int


def service_of(harness: Harness) -> MeetlatService:
    module = next(module for module in harness.app.modules if module.name == "meetlat")
    assert isinstance(module, MeetlatModule)
    return module.service


@pytest.fixture
def world(harness: Harness) -> World:
    service = service_of(harness)
    for code, name in (("flexibiliteit", "Flexibiliteit"), ("autonomie", "Autonomie")):
        harness.run(service.put_criterion(code, name, f"{name}: een uitleg van één regel."))
    harness.run(service.new_method("Versie 1: twee ijkpunten voor de test.", utcnow(), "test"))
    approved = harness.run(service.propose(NewItem("Broodfonds", ItemKind.SERVICE), None, organizer=True, by="t"))
    proposal = harness.run(service.propose(NewItem("Voorstel BV", ItemKind.COMPANY), None, organizer=False, by="t"))
    return World(approved.id, proposal.id)






JUNK = st.one_of(
    NASTY_NUMBERS,
    st.sampled_from([HUGE, "9" * 90, "", "1:2", "😀", "-0", "-5", " 1", "0x1", "1e3", "٣"]),
    st.text(max_size=20),
)


def test_garbage_meetlat_payloads_get_a_short_answer(harness: Harness, world: World) -> None:
    verbs = [verb.value for verb in Verb] + [verb.value for verb in OrganizerVerb]

    @settings(EXAMPLES, max_examples=60)
    @given(
        user=st.sampled_from(("gast", "anna", "olga", "nina", "sam")),
        prefix=st.sampled_from(("ml", "mlo")),
        verb=st.one_of(st.sampled_from(verbs), st.text(max_size=6)),
        parts=st.lists(JUNK, max_size=3),
    )
    def pressed(user: str, prefix: str, verb: str, parts: list[str]) -> None:
        short(harness.send(harness.press(user, ":".join([prefix, verb, *parts])[:100])))

    pressed()


def test_organizer_buttons_are_refused_to_members_and_junk_numbers_to_everyone(harness: Harness, world: World) -> None:
    for verb in OrganizerVerb:
        assert ORGANIZER_ARITY[verb] == 1
        for user in ("anna", "sam", "gast"):
            refused(harness, harness.press(user, f"mlo:{verb.value}:{world.proposal}"))
        for part in (HUGE, "0", "-1", "abc", "😀", "1:1"):
            refused(harness, harness.press("olga", f"mlo:{verb.value}:{part}"), "no longer works")
    for verb in Verb:
        for part in (HUGE, "0", "-1", "😀", "1:1"):
            refused(harness, harness.press("anna", f"ml:{verb.value}:{part}"), "no longer works")
    # A proposal cannot be rated before it is approved; an unknown item neither.
    refused(harness, harness.press("anna", f"ml:rate:{world.proposal}"), "no item with number")
    refused(harness, harness.press("anna", "ml:rate:99999"), "no item with number")


def test_answers_that_do_not_fit_the_rating_are_refused_and_nothing_is_stored(harness: Harness, world: World) -> None:
    service = service_of(harness)
    harness.reach("anna", [("text", "/meetlat Broodfonds"), ("button", "cv:meetlat_rate:used:yes"), ("button", "cv:meetlat_rate:works:no")])
    for forged in ("cv:meetlat_rate:c0:6", "cv:meetlat_rate:c0:0", f"cv:meetlat_rate:c0:{HUGE}", "cv:meetlat_rate:c0:😀", "cv:meetlat_rate:c0:4.5", "cv:meetlat_rate:c0:"):
        refused(harness, harness.press("anna", forged))
    refused(harness, harness.press("anna", "cv:meetlat_rate:c1:4"), "earlier question")  # another step
    for typed in ("6", "vijf", "５", "4.0"):
        refused(harness, harness.text("anna", typed), "buttons 1 to 5")
    harness.reach("anna", [("button", "cv:meetlat_rate:c0:4"), ("button", "cv:meetlat_rate:c1:skip")])
    refused(harness, harness.text("anna", "x" * 501), "500")
    assert harness.run(service.own_rating(world.item, 1)) is None
    harness.reach("anna", [("text", "😀" * 500)])
    member = harness.run(harness.app.members.service.caller(harness.identity("anna"))).member_id
    stored = harness.run(service.own_rating(world.item, member))
    assert stored is not None and stored.note == "😀" * 500 and len(stored.scores) == 1


def test_answers_that_do_not_fit_a_proposal_are_refused(harness: Harness, world: World) -> None:
    harness.reach("anna", [("text", "/meetlat_voorstel")])
    refused(harness, harness.text("anna", "x" * 121), "120")
    harness.reach("anna", [("text", "Nieuw 😀 Bedrijf")])
    refused(harness, harness.press("anna", "cv:meetlat_propose:kind:ruimteschip"), "buttons")
    harness.reach("anna", [("button", "cv:meetlat_propose:kind:bedrijf")])
    for website in ("javascript:alert(1)", "http://example.org", "https:// spatie", "https://" + "a" * 400):
        refused(harness, harness.text("anna", website))
    harness.reach("anna", [("button", "cv:meetlat_propose:website:skip")])
    refused(harness, harness.text("anna", "s" * 61), "60")
    harness.reach("anna", [("text", "{a: [b, {c: d}]}"), ("button", "cv:meetlat_propose:confirm:yes")])
    proposals = harness.run(service_of(harness).proposals())
    assert sorted(p.name for p in proposals) == ["Nieuw 😀 Bedrijf", "Voorstel BV"]
    assert next(p for p in proposals if p.name.startswith("Nieuw")).sector == "{a: [b, {c: d}]}"  # a sector is plain text, never parsed


COMMANDS = [
    f"/meetlat_score {HUGE}",
    "/meetlat_score 0",
    "/meetlat_score %",
    "/meetlat_score _",
    "/meetlat_score \\",
    "/meetlat_score 😀",
    f"/meetlat_reactie {HUGE} hallo daar",
    "/meetlat_reactie 1 x",
    f"/meetlat_bezwaar {HUGE} dit klopt niet omdat",
    "/meetlat_bezwaar 99999 dit klopt niet omdat",
]
ORGANIZER_COMMANDS = [
    "/meetlat_methode_nieuw 0001-01-01 Een methode die nooit kan gelden.",
    "/meetlat_methode_nieuw 9999-12-31 Een methode die nooit kan gelden.",
    "/meetlat_methode_nieuw 2027-02-30 Een methode op een dag die niet bestaat.",
    "/meetlat_methode_nieuw 2099-01-01 kort",
    "/meetlat_criterium X",
    "/meetlat_criterium a Naam | uitleg",
    "/meetlat_criterium geldig-maar-zonder-streep Naam zonder streep",
    "/meetlat_criterium onbekend uit",
    "/meetlat_criterium 😀 Naam | Een regel uitleg",
    f"/meetlat_uitspraak {HUGE} toegewezen Omdat het zo is.",
    "/meetlat_uitspraak 1 misschien Omdat het zo is.",
    "/meetlat_uitspraak 99999 afgewezen Omdat het zo is.",
    f"/meetlat_sponsor 1 {HUGE}",
    "/meetlat_sponsor 1 99999",
    "/meetlat_sponsor 99999 0",
    f"/meetlat_contact 1 {HUGE}",
    "/meetlat_contact 1 99999",
    "/meetlat_intrekken 1 Geen keurmerk om in te trekken.",
    "/meetlat_intrekken 1 x",
    f"/meetlat_beheer {HUGE}",
    "/meetlat_beheer 99999",
    "/meetlat_export",
    "/meetlat_publiceer",
]


def test_odd_commands_are_refused(harness: Harness, world: World) -> None:
    for text in COMMANDS:
        refused(harness, harness.text("anna", text))
    for text in ORGANIZER_COMMANDS:
        refused(harness, harness.text("olga", text))
    for text in ORGANIZER_COMMANDS[:3]:
        refused(harness, harness.text("anna", text), "Only organizers")
    # The method that applies is still version 1, with its two criteria.
    method = harness.run(service_of(harness).method_now())
    assert method is not None and method.version == 1 and len(method.criteria) == 2


def test_any_arguments_to_the_meetlat_commands_get_a_short_answer(harness: Harness, world: World) -> None:
    names = ["meetlat", "meetlat_score", "meetlat_ranglijst", "meetlat_reactie", "meetlat_bezwaar", "meetlat_criterium", "meetlat_methode_nieuw", "meetlat_beheer", "meetlat_uitspraak"]

    @settings(EXAMPLES, max_examples=60)
    @given(user=st.sampled_from(("gast", "anna", "olga", "sam")), name=st.sampled_from(names), args=st.one_of(ARGUMENTS, TOKEN))
    def typed(user: str, name: str, args: str) -> None:
        short(harness.send(harness.text(user, f"/{name} {args}")))
        harness.send(harness.text(user, "/stop"))

    typed()
