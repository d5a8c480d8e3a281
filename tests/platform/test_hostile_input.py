"""Bad input for the Platform Vernieuwen Doen We Samen (hypothesis, through the real router
on a real SQLite file, with the harness of ``tests/test_property_inputs.py``).

Garbage ``pl:`` payloads, buttons of someone else's profile, group or request, garbage
rounds, searches, never-lists and tags, and members who are no organizers using the
organizer commands: every answer is a short message, never a failure: no ERROR is logged,
no reply is the "something went wrong" message or a traceback, every reply fits Telegram
and Discord, and an input that was refused left every table as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.clock import utcnow
from bot.core.types import ButtonPress
from cogs.platform import PlatformModule
from cogs.platform.actions import ARITY, Verb
from cogs.platform.profiles import ProfileDraft
from cogs.platform.service import PlatformService
from tests.platform.test_rounds import TAGS
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
NOT_ORGANIZERS = ("gast", "anna", "sam", "nina")
"""A guest, two members with a profile, someone half-way through registering."""


@pytest.fixture(name="harness")
def _harness(request: pytest.FixtureRequest) -> Harness:
    found: Harness = request.getfixturevalue("property_harness")
    return found


@dataclass
class World:
    anna_profile: int
    sam_profile: int
    org_profile: int
    """An organization sam speaks for."""
    group: int
    """anna and sam, introduced in a matched round."""
    matched: int
    planned: int
    request: int
    """olga asked sam to meet."""


def service_of(harness: Harness) -> PlatformService:
    module = next(module for module in harness.app.modules if module.name == "platform")
    assert isinstance(module, PlatformModule)
    return module.service


def member_id(harness: Harness, user: str) -> int:
    found = harness.run(harness.app.members.service.caller(harness.identity(user))).member_id
    assert isinstance(found, int)
    return found


@pytest.fixture
def world(harness: Harness) -> World:
    service = service_of(harness)
    for code, label in TAGS.items():
        harness.run(service.profiles.put_tag(code, label))

    def own(user: str, offers: str, needs: str) -> int:
        draft = ProfileDraft(
            offers=(offers,), needs=(needs,), offer_text=f"{user} helpt.", region="utrecht"
        )
        return int(harness.run(service.profiles.save_own(member_id(harness, user), draft)).id)

    anna, sam = member_id(harness, "anna"), member_id(harness, "sam")
    anna_profile = own("anna", "financiering", "mentoring")
    sam_profile = own("sam", "mentoring", "financiering")
    own("olga", "scholing", "cooperatie")
    org = harness.run(
        service.profiles.create_organization(
            sam,
            ProfileDraft(offers=("juridisch-advies",), needs=("scholing",), name="Broodfonds Oost"),
        )
    )
    matched = harness.run(
        service.plan(utcnow() + timedelta(days=3), repeat_weeks=None, seed=1, created_by="t")
    )
    harness.run(service.ask({"round": matched.id}))
    harness.run(service.answer(matched.id, anna, True))
    harness.run(service.answer(matched.id, sam, True))
    harness.run(service.match({"round": matched.id}))
    (group,) = harness.run(service._repo.groups(round_id=matched.id))
    assert {member.profile_id for member in group.members} >= {anna_profile, sam_profile}
    planned = harness.run(
        service.plan(utcnow() + timedelta(days=20), repeat_weeks=4, seed=2, created_by="t")
    )
    request = harness.run(service.request(member_id(harness, "olga"), sam_profile))
    return World(anna_profile, sam_profile, org.id, group.id, matched.id, planned.id, request.id)


def press(harness: Harness, user: str, action: str) -> ButtonPress:
    return harness.press(user, action)






# -- buttons -------------------------------------------------------------------------------------

JUNK = st.one_of(
    NASTY_NUMBERS,
    st.sampled_from([HUGE, "9" * 90, "", "1:2", "😀", "-0", "-5", " 1", "1 ", "0x1", "1e3", "٣"]),
    st.text(max_size=20),
)


def test_garbage_platform_payloads_get_a_short_answer(harness: Harness, world: World) -> None:
    @settings(EXAMPLES, max_examples=60)
    @given(
        user=st.sampled_from(("gast", "anna", "olga", "nina", "ada")),
        verb=st.one_of(st.sampled_from([verb.value for verb in Verb]), st.text(max_size=6)),
        parts=st.lists(JUNK, min_size=0, max_size=3),
    )
    def pressed(user: str, verb: str, parts: list[str]) -> None:
        action = ":".join(["pl", verb, *parts])[:100]
        short(harness.send(press(harness, user, action)))

    pressed()


def test_a_junk_number_or_an_extra_part_on_every_verb_is_refused(
    harness: Harness, world: World
) -> None:
    for verb in Verb:
        junk = (
            [HUGE, "0", "-1", "abc", "😀", "9" * 95, "1:1", "1:" + HUGE]
            if ARITY[verb]
            else ["1", HUGE, "x"]
        )
        for part in junk:
            for user in ("gast", "anna", "olga"):
                action = f"pl:{verb.value}:{part}"[:100]
                refused(
                    harness,
                    press(harness, user, action),
                    "" if user == "gast" else "no longer works",
                )
    for user in ("anna", "olga"):
        refused(harness, press(harness, user, "pl"), "no longer works")
        refused(harness, press(harness, user, "pl:"), "no longer works")


def test_buttons_of_someone_elses_profile_are_refused(harness: Harness, world: World) -> None:
    profile_verbs = (Verb.EDIT, Verb.PAUSE, Verb.RESUME, Verb.REJOIN, Verb.DELETE, Verb.DELETE_YES)
    for verb in profile_verbs:
        for user, profile in (
            ("olga", world.anna_profile),
            ("anna", world.sam_profile),
            ("anna", world.org_profile),
            ("ada", world.anna_profile),
        ):
            refused(harness, press(harness, user, f"pl:{verb.value}:{profile}"), "not yours")
        refused(harness, press(harness, "anna", f"pl:{verb.value}:99999"), "no profile with number")
    # Guests and members without a profile get the same answer, and nobody is told more.
    refused(harness, press(harness, "gast", f"pl:del:{world.anna_profile}"))
    # sam still speaks for his organization: his own buttons work.
    assert not harness.send(press(harness, "sam", f"pl:pause:{world.org_profile}"))[0].refusal


def test_buttons_of_a_group_or_request_one_is_not_in_are_refused(
    harness: Harness, world: World
) -> None:
    for verb in (Verb.WANT, Verb.MET_YES, Verb.MET_PLANNED, Verb.MET_NO):
        for user in ("olga", "ada"):
            refused(harness, press(harness, user, f"pl:{verb.value}:{world.group}"), "not for you")
        refused(harness, press(harness, "anna", f"pl:{verb.value}:99999"), "no longer exists")
    for verb in (Verb.ACCEPT, Verb.DECLINE):
        for user in ("anna", "olga", "ada"):  # olga asked; only sam answers
            refused(
                harness, press(harness, user, f"pl:{verb.value}:{world.request}"), "not for you"
            )
        refused(harness, press(harness, "sam", f"pl:{verb.value}:99999"), "no longer exists")
    # sam answers once; a second press is refused.
    assert not harness.send(press(harness, "sam", f"pl:dec:{world.request}"))[0].refusal
    refused(
        harness, press(harness, "sam", f"pl:acc:{world.request}"), "answered this request already"
    )
    # A round that was matched or never existed takes no answers.
    refused(harness, press(harness, "anna", f"pl:join:{world.matched}"), "matched already")
    refused(harness, press(harness, "anna", f"pl:join:{HUGE[:18]}"), "no round with number")
    # Asking oneself, or a profile one speaks for, to meet.
    refused(harness, press(harness, "sam", f"pl:req:{world.org_profile}"), "your own profile")
    refused(harness, press(harness, "anna", f"pl:never:{world.anna_profile}"), "your own profile")


# -- commands ------------------------------------------------------------------------------------

ROUND_TEXTS = st.one_of(
    st.sampled_from(
        [
            "0001-01-01 10:00",
            "1-1-1",
            "9999-12-31 23:59",
            "9999-12-31",
            "31-12-9999 10:00",
            "2199-12-31 23:59 elke 4 weken",
            "2000-01-01 10:00",
            "2027-02-30 10:00",
            "2027-02-01 25:61",
            "2027-02-01 10:00 elke 999 weken",
            "2027-02-01 10:00 elke 0 weken",
            "2027-02-01 10:00 elke 53 weken",
            "2027-02-01 10:00 elke -1 weken",
            "2027-02-01 10:00 elke ٣ weken",
            "2027-02-01 10:00 elke 9999 weken",
            "2027-02-01 10:00 every 999 weeks",
            "elke 4 weken",
            "elke 999 weken",
            "😀",
            "🎉" * 60,
            "2027-02-01 😀",
            "２０２７-02-01 10:00",
            "2027-02-01 10:00+99:00",
            HUGE,
        ]
    ),
    ARGUMENTS,
)


def test_garbage_rounds_are_refused(harness: Harness, world: World) -> None:
    service = service_of(harness)
    before = len(harness.run(service.rounds()))

    @settings(EXAMPLES, max_examples=40)
    @given(text=ROUND_TEXTS)
    def planned(text: str) -> None:
        replies = harness.send(harness.text("olga", f"/ronde_nieuw {text}"))
        short(replies)

    planned()
    for text in ("0001-01-01 10:00", "9999-12-31 23:59", "2027-02-01 10:00 elke 999 weken", "😀"):
        refused(harness, harness.text("olga", f"/ronde_nieuw {text}"))
    assert len(harness.run(service.rounds())) >= before


ORGANIZER_NUMBERS = [
    f"/ronde_proef {HUGE}",
    f"/ronde_proef 1 {HUGE}",
    "/ronde_proef 0",
    "/ronde_proef -1",
    "/ronde_proef 99999",
    "/ronde_proef 😀",
    "/ronde_proef 1 -5",
    f"/ronde_stats {HUGE}",
    "/ronde_stats 99999",
    "/ronde_stats 0",
    f"/ronde_annuleer {HUGE}",
    "/ronde_annuleer 99999",
    "/ronde_annuleer abc",
]


def test_odd_round_numbers_are_refused(harness: Harness, world: World) -> None:
    for text in ORGANIZER_NUMBERS:
        refused(harness, harness.text("olga", text))
    refused(
        harness, harness.text("olga", f"/ronde_annuleer {world.matched}"), "cannot be cancelled"
    )
    # A huge seed for a real round is a dry run all the same: short, nothing stored.
    dry = harness.send(harness.text("olga", f"/ronde_proef {world.planned} 99999999999999999999"))
    short(dry)
    assert harness.run(service_of(harness)._repo.groups(round_id=world.planned)) == []


def test_searches_of_every_shape_get_a_short_answer(harness: Harness, world: World) -> None:
    refused(harness, harness.text("anna", "/zoek x"), "/zoek")
    refused(harness, harness.text("anna", "/zoek 😀"), "/zoek")
    short(harness.send(harness.text("anna", "/zoek " + "😀" * 300)))
    short(harness.send(harness.text("anna", "/zoek " + "😀" * 301)))
    short(harness.send(harness.text("anna", "/zoek " + "👩‍👩‍👧‍👦" * 300)))

    @settings(EXAMPLES, max_examples=30)
    @given(user=st.sampled_from(("gast", "anna", "ada", "nina")), text=TOKEN)
    def searched(user: str, text: str) -> None:
        short(harness.send(harness.text(user, f"/zoek {text}")))

    searched()


def test_never_lists_and_snoozes_refuse_nonsense(harness: Harness, world: World) -> None:
    refused(harness, harness.text("anna", f"/nooit {world.anna_profile}"), "your own profile")
    refused(harness, harness.text("sam", f"/nooit {world.org_profile}"), "your own profile")
    refused(harness, harness.text("anna", f"/nooit_weg {world.anna_profile}"), "your own profile")
    for text in (
        f"/nooit {HUGE}",
        "/nooit 0",
        "/nooit -1",
        "/nooit 99999",
        "/nooit 😀",
        "/nooit_weg 99999",
    ):
        refused(harness, harness.text("anna", text))
    for text in (
        "/platform_pauze_tot 0001-01-01",
        "/platform_pauze_tot 9999-12-31",
        "/platform_pauze_tot 😀",
    ):
        refused(harness, harness.text("anna", text))
    refused(harness, harness.text("ada", "/platform_pauze_tot 2099-01-01"), "/platform")


BAD_TAG_CODES = [
    "A",
    "ab",
    "a b",
    "x y",
    "😀",
    "-abc",
    "abc-",
    "a" * 41,
    "zzp_pensioen",
    "zzp.pensioen",
    "٣٣٣",
    "ａｂｃ",
    "abc\u200b",
    "<b>x</b>",
]


def test_bad_tag_codes_and_labels_are_refused(harness: Harness, world: World) -> None:
    for code in BAD_TAG_CODES:
        refused(harness, harness.text("olga", f"/platform_tag {code} Een label"))
    for label in ("😀" * 61, "a" * 61):
        refused(harness, harness.text("olga", f"/platform_tag goede-code {label}"))
    refused(harness, harness.text("olga", "/platform_tag goede-code"))


ORGANIZER_COMMANDS = [
    "/ronde_nieuw 2027-02-01 10:00 elke 4 weken",
    "/rondes",
    "/ronde_proef 1",
    "/ronde_proef 1 5",
    "/ronde_stats 1",
    "/ronde_annuleer 2",
    "/platform_tag nieuwe-tag Nieuw",
    "/round_new 2027-02-01 10:00",
    "/rounds",
]


def test_organizer_commands_are_refused_to_everyone_else(harness: Harness, world: World) -> None:
    for user in NOT_ORGANIZERS:
        for text in ORGANIZER_COMMANDS:
            refused(harness, harness.text(user, text))


# -- the profile conversations -------------------------------------------------------------------

STEPS = (
    "name",
    "kind",
    "what",
    "website",
    "offers",
    "needs",
    "offer_text",
    "need_text",
    "region",
    "mode",
    "confirm",
    "change",
)
VALUES = st.one_of(
    TOKEN,
    st.sampled_from(
        [
            "!next",
            "!skip",
            "!keep",
            "!none",
            "~0000000000",
            "~",
            "save",
            "change",
            "cancel",
            "back",
            "both",
        ]
    ),
    st.sampled_from(list(TAGS)),
)


def test_garbage_in_the_profile_conversations_gets_a_short_answer(
    harness: Harness, world: World
) -> None:
    """ada has no profile: /platform starts her personal one, Nieuw organisatieprofiel an
    organization's; whatever she types or presses, the answer is short and clean."""

    @settings(EXAMPLES, max_examples=50)
    @given(
        start=st.sampled_from(["/platform", "pl:org", "pl:own", None]),
        flow=st.sampled_from(["platform_profile", "platform_org", "x"]),
        step=st.one_of(st.sampled_from(STEPS), st.text(max_size=8)),
        value=VALUES,
        typed=st.booleans(),
    )
    def answered(start: str | None, flow: str, step: str, value: str, typed: bool) -> None:
        if start == "/platform":
            short(harness.send(harness.text("ada", start)))
        elif start is not None:
            short(harness.send(press(harness, "ada", start)))
        if typed:
            short(harness.send(harness.text("ada", value)))
        else:
            short(harness.send(press(harness, "ada", f"cv:{flow}:{step}:{value}"[:100])))

    answered()
