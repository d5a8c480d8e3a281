"""The core's answers to bad input, roles, floods, stale buttons and failures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.app import Werkbot
from bot.core.commands import Arg, ArgKind, Command
from bot.core.ratelimit import RateLimiter, Verdict
from bot.core.types import ButtonPress, Chat, Role
from config import Settings
from tests.support.chat import RecordingChat, code_in, fill_in_registration, text_of


async def register(chat: RecordingChat, user: str, email: str | None = None) -> None:
    """Register through the conversation, in development mode (code shown on the console)."""
    replies = await fill_in_registration(
        chat, user, user.title() + " Tester", email or f"{user}@example.org"
    )
    await chat.say(user, code_in(text_of(replies)))


async def test_member_registration_in_development_mode(chat: RecordingChat, app: Werkbot) -> None:
    await register(chat, "alice")
    caller = await app.members.service.caller(chat._identity("alice"))
    assert caller.is_member and caller.verified and caller.name == "Alice Tester"


async def test_unknown_command_is_named_and_nothing_changes(chat: RecordingChat) -> None:
    text = text_of(await chat.say("alice", "/bestaatniet 1 2 3"))
    assert "/bestaatniet" in text and "/hulp" in text


async def test_wrong_and_missing_arguments_show_usage(chat: RecordingChat) -> None:
    assert "/taal <nl|en>" in text_of(await chat.say("alice", "/taal"))
    assert "'klingon'" in text_of(await chat.say("alice", "/taal klingon"))
    assert "/taal <nl|en>" in text_of(await chat.say("alice", "/taal nl en"))
    text = text_of(await chat.say("olga", "/opjutter_geef twaalf"))
    assert "'twaalf'" in text and "/opjutter_geef <lid>" in text
    assert "/opjutter_geef" in text_of(await chat.say("olga", "/opjutter_geef -4"))


async def test_forbidden_command_is_refused_in_the_callers_language(chat: RecordingChat) -> None:
    nl = text_of(await chat.say("mallory", "/sponsor_nieuw Trollen BV"))
    assert "organisatoren" in nl
    await chat.say("mallory", "/taal en")
    assert "Only organizers may use /sponsor_nieuw." == text_of(
        await chat.say("mallory", "/sponsor_new Trollen BV")
    )
    assert "Trollen" not in text_of(await chat.say("olga", "/sponsors"))


async def test_members_only_command_asks_to_register(chat: RecordingChat) -> None:
    assert "/registreer" in text_of(await chat.say("guest", "/profiel"))
    assert "/registreer" in text_of(await chat.say("guest", "/mijngegevens"))


async def test_help_lists_only_what_the_caller_may_use(chat: RecordingChat) -> None:
    guest = text_of(await chat.say("guest", "/hulp"))
    organizer = text_of(await chat.say("olga", "/help"))
    assert "/registreer" in guest and "/leden" not in guest and "/profiel" not in guest
    assert "/leden" in organizer and "/sponsor_nieuw" in organizer


async def test_long_and_binary_messages_are_refused(chat: RecordingChat) -> None:
    assert "2000" in text_of(await chat.say("alice", "x" * 2001))
    assert "tekst" in text_of(await chat.say("alice", "/registreer \x00\x01\x02"))
    assert "tekst" in text_of(await chat.say("alice", "hallo\x07"))
    # The refused /registreer started nothing: plain text is still "not understood".
    assert "/hulp" in text_of(await chat.say("alice", "Alice"))


async def test_plain_text_without_conversation_points_to_help(chat: RecordingChat) -> None:
    assert "/hulp" in text_of(await chat.say("alice", "hoi"))
    assert await chat.say("alice", "hoi allemaal", group="group-1") == []


async def test_old_and_unknown_buttons(chat: RecordingChat) -> None:
    assert "werkt niet meer" in text_of(await chat.press("alice", "zz:what:ever"))
    assert "werkt niet meer" in text_of(await chat.press("alice", "garbage-without-colon"))
    await chat.say("alice", "/registreer")
    await chat.say("alice", "Alice")
    await chat.say("alice", "alice@example.org")
    work_buttons = list(chat.latest_buttons["alice"])
    await chat.press("alice", 1)  # answers the work question
    stale = text_of(await chat.press("alice", work_buttons[2].action))
    assert "eerdere vraag" in stale
    assert "afgelopen" in text_of(await chat.press("bob", work_buttons[0].action))


async def test_double_press_stores_one_answer(chat: RecordingChat, app: Werkbot) -> None:
    await chat.say("alice", "/registreer")
    await chat.say("alice", "Alice")
    await chat.say("alice", "alice@example.org")
    action = chat.latest_buttons["alice"][0].action
    results = await asyncio.gather(*(chat.press("alice", action) for _ in range(5)))
    texts = [text_of(r) for r in results]
    assert sum("stap 4 van 6" in t for t in texts) == 1
    assert sum("eerdere vraag" in t for t in texts) == 4


async def test_a_handler_failure_becomes_a_polite_message(
    chat: RecordingChat, app: Werkbot, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("database on fire")

    app.registry.command(Command("kapot", "broken", "Broken on purpose", broken, role=Role.GUEST,
                                 args=(Arg("n", "a number", ArgKind.INTEGER, required=False),)))
    text = text_of(await chat.say("alice", "/kapot 3"))
    assert "Er ging iets mis" in text and "Traceback" not in text and "fire" not in text
    assert any("database on fire" in (r.exc_text or "") for r in caplog.records)
    caplog.clear()  # the error log was the point of this test


def test_rate_limiter_warns_once_then_drops_then_recovers() -> None:
    now = [0.0]
    limiter = RateLimiter(burst=3, per_minute=60, clock=lambda: now[0])
    verdicts = [limiter.check("u") for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert limiter.check("other") is Verdict.ALLOW
    now[0] += 2.0
    assert limiter.check("u") is Verdict.ALLOW


async def test_a_flood_gets_one_slow_down_and_others_are_served(
    make_settings: Callable[..., Settings],
) -> None:
    app = Werkbot(make_settings(rate_limit_burst=5, rate_limit_per_minute=6))
    await app.start()
    try:
        chat = RecordingChat(app.router)
        replies = [await chat.say("flooder", "/hulp") for _ in range(30)]
        slow = [r for r in replies if r and "rustig" in r[0].text]
        assert len(slow) == 1
        assert sum(1 for r in replies if r == []) == 24
        assert "/registreer" in text_of(await chat.say("patient", "/hulp"))
    finally:
        await app.stop()


async def test_language_follows_hint_then_choice(app: Werkbot) -> None:
    english_platform = RecordingChat(app.router, platform="telegram", language_hint="en")
    assert "I don't know the command" in text_of(await english_platform.say("42", "/x"))
    await english_platform.say("42", "/taal nl")
    assert "Ik ken het commando" in text_of(await english_platform.say("42", "/x"))
    german = RecordingChat(app.router, platform="telegram", language_hint="de")
    assert "Ik ken het commando" in text_of(await german.say("43", "/x"))


async def test_an_unexpected_file_is_refused_politely(chat: RecordingChat) -> None:
    assert "bestand" in text_of(await chat.upload("alice", "virus.exe", b"MZ\x90\x00" * 100))


async def test_a_file_during_registration_asks_for_text(chat: RecordingChat) -> None:
    await chat.say("alice", "/registreer")
    replies = await chat.upload("alice", "naam.txt", b"Alice")
    assert "niet met een bestand" in replies[0].text
    assert "stap 1 van 6" in replies[1].text


async def test_personal_command_in_a_group_moves_to_private(chat: RecordingChat) -> None:
    replies = await chat.say("alice", "/registreer", group="werkgroep")
    assert replies[0].continue_privately == "registreer" and replies[0].private
    # In the private chat, /start <command> (a deep link) continues the command.
    assert "stap 1 van 6" in text_of(await chat.say("alice", "/start registreer"))


async def test_someone_elses_erase_button_does_nothing(chat: RecordingChat, app: Werkbot) -> None:
    await register(chat, "alice")
    await register(chat, "bob")
    alice = (await app.members.service.caller(chat._identity("alice"))).member_id
    confirm = await chat.say("alice", "/vergeetmij")
    action = confirm[0].all_buttons[0].action
    assert action == f"mb:forget:{alice}"
    assert "niet voor jou" in text_of(await chat.press("bob", action))
    assert "werkt niet meer" in text_of(await chat.press("bob", f"mb:forget:{alice}:extra"))
    assert (await app.members.service.caller(chat._identity("alice"))).member_id == alice
    assert "gewist" in text_of(await chat.press("alice", action))
    assert "bestaat niet meer" in text_of(await chat.press("alice", action))  # pressed twice


async def test_demo_content_only_when_asked(app: Werkbot) -> None:
    assert await app.members.service.sponsors() == []
    assert await app.load_demo() != []
    assert await app.load_demo() == []  # loading twice adds nothing
    assert len(await app.members.service.sponsors()) == 1
    surveys = await app.surveys.service.all()
    assert len(surveys) == 1 and surveys[0].status == "open"


async def test_group_text_never_answers_a_private_question(chat: RecordingChat) -> None:
    await chat.say("alice", "/registreer")
    assert await chat.say("alice", "Alice in de groep", group="werkgroep") == []
    assert "stap 2 van 6" in text_of(await chat.say("alice", "Alice"))


async def test_register_button_in_a_group_moves_to_private(chat: RecordingChat) -> None:
    group = Chat("console", "werkgroep", is_private=False)
    event = ButtonPress(chat._identity("alice"), group, action="mb:register")
    assert (await chat.router.handle(event))[0].continue_privately == "registreer"
    # A deep link payload used in a group does not start the personal command there either.
    replies = await chat.say("alice", "/start registreer", group="werkgroep")
    assert replies[0].continue_privately == "registreer"


async def test_development_codes_show_only_in_the_local_console(app: Werkbot) -> None:
    telegram = RecordingChat(app.router, platform="telegram")
    consent = text_of(await fill_in_registration(telegram, "77", "Tessa", "tessa@example.org"))
    assert "stap 6 van 6" in consent and "Ontwikkelmodus" not in consent


async def test_a_lone_surrogate_is_not_typed_text(chat: RecordingChat) -> None:
    """No database can store it (PostgreSQL refuses it): refused at the door, in Dutch."""
    for text in ("ok \ud800 x", "/zoek \udfff"):
        replies = await chat.say("anna", text)
        assert text_of(replies).startswith("Ik kan alleen getypte tekst lezen")
