"""Broadcasts through the real core and the outbox engine, in the recording chat.

Members choose topics (nothing is on unless they say so), organizers compose in chat with
a preview only they see, the outbox sends one copy per member, and planned, stopped and
cancelled broadcasts behave.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import time_machine

from bot.app import Werkbot
from bot.core.types import Chat, Identity, Reply
from storage.types import utcnow
from storage.vocabulary import Topic
from tests.support.chat import RecordingChat, code_in, fill_in_registration, text_of
from tests.support.outbox import announcement, sent
from tests.support.waiting import wait_until
from tests.surveys.conftest import make_member


def delivered_to(chat: RecordingChat, user: str) -> list[str]:
    return [reply.text for target, reply in chat.delivered if target.chat_id == user]


async def choose(app: Werkbot, member_id: int, *topics: Topic) -> None:
    for topic in topics:
        await app.broadcasts.service.choices.set_topic(member_id, topic, True)


async def compose(chat: RecordingChat, user: str, topic: str, text: str) -> str:
    """Walk /aankondiging to the preview; every text the organizer saw."""
    seen = [text_of(await chat.say(user, "/aankondiging"))]
    seen.append(text_of(await chat.press(user, f"cv:compose:topic:{topic}")))
    seen.append(text_of(await chat.say(user, text)))
    seen.append(text_of(await chat.press(user, "cv:compose:file:none")))
    seen.append(text_of(await chat.say(user, "https://dewerkvereniging.nl/magazine Lees meer")))
    seen.append(text_of(await chat.press(user, "cv:compose:audience:work_situation")))
    seen.append(text_of(await chat.press(user, "cv:compose:segment:zzp")))
    seen.append(text_of(await chat.press(user, "cv:compose:segment:done")))
    seen.append(text_of(await chat.press(user, "cv:compose:when:now")))
    return "\n".join(seen)


async def test_registration_asks_once_and_nothing_is_on(
    app: Werkbot, english_chat: RecordingChat
) -> None:
    replies = await fill_in_registration(english_chat, "nina", "Nina de Vries", "nina@example.org")
    text = text_of(await english_chat.say("nina", code_in(text_of(replies))))
    assert "Nothing is on unless you switch it on" in text and "⬜ magazine" in text
    assert "✅" not in text
    member_id = (await app.members.service.caller(Identity("console", "nina"))).member_id
    assert member_id is not None
    assert await app.broadcasts.service.choices.topics_of(member_id) == set()
    # /meldingen switches one on and off again; it never asks a second time after that.
    await english_chat.say("nina", "/meldingen")
    on = text_of(await english_chat.press("nina", "bc:on:1"))
    assert "✅ magazine" in on
    assert await app.broadcasts.service.choices.topics_of(member_id) == {Topic.MAGAZINE}
    assert "⬜ magazine" in text_of(await english_chat.press("nina", "bc:off:1"))
    assert not await app.broadcasts.service.choices.ask_once(member_id)
    # Typed: Dutch names and English aliases, on when "aan"/"on" is left out.
    await english_chat.say("nina", "/notifications news")
    await english_chat.say("nina", "/meldingen peilingen aan")
    assert await app.broadcasts.service.choices.topics_of(member_id) == {
        Topic.NIEUWS,
        Topic.PEILINGEN,
    }
    assert "✅ peilingen" not in text_of(await english_chat.say("nina", "/meldingen surveys off"))
    refused = await english_chat.say("nina", "/meldingen sport aan")
    assert refused[0].refusal
    assert await app.broadcasts.service.choices.topics_of(member_id) == {Topic.NIEUWS}


async def test_an_announcement_reaches_only_members_who_chose_the_topic_once(
    app: Werkbot, english_chat: RecordingChat
) -> None:
    fan = await make_member(app, "fan")  # zzp, chose nieuws
    await make_member(app, "stil")  # zzp, chose nothing
    other = await make_member(app, "ander", work="loondienst")  # chose nieuws, other segment
    linked = await make_member(app, "twee")  # zzp, chose nieuws, with a second account
    await choose(app, fan, Topic.NIEUWS)
    await choose(app, other, Topic.NIEUWS)
    await choose(app, linked, Topic.NIEUWS)
    code, _expires = await app.members.service.new_link_code(linked)
    await app.members.service.link("console", "twee-laptop", code)

    seen = await compose(english_chat, "olga", "nieuws", "*Festival* op 11 mei: _kom ook_!")
    assert "Above is the message as members will see it" in seen
    assert "Reaches: 2 members" in seen
    assert delivered_to(english_chat, "fan") == []  # the preview went to the organizer only
    done = text_of(await english_chat.press("olga", "cv:compose:preview:send"))
    assert "on its way to 2 members" in done
    await sent(app)

    got = delivered_to(english_chat, "fan")
    assert len(got) == 1 and "*Festival* op 11 mei" in got[0]
    assert "Switch it off with /meldingen" in got[0]
    assert delivered_to(english_chat, "stil") == [] and delivered_to(english_chat, "ander") == []
    copies = delivered_to(english_chat, "twee") + delivered_to(english_chat, "twee-laptop")
    assert len(copies) == 1
    message = next(r for c, r in english_chat.delivered if c.chat_id == "fan")
    assert message.markup and message.all_buttons[0].url == "https://dewerkvereniging.nl/magazine"
    report = text_of([r for c, r in english_chat.delivered if c.chat_id == "olga"])
    assert "is done: 2 sent, 0 failed, 0 unreachable" in report
    status = await english_chat.say("olga", "/aankondiging_status 1")
    assert "sent 2" in text_of(status)


async def test_a_planned_broadcast_goes_out_after_a_restart(
    make_settings, english_chat: RecordingChat
) -> None:
    settings = make_settings(organizers="console:olga")
    first = Werkbot(settings)
    await first.start()
    member = await make_member(first, "fan")
    await choose(first, member, Topic.EVENEMENTEN)
    due = utcnow() + timedelta(hours=3)
    broadcast_id = await first.broadcasts.service.broadcast(
        announcement(
            "Morgen is het Festival!",
            Topic.EVENEMENTEN,
            [member],
            planned_at=due,
        )
    )
    await first.broadcasts.engine.step()
    assert (await first.broadcasts.service.get(broadcast_id)).status == "planned"
    await first.stop()

    with time_machine.travel(due + timedelta(minutes=1), tick=True):
        second = Werkbot(settings)
        await second.start()
        try:
            chat = RecordingChat(second.router, language_hint="en")
            second.delivery.attach(chat)
            await sent(second)
            assert "Morgen is het Festival!" in text_of([r for _c, r in chat.delivered])
            assert (await second.broadcasts.service.get(broadcast_id)).status == "done"
        finally:
            await second.stop()


async def test_stop_and_cancel(app: Werkbot, english_chat: RecordingChat) -> None:
    await app.broadcasts.engine.stop()  # the test moves the engine itself: stop comes first
    members = [await make_member(app, f"lid{n}") for n in range(3)]
    for member in members:
        await choose(app, member, Topic.NIEUWS)
    planned = await app.broadcasts.service.broadcast(
        announcement(
            "later",
            Topic.NIEUWS,
            members,
            planned_at=utcnow() + timedelta(days=1),
            report_to=Chat("console", "olga"),
        )
    )
    listed = text_of(await english_chat.say("olga", "/aankondigingen"))
    assert f"{planned}. later — planned" in listed
    assert "cancelled" in text_of(await english_chat.press("olga", f"bc:cancel:{planned}"))
    assert "not planned" in text_of(
        await english_chat.say("olga", f"/aankondiging_annuleer {planned}")
    )

    running = await app.broadcasts.service.broadcast(
        announcement(
            "nu",
            Topic.NIEUWS,
            members,
            report_to=Chat("console", "olga"),
        )
    )
    assert "is stopped" in text_of(await english_chat.say("olga", f"/aankondiging_stop {running}"))
    await sent(app)
    assert all(delivered_to(english_chat, f"lid{n}") == [] for n in range(3))
    counts = await app.broadcasts.service.counts(running)
    assert counts.state("skipped") == 3 and counts.open == 0
    assert "stopped" in text_of([r for c, r in english_chat.delivered if c.chat_id == "olga"])
    refused = await english_chat.say("lid0", f"/aankondiging_stop {running}")
    assert "Only organizers" in text_of(refused)
    pressed = await english_chat.press("lid0", f"bc:stop:{running}")
    assert "not for you" in text_of(pressed)


async def test_a_member_without_the_topic_gets_nothing_even_when_named(
    app: Werkbot, english_chat: RecordingChat
) -> None:
    member = await make_member(app, "nee")
    broadcast_id = await app.broadcasts.service.broadcast(
        announcement("gericht", Topic.ACTIES, [member])
    )
    await sent(app)
    assert delivered_to(english_chat, "nee") == []
    assert (await app.broadcasts.service.get(broadcast_id)).total == 0


class HeldSender:
    """A console sender that holds every message until the test lets go."""

    platform = "console"

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.started = 0
        self.sent: list[str] = []

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        self.started += 1
        await self.go.wait()
        self.sent.append(chat.chat_id)
        return str(len(self.sent))


async def test_stopping_records_what_is_in_flight_and_gives_back_the_rest(app: Werkbot) -> None:
    held = HeldSender()
    app.delivery.attach(held)
    members = [await make_member(app, f"lid{n}") for n in range(40)]
    for member in members:
        await choose(app, member, Topic.NIEUWS)
    broadcast_id = await app.broadcasts.service.broadcast(
        announcement("nieuws", Topic.NIEUWS, members)
    )
    await wait_until(lambda: held.started >= 8, 10, "eight messages in flight")
    stopping = asyncio.ensure_future(app.broadcasts.engine.stop())
    await asyncio.sleep(0)
    held.go.set()
    await stopping
    counts = await app.broadcasts.service.counts(broadcast_id)
    assert counts.state("sent") == len(held.sent) <= 8  # only what was in flight went out
    assert counts.state("pending") == 40 - len(held.sent) and counts.state("sending") == 0

    app.broadcasts.engine.start()  # the next start sends the rest, nobody twice
    await sent(app)
    assert sorted(held.sent) == sorted(f"lid{n}" for n in range(40))


async def test_compose_with_a_file_change_the_text_and_plan_it(
    app: Werkbot, english_chat: RecordingChat
) -> None:
    fan = await make_member(app, "fan", province="utrecht")
    elders = await make_member(app, "ver", province="limburg")
    for member in (fan, elders):
        await choose(app, member, Topic.EVENEMENTEN)
    chat = english_chat
    await chat.say("olga", "/aankondiging")
    await chat.press("olga", "cv:compose:topic:evenementen")
    await chat.say("olga", "Eerste versie")
    picture = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert "No button" in text_of(await chat.upload("olga", "festival.png", picture))
    await chat.press("olga", "cv:compose:link:none")
    await chat.press("olga", "cv:compose:audience:province")
    await chat.press("olga", "cv:compose:segment:utrecht")
    await chat.press("olga", "cv:compose:segment:done")
    assert "Type the date and time" in text_of(await chat.press("olga", "cv:compose:when:later"))
    refused = await chat.say("olga", "2020-01-01 09:00")
    assert "passed" in text_of(refused)  # a moment in the past is asked again
    preview = text_of(await chat.say("olga", "2030-05-10 09:00"))
    assert "Eerste versie" in preview and "Reaches: 1 member" in preview
    assert "10-05-2030 09:00" in preview
    # Change: back to the text; what follows is asked again.
    assert "Type the text" in text_of(await chat.press("olga", "cv:compose:preview:change"))
    await chat.say("olga", "*Festival* op 11 mei")
    await chat.press("olga", "cv:compose:file:none")
    await chat.press("olga", "cv:compose:link:none")
    await chat.press("olga", "cv:compose:audience:province")
    await chat.press("olga", "cv:compose:segment:utrecht")
    await chat.press("olga", "cv:compose:segment:done")
    await chat.press("olga", "cv:compose:when:later")
    await chat.say("olga", "2030-05-10 09:00")
    planned = text_of(await chat.press("olga", "cv:compose:preview:send"))
    assert "is planned for 10-05-2030 09:00" in planned
    assert delivered_to(chat, "fan") == [] and delivered_to(chat, "ver") == []

    broadcast = (await app.broadcasts.service.recent())[0]
    assert broadcast.status == "planned" and broadcast.total == 1
    assert broadcast.title == "Festival op 11 mei"
    with time_machine.travel(broadcast.planned_at + timedelta(seconds=1), tick=True):
        await sent(app)
    (got,) = delivered_to(chat, "fan")
    assert got.startswith("*Festival* op 11 mei") and "Eerste versie" not in got
    assert delivered_to(chat, "ver") == []  # Limburg was not chosen
