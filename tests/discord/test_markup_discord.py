"""Werkbot's markup on Discord, and announcement channels.

End-to-end with the real discord.py against the fake Discord: markup becomes Discord
markdown, cut so that no piece breaks a ``**…**`` pair and none is over 2,000 characters
as sent; a message sent to an announcement channel is published to following servers,
one to a text channel is not.
"""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord._views import MAX_CONTENT, contents, fits, markdown_chunks
from bot.core.commands import Command
from bot.core.context import Context
from bot.core.markup import parse, visible
from bot.core.types import Button, Chat, Reply, Role, buttons
from tests.discord.fake import CHANNEL_ID, NEWS_CHANNEL_ID, FakeDiscord, form_errors
from tests.support.splitting import assert_pieces_of

ANNOUNCEMENT = (
    "*Ledenvergadering* op _4 december_: zie [de agenda](https://werkvereniging.nl/agenda)"
)


BARE_URL = re.compile(r"(?<![\w/])https?://[^\s<]+[^<.,:;\"')\]\s]", re.IGNORECASE)
"""Discord's own pattern for a URL it links by itself (and so reads unescaped)."""


def read(markdown: str) -> str:
    """What Discord shows of ``markdown`` as the adapter writes it: the text without its
    markers, link labels (not targets), bare URLs as they are, and escaped characters as
    themselves."""
    shown: list[str] = []
    index = 0
    in_target = False
    while index < len(markdown):
        char = markdown[index]
        url = None if in_target else BARE_URL.match(markdown, index)
        if url is not None:
            shown.append(url.group(0))
            index = url.end()
            continue
        if in_target:
            in_target = char != ")"
        elif char == "\\" and index + 1 < len(markdown):
            index += 1
            shown.append(markdown[index])
        elif char in "*_[":
            pass  # a marker: every literal one is escaped
        elif markdown.startswith("](", index):
            in_target = True
            index += 1
        elif char == "<":
            close = markdown.index(">", index)
            shown.append(markdown[index + 1 : close])  # <url>: a link showing the URL
            index = close
        else:
            shown.append(char)
        index += 1
    return "".join(shown)


def _unescaped(markdown: str, marker: str) -> int:
    """How often ``marker`` is markdown in ``markdown``: not escaped, not in a URL or
    a link target (read as :func:`read` reads)."""
    syntax: list[str] = []
    index = 0
    while index < len(markdown):
        char = markdown[index]
        url = BARE_URL.match(markdown, index)
        if url is not None:
            skipped_to = url.end()
        elif char == "\\":
            skipped_to = index + 2
        elif char == "<":
            skipped_to = markdown.index(">", index) + 1
        elif markdown.startswith("](", index):
            skipped_to = markdown.index(")", index) + 1
        else:
            syntax.append(char)
            index += 1
            continue
        syntax.append(" ")  # what is skipped separates what is around it
        index = skipped_to
    return "".join(syntax).count(marker)


def _command(registry, name: str, reply: Reply) -> None:
    async def handler(ctx: Context) -> Reply:
        return reply

    registry.command(Command(name, name, name.title(), handler, role=Role.GUEST))


async def test_a_markup_reply_is_discord_markdown(fake: FakeDiscord, werkbot_on_discord) -> None:
    async with werkbot_on_discord() as (app, _adapter):
        _command(app.registry, "nieuws", Reply(ANNOUNCEMENT, markup=True))
        interaction = await fake.command("nieuws", 701)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback"))[
            0
        ]
        assert callback.json["data"]["content"] == (
            "**Ledenvergadering** op *4 december*: zie "
            "[de agenda](https://werkvereniging.nl/agenda)"
        )
        # Without markup the same text shows exactly as typed.
        _command(app.registry, "letterlijk", Reply(ANNOUNCEMENT))
        interaction = await fake.command("letterlijk", 701)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback"))[
            0
        ]
        # (its markdown characters escaped: Discord would otherwise make them styles)
        content = callback.json["data"]["content"]
        assert content != ANNOUNCEMENT and read(content) == ANNOUNCEMENT
        assert fake.refused == []


async def test_a_long_announcement_keeps_bold_pairs_whole(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    line = "*Vet en 😀 lang* _schuin_ [link](https://werkvereniging.nl/a?b=1) 2*3 ~x~ #"
    text = "*Een vetgedrukte inleiding die " + "maar doorgaat " * 200 + "*\n"
    text += "\n".join([line] * 60)
    shown = visible(parse(text))
    async with werkbot_on_discord() as (_app, adapter):
        await adapter.send(
            Chat("discord", str(CHANNEL_ID), is_private=False), Reply(text, markup=True)
        )
        posts = [post.json["content"] for post in fake.posted(CHANNEL_ID)]
    assert len(posts) >= 3 and fake.refused == []
    assert all(len(post) <= MAX_CONTENT for post in posts)
    for post in posts:  # every piece closes what it opens
        assert _unescaped(post, "**") % 2 == 0, post[:80]
        assert _unescaped(post.replace("**", ""), "*") % 2 == 0, post[:80]
    assert posts[0].startswith("**Een vetgedrukte") and posts[0].endswith("**")
    assert posts[1].startswith("**")  # the bold sentence goes on, bold again
    assert_pieces_of(shown, [read(post) for post in posts])


async def test_announcement_channels_publish_to_following_servers(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord() as (_app, adapter):
        news = Chat("discord", str(NEWS_CHANNEL_ID), is_private=False)
        message_id = await adapter.send(news, Reply(ANNOUNCEMENT, markup=True))
        await fake.wait_calls("POST", rf"^/channels/{NEWS_CHANNEL_ID}/messages/\d+/crosspost$")
        assert fake.published == [(NEWS_CHANNEL_ID, int(message_id or 0))]

        # A long announcement: every piece is published, in order.
        await adapter.send(news, Reply("woord " * 700))
        await fake.wait_for(lambda: len(fake.published) == 4, what="four publications")
        assert len(fake.posted(NEWS_CHANNEL_ID)) == 4
        published = [message for _channel, message in fake.published]
        assert published == sorted(published) and len(set(published)) == 4

        # A normal text channel and a direct message are never published.
        await adapter.send(Chat("discord", str(CHANNEL_ID), is_private=False), Reply("Hallo"))
        await adapter.send(Chat("discord", "702"), Reply("Hallo"))
        await fake.wait_for(lambda: fake.dm_texts(702), what="the direct message")
    assert len(fake.published) == 4
    assert all(channel == NEWS_CHANNEL_ID for channel, _message in fake.published)
    assert not fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages/\d+/crosspost$")
    assert not fake.calls("GET", r"^/channels/\d+$")  # the guild cache knew both channels


async def test_a_publication_that_fails_is_logged_and_the_send_stands(
    fake: FakeDiscord, werkbot_on_discord, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail(
        "POST",
        r"/crosspost$",
        403,
        body={"message": "Missing Permissions", "code": 50013},
    )
    async with werkbot_on_discord() as (_app, adapter):
        news = Chat("discord", str(NEWS_CHANNEL_ID), is_private=False)
        with caplog.at_level(logging.WARNING):
            message_id = await adapter.send(news, Reply("Nieuws"))
            await fake.wait_calls("POST", r"/crosspost$")
            await fake.wait_for(
                lambda: "not published" in caplog.text, what="a warning about the publication"
            )
        assert message_id is not None and fake.published == []
        assert [post.json["content"] for post in fake.posted(NEWS_CHANNEL_ID)] == ["Nieuws"]


async def test_a_channel_the_cache_does_not_know_is_looked_up_once(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord() as (_app, adapter):
        elsewhere = Chat("discord", "4242", is_private=False)
        await adapter.send(elsewhere, Reply("een"))
        await adapter.send(elsewhere, Reply("twee"))
        assert len(fake.calls("GET", r"^/channels/4242$")) == 1  # 404: not an announcement
        assert len(fake.posted(4242)) == 2 and fake.published == []


# -- contents and fits, without a server --------------------------------------------------------

MARKUP = [
    "*",
    "_",
    "[",
    "](https://x.nl/a_(b))",
    " ",
    "\n",
    "a",
    "😀",
    "~",
    "`",
    "|",
    "#",
    "\\",
    "<",
]
markup_texts = st.one_of(
    st.lists(st.sampled_from(MARKUP), max_size=200).map("".join),
    st.text(max_size=200),
    st.sampled_from(["*" + "vet " * 900 + "*", "_a_ " * 1500, "[x](https://x.nl) " * 400]),
)


@given(text=markup_texts)
@settings(
    database=None, deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
def test_every_markup_piece_passes_the_fakes_form_checks(text: str) -> None:
    reply = Reply(text, buttons=buttons(Button("Meer", url="https://x.nl")), markup=True)
    pieces = contents(reply)
    assert fits(reply) == []
    for piece in pieces:
        assert form_errors({"content": piece}) == {} and piece.strip()
        assert _unescaped(piece, "**") % 2 == 0
    if visible(parse(text)).strip():
        assert_pieces_of(visible(parse(text)), [read(piece) for piece in pieces])


def test_a_link_too_long_for_a_message_still_arrives() -> None:
    url = "https://werkvereniging.nl/" + "a" * 990
    pieces = markdown_chunks(f"[a]({url}) [b]({url}) [c]({url})")
    assert all(len(piece) <= MAX_CONTENT for piece in pieces)
    assert [read(piece) for piece in pieces] == ["a", "b", "c"]


def test_a_plain_reply_shows_a_members_own_words_as_typed() -> None:
    """A letter's own sentences and its mailto link: no styles, nothing lost, under the limit."""
    from bot.adapters.discord._views import MAX_CONTENT, plain_chunks

    own = "Ik **ben** _zzp_ ~~x~~ `code` > quote\n# kop\nmailto:a_b@x.nl?subject=a%20b&body=x_y {naam}"
    pieces = plain_chunks(own)
    assert len(pieces) == 1 and read(pieces[0]) == own
    assert _unescaped(pieces[0], "**") == 0
    long = (own + "\n") * 60
    pieces = plain_chunks(long)
    assert all(len(piece) <= MAX_CONTENT for piece in pieces)
    assert "".join(read(piece) + "\n" for piece in pieces).split() == long.split()
