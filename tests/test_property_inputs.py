"""Property-based tests: whatever comes in, the answer is a short message, never a crash.

Hypothesis throws random and adversarial text, arguments, button payloads and files at
every registered command and action through the real router, on a real SQLite file with
members of every role, surveys in every state and a registration half-way. For each
input it checks that

* no exception escapes a handler (no ERROR is logged and no reply is the "something went
  wrong" message: that message means a handler failed);
* an input that was refused (a reply marked ``refusal``) left the database unchanged;
* every reply fits Telegram and Discord once rendered (length in each platform's units,
  buttons and their data).

The examples are bounded so the whole file runs in seconds; hypothesis keeps the failing
examples it finds in ``.hypothesis/`` and tries them first next time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord._views import fits as discord_problems
from bot.adapters.telegram._keyboards import fits as telegram_problems
from bot.app import Werkbot
from bot.core.commands import ArgKind, Command
from bot.core.i18n import translate
from bot.core.types import (
    Attachment,
    ButtonPress,
    Chat,
    CommandCall,
    FileUpload,
    Identity,
    Reply,
    TextMessage,
)
from cogs.surveys.definition import AUDIENCE_CODES, QUESTION_KEYS, TOP_KEYS
from config import Settings
from storage.records.surveys import NewQuestion, NewSurvey
from storage.types import utcnow

USERS = ("gast", "anna", "olga", "ada", "nina")
"""A guest, a verified member, an organizer, an admin, and someone registering now."""
FAILURES = [
    translate(
        "Something went wrong on our side. Nothing was changed; please try again later.", lang
    )
    for lang in ("nl", "en")
] + [
    translate(
        "Something went wrong on our side while finishing this. Part of it may already be "
        "saved: please check before you try again.",
        lang,
    )
    for lang in ("nl", "en")
]
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PER_COMMAND = settings(EXAMPLES, max_examples=25)

# -- strategies ------------------------------------------------------------------------------

NASTY_NUMBERS = st.sampled_from(
    [
        "0",
        "-1",
        "1",
        "2",
        "3",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "9" * 400,
        "1e400",
        "nan",
        "²",
        "٣",
        "0x10",
        "+5",
        "007",
        "1_000",
    ]
)
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "😀" * 3000,
        "👩‍👩‍👧‍👦" * 500,
        "🇳🇱" * 1500,
        "e\u0301" * 2500,
        "\u202e" + "gninrow",
        "\u200b" * 10,
        "a" * 2000,
        "a" * 2001,
        "<b>bold</b> *x* _y_ [l](http://x)",
        "| a | b",
        "Vraag? | ja | nee",
        "@olga",
        "/start",
        "nl",
        "en",
        "aan",
        "alles",
        "\x00\x01",
        "\ufffd",
        "ja",
        "nee",
        "yes",
        "resend",
    ]
)
HUGE_INTEGERS = st.integers(min_value=-(2**65), max_value=2**65).map(str)
"""Bounded so hypothesis tries the bounds, which lie beyond 64 bits on both sides."""
TOKEN = st.one_of(NASTY_NUMBERS, NASTY_TEXT, HUGE_INTEGERS, st.text(max_size=40))
ARGUMENTS = st.lists(TOKEN, max_size=4).map(" ".join)


def action_prefixes(app: Werkbot) -> list[str]:
    return [*sorted(app.registry.actions), "cv", "xx", ""]


def payload(prefixes: list[str]) -> st.SearchStrategy[str]:
    verb = st.one_of(
        st.sampled_from(["go", "a", "t", "d", "s", "b", "n", "r", "forget", "keep", "register"]),
        st.sampled_from(["registration", "survey"]),
        st.text(max_size=8),
    )
    part = st.one_of(NASTY_NUMBERS, st.integers(1, 6).map(str), st.text(max_size=12), verb)
    return st.builds(
        lambda prefix, parts: ":".join([prefix, *parts])[:100],
        st.sampled_from(prefixes),
        st.lists(part, max_size=5),
    )


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    st.sampled_from(
        [
            "0001-01-01 00:00",
            "9999-12-31 23:59+00:00",
            "2099-02-30 10:00",
            "2099-01-01 10:00",
            "single",
            "multiple",
            "scale",
            "number",
            "text",
            "anonymous",
            "named",
            "live",
        ]
    ),
)
SURVEY_KEYS = st.sampled_from(sorted(TOP_KEYS | QUESTION_KEYS | set(AUDIENCE_CODES)))
YAML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(SURVEY_KEYS, inner, max_size=8)
    ),
    max_leaves=40,
)


def _dump(value: Any) -> bytes:
    try:
        return yaml.safe_dump(value, allow_unicode=True).encode()
    except (yaml.YAMLError, ValueError):
        return b"title: x"


SURVEY_FILES = st.one_of(
    YAML_VALUES.map(_dump),
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.sampled_from(
        [
            b"[" * 5000,
            b"{a: " * 3000,
            b"a: &x [1]\nb: *x\n",
            b"\xff\xfe\x00",
            b"title: x\ncloses: 0001-01-01 00:00\nquestions: [{type: single, text: a, options: [a, b]}]",
        ]
    ),
)
FILENAMES = st.sampled_from(["peiling.yaml", "x.yml", "X.YAML", "data.json", "foto.png", ".yaml"])

# -- the harness -------------------------------------------------------------------------------


class Harness:
    """A started Werkbot on its own event loop, so hypothesis can drive it synchronously."""

    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = Werkbot(settings)
        self.path = Path(settings.database_url.split(":///", 1)[1])
        self.run(self.app.start())
        self.run(self._populate())
        self.errors: list[logging.LogRecord] = []

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def close(self) -> None:
        self.run(self.app.stop())
        self.loop.close()

    async def _member(self, user: str, *, verified: bool = True) -> int:
        members = self.app.members.service
        member_id = await members.register(
            "console",
            user,
            name=f"Lid {user}",
            email=f"{user}@example.org",
            work_situation="zzp",
            province="utrecht",
            language="en",
        )
        if verified:
            await members.verify(member_id, await members.send_code(member_id, force=True))
        return member_id

    async def _populate(self) -> None:
        """Every role, surveys in every state, a sponsor, a registration half-way."""
        from datetime import timedelta

        for user in ("anna", "olga", "ada"):
            await self._member(user)
        sponsor = await self.app.members.service.create_sponsor("Sponsor BV")
        await self.app.members.service.add_representative(sponsor, await self._member("sam"))
        service = self.app.surveys.service
        questions = (
            NewQuestion(kind="single", text="Een?", options=("ja", "nee"), explain=True),
            NewQuestion(kind="multiple", text="Meer?", options=("a", "b", "c"), max_choices=2),
            NewQuestion(kind="scale", text="Schaal?", labels=("laag", "hoog"), required=False),
            NewQuestion(kind="number", text="Getal?", min_value=0, max_value=80),
            NewQuestion(kind="text", text="Tekst?", max_length=200, required=False),
        )
        for mode, status in (
            ("anonymous", "open"),
            ("named", "open"),
            ("anonymous", "draft"),
            ("anonymous", "closed"),
        ):
            survey = await service.create(
                NewSurvey(
                    title=f"Peiling {mode} {status}",
                    intro="😀" * 100,
                    mode=mode,
                    results="live",
                    audience={},
                    opens_at=None,
                    closes_at=utcnow() + timedelta(days=3),
                    created_by="test",
                    questions=questions,
                )
            )
            if status in ("open", "closed"):
                await service.open(survey.id)
            if status == "closed":
                await service.close(survey.id)
        # nina is registering: her name and e-mail are in a conversation
        for text in ("/registreer", "Nina de Vries"):
            await self.app.router.handle(self.text("nina", text))
        # The outbox sends in the background whenever the loop runs; here it would change
        # tables between the two snapshots of a refused input. Broadcasts wait in the table.
        await self.app.broadcasts.engine.stop()

    # -- events --------------------------------------------------------------------------

    @staticmethod
    def identity(user: str) -> Identity:
        return Identity("console", user, display_name=user, language_hint="en")

    def chat(self, user: str) -> Chat:
        return Chat("console", user, is_private=True)

    def text(self, user: str, text: str) -> TextMessage:
        return TextMessage(self.identity(user), self.chat(user), text=text)

    def press(self, user: str, action: str) -> ButtonPress:
        return ButtonPress(self.identity(user), self.chat(user), action=action)

    def answer(self, user: str, kind: str, value: str) -> TextMessage | ButtonPress:
        """An answer in a conversation: typed text (``kind`` "text") or a button."""
        return self.text(user, value) if kind == "text" else self.press(user, value)

    def reach(self, user: str, steps: list[tuple[str, str]]) -> None:
        """Walk a conversation to a step with good answers (none may be refused)."""
        for kind, value in steps:
            replies = self.run(self.app.router.handle(self.answer(user, kind, value)))
            assert not any(r.refusal for r in replies), (kind, value, [r.text for r in replies])

    def snapshot(self) -> dict[str, list[str]]:
        """Every table's rows, to compare before and after a refused input."""
        connection = sqlite3.connect(self.path)
        try:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            return {
                table: sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{table}"'))
                for table in tables
            }
        finally:
            connection.close()

    def send(self, event: Any) -> list[Reply]:
        before = self.snapshot()
        self.errors.clear()
        replies: list[Reply] = self.run(self.app.router.handle(event))
        check(replies, self.errors)
        if any(reply.refusal for reply in replies):
            after = self.snapshot()
            changed = [table for table in before if before[table] != after.get(table)]
            assert not changed, f"a refused input changed {changed}: {[r.text for r in replies]}"
        return replies


SHORT = 400
"""A refusal is a sentence or two, whatever came in."""
FAILURE = "Something went wrong"


def short(replies: list[Reply], limit: int = SHORT, *, files: bool = True) -> None:
    """An answer, each reply at most ``limit`` characters, none the failure message or a
    traceback (and without a file, unless ``files``)."""
    assert replies, "no answer"
    for reply in replies:
        assert FAILURE not in reply.text and "Traceback" not in reply.text, reply.text
        assert len(reply.text) <= limit, reply.text
        assert files or reply.attachment is None, reply.attachment


def refused(harness: Harness, event: Any, containing: str = "", *, limit: int = SHORT) -> list[Reply]:
    """Refused in short, and every table as it was (``Harness.send`` compares them for a
    refusal); a conversation's question asked again after it may be long (a letter)."""
    replies = harness.send(event)
    assert replies and replies[0].refusal, [reply.text for reply in replies]
    short(replies[:1], limit, files=False)
    assert not any(FAILURE in reply.text for reply in replies)
    assert containing in " ".join(reply.text for reply in replies), [reply.text for reply in replies]
    return replies


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self._into = into

    def emit(self, record: logging.LogRecord) -> None:
        self._into.append(record)


def check(replies: list[Reply], errors: list[logging.LogRecord]) -> None:
    assert not errors, "errors were logged: " + "; ".join(r.getMessage() for r in errors)
    for reply in replies:
        assert reply.text not in FAILURES, f"a handler failed: {reply.text!r}"
        assert not telegram_problems(reply), telegram_problems(reply)
        assert not discord_problems(reply), discord_problems(reply)


@pytest.fixture
def harness(make_settings: Callable[..., Settings]) -> Iterator[Harness]:
    built = Harness(
        make_settings(
            organizers="console:olga",
            admins="console:ada",
            rate_limit_burst=1_000_000,
            rate_limit_per_minute=1_000_000,
        )
    )
    collector = _Collect(built.errors)
    logging.getLogger().addHandler(collector)
    try:
        yield built
    finally:
        logging.getLogger().removeHandler(collector)
        built.close()


# -- the properties -----------------------------------------------------------------------------


def argument_line(command: Command) -> st.SearchStrategy[str]:
    """Arguments shaped like the declaration (so the checks behind parsing are reached),
    each one adversarial for its kind, now and then one too few or too many."""
    parts = []
    for arg in command.args:
        if arg.kind is ArgKind.INTEGER:
            parts.append(st.one_of(NASTY_NUMBERS, st.integers(1, 6).map(str), HUGE_INTEGERS))
        elif arg.kind is ArgKind.CHOICE:
            parts.append(st.one_of(st.sampled_from(arg.choices), TOKEN))
        else:
            parts.append(st.one_of(NASTY_TEXT, TOKEN))
    shaped = st.tuples(*parts).map(" ".join) if parts else st.just("")
    return st.one_of(shaped, shaped.map(lambda line: line + " extra"), ARGUMENTS)


def exercise(harness: Harness, command: Command) -> None:
    @PER_COMMAND
    @given(user=st.sampled_from(USERS), name=st.sampled_from(command.names), data=st.data())
    def typed(user: str, name: str, data: st.DataObject) -> None:
        arguments = data.draw(argument_line(command))
        replies = harness.send(harness.text(user, f"/{name} {arguments}"))
        assert replies, f"/{name} got no answer"

    typed()


def test_any_typed_command_gets_a_clean_answer(harness: Harness) -> None:
    """Every command, from every role, with arguments shaped like its declaration."""
    for command in harness.app.registry.commands:
        exercise(harness, command)


def test_unknown_commands_get_a_clean_answer(harness: Harness) -> None:
    @EXAMPLES
    @given(
        user=st.sampled_from(USERS),
        name=st.text(string.ascii_letters + string.digits + "_@/é😀", max_size=40),
        arguments=ARGUMENTS,
    )
    def typed(user: str, name: str, arguments: str) -> None:
        assert harness.send(harness.text(user, f"/{name} {arguments}"))

    typed()


def test_any_platform_typed_option_gets_a_clean_answer(harness: Harness) -> None:
    """Discord hands over typed options: ints of any size, bools, floats, None, text."""
    names = sorted({name for command in harness.app.registry.commands for name in command.names})
    value = st.one_of(SCALARS, NASTY_NUMBERS, NASTY_TEXT)

    @EXAMPLES
    @given(
        user=st.sampled_from(USERS),
        name=st.sampled_from(names),
        options=st.dictionaries(
            st.sampled_from(
                [
                    "peiling",
                    "lid",
                    "sponsor",
                    "taal",
                    "code",
                    "payload",
                    "zoek",
                    "naam",
                    "vraag",
                    "aan_uit",
                    "welke",
                    "x",
                ]
            ),
            value,
            max_size=3,
        ),
    )
    def typed(user: str, name: str, options: dict[str, Any]) -> None:
        event = CommandCall(harness.identity(user), harness.chat(user), name=name, args=options)
        assert harness.send(event), f"/{name} got no answer"

    typed()


def test_any_button_payload_gets_a_clean_answer(harness: Harness) -> None:
    prefixes = action_prefixes(harness.app)

    @EXAMPLES
    @given(user=st.sampled_from(USERS), action=payload(prefixes), private=st.booleans())
    def pressed(user: str, action: str, private: bool) -> None:
        chat = harness.chat(user) if private else Chat("console", "groep", is_private=False)
        event = ButtonPress(harness.identity(user), chat, action=action)
        assert harness.send(event), f"{action!r} got no answer"

    pressed()


def test_any_text_in_a_conversation_gets_a_clean_answer(harness: Harness) -> None:
    """nina is half-way through registration; others may be answering a survey."""

    @EXAMPLES
    @given(user=st.sampled_from(USERS), text=st.one_of(TOKEN, ARGUMENTS))
    def typed(user: str, text: str) -> None:
        harness.send(harness.text(user, text))

    typed()


def test_any_uploaded_file_gets_a_clean_answer(harness: Harness) -> None:
    @EXAMPLES
    @given(user=st.sampled_from(USERS), name=FILENAMES, data=SURVEY_FILES)
    def uploaded(user: str, name: str, data: bytes) -> None:
        event = FileUpload(
            harness.identity(user), harness.chat(user), attachment=Attachment(name, data)
        )
        assert harness.send(event), f"{name} got no answer"

    uploaded()
