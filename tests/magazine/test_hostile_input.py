"""Bad input for the magazine: odd buttons, the longest texts, and garbage at every step
of both conversations (hypothesis, through the real router on a real SQLite file).

Every answer is a short message, never a failure; a refused input changes no table; every
reply fits Telegram and Discord (the same checks as ``tests/test_property_inputs.py``).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord._views import fits as discord_problems
from bot.adapters.telegram._keyboards import fits as telegram_problems
from bot.app import Werkbot
from bot.core.types import Attachment, ButtonPress, FileUpload, Incoming, Reply
from storage.records.magazine import NewEdition
from tests.magazine.conftest import TEN_MB, magazine_of, pdf, png
from tests.support.chat import RecordingChat, text_of
from tests.surveys.conftest import make_member
from tests.test_property_inputs import ARGUMENTS, EXAMPLES, TOKEN, Harness

HUGE = "9223372036854775808"
PER_STEP = settings(EXAMPLES, max_examples=25)
"""Bounded like the per-command properties, so the file runs in seconds."""
FAILURE = "Something went wrong"


def fits(replies: list[Reply]) -> None:
    for reply in replies:
        assert not telegram_problems(reply), telegram_problems(reply)
        assert not discord_problems(reply), discord_problems(reply)


@pytest.mark.parametrize(
    "action",
    [
        "mg",
        "mg:",
        "mg:ed",
        "mg:ed:0",
        "mg:ed:-1",
        f"mg:ed:{HUGE}",
        "mg:ed:99999",
        "mg:ed:1:2",
        "mg:ed:٣",
        "mg:xx:1",
        "mg:ok:abc",
        f"mg:ok:{HUGE}",
        "mg:no:424242",
        "cv:edition:preview:send",
        "cv:contribution:confirm:send",
    ],
)
async def test_odd_buttons_get_a_short_refusal(
    app: Werkbot, english_chat: RecordingChat, action: str
) -> None:
    await make_member(app, "anna")
    for user in ("gast", "anna", "olga"):
        replies = await english_chat.press(user, action)
        assert replies and FAILURE not in text_of(replies), (user, action)
        assert all(reply.refusal for reply in replies) or "no longer works" in text_of(replies)
        fits(replies)


async def test_the_longest_edition_and_contribution_fit_every_platform(
    app: Werkbot, english_chat: RecordingChat
) -> None:
    service = magazine_of(app).service
    cover = await service.store_cover(Attachment("c.png", png()))
    document = await service.store_pdf(Attachment("m.pdf", pdf()))
    for number in range(1, 13):
        await service.publish(
            NewEdition(
                number=number,
                title="😀" * 200,
                published_on=date(2199, 12, 31),
                summary="👩‍👩‍👧‍👦" * (1000 // 7) + "x" * (1000 % 7),
                link_url="https://dewerkvereniging.nl/" + "a" * 470,
                cover_file_id=cover,
                pdf_file_id=document,
                created_by="test",
            )
        )
    replies = await english_chat.say("gast", "/magazine")
    assert len(replies) == 3 and len(replies[-1].all_buttons) == 10
    fits(replies)

    await make_member(app, "anna")
    await english_chat.say("anna", "/inzending")
    await english_chat.press("anna", "cv:contribution:kind:verhaal")
    await english_chat.say("anna", "😀" * 2000)
    confirm = await english_chat.upload("anna", "x" * 300 + ".pdf", pdf())
    fits(confirm)
    await english_chat.press("anna", "cv:contribution:confirm:send")
    inbox = await english_chat.say("olga", "/inzendingen")
    assert inbox[1].attachment is not None and len(inbox[1].attachment.filename) <= 100
    fits(inbox)


# -- garbage at every step of both conversations -------------------------------------------------


EDITION_STEPS = ("number", "title", "date", "summary", "cover", "pdf", "link", "preview", "change")
CONTRIBUTION_STEPS = ("kind", "text", "file", "confirm")
UPLOADS = st.one_of(
    st.tuples(
        st.sampled_from(["voorkant.png", "nummer.pdf", "x", "a.exe", "../../x.txt", ".pdf"]),
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from(
                [png(), pdf(), b"", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\x00" * (TEN_MB + 1)]
            ),
        ),
    )
)


def answers(flow: str, step: str) -> st.SearchStrategy[tuple[str, object]]:
    button_values = st.one_of(
        st.sampled_from(
            ["none", "send", "change", "cancel", "back", "today", "keep", "title", "mening", "x"]
        ),
        st.text(max_size=12),
    )
    return st.one_of(
        st.tuples(st.just("text"), st.one_of(TOKEN, ARGUMENTS)),
        st.tuples(st.just("upload"), UPLOADS),
        st.tuples(st.just("button"), button_values.map(lambda v: f"cv:{flow}:{step}:{v}")),
    )


def event_for(harness: Harness, user: str, kind: str, value: object) -> Incoming:
    if kind == "text":
        return harness.text(user, str(value))
    if kind == "button":
        return ButtonPress(harness.identity(user), harness.chat(user), action=str(value))
    assert isinstance(value, tuple)
    name, data = value
    return FileUpload(harness.identity(user), harness.chat(user), attachment=Attachment(name, data))


def reach(harness: Harness, user: str, steps: list[tuple[str, object]]) -> None:
    """Walk a conversation to a step with good answers (none of them refused)."""
    for kind, value in steps:
        replies = harness.run(harness.app.router.handle(event_for(harness, user, kind, value)))
        assert not any(r.refusal for r in replies), (kind, value, [r.text for r in replies])


def send(harness: Harness, user: str, kind: str, value: object) -> None:
    """One bad answer: checked like every property input (clean, fits, refusal = no change)."""
    assert harness.send(event_for(harness, user, kind, value))


def test_garbage_at_every_step_of_publishing(harness: Harness) -> None:
    service = magazine_of(harness.app).service

    def path_to(step: str) -> list[tuple[str, object]]:
        number = harness.run(service.next_number())
        steps: list[tuple[str, object]] = [
            ("text", "/magazine_nieuw"),
            ("text", str(number)),
            ("text", "Titel"),
            ("text", "11-05-2027"),
            ("text", "Samenvatting."),
            ("button", "cv:edition:cover:none"),
            ("upload", ("nummer.pdf", pdf())),
            ("text", "https://dewerkvereniging.nl/magazine"),
            ("button", "cv:edition:preview:change"),
        ]
        return steps[: EDITION_STEPS.index(step) + 1]

    def at(step: str) -> None:
        @PER_STEP
        @given(answer=answers("edition", step))
        def garbage(answer: tuple[str, object]) -> None:
            reach(harness, "olga", path_to(step))
            send(harness, "olga", *answer)

        garbage()

    for step in EDITION_STEPS:
        at(step)


def test_garbage_at_every_step_of_contributing(harness: Harness) -> None:
    service = magazine_of(harness.app).service
    anna = harness.run(harness.app.members.service.caller(harness.identity("anna"))).member_id
    assert anna is not None
    path = [
        ("text", "/inzending"),
        ("button", "cv:contribution:kind:mening"),
        ("text", "Een mening van minstens tien tekens."),
        ("upload", ("stuk.pdf", pdf())),
    ]

    def at(step: str) -> None:
        @PER_STEP
        @given(answer=answers("contribution", step))
        def garbage(answer: tuple[str, object]) -> None:
            reach(harness, "anna", path[: CONTRIBUTION_STEPS.index(step) + 1])
            send(harness, "anna", *answer)
            harness.run(harness.app.router.handle(harness.text("anna", "/stop")))
            harness.run(service.erase(anna))  # sent ones must not fill her quota

        garbage()

    for step in CONTRIBUTION_STEPS:
        at(step)
