"""What a hostile or careless user found: each case as a regression test.

Integers beyond 64 bits, dates at the edge of the calendar, deeply nested YAML, console
uploads of devices and missing homes, a handler failing after a write, and what a new
member reads on the way in. The console cases go through the real console adapter on the
real core; button payloads through the recording chat (a console press can only press
buttons the bot sent).
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.app import Werkbot
from bot.core.commands import Command
from bot.core.context import Context
from bot.core.types import Reply, Role
from config import Settings
from tests.support.chat import RecordingChat, fill_in_registration, text_of
from tests.surveys.conftest import FIVE_QUESTIONS, make_member, one_choice, open_survey

HUGE = "9223372036854775808"  # 2**63: one more than SQLite's INTEGER holds
FAILURE = "Something went wrong"


class Console:
    """The real console adapter in this process, its output captured."""

    def __init__(self, app: Werkbot) -> None:
        self.out = io.StringIO()
        self.adapter = ConsoleAdapter(
            app.router.handle, user="olga", files=app.console_files, stdout=self.out,
            interactive=False, language_hint="en",
        )
        app.delivery.attach(self.adapter)

    async def line(self, text: str) -> str:
        start = self.out.tell()
        await self.adapter.handle_line(text)
        self.out.seek(start)
        said = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return said


@pytest.fixture
def console(app: Werkbot) -> Console:
    return Console(app)


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    return english_chat


def survey_file(closes: str) -> bytes:
    return FIVE_QUESTIONS.format(mode="anonymous", results="live", closes=closes).encode()


# -- 1. integers beyond 64 bits ------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        f"@guest /uitslag {HUGE}",
        f"@olga /uitslag {HUGE}",
        f"@olga /stem {HUGE}",
        f"@olga /opjutter_geef {HUGE}",
        f"@olga /sponsor_lid {HUGE} 1",
        f"@olga /sponsor_lid 1 {HUGE}",
        f"@olga /uitslag -{HUGE}",
        f"@olga /uitslag {'9' * 1500}",
        "@olga /uitslag ²",
        "@olga /uitslag ٣",
    ],
)
async def test_numbers_beyond_64_bits_are_a_wrong_argument(
    app: Werkbot, console: Console, line: str
) -> None:
    await make_member(app, "olga")
    said = await console.line(line)
    assert FAILURE not in said
    assert "too large" in said or "too small" in said or "not a whole number" in said, said
    assert "Use: /" in said


@pytest.mark.parametrize(
    "action",
    [
        f"sv:go:{HUGE}",
        f"sv:a:{HUGE}:1:1",
        f"sv:a:1:{HUGE}:1",
        f"sv:a:1:1:{HUGE}",
        f"sv:r:{HUGE}",
        "sv:go:²",
        f"mb:forget:{HUGE}",
        "mb:forget:²",
        f"cv:registration:work:{HUGE}",
        "cv:registration:work:²",
    ],
)
async def test_button_payloads_beyond_64_bits_are_refused(
    app: Werkbot, chat: RecordingChat, action: str
) -> None:
    await make_member(app, "anna")
    await open_survey(app, one_choice())
    replies = await chat.press("anna", action)
    assert replies and FAILURE not in text_of(replies)


# -- 2. dates at the edge of the calendar ---------------------------------------------------


@pytest.mark.parametrize("closes", ["0001-01-01 00:00", "9999-12-31 23:59+00:00", "1969-12-31 23:00"])
async def test_survey_file_dates_outside_the_window_create_nothing(
    app: Werkbot, chat: RecordingChat, closes: str
) -> None:
    replies = await chat.upload("olga", "peiling.yaml", survey_file(closes))
    text = text_of(replies)
    assert "nothing was created" in text and "closes must lie between 1970 and 2199" in text
    assert await app.surveys.service.all() == []


async def test_a_survey_stored_at_the_calendar_edge_never_breaks_the_lists(
    app: Werkbot, chat: RecordingChat, make_settings: Callable[..., Settings]
) -> None:
    """A row from before dates were checked: lists show it, members' lists still work."""
    await make_member(app, "anna")
    good = await open_survey(app, one_choice())
    broken = await chat.upload("olga", "peiling.yaml", survey_file("2099-01-01 10:00"))
    assert "draft" in text_of(broken)
    path = Path(app.settings.database_url.split(":///", 1)[1])
    with sqlite3.connect(path) as raw:
        raw.execute(
            "UPDATE surveys SET closes_at = '9999-12-31 23:59:00.000000', status = 'open' "
            "WHERE id != ?",
            (good.id,),
        )
    app.surveys.service._cache.invalidate(good.id + 1)
    listed = text_of(await chat.say("olga", "/peiling_lijst"))
    assert "31-12-9999 23:59 UTC" in listed and good.title in listed
    mine = text_of(await chat.say("anna", "/peilingen"))
    assert FAILURE not in mine and str(good.id) in mine


@pytest.mark.allow_error_logs
async def test_an_unreadable_survey_row_is_skipped_and_logged(
    app: Werkbot, chat: RecordingChat, caplog: pytest.LogCaptureFixture
) -> None:
    await make_member(app, "anna")
    good = await open_survey(app, one_choice())
    second = await open_survey(app, one_choice())
    path = Path(app.settings.database_url.split(":///", 1)[1])
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE surveys SET audience = '{not json' WHERE id = ?", (second.id,))
    app.surveys.service._cache.invalidate(second.id)
    listed = text_of(await chat.say("olga", "/peiling_lijst"))
    assert f"{good.id}. " in listed and f"{second.id}. " not in listed
    mine = text_of(await chat.say("anna", "/peilingen"))
    assert FAILURE not in mine and f"{good.id}. " in mine
    assert any("cannot be read" in r.getMessage() for r in caplog.records)


async def test_organizers_delete_drafts_and_archive_closed_surveys(
    app: Werkbot, chat: RecordingChat
) -> None:
    draft = text_of(await chat.upload("olga", "peiling.yaml", survey_file("2099-01-01 10:00")))
    assert "draft" in draft
    [draft_id] = [s.id for s in await app.surveys.service.all()]
    assert "is deleted" in text_of(await chat.say("olga", f"/peiling_verwijder {draft_id}"))
    assert await app.surveys.service.all() == []

    survey = await open_survey(app, one_choice())
    refused = text_of(await chat.say("olga", f"/peiling_verwijder {survey.id}"))
    assert "has been open" in refused
    assert "Only a closed survey" in text_of(await chat.say("olga", f"/peiling_archiveer {survey.id}"))
    await chat.say("olga", f"/peiling_sluit {survey.id}")
    assert "archived" in text_of(await chat.say("olga", f"/peiling_archiveer {survey.id}"))
    assert survey.title not in text_of(await chat.say("olga", "/peiling_lijst"))
    everything = text_of(await chat.say("olga", "/peiling_lijst alles"))
    assert f"{survey.id}. {survey.title} — archived" in everything
    assert "Respondents" in text_of(await chat.say("olga", f"/uitslag {survey.id}"))
    assert "cannot open again" in text_of(await chat.say("olga", f"/peiling_open {survey.id}"))
    assert "already archived" in text_of(await chat.say("olga", f"/peiling_archiveer {survey.id}"))
    assert "Only organizers" in text_of(await chat.say("anna", f"/peiling_verwijder {survey.id}"))


# -- 3. deeply nested YAML -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "[" * 20_000 + "]" * 20_000,
        "{a: " * 8_000,
        "title: &t x\ncloses: 2099-01-01 10:00\nquestions: *t\n",
        "- " * 10_000 + "x",
    ],
    ids=["brackets", "mappings", "alias", "dashes"],
)
async def test_deeply_nested_or_aliased_yaml_is_refused_by_line(
    app: Werkbot, chat: RecordingChat, source: str
) -> None:
    text = text_of(await chat.upload("olga", "peiling.yaml", source.encode()))
    assert "nothing was created" in text and "line " in text
    assert "nested more than" in text or "aliases" in text


# -- 7. console uploads ----------------------------------------------------------------------


async def test_console_refuses_uploads_it_cannot_bound(console: Console, tmp_path: Path) -> None:
    assert "no such user's home folder" in await console.line("< ~nosuchuser_werkbot/x.yaml")
    assert "not a regular file" in await console.line("< /dev/zero")
    assert "not a regular file" in await console.line(f"< {tmp_path}")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in await console.line(f"< {fifo}")  # no hang on open
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    assert "larger than 5 MB" in await console.line(f"< {big}")
    assert "No such file" in await console.line(f"< {tmp_path / 'missing.yaml'}")


async def test_console_exports_are_removed_on_erasure(app: Werkbot, console: Console) -> None:
    await make_member(app, "olga")
    said = await console.line("/mijngegevens")
    exported = Path(said.split("📎", 1)[1].strip())
    assert app.console_files.written_for("olga") == [exported]
    other = await console.line("@bob /hulp")
    assert "bob" in other
    await console.line("/vergeetmij")
    await console.line("[1]")
    assert app.console_files.written_for("olga") == []
    assert app.console_files.written_for("bob") == []  # bob got no file; nothing else touched


# -- "nothing was changed" only when nothing was ----------------------------------------------


@pytest.mark.allow_error_logs
async def test_a_handler_failing_after_a_write_does_not_claim_nothing_changed(
    app: Werkbot, chat: RecordingChat
) -> None:
    async def half_done(ctx: Context) -> Reply:
        await app.members.service.create_sponsor("Half gedaan BV")
        raise RuntimeError("after the write")

    async def failing(ctx: Context) -> Reply:
        raise RuntimeError("before any write")

    app.registry.command(Command("halfgedaan", "half_done", "test", half_done, role=Role.GUEST))
    app.registry.command(Command("faalt", "fails", "test", failing, role=Role.GUEST))
    after_write = text_of(await chat.say("anna", "/halfgedaan"))
    assert "Part of it may already be saved" in after_write and "Nothing was changed" not in after_write
    before_write = text_of(await chat.say("anna", "/faalt"))
    assert "Nothing was changed" in before_write


# -- what a new member reads -------------------------------------------------------------------


async def test_registration_says_what_is_left_before_the_code(
    app: Werkbot, chat: RecordingChat
) -> None:
    replies = await fill_in_registration(chat, "nina", "Nina de Vries", "nina@example.org")
    text = text_of(replies)
    assert "You are registered" not in text
    assert "one step is left" in text and "does not count" in text
    await open_survey(app, one_choice())
    assert "not confirmed yet" in text_of(await chat.say("nina", "/peilingen"))


async def test_profile_role_is_translated_and_help_hides_link_payloads(
    app: Werkbot, make_settings: Callable[..., Settings]
) -> None:
    dutch = RecordingChat(app.router, language_hint="nl")
    await make_member(app, "olga")
    await dutch.say("olga", "/taal nl")
    profile = text_of(await dutch.say("olga", "/profiel"))
    assert "Rol: organisator" in profile and "organizer" not in profile
    help_text = text_of(await dutch.say("guest", "/hulp"))
    assert "payload" not in help_text and "/start" in help_text
