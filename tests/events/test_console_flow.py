"""An organizer runs an event through the console chat: create, sign up, door."""

from __future__ import annotations

import time_machine

from bot.app import Werkbot
from tests.events.conftest import event_file, make_member
from tests.support.chat import RecordingChat, text_of

NOW = "2026-12-01 12:00:00+00:00"


@time_machine.travel(NOW, tick=False)
async def test_an_organizer_creates_an_event_in_a_short_conversation(
    app: Werkbot, chat: RecordingChat
) -> None:
    assert "What kind of event" in text_of(await chat.say("olga", "/evenement_nieuw"))
    await chat.press("olga", "cv:event_new:kind:bijeenkomst")
    assert "start" in text_of(await chat.say("olga", "Ledenavond Utrecht"))
    refused = text_of(await chat.say("olga", "2027-03-28 02:30"))
    assert "does not exist" in refused  # the hour skipped when summer time starts
    assert "end" in text_of(await chat.say("olga", "2027-03-30 19:30"))
    assert "Where" in text_of(await chat.say("olga", "21:30"))
    assert "address" in text_of(await chat.say("olga", "De Werkplaats"))
    assert "How many places" in text_of(await chat.say("olga", "Oudegracht 1, Utrecht"))
    assert "guest" in text_of(await chat.say("olga", "25"))
    await chat.press("olga", "cv:event_new:guest:no")
    preview = text_of(await chat.press("olga", "cv:event_new:description:none"))
    assert "Ledenavond Utrecht" in preview and "19:30–21:30" in preview
    assert "openstreetmap.org" in preview and "25 places left" in preview
    saved = text_of(await chat.press("olga", "cv:event_new:preview:save"))
    assert "Event 1 is created" in saved

    listing = await chat.say("olga", "/evenementen")
    assert "Ledenavond Utrecht" in text_of(listing)


@time_machine.travel(NOW, tick=False)
async def test_members_sign_up_and_the_door_checks_them_in(
    app: Werkbot, chat: RecordingChat
) -> None:
    created = text_of(await chat.upload("olga", "festival.yaml", event_file(capacity=1)))
    assert "Event 1 is created" in created
    await make_member(app, "anna")
    await make_member(app, "bob")

    page = await chat.say("anna", "/evenement 1")
    assert "1 place left" in text_of(page)
    going = await chat.press("anna", "ev:go:1")
    assert "You are going" in text_of(going)
    ics = [reply.attachment for reply in going if reply.attachment and reply.attachment.filename.endswith(".ics")]
    assert ics and b"BEGIN:VCALENDAR" in ics[0].data
    qr = [reply for reply in going if reply.attachment and reply.attachment.mime_type == "image/png"]
    assert qr
    code = qr[0].text.split(": ", 1)[1].split("\n", 1)[0]

    waiting = text_of(await chat.press("bob", "ev:go:1"))
    assert "waitlist, number 1" in waiting

    assert "Only the door staff" in text_of(await chat.say("bob", f"/inchecken {code}"))
    with time_machine.travel("2027-05-11 08:30:00+00:00", tick=False):
        first = text_of(await chat.say("olga", f"/inchecken {code}"))
        assert "Welcome, Lid anna" in first
        again = text_of(await chat.say("olga", f"/inchecken {code}"))
        assert "already checked in, at 10:30" in again
    assert "Unknown code" in text_of(await chat.say("olga", "/inchecken AAAA-BBBB"))


@time_machine.travel(NOW, tick=False)
async def test_an_event_for_a_segment_is_shown_only_to_that_segment(
    app: Werkbot, chat: RecordingChat
) -> None:
    extra = "audience:\n  work_situation: [zzp]\n"
    assert "Event 1 is created" in text_of(await chat.upload("olga", "zzp.yaml", event_file(extra=extra)))
    await make_member(app, "anna", work="zzp")
    await make_member(app, "bob", work="loondienst")
    assert "Festival" in text_of(await chat.say("anna", "/evenement 1"))
    assert "not open to you" in text_of(await chat.say("bob", "/evenement 1"))
    assert "not open to you" in text_of(await chat.say("gast", "/evenement 1"))
    assert "Festival" in text_of(await chat.say("olga", "/evenement 1"))
