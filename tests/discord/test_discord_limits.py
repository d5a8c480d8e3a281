"""Discord's limits, end-to-end and as properties: real discord.py against a fake Discord
that refuses what Discord refuses (2,000 characters of content, labels up to 80, custom
ids up to 100, 5 rows of 5), counting code points as Discord does.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import re

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters._text import shorten, split
from bot.adapters.discord._views import (
    MAX_CONTENT,
    MAX_LABEL,
    build_view,
    contents,
    fits,
)
from bot.core.commands import Action, Command
from bot.core.context import Context
from bot.core.i18n import translate
from bot.core.types import Attachment, Button, Chat, Reply, Role, buttons
from tests.discord.fake import CHANNEL_ID, FakeDiscord, custom_ids, form_errors
from tests.support.splitting import assert_pieces_of

LONG_TEXT = "\n".join(f"Regel {n}: " + "woord " * 12 for n in range(48))  # ~4,000 characters
LONG_LABEL = "Een heel lange optie die veel meer dan tachtig tekens telt, want zo gaat dat " * 2


def _command(registry, name: str, reply: Reply) -> None:
    async def handler(ctx: Context) -> Reply:
        return reply

    registry.command(Command(name, name, name.title(), handler, role=Role.GUEST))


def _labels(body: dict) -> list[str]:
    data = body.get("data", body) if "type" in body else body
    return [c.get("label", "") for row in data.get("components", []) for c in row["components"]]


async def test_long_content_arrives_in_pieces_of_at_most_2000(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    assert 3800 < len(LONG_TEXT) < 4200
    async with werkbot_on_discord() as (app, adapter):
        _command(app.registry, "lang", Reply(LONG_TEXT, buttons=buttons(Button("Ok", "x:ok"))))
        interaction = await fake.command("lang", 601)
        await fake.wait_for(
            lambda: any(custom_ids(a.json or {}) for a in fake.answers(interaction)),
            what="the last piece, with the buttons",
        )
        texts = fake.texts(interaction)
        assert len(texts) >= 2 and all(len(text) <= MAX_CONTENT for text in texts)
        assert_pieces_of(LONG_TEXT, texts)
        answers = fake.answers(interaction)  # the buttons go with the last piece only
        assert [custom_ids(a.json) for a in answers] == [[]] * (len(texts) - 1) + [["x:ok"]]

        # A message nobody asked for, to a member's direct messages: the same pieces.
        await adapter.send(Chat("discord", "602"), Reply(LONG_TEXT))
        sent = fake.dm_texts(602)
        assert len(sent) >= 2 and all(len(text) <= MAX_CONTENT for text in sent)
        assert_pieces_of(LONG_TEXT, sent)
        assert fake.refused == []


async def test_emoji_count_as_one_character_on_discord(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord() as (_app, adapter):
        await adapter.send(Chat("discord", str(CHANNEL_ID), is_private=False), Reply("😀" * 2000))
        await adapter.send(Chat("discord", str(CHANNEL_ID), is_private=False), Reply("😀" * 2001))
        posts = fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
        assert [len(post.json["content"]) for post in posts] == [2000, 2000, 1]
        assert fake.refused == []


async def test_long_labels_are_shortened_and_wide_rows_continue(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    wide = tuple(Button(f"Optie {n}", f"x:{n}") for n in range(7))
    reply = Reply(
        "Kies",
        buttons=(
            (Button(LONG_LABEL, "x:long"),),
            wide,
            (Button("   ", "x:blank"), Button(LONG_LABEL, url="https://example.org/")),
        ),
    )
    async with werkbot_on_discord() as (app, _adapter):
        _command(app.registry, "kies", reply)
        interaction = await fake.command("kies", 603)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback"))[
            0
        ]
        labels = _labels(callback.json)
        assert labels[0] == shorten(LONG_LABEL.strip(), MAX_LABEL)
        assert len(labels[0]) == MAX_LABEL and labels[0].endswith("…")
        rows = callback.json["data"]["components"]
        assert [len(row["components"]) for row in rows] == [1, 5, 2, 2]
        assert labels[-2:] == ["…", labels[0]]  # a blank label, a shortened link label
        assert custom_ids(callback.json)[1:] == [f"x:{n}" for n in range(7)] + ["x:blank"]
        assert fake.refused == []


async def test_a_replacing_answer_removes_the_old_buttons(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async def keep(ctx: Context, parts: list[str]) -> Reply:
        return Reply("Er is niets gewist.", replace=True)

    async with werkbot_on_discord() as (app, _adapter):
        app.registry.action(Action("xk", keep))
        pressed = await fake.press("xk:keep", 604)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback"))[0]
        assert callback.json["type"] == 7  # the message with the button, edited
        assert callback.json["data"]["content"] == "Er is niets gewist."
        assert callback.json["data"]["components"] == []


async def test_a_file_that_cannot_be_fetched_gets_a_clear_answer(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord():
        fake.gone.add("vragen.yaml")
        await fake.direct_message(605, "", files={"vragen.yaml": b"title: x\n"})
        # No interaction yet, so no Discord locale: the default language, Dutch.
        expected = translate(
            "I could not fetch that file from Discord. Please send it again.", "nl"
        )
        answer = await fake.wait_for(lambda: fake.dm_texts(605), what="an answer to the file")
        assert answer == [expected]
        # Still serving: the next message is answered.
        await fake.direct_message(605, "hallo")
        await fake.wait_for(lambda: len(fake.dm_texts(605)) == 2, what="an answer to text")


async def test_the_fake_refuses_what_discord_refuses(fake: FakeDiscord, werkbot_on_discord) -> None:
    """The strict fake is what makes the tests above worth something: it does refuse."""
    async with werkbot_on_discord() as (_app, adapter):
        channel = adapter.client.get_partial_messageable(CHANNEL_ID)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("x" * 2001)
        assert refused.value.status == 400 and refused.value.code == 50035
        assert "content" in str(fake.refused[-1][1]["errors"])
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="x" * 81, custom_id="x:1"))
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("Kies", view=view)
        assert refused.value.code == 50035 and "label" in str(fake.refused[-1][1]["errors"])
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("   ")
        assert refused.value.code == 50006
    assert form_errors({"components": [{"type": 1, "components": []}]})
    long_id = {"type": 2, "style": 2, "label": "x", "custom_id": "x" * 101}
    assert form_errors({"components": [{"type": 1, "components": [long_id]}]})
    assert form_errors({"components": [{"type": 1, "components": [long_id]}] * 6})


# -- properties of the splitting and of fits ----------------------------------------------------

TRICKY = ["😀", "👍🏽", "🇳🇱", "e\u0301", "\u200d", "\n", " ", "a", "é"]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(TRICKY), max_size=400).map("".join),
)


@given(text=texts, limit=st.integers(min_value=1, max_value=40))
@settings(database=None, deadline=None, max_examples=300)
def test_every_piece_fits_and_nothing_is_lost(text: str, limit: int) -> None:
    pieces = split(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert_pieces_of(text, pieces)


@given(
    units=st.lists(st.sampled_from([unit for unit in TRICKY if unit != "\u200d"]), max_size=400),
    limit=st.integers(5, 40),
)
@settings(database=None, deadline=None, max_examples=200)
def test_cuts_fall_between_whole_characters(units: list[str], limit: int) -> None:
    text = "".join(units)  # TRICKY without the lone joiner: whole characters only
    boundaries = set(itertools.accumulate(map(len, units), initial=0))
    position = 0
    for piece in split(text, limit):
        start = text.index(piece, position)
        assert start in boundaries and start + len(piece) in boundaries, piece
        position = start + len(piece)


@given(text=st.text(min_size=1, max_size=200), limit=st.integers(min_value=2, max_value=90))
@settings(database=None, deadline=None)
def test_shorten_stays_within_the_limit(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert len(short) <= limit
    assert short == text or (short.endswith("…") and text.startswith(short[:-1].rstrip()))


labels = st.text(max_size=120)
actions = st.text(min_size=1, max_size=64).filter(lambda a: len(a.encode()) <= 64)
rows = st.lists(st.lists(st.builds(Button, labels, actions), max_size=7), max_size=7).map(
    lambda built: tuple(tuple(row) for row in built)
)


@given(
    text=st.one_of(texts, st.just("x" * 4001)),
    buttons=rows,
    answer=st.booleans(),
    attachment=st.sampled_from([None, Attachment("a.png", b"x", "image/png")]),
)
@settings(database=None, deadline=None, max_examples=200)
def test_what_is_sent_passes_the_fakes_form_checks(
    text: str, buttons: tuple[tuple[Button, ...], ...], answer: bool, attachment
) -> None:
    reply = Reply(text, buttons=buttons, attachment=attachment)
    for content in contents(reply):
        assert form_errors({"content": content}) == {} and content.strip()
    view = build_view(reply, answer_button=answer)
    if view is not None:
        assert form_errors({"components": view.to_components()}) == {}
    problems = fits(reply, answer_button=answer)
    assert all("left out" in problem or "nothing to say" in problem for problem in problems)
    if not problems:  # every button is shown: 5 rows of 5 at most, one spot for the modal
        assert sum(map(len, buttons)) <= 25 - int(answer)


def test_fits_on_plain_replies() -> None:
    assert fits(Reply("x" * 4000)) == []
    assert fits(Reply("", attachment=Attachment("a.txt", b"x"))) == []
    assert contents(Reply("", attachment=Attachment("a.txt", b"x"))) == ["📎"]
    assert fits(Reply("")) == ["the reply has no text, file or buttons: nothing to say"]
    full = tuple(tuple(Button(str(n), f"x:{r}:{n}") for n in range(5)) for r in range(5))
    assert fits(Reply("Kies", buttons=full)) == []
    assert fits(Reply("Kies", buttons=full), answer_button=True) == [
        "1 of the buttons would be left out"
    ]


async def test_messages_nobody_asked_for_keep_the_global_limit(
    werkbot_on_discord, fake: FakeDiscord
) -> None:
    """A broadcast to many members opens their DM channels and sends: every REST request
    passes one sliding window (here 10 a second, Discord's is 50), so no second sees more."""
    async with werkbot_on_discord(global_rate=10.0) as (_app, adapter):
        started = len(fake.requests)
        await asyncio.gather(
            *(adapter.send(Chat("discord", str(7000 + n)), Reply(f"Nieuws {n}")) for n in range(12))
        )
        made = sorted(
            r.at
            for r in fake.requests[started:]
            if r.method == "POST"
            and re.search(r"^/users/@me/channels$|^/channels/\d+/messages$", r.path)
        )
    assert len(made) == 24  # a DM channel and a message for each member
    # The window is exact where requests start; on arrival they may bunch a little (a busy
    # loop), so the fake counts over two seconds and allows one more.
    assert max(bisect.bisect_left(made, t + 2.0) - i for i, t in enumerate(made)) <= 21
    assert made[-1] - made[0] >= 1.9  # 24 requests at 10 a second
