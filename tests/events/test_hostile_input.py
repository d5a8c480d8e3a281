"""Bad input for events: garbage codes at the door, odd event numbers and button payloads,
buttons pressed twice or meant for someone else, and garbage at every step of
``/evenement_nieuw`` and ``/evenement_wijzig`` (hypothesis, through the real router on a
real SQLite file, with the harness of ``tests/test_property_inputs.py``).

Every answer is a short message, never a failure: no ERROR is logged, no reply is the
"something went wrong" message, every reply fits Telegram and Discord, and an input that
was refused left every table as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.clock import utcnow
from bot.core.types import Attachment, ButtonPress, CommandCall, FileUpload, Incoming, Reply
from cogs.events.actions import Verb
from cogs.events.definition import AUDIENCE_CODES, SESSION_KEYS, TOP_KEYS, VENUE_KEYS
from cogs.events.door import format_code, new_checkin_code
from storage.records.events import SignupState
from tests.events.conftest import event_file
from tests.test_property_inputs import ARGUMENTS, EXAMPLES, NASTY_NUMBERS, TOKEN, Harness, short
from tests.test_property_inputs import harness as property_harness  # noqa: F401  (a fixture)

PER_STEP = settings(EXAMPLES, max_examples=12)
"""Bounded so the whole file runs in seconds."""
FAILURE = "Something went wrong"
SHORT = 400
"""A refusal or a door answer is a sentence or two, whatever came in."""
HUGE = "99999999999999999999999"
MEMBERS = ("gast", "anna", "nina")
"""Not organizers: a guest, a verified member, someone half-way through registering."""

DATES = st.sampled_from(
    [
        "0001-01-01 10:00",
        "1-1-1 1:1",
        "9999-12-31 23:59",
        "2199-12-31 23:59",
        "2200-01-01 00:00",
        "1969-12-31 23:59",
        "2027-02-30 10:00",
        "2027-13-01 10:00",
        "2027-05-11 25:61",
        "2027-03-28 02:30",
        "2026-10-25 02:30",
        "31-12-9999 10:00",
        "2027-05-11",
        "99:99",
        "17:00",
        "0:0",
        ".",
        ":",
        "2027-05-11 10:00+99:00",
        "２０２７-05-11 10:00",
        "2027-05-11 10:00" + "0" * 1500,
    ]
)
HOSTILE = st.one_of(
    TOKEN,
    ARGUMENTS,
    DATES,
    NASTY_NUMBERS,
    st.sampled_from(
        [
            str(10**30),
            "9" * 1500,
            "-" + "9" * 1500,
            "😀" * 1999,
            "👩‍👩‍👧‍👦" * 250,
            "Festival " + "🎉" * 300,
            "https://" + "a" * 600 + ".nl",
            "https://",
            "http://x",
            "javascript:alert(1)",
            "geen",
            "none",
            "no limit",
            "save",
        ]
    ),
)
CODES = st.one_of(
    TOKEN,
    st.sampled_from(
        [
            "9" * 1500,
            "😀" * 500,
            "ci-" + "a" * 26,
            "A" * 26,
            "a" * 25,
            "a" * 27,
            "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GH",
            "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-G9",
            "AAAA BBBB CCCC DDDD EEEE FFFF GG " * 3,
            "-" * 80,
            "\u2014" * 81,
            "١٢٣٤",
            "aaaa\u200baaaa",
        ]
    ),
    st.builds(lambda code: code.upper(), st.text("abcdefghijklmnopqrstuvwxyz234567-", max_size=40)),
)


@pytest.fixture(name="harness")
def _harness(request: pytest.FixtureRequest) -> Harness:
    """The property tests' Werkbot: members of every role, surveys, a registration half-way."""
    found: Harness = request.getfixturevalue("property_harness")
    return found


@dataclass
class Events:
    soon: int
    """Starts within the hour (the door is open), one place: anna goes."""
    later: int
    """A month ahead, one place, a programme: sam was offered the place anna gave up."""
    anna: int
    sam: int
    anna_code: str
    offer: int
    """sam's sign-up with the offered place."""


@pytest.fixture
def events(harness: Harness) -> Iterator[Events]:
    service = harness.app.events.service
    members = harness.app.members.service

    def member(user: str) -> int:
        found = harness.run(members.caller(harness.identity(user))).member_id
        assert isinstance(found, int)
        return found

    anna, sam = member("anna"), member("sam")
    starts = (utcnow() + timedelta(minutes=40)).replace(second=0, microsecond=0)
    soon = harness.run(
        service.import_file(
            event_file(
                title="Ledenavond",
                starts=starts.strftime("%Y-%m-%d %H:%M+00:00"),
                ends=(starts + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M+00:00"),
                capacity=1,
            ),
            "test",
        )
    )
    later_start = starts + timedelta(days=30)
    session_start = later_start + timedelta(hours=1)
    sessions = (
        "sessions:\n"
        "  - title: Workshop\n"
        f"    starts: {session_start:%Y-%m-%d %H:%M}+00:00\n"
        f"    ends: {session_start + timedelta(hours=1):%Y-%m-%d %H:%M}+00:00\n"
        "    capacity: 1\n"
    )
    later = harness.run(
        service.import_file(
            event_file(
                title="Festival",
                starts=later_start.strftime("%Y-%m-%d %H:%M+00:00"),
                ends=(later_start + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M+00:00"),
                capacity=1,
                guest=True,
                sessions=sessions,
            ),
            "test",
        )
    )
    going = harness.run(service.rsvp(soon.id, anna, going=True))
    harness.run(service.rsvp(later.id, anna, going=True))
    harness.run(service.rsvp(later.id, sam, going=True))
    harness.run(service.rsvp(later.id, anna, going=False))
    offered = harness.run(service.signup_of(later.id, sam))
    assert offered is not None and offered.state is SignupState.OFFERED
    yield Events(soon.id, later.id, anna, sam, going.signup.checkin_code, offered.id)


def press(harness: Harness, user: str, action: str) -> ButtonPress:
    return harness.press(user, action)


def unchanged(harness: Harness, event: Incoming) -> list[Reply]:
    """Sent through the harness's checks; every table must be as it was."""
    before = harness.snapshot()
    replies = harness.send(event)
    after = harness.snapshot()
    changed = [table for table in before if before[table] != after.get(table)]
    assert not changed, f"{changed} changed: {[reply.text for reply in replies]}"
    return replies


# -- the door ------------------------------------------------------------------------------------


def test_garbage_codes_at_the_door_get_a_short_answer_and_change_nothing(
    harness: Harness,
    events: Events,
) -> None:
    @settings(EXAMPLES, max_examples=60)
    @given(user=st.sampled_from(("olga", "anna", "gast", "nina")), code=CODES, link=st.booleans())
    def scanned(user: str, code: str, link: bool) -> None:
        text = f"/start ci-{code}" if link else f"/inchecken {code}"
        short(unchanged(harness, harness.text(user, text)), files=False)

    scanned()


def test_the_door_itself(harness: Harness, events: Events) -> None:
    code = format_code(events.anna_code)
    # Members without door duty, and anna with her own code, check nobody in.
    refused = unchanged(harness, harness.text("sam", f"/inchecken {code}"))
    assert "Only the door staff" in refused[0].text and refused[0].refusal
    own = unchanged(harness, harness.text("anna", f"/inchecken {code}"))
    assert "your own check-in code" in own[0].text
    unknown = unchanged(
        harness, harness.text("olga", f"/inchecken {format_code(new_checkin_code())}")
    )
    assert "Unknown code" in unknown[0].text
    # The organizer checks her in once; the second scan says when.
    first = harness.send(harness.text("olga", f"/start ci-{events.anna_code}"))
    assert "Welcome, Lid anna" in first[0].text
    again = unchanged(harness, harness.text("olga", f"/inchecken {code.lower()}"))
    assert "already checked in, at" in again[0].text and again[0].refusal
    # Door staff of the Festival only: a code for the Ledenavond is for another event.
    harness.send(harness.text("olga", f"/deurploeg {events.later} {events.anna}"))
    other = unchanged(harness, harness.text("anna", f"/start ci-{events.anna_code}"))
    assert "your own check-in code" in other[0].text
    service = harness.app.events.service
    ada = harness.run(harness.app.members.service.caller(harness.identity("ada"))).member_id
    assert ada is not None
    waiting = harness.run(service.rsvp(events.soon, ada, going=True)).signup
    elsewhere = unchanged(harness, harness.text("anna", f"/inchecken {waiting.checkin_code}"))
    assert "another event: “Ledenavond”" in elsewhere[0].text and elsewhere[0].refusal
    # The organizer, with a code on the waitlist: not going, not checked in.
    not_going = unchanged(harness, harness.text("olga", f"/inchecken {waiting.checkin_code}"))
    assert "not (or no longer) going" in not_going[0].text
    # A cancelled event: the door says so, rather than "another event".
    harness.send(press(harness, "olga", f"ev:cancel:{events.soon}"))
    off = unchanged(harness, harness.text("olga", f"/inchecken {code}"))
    assert "“Ledenavond” is cancelled" in off[0].text and off[0].refusal


# -- numbers and buttons -------------------------------------------------------------------------


ODD_NUMBERS = [
    f"/evenement {HUGE}",
    f"/evenement -{HUGE}",
    "/evenement 0",
    "/evenement 99999",
    "/evenement 9223372036854775807",
    "/evenement 9223372036854775808",
    "/evenement " + "9" * 1500,
    "/evenement 😀",
    "/evenement 1 2",
    "/evenement",
    "/event ٣",
    f"/evenement_wijzig {HUGE}",
    "/evenement_wijzig 99999",
    f"/evenement_annuleer {HUGE}",
    "/deelnemers 99999",
    "/deurlijst 0",
    f"/deurploeg 1 {HUGE}",
    "/deurploeg 1 99999",
    "/deurploeg 99999 1",
]


def test_odd_event_numbers_are_refused(harness: Harness, events: Events) -> None:
    for text in ODD_NUMBERS:
        for user in ("gast", "anna", "olga"):
            replies = unchanged(harness, harness.text(user, text))
            short(replies, files=False)
            assert all(reply.refusal for reply in replies), (user, text, [r.text for r in replies])


JUNK = st.one_of(
    NASTY_NUMBERS,
    st.sampled_from([HUGE, "9" * 90, "", "1:2:3", "😀", "-0", " 1", "1 ", "0x1", "1e3"]),
    st.text(max_size=20),
)


def test_garbage_button_payloads_get_a_short_answer(harness: Harness, events: Events) -> None:
    @settings(EXAMPLES, max_examples=80)
    @given(
        user=st.sampled_from(("gast", "anna", "olga", "nina")),
        verb=st.one_of(st.sampled_from([verb.value for verb in Verb]), st.text(max_size=6)),
        parts=st.lists(JUNK, min_size=0, max_size=3),
    )
    def pressed(user: str, verb: str, parts: list[str]) -> None:
        action = ":".join(["ev", verb, *parts])[:100]
        replies = harness.send(press(harness, user, action))
        assert replies and FAILURE not in " ".join(r.text for r in replies)

    pressed()


def test_a_junk_id_on_every_verb_is_refused_and_changes_nothing(
    harness: Harness,
    events: Events,
) -> None:
    for verb in Verb:
        for junk in (HUGE, "0", "-1", "abc", "😀", "99999", "9" * 95):
            for user in ("gast", "anna", "olga"):
                action = f"ev:{verb.value}:{junk}" + (":1" if verb is Verb.SESSION else "")
                replies = unchanged(harness, press(harness, user, action[:100]))
                short(replies, files=False)
                assert all(reply.refusal for reply in replies), (action, [r.text for r in replies])


def test_buttons_pressed_twice(harness: Harness, events: Events) -> None:
    service = harness.app.events.service
    # "I'm coming" twice: one sign-up, the same code, the same place.
    first = harness.send(press(harness, "ada", f"ev:go:{events.later}"))
    assert "waitlist, number 1" in first[0].text
    ada = harness.run(harness.app.members.service.caller(harness.identity("ada"))).member_id
    waiting = harness.run(service.signup_of(events.later, ada))
    again = harness.send(press(harness, "ada", f"ev:go:{events.later}"))
    assert "waitlist, number 1" in again[0].text
    still = harness.run(service.signup_of(events.later, ada))
    assert waiting is not None and still is not None
    assert (still.id, still.state, still.position, still.checkin_code) == (
        waiting.id,
        waiting.state,
        waiting.position,
        waiting.checkin_code,
    )
    # "I'm not coming" twice.
    gone = harness.send(press(harness, "ada", f"ev:no:{events.later}"))
    assert "left the waitlist" in gone[0].text
    twice = harness.send(press(harness, "ada", f"ev:no:{events.later}"))
    short(twice, files=False)
    assert "left the waitlist" not in twice[0].text or twice[0].refusal
    # Claiming an offer twice keeps one place.
    claimed = harness.run(service.claim(events.offer, events.sam))
    assert claimed.signup.state is SignupState.GOING
    sam = harness.run(service.claim(events.offer, events.sam))
    assert sam.signup.state is SignupState.GOING
    left, _waiting = harness.run(service.availability(harness.run(service.get(events.later))))
    assert left == 0
    # The cancel button twice: the second press says so and changes nothing.
    cancelled = harness.send(press(harness, "olga", f"ev:cancel:{events.soon}"))
    assert "is cancelled" in cancelled[0].text
    second = unchanged(harness, press(harness, "olga", f"ev:cancel:{events.soon}"))
    assert second[0].refusal and "cancelled already" in second[0].text
    # Signing up for a cancelled event is refused; so are changing and cancelling it again.
    late = unchanged(harness, press(harness, "ada", f"ev:go:{events.soon}"))
    assert late[0].refusal and "cancelled" in late[0].text
    changing = unchanged(harness, harness.text("olga", f"/evenement_wijzig {events.soon}"))
    assert changing[0].refusal and "cannot be changed" in changing[0].text
    cancelling = unchanged(harness, harness.text("olga", f"/evenement_annuleer {events.soon}"))
    assert cancelling[0].refusal and "cancelled already" in cancelling[0].text


def test_an_event_cancelled_while_it_is_being_changed(harness: Harness, events: Events) -> None:
    harness.reach(
        "olga",
        [
            ("text", f"/evenement_wijzig {events.later}"),
            ("button", "cv:event_edit:what:capacity"),
            ("text", "40"),
        ],
    )
    harness.run(harness.app.events.service.cancel(events.later, by="console:ada"))
    ended = harness.send(press(harness, "olga", "cv:event_edit:confirm:yes"))
    assert ended[0].text == f"Event {events.later} is cancelled; it cannot be changed."
    assert harness.run(harness.app.events.service.get(events.later)).capacity == 1
    # The conversation is over: the next text is not taken as an answer.
    after = harness.send(harness.text("olga", "50"))
    assert "cannot be changed" not in after[0].text


def test_someone_elses_offer_is_not_yours(harness: Harness, events: Events) -> None:
    for verb in ("claim", "pass"):
        for user in ("anna", "ada", "olga"):
            replies = unchanged(harness, press(harness, user, f"ev:{verb}:{events.offer}"))
            assert replies[0].refusal and "not for you" in replies[0].text, replies[0].text
    offered = harness.run(harness.app.events.service.signup(events.offer))
    assert offered is not None and offered.state is SignupState.OFFERED
    # Sessions of someone else's sign-up, reminders of an event one never signed up for.
    for action in (
        f"ev:ses:{events.later}:1",
        f"ev:roff:{events.later}",
        f"ev:ron:{events.soon}",
        f"ev:code:{events.later}",
        f"ev:prog:{events.later}",
    ):
        replies = unchanged(harness, press(harness, "ada", action))
        assert replies[0].refusal, (action, replies[0].text)


# -- organizers only -----------------------------------------------------------------------------


ORGANIZER_COMMANDS = (
    "/evenement_nieuw",
    "/evenement_wijzig 1",
    "/evenement_annuleer 1",
    "/deelnemers 1",
    "/deurlijst 1",
    "/deurploeg 1 2",
    "/event_new",
    "/attendees 1",
    "/door_list 2",
)


def test_members_cannot_use_organizer_commands(harness: Harness, events: Events) -> None:
    for text in ORGANIZER_COMMANDS:
        for user in (*MEMBERS, "sam"):
            replies = unchanged(harness, harness.text(user, text))
            short(replies, files=False)
            assert all(reply.refusal for reply in replies), (user, text)
            assert "Festival" not in replies[0].text and "Ledenavond" not in replies[0].text


def test_members_cannot_press_organizer_buttons_or_send_event_files(
    harness: Harness,
    events: Events,
) -> None:
    for user in MEMBERS:
        for action in (
            f"ev:cancel:{events.soon}",
            "cv:event_new:preview:save",
            "cv:event_new:kind:festival",
            "cv:event_edit:confirm:yes",
        ):
            replies = unchanged(harness, press(harness, user, action))
            assert replies[0].refusal, (user, action, replies[0].text)
        upload = FileUpload(
            harness.identity(user),
            harness.chat(user),
            attachment=Attachment(
                "festival.yaml", event_file(starts="2099-05-11 10:00", ends="2099-05-11 17:00")
            ),
        )
        replies = unchanged(harness, upload)
        assert replies[0].refusal


# -- the conversations, answered with garbage ----------------------------------------------------

CREATE_STEPS = (
    "kind",
    "title",
    "starts",
    "ends",
    "where",
    "address",
    "capacity",
    "guest",
    "description",
    "preview",
    "change",
)
CREATE_PATH: list[tuple[str, str]] = [
    ("text", "/evenement_nieuw"),
    ("button", "cv:event_new:kind:bijeenkomst"),
    ("text", "Ledenavond Utrecht"),
    ("text", "2099-03-30 19:30"),
    ("text", "21:30"),
    ("text", "De Werkplaats"),
    ("text", "Oudegracht 1, Utrecht"),
    ("text", "25"),
    ("button", "cv:event_new:guest:no"),
    ("button", "cv:event_new:description:none"),
    ("button", "cv:event_new:preview:change"),
]


def answers(flow: str, step: str) -> st.SearchStrategy[tuple[str, str]]:
    values = st.one_of(
        st.sampled_from(
            [
                "none",
                "yes",
                "no",
                "save",
                "change",
                "cancel",
                "back",
                "festival",
                "title",
                "starts",
                "kind",
                "x",
                "",
                "platform",
                "capacity",
            ]
        ),
        st.text(max_size=12),
    )
    return st.one_of(
        st.tuples(st.just("text"), HOSTILE),
        st.tuples(st.just("button"), values.map(lambda v: f"cv:{flow}:{step}:{v}")),
    )


def test_garbage_at_every_step_of_a_new_event(harness: Harness, events: Events) -> None:
    def at(step: str) -> None:
        @PER_STEP
        @given(answer=answers("event_new", step))
        def garbage(answer: tuple[str, str]) -> None:
            harness.reach("olga", CREATE_PATH[: CREATE_STEPS.index(step) + 1])
            replies = harness.send(harness.answer("olga", *answer))
            assert replies
            for reply in replies:
                if reply.refusal:
                    assert len(reply.text) <= SHORT, reply.text

        garbage()

    for step in CREATE_STEPS:
        at(step)


BAD_ANSWERS: list[tuple[str, str, str | None]] = [
    ("starts", "0001-01-01 10:00", "between 1970 and 2199"),
    ("starts", "9999-12-31 23:59", "between 1970 and 2199"),
    ("starts", "2020-05-11 10:00", "has passed"),
    ("starts", "2099-02-30 10:00", "does not exist"),
    ("ends", "0001-01-01 10:00", "between 1970 and 2199"),
    ("ends", "9999-12-31 23:59", "between 1970 and 2199"),
    ("ends", "19:00", "after the start"),
    ("capacity", str(10**30), "from 1 to 100000"),
    ("capacity", "0", "from 1 to 100000"),
    ("capacity", "-5", "from 1 to 100000"),
    ("capacity", "9" * 1500, "from 1 to 100000"),
    ("title", "😀" * 201, "200 characters"),
    ("title", "👩‍👩‍👧‍👦" * 40, "200 characters"),
    ("title", "   ", "type some text"),
    ("where", "https://", "not a web address"),
    ("where", "https://" + "a" * 600 + ".nl", "web address"),
    ("description", "😀" * 1999 + "!", None),
]


def test_a_bad_answer_is_asked_again(harness: Harness, events: Events) -> None:
    for step, answer, expected in BAD_ANSWERS:
        harness.reach("olga", CREATE_PATH[: CREATE_STEPS.index(step) + 1])
        if expected is None:
            assert harness.send(harness.text("olga", answer))
            continue
        replies = unchanged(harness, harness.text("olga", answer))
        assert replies[0].refusal and expected in replies[0].text, (step, answer, replies[0].text)
        assert len(replies) == 2  # the refusal, and the question again
    # Nothing was saved on the way.
    saved = harness.run(harness.app.events.service.upcoming(everything=True))
    assert [event.id for event in saved] == [events.soon, events.later]


EDIT_PARTS = ("title", "starts", "ends", "where", "capacity", "deadline", "description")


def test_garbage_when_changing_an_event(harness: Harness, events: Events) -> None:
    def at(part: str) -> None:
        @PER_STEP
        @given(answer=st.one_of(HOSTILE, DATES))
        def garbage(answer: str) -> None:
            harness.reach(
                "olga",
                [
                    ("text", f"/evenement_wijzig {events.later}"),
                    ("button", f"cv:event_edit:what:{part}"),
                ],
            )
            replies = harness.send(harness.text("olga", answer))
            assert replies
            if not replies[0].refusal:
                # A valid value: confirm it or not, both answered cleanly.
                confirm = "yes" if len(answer) % 2 else "no"
                assert harness.send(press(harness, "olga", f"cv:event_edit:confirm:{confirm}"))

        garbage()

    for part in EDIT_PARTS:
        at(part)
    event = harness.run(harness.app.events.service.get(events.later))
    assert 1 <= len(event.title) <= 200
    assert event.capacity is None or 1 <= event.capacity <= 100_000
    assert event.ends_at > event.starts_at


# -- event files and platform-typed options ------------------------------------------------------

EVENT_KEYS = st.sampled_from(
    sorted(TOP_KEYS | SESSION_KEYS | VENUE_KEYS | set(AUDIENCE_CODES) | {"startss", "x"})
)
EVENT_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    DATES,
    st.sampled_from(["festival", "bijeenkomst", "platform", "zzp", "utrecht", "https://x.nl"]),
)
EVENT_VALUES = st.recursive(
    EVENT_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(EVENT_KEYS, inner, max_size=6)
    ),
    max_leaves=25,
)


def event_yaml(top: dict[str, object]) -> bytes:
    """Always with a top-level ``starts:``, so the events module (not surveys) reads it."""
    try:
        body = yaml.safe_dump(top, allow_unicode=True) if top else ""
    except (yaml.YAMLError, ValueError):
        body = ""
    return ("starts: 2099-05-11 10:00\n" + body).encode()


EVENT_FILES = st.one_of(
    st.dictionaries(EVENT_KEYS, EVENT_VALUES, max_size=8).map(event_yaml),
    st.binary(max_size=200).map(lambda data: b"starts: x\n" + data),
    st.sampled_from(
        [
            b"starts: [" * 2000,
            b"starts: &a [1]\nends: *a\n",
            b"starts:\n" + b"  - x\n" * 6000,
            event_file(capacity=10**30),
            event_file(starts="0001-01-01 10:00", ends="9999-12-31 23:59"),
            event_file(title="\U0001f600" * 5000),
            event_file(sessions="sessions:\n" + "  - title: x\n" * 60),
        ]
    ),
)


def test_any_event_file_gets_a_clean_answer(harness: Harness, events: Events) -> None:
    @settings(EXAMPLES, max_examples=60)
    @given(user=st.sampled_from(("olga", "anna")), data=EVENT_FILES)
    def uploaded(user: str, data: bytes) -> None:
        event = FileUpload(
            harness.identity(user),
            harness.chat(user),
            attachment=Attachment("evenement.yaml", data),
        )
        replies = harness.send(event)
        assert replies
        if user == "anna":
            assert replies[0].refusal and "Only organizers" in replies[0].text

    uploaded()


def test_any_platform_typed_option_gets_a_clean_answer(harness: Harness, events: Events) -> None:
    """Discord hands over typed options: ints of any size, bools, floats, None, text."""
    names = sorted(
        name
        for command in harness.app.registry.commands
        if command.handler.__module__ == "cogs.events.commands"
        for name in command.names
    )
    value = st.one_of(EVENT_SCALARS, NASTY_NUMBERS, st.just(events.anna_code))

    @settings(EXAMPLES, max_examples=60)
    @given(
        user=st.sampled_from(("gast", "anna", "olga")),
        name=st.sampled_from(names),
        options=st.dictionaries(
            st.sampled_from(["evenement", "lid", "code", "x"]), value, max_size=3
        ),
    )
    def typed(user: str, name: str, options: dict[str, object]) -> None:
        event = CommandCall(harness.identity(user), harness.chat(user), name=name, args=options)
        assert harness.send(event), f"/{name} got no answer"

    typed()


def test_the_longest_lists_fit_every_platform(harness: Harness, events: Events) -> None:
    """Many events, the longest titles, a full programme: every button reachable on Discord
    (5 rows of 5) and Telegram, every text within both limits."""
    service = harness.app.events.service
    start = (utcnow() + timedelta(days=60)).replace(second=0, microsecond=0)
    programme = "sessions:\n" + "".join(
        f"  - title: {'Sessie ' + str(number) + ' ' + '😀' * 190}\n"
        f"    starts: {start + timedelta(minutes=10 * number):%Y-%m-%d %H:%M}+00:00\n"
        f"    ends: {start + timedelta(minutes=10 * number + 5):%Y-%m-%d %H:%M}+00:00\n"
        f"    room: {'Zaal ' + '🎉' * 95}\n"
        for number in range(25)
    )
    for number in range(24):
        harness.run(
            service.import_file(
                event_file(
                    title=f"{number} " + "👩‍👩‍👧‍👦" * 28,
                    starts=f"{start + timedelta(days=number):%Y-%m-%d %H:%M}+00:00",
                    ends=f"{start + timedelta(days=number, hours=8):%Y-%m-%d %H:%M}+00:00",
                    sessions=programme if number == 0 else "",
                ),
                "test",
            )
        )
    for user in ("anna", "olga"):
        listed = harness.send(harness.text(user, "/evenementen"))
        assert len(listed[0].all_buttons) == 20
    festival = events.later + 1
    harness.send(press(harness, "anna", f"ev:go:{festival}"))
    menu = harness.send(press(harness, "anna", f"ev:prog:{festival}"))
    assert len(menu[0].all_buttons) == 25
    chosen = harness.send(
        press(harness, "anna", f"ev:ses:{festival}:{menu[0].all_buttons[-1].action.split(':')[-1]}")
    )
    assert "☑" in chosen[0].all_buttons[-1].label
    page = harness.send(harness.text("anna", f"/evenement {festival}"))
    assert page and harness.send(harness.text("olga", f"/deelnemers {festival}"))
    assert harness.send(harness.text("olga", f"/deurlijst {festival}"))
