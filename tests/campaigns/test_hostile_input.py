"""Bad input for opjutter campaigns: garbage ``cp:`` payloads, buttons pressed twice, out of
order or on someone else's campaign, garbage at every step of ``/actie_nieuw``, own
sentences far too long, and campaign files and target lists that are nested, binary or
plain wrong (hypothesis, through the real router on a real SQLite file, with the harness
of ``tests/test_property_inputs.py``).

Every answer is a short message in the member's language, never a failure: no ERROR is
logged, no reply is the "something went wrong" message, every reply fits Telegram and
Discord, and an input that was refused left every table as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.clock import utcnow
from bot.core.i18n import translate
from bot.core.types import (
    Attachment,
    ButtonPress,
    FileUpload,
    Identity,
    Incoming,
    Reply,
    TextMessage,
)
from cogs.campaigns.actions import Verb
from cogs.campaigns.definition import AUDIENCE_CODES, TARGET_KEYS, TOP_KEYS
from cogs.campaigns.letter import crlf, parse_mailto
from storage.records.campaigns import (
    ActionState,
    CampaignKind,
    CampaignStatus,
    NewCampaign,
    TargetMode,
)
from tests.campaigns.test_chat import LETTER, MPS_CSV
from tests.test_property_inputs import (
    ARGUMENTS,
    EXAMPLES,
    NASTY_NUMBERS,
    NASTY_TEXT,
    SHORT,
    TOKEN,
    Harness,
    refused,
    short,
)
from tests.test_property_inputs import harness as property_harness  # noqa: F401  (a fixture)

PER_STEP = settings(EXAMPLES, max_examples=6)
"""Bounded so the whole file runs in seconds."""
FAILURE = "Something went wrong"
FILE_REPLY = 5_000
"""A file's problems: at most 20 lines of at most 200 characters, and the heading."""
HUGE = "99999999999999999999999"
BELOW_OPJUTTER = ("gast", "anna", "nina", "sam")
"""A guest, a verified member, someone half-way through registering, a sponsor's contact."""
TITLES = ("Mail je Kamerlid", "Tweede actie", "Deel het bericht", "Concept van Pia")

TEMPLATES = st.sampled_from(
    [
        "{naam.__class__}",
        "{naam.__class__.__mro__}",
        "{0}",
        "{}",
        "{ }",
        "{",
        "}",
        "{{naam}",
        "{naam}}",
        "{naam!r}",
        "{naam:>99999}",
        "{eigen_tekst}{eigen_tekst}",
        "{ naam }",
        "{NAAM}",
        "{aan",
        "%s %(naam)s ${naam}",
        "{" * 3000,
        "{ " * 3000,
        "{ " * 990,
        " ".join(f"{{x{n}}}" for n in range(900)),
        " ".join(f"{{x{n}}}" for n in range(300)),
        "Geachte {aan},\n{eigen_tekst}\n{naam}",
    ]
)
DATES = st.sampled_from(
    [
        "0001-01-01 10:00",
        "1-1-1 1:1",
        "9999-12-31 23:59",
        "2199-12-31 23:59",
        "2200-01-01 00:00",
        "1969-12-31 23:59",
        "2020-01-01 12:00",
        "2099-02-30 10:00",
        "2099-13-01 10:00",
        "2099-05-11 25:61",
        "2099-03-29 02:30",
        "2099-10-25 02:30",
        "31-12-9999 10:00",
        "2099-05-11",
        "99:99",
        ".",
        "2099-05-11 10:00+99:00",
        "２０９９-05-11 10:00",
        "2099-05-11 10:00" + "0" * 1500,
    ]
)
HOSTILE = st.one_of(
    TOKEN,
    ARGUMENTS,
    DATES,
    TEMPLATES,
    NASTY_NUMBERS,
    st.sampled_from(
        [
            str(10**30),
            "9" * 1500,
            "-" + "9" * 1500,
            "😀" * 1999,
            "👩‍👩‍👧‍👦" * 250,
            "Actie " + "📣" * 300,
            "x" * 6001,
            "https://" + "a" * 600 + ".nl",
            "https://",
            "javascript:alert(1)",
            "VVD, " * 40,
            ",,,",
            "none",
            "mail",
            "spread",
            "yes",
        ]
    ),
)


@pytest.fixture(name="harness")
def _harness(request: pytest.FixtureRequest) -> Harness:
    """The property tests' Werkbot: members of every role, surveys, a registration half-way."""
    found: Harness = request.getfixturevalue("property_harness")
    return found


@dataclass
class Campaigns:
    live: int
    """Otto's mail campaign, running."""
    other: int
    """Otto's second mail campaign, running."""
    share: int
    """Otto's share campaign, running."""
    draft: int
    """Pia's mail campaign, a draft."""
    otto: int
    pia: int
    anna: int
    lotte: int
    """A member who speaks Dutch."""


def member_id(harness: Harness, user: str, language: str = "en") -> int:
    """The member of a console user; registered and verified when not there yet."""
    members = harness.app.members.service
    found = harness.run(members.caller(harness.identity(user))).member_id
    if found is not None:
        assert isinstance(found, int)
        return found
    new: int = harness.run(
        members.register(
            "console",
            user,
            name=f"Lid {user}",
            email=f"{user}@example.org",
            work_situation="zzp",
            province="utrecht",
            language=language,
        )
    )
    harness.run(members.verify(new, harness.run(members.send_code(new, force=True))))
    return new


@pytest.fixture
def campaigns(harness: Harness) -> Iterator[Campaigns]:
    service = harness.app.campaigns.service
    harness.run(service.targets.import_csv(MPS_CSV))
    otto, pia = member_id(harness, "otto"), member_id(harness, "pia")
    for opjutter in (otto, pia):
        assert harness.run(harness.app.members.service.grant_opjutter(opjutter, "console:olga"))

    def create(title: str, by: int, kind: CampaignKind = CampaignKind.MAIL) -> int:
        mail = kind is CampaignKind.MAIL
        made = harness.run(
            service.create(
                NewCampaign(
                    title=title,
                    why="Zzp'ers vallen bij ziekte tussen wal en schip.",
                    kind=kind,
                    deadline=utcnow() + timedelta(days=30),
                    subject="Zekerheid bij ziekte" if mail else None,
                    template=LETTER if mail else "Deel dit: zekerheid bij ziekte voor iedereen.",
                    link=None if mail else "https://example.org/actie",
                    target_mode=TargetMode.SPREAD if mail else TargetMode.NONE,
                    goal=10,
                    opjutter_id=by,
                    created_by="test",
                )
            )
        )
        return made.id

    live, other = create(TITLES[0], otto), create(TITLES[1], otto)
    share = create(TITLES[2], otto, CampaignKind.SHARE)
    draft = create(TITLES[3], pia)
    for campaign_id in (live, other, share):
        harness.run(service.launch(campaign_id, member_id=otto, organizer=False))
    yield Campaigns(
        live,
        other,
        share,
        draft,
        otto,
        pia,
        member_id(harness, "anna"),
        member_id(harness, "lotte", language="nl"),
    )


def press(harness: Harness, user: str, action: str) -> ButtonPress:
    return harness.press(user, action)


def dutch(harness: Harness, user: str, text: str) -> TextMessage:
    identity = Identity("console", user, display_name=user, language_hint="nl")
    return TextMessage(identity, harness.chat(user), text=text)




def unchanged(harness: Harness, event: Incoming) -> list[Reply]:
    """Sent through the harness's checks; every table must be as it was."""
    before = harness.snapshot()
    replies = harness.send(event)
    after = harness.snapshot()
    changed = [table for table in before if before[table] != after.get(table)]
    assert not changed, f"{changed} changed: {[reply.text for reply in replies]}"
    return replies




def state(harness: Harness, campaign_id: int, member: int) -> ActionState | None:
    action = harness.run(harness.app.campaigns.service._repo.action_of(campaign_id, member))
    return None if action is None else action.state


# -- button payloads -----------------------------------------------------------------------------


JUNK = st.one_of(
    NASTY_NUMBERS,
    st.sampled_from([HUGE, "9" * 90, "", "1:2:3", "😀", "-0", "-1", "0x1", "1e3", "cp", "join"]),
    st.text(max_size=20),
)


def test_garbage_campaign_buttons_get_a_short_answer(
    harness: Harness, campaigns: Campaigns
) -> None:
    @settings(EXAMPLES, max_examples=80)
    @given(
        user=st.sampled_from(("gast", "anna", "otto", "pia", "olga", "nina")),
        verb=st.one_of(st.sampled_from([verb.value for verb in Verb]), st.text(max_size=6)),
        parts=st.lists(JUNK, min_size=0, max_size=4),
    )
    def pressed(user: str, verb: str, parts: list[str]) -> None:
        action = ":".join(["cp", verb, *parts])[:100]
        replies = harness.send(press(harness, user, action))
        assert replies and FAILURE not in " ".join(r.text for r in replies)
        for reply in replies:
            if reply.refusal:
                assert len(reply.text) <= SHORT, reply.text

    pressed()


def test_a_junk_id_on_every_verb_is_refused_and_changes_nothing(
    harness: Harness, campaigns: Campaigns
) -> None:
    junk_ids = (HUGE, "0", "-1", "abc", "😀", "99999", "9" * 95, "1:1", "", "1.0", "٣")
    for verb in Verb:
        for junk in junk_ids:
            for user in ("gast", "anna", "olga"):
                action = f"cp:{verb.value}:{junk}"[:100]
                refused(harness, press(harness, user, action))
    for action in ("cp", "cp:", "cp::", "cp:JOIN:1", "cp:join", f"cp:join:{campaigns.live}:x"):
        refused(harness, press(harness, "anna", action))


# -- out of order and twice ----------------------------------------------------------------------


def test_buttons_pressed_twice_and_out_of_order(harness: Harness, campaigns: Campaigns) -> None:
    live, other, share, anna = campaigns.live, campaigns.other, campaigns.share, campaigns.anna
    # "Verstuurd" before "Doe mee": no letter conversation, and no forged "Gedaan" for a letter.
    refused(harness, press(harness, "anna", "cv:campaign_letter:send:sent"), "ended")
    refused(harness, press(harness, "anna", f"cp:done:{live}"), "no longer works")
    assert state(harness, live, anna) is None

    # "Doe mee" twice: one action, opened, one addressee; the letter again.
    first = harness.send(press(harness, "anna", f"cp:join:{live}"))
    assert "Geachte Anna Jansen" in first[0].text
    action = harness.run(harness.app.campaigns.service._repo.action_of(live, anna))
    again = harness.send(press(harness, "anna", f"cp:join:{live}"))
    assert "Geachte Anna Jansen" in again[0].text
    after = harness.run(harness.app.campaigns.service._repo.action_of(live, anna))
    assert action is not None and after is not None
    assert (after.id, after.state, after.target_id) == (
        action.id,
        ActionState.OPENED,
        action.target_id,
    )
    # A button of the letter's first question pressed twice; then "Verstuurd" twice.
    harness.send(press(harness, "anna", "cv:campaign_letter:letter:fine"))
    refused(harness, press(harness, "anna", "cv:campaign_letter:letter:fine"), "earlier question")
    thanks = harness.send(press(harness, "anna", "cv:campaign_letter:send:sent"))
    assert "is counted" in thanks[0].text
    refused(harness, press(harness, "anna", "cv:campaign_letter:send:sent"), "ended")
    # After "Verstuurd": "Later" and "Niet voor mij" are refused; done stays done.
    refused(harness, press(harness, "anna", f"cp:later:{live}"), "already answered")
    refused(harness, press(harness, "anna", f"cp:no:{live}"), "already did")
    refused(harness, press(harness, "anna", f"cp:notyet:{live}"), "already answered")
    assert state(harness, live, anna) is ActionState.DONE
    assert harness.run(harness.app.campaigns.service.status(live)).done == 1

    # "Niet voor mij", then "Later", "Doe mee" and "Verstuurd": refused, and no nudge planned.
    harness.send(press(harness, "anna", f"cp:no:{other}"))
    refused(harness, press(harness, "anna", f"cp:later:{other}"), "already answered")
    refused(harness, press(harness, "anna", f"cp:join:{other}"), "not for you")
    refused(harness, press(harness, "anna", f"cp:done:{other}"))
    declined = harness.run(harness.app.campaigns.service._repo.action_of(other, anna))
    assert declined is not None and declined.state is ActionState.DECLINED
    assert harness.app.clock.when(f"campaigns.nudge:{declined.id}") is None
    # "Later" twice plans one nudge; "Gedaan" twice counts once.
    harness.send(press(harness, "anna", f"cp:join:{share}"))
    harness.send(press(harness, "anna", f"cp:later:{share}"))
    harness.send(press(harness, "anna", f"cp:later:{share}"))
    later = harness.run(harness.app.campaigns.service._repo.action_of(share, anna))
    assert later is not None and later.state is ActionState.LATER
    assert harness.app.clock.when(f"campaigns.nudge:{later.id}") is not None
    assert "is counted" in harness.send(press(harness, "anna", f"cp:done:{share}"))[0].text
    twice = unchanged(harness, press(harness, "anna", f"cp:done:{share}"))
    assert "already" in twice[0].text
    assert harness.app.clock.when(f"campaigns.nudge:{later.id}") is None
    assert harness.run(harness.app.campaigns.service.status(share)).done == 1


def test_a_campaign_stopped_during_the_letter(harness: Harness, campaigns: Campaigns) -> None:
    live, anna = campaigns.live, campaigns.anna
    harness.send(press(harness, "anna", f"cp:join:{live}"))
    harness.send(press(harness, "anna", "cv:campaign_letter:letter:own"))
    harness.run(harness.app.campaigns.service.stop(live, member_id=None, organizer=True))
    ended = harness.send(harness.text("anna", "Mijn eigen zinnen"))
    assert ended[0].text == f"Campaign {live} has ended. Thank you!"
    action = harness.run(harness.app.campaigns.service._repo.action_of(live, anna))
    assert action is not None and action.own_text is None and action.state is ActionState.OPENED
    # The conversation is over: the next text is not taken as own sentences.
    assert "ended" not in harness.send(harness.text("anna", "Nog meer zinnen"))[0].text
    # A letter sent just before the stop still counts.
    other = campaigns.other
    harness.send(press(harness, "anna", f"cp:join:{other}"))
    harness.send(press(harness, "anna", "cv:campaign_letter:letter:fine"))
    harness.run(harness.app.campaigns.service.pause(other, member_id=None, organizer=True))
    assert (
        "is counted" in harness.send(press(harness, "anna", "cv:campaign_letter:send:sent"))[0].text
    )
    assert state(harness, other, anna) is ActionState.DONE


# -- someone else's campaign ---------------------------------------------------------------------


def test_someone_elses_campaign_cannot_be_steered(harness: Harness, campaigns: Campaigns) -> None:
    live, draft = campaigns.live, campaigns.draft
    steering = [
        f"cp:{verb}:{campaign_id}"
        for verb in ("launch", "pause", "resume", "stop")
        for campaign_id in (live, draft)
    ]
    for user in (*BELOW_OPJUTTER, "pia"):
        for action in steering:
            if user == "pia" and action.endswith(f":{draft}"):
                continue  # her own
            replies = refused(harness, press(harness, user, action))
            assert not any(title in replies[0].text for title in TITLES)
    for action in (f"cp:launch:{draft}", f"cp:stop:{draft}", f"cp:status:{draft}"):
        refused(harness, press(harness, "otto", action), "Only its opjutter")
    for text in (f"/actie_pauze {live}", f"/actie_stop {live}", f"/campaign_pause {live}"):
        refused(harness, harness.text("pia", text), "Only its opjutter")
    refused(harness, harness.text("otto", f"/actie_status {draft}"), "Only its opjutter")
    # Members read no status through a button either.
    for user in BELOW_OPJUTTER:
        refused(harness, press(harness, user, f"cp:status:{live}"))
    # An opjutter whose role was taken back steers nothing, not even their own campaign.
    harness.run(harness.app.members.service.revoke_opjutter(campaigns.otto))
    for action in (f"cp:pause:{live}", f"cp:stop:{live}", f"cp:status:{live}"):
        refused(harness, press(harness, "otto", action), "not for you")
    refused(harness, harness.text("otto", f"/actie_pauze {live}"))
    assert harness.run(harness.app.campaigns.service.get(live)).status is CampaignStatus.LIVE
    assert harness.run(harness.app.campaigns.service.get(draft)).status is CampaignStatus.DRAFT
    # Organizers can; so can pia with her own draft.
    assert "paused" in harness.send(press(harness, "olga", f"cp:pause:{live}"))[0].text
    assert "running" in harness.send(press(harness, "pia", f"cp:launch:{draft}"))[0].text


OPJUTTER_COMMANDS = (
    "/actie_nieuw",
    "/campaign_new",
    "/actie_status 1",
    "/campaign_status 1",
    "/actie_pauze 1",
    "/campaign_pause 2",
    "/actie_stop 1",
    "/campaign_stop 3",
    "/doelen",
    "/doelen VVD",
    "/targets Jansen",
    "/opjutters_naam aan",
)


def test_members_below_opjutter_cannot_use_opjutter_commands(
    harness: Harness, campaigns: Campaigns
) -> None:
    for text in OPJUTTER_COMMANDS:
        for user in BELOW_OPJUTTER:
            replies = refused(harness, harness.text(user, text))
            assert not any(title in replies[0].text for title in TITLES)
            assert "Jansen" not in replies[0].text
    who = translate("opjutters", "nl")
    dutch_refusal = refused(harness, dutch(harness, "lotte", "/actie_nieuw"))
    assert dutch_refusal[0].text == translate("Only {who} may use /{name}.", "nl").format(
        who=who, name="actie_nieuw"
    )


# -- /actie_nieuw, answered with garbage ---------------------------------------------------------


def deadline() -> str:
    return (utcnow() + timedelta(days=60)).strftime("%Y-%m-%d 23:59")


def mail_path() -> list[tuple[str, str]]:
    return [
        ("text", "/actie_nieuw"),
        ("button", "cv:campaign_new:kind:mail"),
        ("text", "Mail je Kamerlid over de AOV"),
        ("text", "Zzp'ers vallen bij ziekte tussen wal en schip."),
        ("button", "cv:campaign_new:targets:spread"),
        ("text", "Zekerheid bij ziekte"),
        ("text", LETTER),
        ("button", "cv:campaign_new:smtp:no"),
        ("text", deadline()),
    ]


MAIL_STEPS = ("kind", "title", "why", "targets", "subject", "letter", "smtp", "deadline", "goal")
PARTY_PATH = [
    ("text", "/actie_nieuw"),
    ("button", "cv:campaign_new:kind:mail"),
    ("text", "Mail de VVD"),
    ("text", "Omdat het moet."),
    ("button", "cv:campaign_new:targets:party"),
]
SIGN_PATH = [
    ("text", "/actie_nieuw"),
    ("button", "cv:campaign_new:kind:tekenen"),
    ("text", "Teken de petitie"),
    ("text", "Omdat het moet."),
]


def path_to(step: str) -> list[tuple[str, str]]:
    """The answers that lead to ``step`` of ``/actie_nieuw``."""
    if step in MAIL_STEPS:
        return mail_path()[: MAIL_STEPS.index(step) + 1]
    if step == "target_names":
        return PARTY_PATH
    if step == "link":
        return SIGN_PATH
    if step == "message":
        return [*SIGN_PATH, ("button", "cv:campaign_new:link:none")]
    raise ValueError(step)


def answers(step: str) -> st.SearchStrategy[tuple[str, str]]:
    values = st.one_of(
        st.sampled_from(
            [
                "none",
                "yes",
                "no",
                "mail",
                "tekenen",
                "delen",
                "spread",
                "party",
                "committee",
                "named",
                "x",
                "",
            ]
        ),
        st.text(max_size=12),
    )
    return st.one_of(
        st.tuples(st.just("text"), HOSTILE),
        st.tuples(st.just("button"), values.map(lambda v: f"cv:campaign_new:{step}:{v}")),
    )


def test_garbage_at_every_step_of_a_new_campaign(harness: Harness, campaigns: Campaigns) -> None:
    def at(step: str) -> None:
        @PER_STEP
        @given(answer=answers(step))
        def garbage(answer: tuple[str, str]) -> None:
            harness.reach("otto", path_to(step))
            replies = harness.send(harness.answer("otto", *answer))
            assert replies
            for reply in replies:
                if reply.refusal:
                    assert len(reply.text) <= SHORT, reply.text

        garbage()

    for step in (*MAIL_STEPS, "target_names", "link", "message"):
        at(step)
    for campaign in harness.run(harness.app.campaigns.service.campaigns(everything=True)):
        assert 1 <= len(campaign.title) <= 200 and campaign.deadline > utcnow()
        assert campaign.goal is None or 1 <= campaign.goal <= 10_000_000
        assert 1 <= len(campaign.target_names) <= 20 or campaign.target_mode is not TargetMode.PARTY


BAD_ANSWERS: list[tuple[str, str, str]] = [
    ("title", "😀" * 201, "200 characters"),
    ("title", "👩‍👩‍👧‍👦" * 40, "200 characters"),
    ("title", "   ", "type some text"),
    ("why", "x" * 1001, "1000 characters"),
    ("target_names", "Partij die niet bestaat", "No MP matches"),
    ("target_names", ", , ,", "at least one name"),
    ("target_names", "VVD, Partij die niet bestaat", "No MP matches Partij die niet bestaat."),
    ("subject", "Over {naam.__class__}", "unknown placeholder"),
    ("subject", "{0}", "unknown placeholder"),
    ("subject", "x" * 201, "200 characters"),
    (
        "letter",
        "Geachte {aan}, ik ben {naam.__class__}",
        "unknown placeholder(s): {naam.__class__}",
    ),
    ("letter", "{0} en {1}", "unknown placeholder(s): {0}, {1}"),
    ("letter", "{naam.__init__.__globals__}", "unknown placeholder"),
    ("letter", "Een { alleen", "a single '{'"),
    ("letter", "Een } alleen", "a single '}'"),
    ("letter", "{eigen_tekst} en {eigen_tekst}", "only once"),
    ("letter", "{ " * 990, "a single '{'"),
    ("letter", " ".join(f"{{x{n}}}" for n in range(300)), "unknown placeholder"),
    ("letter", "x" * 2001, "at most 2000 characters"),  # the router's limit comes first
    ("link", "javascript:alert(1)", "not a web address"),
    ("link", "https://", "not a web address"),
    ("link", "https://" + "a" * 600 + ".nl", "not a web address"),
    ("deadline", "0001-01-01 10:00", "between 1970 and 2199"),
    ("deadline", "9999-12-31 23:59", "between 1970 and 2199"),
    ("deadline", "2020-01-01 12:00", "has passed"),
    ("deadline", "2099-02-30", "does not exist"),
    ("deadline", "morgen", "like 2027-05-11 10:00"),
    ("goal", str(10**30), "from 1 to 10000000"),
    ("goal", "9" * 1500, "from 1 to 10000000"),
    ("goal", "0", "from 1 to 10000000"),
    ("goal", "-5", "from 1 to 10000000"),
    ("goal", "10000001", "from 1 to 10000000"),
    ("goal", "1e3", "from 1 to 10000000"),
]


def test_a_bad_answer_is_asked_again(harness: Harness, campaigns: Campaigns) -> None:
    before = harness.run(harness.app.campaigns.service.campaigns(everything=True))
    for step, answer, expected in BAD_ANSWERS:
        harness.reach("otto", path_to(step))
        replies = refused(harness, harness.text("otto", answer), expected)
        # The refusal, and the question again (the router refuses what is too long first).
        assert len(replies) == 2 or "too long" in replies[0].text, (step, answer)
    # A share campaign needs a message or a link.
    harness.reach(
        "otto", [*SIGN_PATH[:1], ("button", "cv:campaign_new:kind:delen"), *SIGN_PATH[2:]]
    )
    harness.send(press(harness, "otto", "cv:campaign_new:link:none"))
    refused(harness, press(harness, "otto", "cv:campaign_new:message:none"), "message or a link")
    # Nothing was saved on the way.
    assert harness.run(harness.app.campaigns.service.campaigns(everything=True)) == before
    # In Dutch for a Dutch opjutter.
    harness.run(harness.app.members.service.grant_opjutter(campaigns.lotte, "console:olga"))
    for kind, value in path_to("goal"):
        event = dutch(harness, "lotte", value) if kind == "text" else press(harness, "lotte", value)
        harness.run(harness.app.router.handle(event))
    goal = refused(harness, dutch(harness, "lotte", str(10**30)))
    assert goal[0].text == translate("Please give a number from 1 to {max}.", "nl").format(
        max=10_000_000
    )


def test_party_names_are_listed_once(harness: Harness, campaigns: Campaigns) -> None:
    harness.reach("otto", path_to("target_names"))
    harness.send(harness.text("otto", "VVD, vvd , VVD,NSC, " * 10))
    for kind, value in mail_path()[5:]:
        harness.send(harness.answer("otto", kind, value))
    created = harness.send(harness.text("otto", "50"))
    assert "saved as a draft" in created[0].text
    assert "To: the MPs of VVD, NSC\n" in created[1].text


# -- own sentences -------------------------------------------------------------------------------


def write_own(harness: Harness, user: str, campaign_id: int, own: str) -> list[Reply]:
    harness.send(press(harness, user, f"cp:join:{campaign_id}"))
    harness.send(press(harness, user, "cv:campaign_letter:letter:own"))
    return harness.send(harness.text(user, own))


LETTER_PATHS: dict[str, list[tuple[str, str]]] = {
    "letter": [],
    "own": [("button", "cv:campaign_letter:letter:own")],
    "send": [("button", "cv:campaign_letter:letter:fine")],
}
LETTER_VALUES = st.one_of(
    st.sampled_from(["own", "fine", "none", "sent", "notyet", "smtp", "yes", "back", "x", ""]),
    st.text(max_size=12),
)


def test_garbage_in_the_letter_conversation(harness: Harness, campaigns: Campaigns) -> None:
    live = campaigns.live

    @settings(EXAMPLES, max_examples=30)
    @given(step=st.sampled_from(sorted(LETTER_PATHS)), data=st.data())
    def garbage(step: str, data: st.DataObject) -> None:
        harness.send(press(harness, "anna", f"cp:join:{live}"))  # (again) her letter
        harness.reach("anna", LETTER_PATHS[step])
        answer = data.draw(
            st.one_of(
                st.tuples(st.just("text"), HOSTILE),
                st.tuples(
                    st.just("button"),
                    st.sampled_from(sorted({step, "letter", "own", "send", "confirm"})).flatmap(
                        lambda at: LETTER_VALUES.map(lambda v: f"cv:campaign_letter:{at}:{v}")
                    ),
                ),
            )
        )
        replies = harness.send(harness.answer("anna", *answer))
        assert replies
        for reply in replies:
            if reply.refusal:
                assert len(reply.text) <= SHORT, reply.text

    garbage()
    # Werkbot may not send letters of this campaign: a forged "Send it through Werkbot" is
    # refused, and no confirmation is asked.
    harness.send(press(harness, "anna", f"cp:join:{live}"))
    harness.reach("anna", LETTER_PATHS["send"])
    refused(harness, press(harness, "anna", "cv:campaign_letter:send:smtp"), "choose one")
    refused(harness, press(harness, "anna", "cv:campaign_letter:confirm:yes"), "earlier question")


def test_a_campaign_past_its_deadline_is_not_offered(
    harness: Harness, campaigns: Campaigns
) -> None:
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        for user in ("anna", "lotte"):
            replies = refused(harness, harness.text(user, f"/actie {campaigns.live}"))
            assert not replies[0].all_buttons
        assert "No campaigns are running" in harness.send(harness.text("anna", "/acties"))[0].text


def test_own_sentences_far_too_long_are_refused(harness: Harness, campaigns: Campaigns) -> None:
    live = campaigns.live
    harness.send(press(harness, "anna", f"cp:join:{live}"))
    harness.send(press(harness, "anna", "cv:campaign_letter:letter:own"))
    refused(harness, harness.text("anna", "Ik ben ziek geweest. " * 250), "2000 characters")
    refused(harness, harness.text("anna", "😀" * 2001), "2000 characters")
    refused(harness, harness.text("anna", "   \n  "), "type some text")
    action = harness.run(harness.app.campaigns.service._repo.action_of(live, campaigns.anna))
    assert action is not None and action.own_text is None
    # 2,000 emoji fit; the letter is too long for a mail link and is offered to copy.
    letter = harness.send(harness.text("anna", "😀" * 2000))
    text = "\n".join(reply.text for reply in letter)
    assert "mailto:" not in text and "Copy the letter above" in text and "😀" * 2000 in text
    # In Dutch for a Dutch member.
    harness.send(press(harness, "lotte", f"cp:join:{live}"))
    harness.send(press(harness, "lotte", "cv:campaign_letter:letter:own"))
    too_long = refused(harness, dutch(harness, "lotte", "x" * 5000))
    limit = translate("That message is too long (at most {count} characters).", "nl")
    assert too_long[0].text == limit.format(count=2000)


OWN_TEXT = st.one_of(
    NASTY_TEXT,
    TOKEN,
    TEMPLATES,
    st.text(max_size=300),
    st.sampled_from(
        [
            "{naam} {eigen_tekst} {{aan}} }{",
            "<b>vet</b> <script>alert(1)</script> &amp; 100%",
            "Regel 1\r\nRegel 2\rRegel 3\n\n",
            "mailto:x@example.org?subject=hack&body=",
            "a&subject=b&cc=c@example.org",
            "#anker ?vraag=1",
            "x" * 1999,
        ]
    ),
)


def test_any_own_sentences_go_into_the_letter_literally(
    harness: Harness, campaigns: Campaigns
) -> None:
    @settings(EXAMPLES, max_examples=25)
    @given(own=OWN_TEXT)
    def written(own: str) -> None:
        replies = write_own(harness, "anna", campaigns.live, own)
        if own.lstrip().startswith("/") or any(reply.refusal for reply in replies):
            return
        text = "\n".join(reply.text for reply in replies)
        kept = own.strip()  # the router drops the white space around a message
        assert kept in text
        links = [line for line in text.splitlines() if line.startswith("mailto:")]
        if links:
            mailto = parse_mailto(links[-1])
            assert mailto.to == ("a.jansen@tweedekamer.nl",)
            assert mailto.subject == "Zekerheid bij ziekte"
            assert crlf(kept) in mailto.body

    written()


# -- files ---------------------------------------------------------------------------------------

CAMPAIGN_KEYS = st.sampled_from(sorted(TOP_KEYS | TARGET_KEYS | set(AUDIENCE_CODES) | {"x"}))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    DATES,
    TEMPLATES,
    st.sampled_from(["mail", "delen", "share", "zzp", "utrecht", "https://x.nl", "VVD", "true"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(CAMPAIGN_KEYS, inner, max_size=6)
    ),
    max_leaves=25,
)


def campaign_yaml(top: dict[str, object]) -> bytes:
    """Always with top-level ``why:`` and ``deadline:``, so the campaigns module reads it."""
    try:
        body = yaml.safe_dump(top, allow_unicode=True) if top else ""
    except (yaml.YAMLError, ValueError):
        body = ""
    return ("why: x\ndeadline: 2099-01-31 23:59\n" + body).encode()


GOOD_FILE = (
    "title: Mail je Kamerlid\nkind: mail\nwhy: Omdat het moet.\ndeadline: 2099-01-31 23:59\n"
    "targets:\n  spread: true\nsubject: Zekerheid\nletter: Geachte {aan}, {eigen_tekst}\n"
)
HEAD = b"why: x\ndeadline: 2099-01-31 23:59\n"
CAMPAIGN_FILES = st.one_of(
    st.dictionaries(CAMPAIGN_KEYS, VALUES, max_size=8).map(campaign_yaml),
    st.binary(max_size=200).map(lambda data: HEAD + data),
    st.sampled_from(
        [
            HEAD + b"title: " + b"[" * 20_000,
            HEAD + b"letter: " + b"[" * 20_000 + b"]" * 20_000,
            HEAD + b"audience: " + b"{a: " * 20_000,
            HEAD + b"title: &a [1]\nletter: *a\n",
            HEAD + b"title: " + b"x" * 100_001,
            HEAD + b"\xff\xfe\x00\x00",
            HEAD + b"title: \x00\x01\n",
            HEAD + b'title: "\\UFFFFFFFF"\n',
            HEAD + b"targets:\n" + b"  - x\n" * 6000,
            GOOD_FILE.replace("{eigen_tekst}", "{naam.__class__} {0} { }").encode(),
            GOOD_FILE.replace("2099-01-31 23:59", "0001-01-01 00:00").encode(),
            GOOD_FILE.replace("2099-01-31 23:59", "9999-12-31 23:59").encode(),
            GOOD_FILE.replace(
                "deadline", "goal: 1000000000000000000000000000000\ndeadline"
            ).encode(),
            GOOD_FILE.replace("Mail je Kamerlid", "📣" * 5000).encode(),
            GOOD_FILE.replace("{aan},", " ".join(f"{{x{n}}}" for n in range(600))).encode(),
            GOOD_FILE.encode(),
        ]
    ),
)


def upload(harness: Harness, user: str, name: str, data: bytes) -> FileUpload:
    return FileUpload(harness.identity(user), harness.chat(user), attachment=Attachment(name, data))


def test_any_campaign_file_gets_a_clean_answer(harness: Harness, campaigns: Campaigns) -> None:
    @settings(EXAMPLES, max_examples=50)
    @given(
        user=st.sampled_from(("otto", "olga", "anna", "gast")),
        name=st.sampled_from(("actie.yaml", "ACTIE.YML")),
        data=CAMPAIGN_FILES,
    )
    def uploaded(user: str, name: str, data: bytes) -> None:
        replies = harness.send(upload(harness, user, name, data))
        assert replies
        if user in ("anna", "gast"):
            assert replies[0].refusal and "Only opjutters and organizers" in replies[0].text
        if replies[0].refusal:
            short(replies, FILE_REPLY, files=False)

    uploaded()


def test_nested_and_binary_campaign_files_are_refused(
    harness: Harness, campaigns: Campaigns
) -> None:
    cases = [
        (HEAD + b"title: " + b"[" * 20_000, "nested more than 8 levels deep"),
        (HEAD + b"audience: " + b"{a: " * 20_000, "nested more than 8 levels deep"),
        (HEAD + b"\xff\xfe\x00\x00", "not UTF-8"),
        (HEAD + b"title: " + b"x" * 100_001, "larger than 100000 bytes"),
        (HEAD + b"title: &a [1]\nletter: *a\n", "aliases"),
        (GOOD_FILE.replace("{eigen_tekst}", "{naam.__class__}").encode(), "unknown placeholder"),
        (GOOD_FILE.replace("2099-01-31 23:59", "9999-12-31 23:59").encode(), "between"),
        (GOOD_FILE.replace("{aan},", " ".join(f"{{x{n}}}" for n in range(600))).encode(), "…"),
    ]
    for data, expected in cases:
        for user in ("otto", "olga"):
            replies = refused(
                harness, upload(harness, user, "actie.yaml", data), "Nothing was created"
            )
            assert expected in replies[0].text, replies[0].text
    dutch_upload = FileUpload(
        Identity("console", "lotte", display_name="lotte", language_hint="nl"),
        harness.chat("lotte"),
        attachment=Attachment("actie.yaml", GOOD_FILE.encode()),
    )
    refused(
        harness, dutch_upload, translate("Only opjutters and organizers can start campaigns.", "nl")
    )


CSV_HEADER = b"naam;soort;partij;commissies;email;id\n"
CSV_FILES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.lists(
        st.lists(st.one_of(st.text(max_size=20), NASTY_TEXT, NASTY_NUMBERS), max_size=8).map(
            ";".join
        ),
        max_size=6,
    ).map(lambda rows: CSV_HEADER + "\n".join(rows).encode()),
    st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf" + CSV_HEADER + b"Anna;kamerlid;VVD;;a@example.org;x1\n",
            CSV_HEADER + b"=cmd|' /C calc'!A0;kamerlid;VVD;;a@example.org;x1\n",
            CSV_HEADER + b'"Anna;kamerlid;VVD;;a@example.org;x1\n',
            CSV_HEADER + b"Anna\x00;kamerlid;VVD;;a@example.org;x1\n",
            CSV_HEADER + b"Anna;kamerlid;VVD;;a@example.org;x1;extra;extra\n",
            CSV_HEADER + b"Anna;minister;VVD;;a@example.org\n",
            CSV_HEADER + b"Anna;kamerlid;VVD;;a@example.org%0ABcc:x@y.nl;x1\n",
            CSV_HEADER + "😀;kamerlid;VVD;;a@example.org;x1\n".encode() * 5001,
            CSV_HEADER + b"x" * 1_000_001,
            b"naam,soort\n" + b"[" * 20_000,
        ]
    ),
)


def test_any_target_list_gets_a_clean_answer(harness: Harness, campaigns: Campaigns) -> None:
    targets = harness.app.campaigns.service.targets

    @settings(EXAMPLES, max_examples=50)
    @given(user=st.sampled_from(("olga", "otto", "anna")), data=CSV_FILES)
    def uploaded(user: str, data: bytes) -> None:
        before = harness.run(targets.count())
        replies = harness.send(upload(harness, user, "kamerleden.csv", data))
        assert replies
        if replies[0].refusal:
            short(replies, FILE_REPLY, files=False)
        if user != "olga":  # only organizers load addressees
            assert harness.run(targets.count()) == before

    uploaded()
    for data in (b"\xff\xfe\x00garbage", CSV_HEADER + b"Anna;kamerlid;VVD;;geen-adres;x1\n"):
        replies = refused(
            harness, upload(harness, "olga", "doelen.csv", data), "Nothing was loaded"
        )
        assert "line" in replies[0].text
