"""The magazine through the real core and the outbox engine, in the recording chat.

Organizers publish an edition in chat (a preview first, exactly as members get it); the
outbox brings it only to members who chose the topic "magazine"; members send the editors
contributions, organizers accept or decline them, and the contributor is thanked in their
own language; a contributor's data is exported and erased; bad input is refused politely
and changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from bot.app import Werkbot
from bot.core.i18n import translate
from bot.core.types import Reply
from storage.records.magazine import NewEdition
from tests.magazine.conftest import TEN_MB, magazine_of, pdf, png
from tests.support.chat import RecordingChat, text_of
from tests.support.outbox import sent
from tests.surveys.conftest import make_member


def database(app: Werkbot) -> Path:
    return Path(app.settings.database_url.split(":///", 1)[1])


def count(app: Werkbot, table: str) -> int:
    connection = sqlite3.connect(database(app))
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        connection.close()


def delivered_to(chat: RecordingChat, user: str) -> list[Reply]:
    return [reply for target, reply in chat.delivered if target.chat_id == user]


async def magazine_topic_on(chat: RecordingChat, user: str) -> None:
    """The member switches the topic "magazine" on with the /meldingen buttons."""
    menu = await chat.say(user, "/meldingen")
    assert "bc:on:1" in [button.action for reply in menu for button in reply.all_buttons]
    switched = await chat.press(user, "bc:on:1")
    assert "✅ magazine" in text_of(switched)


async def publish_one(app: Werkbot, number: int, title: str) -> None:
    await magazine_of(app).service.publish(
        NewEdition(
            number=number,
            title=title,
            published_on=date(2026, 5, 11),
            summary=f"Samenvatting van nummer {number}.",
            link_url=f"https://dewerkvereniging.nl/magazine/{number}",
            cover_file_id=None,
            pdf_file_id=None,
            created_by="test",
        )
    )


# -- reading -------------------------------------------------------------------------------------


async def test_the_latest_edition_and_the_earlier_ones(app: Werkbot, chat: RecordingChat) -> None:
    assert "No edition" in text_of(await chat.say("gast", "/magazine"))
    assert await app.load_demo()
    assert not [line for line in await app.load_demo() if "magazine" in line]  # idempotent
    await publish_one(app, 2, "Zekerheid voor iedereen")
    await publish_one(app, 3, "De toekomst van werk")

    replies = await chat.say("gast", "/magazine")  # the magazine is public: also for guests
    latest, listed = replies
    assert "#3 — De toekomst van werk" in latest.text and "Published 11-05-2026" in latest.text
    assert latest.all_buttons[0].url == "https://dewerkvereniging.nl/magazine/3"
    assert "Earlier editions:" in listed.text and "#1 — Werk in vernieuwing (demo)" in listed.text
    assert [button.label for button in listed.all_buttons] == ["#2", "#1"]
    opened = await chat.press("gast", 1)
    assert "#2 — Zekerheid voor iedereen" in text_of(opened)
    assert text_of(await chat.say("gast", "/magazine_latest")) == text_of(replies)


# -- publishing ----------------------------------------------------------------------------------


async def test_an_organizer_publishes_and_only_members_with_the_topic_get_it(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "anna")
    await make_member(app, "bob")
    await magazine_topic_on(chat, "anna")

    asked = text_of(await chat.say("olga", "/magazine_nieuw"))
    assert "Which number is it? The next one is 1." in asked
    assert "The title of edition #1?" in text_of(await chat.press("olga", 1))
    assert "publication date" in text_of(await chat.say("olga", "De toekomst van werk"))
    assert "summary" in text_of(await chat.say("olga", "11-05-2027"))
    assert "cover" in text_of(await chat.say("olga", "Tien adviezen uit het netwerk."))
    assert "PDF" in text_of(await chat.upload("olga", "voorkant.png", png()))
    assert "No link" in text_of(await chat.upload("olga", "nummer1.pdf", pdf()))
    preview = await chat.say("olga", "https://dewerkvereniging.nl/magazine/1")

    cover, document, question = preview
    assert cover.attachment is not None and cover.attachment.mime_type == "image/png"
    assert "📰 Magazine van de Vernieuwing #1 — De toekomst van werk" in cover.text
    assert "Published 11-05-2027" in cover.text and "Tien adviezen" in cover.text
    assert cover.all_buttons[0].url == "https://dewerkvereniging.nl/magazine/1"
    assert document.attachment is not None and document.attachment.mime_type == "application/pdf"
    assert "Switch it off with /meldingen" in document.text
    assert "Above is the edition as members will see it" in question.text
    assert [b.label for b in question.all_buttons] == ["Send", "Change", "Cancel"]
    assert delivered_to(chat, "anna") == []  # the preview is for the organizer only

    done = text_of(await chat.press("olga", "cv:edition:preview:send"))
    assert "Edition #1 is published. Broadcast 1 is on its way" in done
    await sent(app)

    got = delivered_to(chat, "anna")
    assert [reply.text for reply in got] == [cover.text, document.text]
    assert got[0].attachment == cover.attachment and got[0].all_buttons == cover.all_buttons
    assert got[1].attachment is not None and got[1].attachment.data == pdf()
    assert delivered_to(chat, "bob") == []  # no topic, no magazine
    report = text_of(delivered_to(chat, "olga"))
    assert "is done: 1 sent, 0 failed, 0 unreachable" in report
    assert text_of(await chat.say("bob", "/magazine")).startswith(
        "📰 Magazine van de Vernieuwing #1"
    )


async def test_change_and_cancel_in_the_preview(app: Werkbot, chat: RecordingChat) -> None:
    await chat.say("olga", "/magazine_nieuw")
    await chat.say("olga", "7")
    await chat.say("olga", "Eerst een titel")
    await chat.press("olga", "cv:edition:date:today")
    await chat.say("olga", "Kort.")
    await chat.press("olga", "cv:edition:cover:none")
    assert "Type the link" in text_of(await chat.press("olga", "cv:edition:pdf:none"))
    await chat.say("olga", "https://dewerkvereniging.nl/magazine/7")
    assert "What do you want to change?" in text_of(
        await chat.press("olga", "cv:edition:preview:change")
    )
    await chat.press("olga", "cv:edition:change:title")
    changed = await chat.say("olga", "Een betere titel")
    assert "#7 — Een betere titel" in changed[0].text and "Above is the edition" in changed[-1].text
    cancelled = text_of(await chat.press("olga", "cv:edition:preview:cancel"))
    assert "nothing was published" in cancelled
    assert count(app, "magazine_editions") == 0


async def test_bad_input_while_publishing_is_refused_and_changes_nothing(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "anna")
    assert "Only organizers" in text_of(await chat.say("anna", "/magazine_nieuw"))
    assert "Only organizers" in text_of(await chat.say("gast", "/magazine_nieuw"))
    await publish_one(app, 1, "Al verschenen")

    await chat.say("olga", "/magazine_nieuw")
    for typed in ("abc", "0", "10000", "1"):  # 1 is taken
        refused = await chat.say("olga", typed)
        assert refused[0].refusal, typed
    assert "There already is an edition number 1." in refused[0].text
    await chat.say("olga", "2")
    await chat.say("olga", "Titel")
    for typed in ("0001-01-01", "31-12-9999", "30-02-2027", "morgen", "1-1-1"):
        refused = await chat.say("olga", typed)
        assert refused[0].refusal, typed
    assert "between 1970 and 2199" in text_of(await chat.say("olga", "0001-01-01"))
    await chat.say("olga", "2027-05-11")
    await chat.say("olga", "Samenvatting.")

    before = count(app, "magazine_files")
    too_large = await chat.upload("olga", "groot.png", b"\x89PNG\r\n\x1a\n" + bytes(TEN_MB))
    assert too_large[0].refusal and "too large (at most 5 MB)" in too_large[0].text
    as_cover = await chat.upload("olga", "nummer.pdf", pdf())
    assert as_cover[0].refusal and "The cover must be an image" in as_cover[0].text
    assert (await chat.say("olga", "hier is hij"))[0].refusal
    assert count(app, "magazine_files") == before

    await chat.upload("olga", "voorkant.png", png())
    not_a_pdf = await chat.upload("olga", "voorkant.png", png())
    assert not_a_pdf[0].refusal and "as a PDF file" in not_a_pdf[0].text
    await chat.press("olga", "cv:edition:pdf:none")
    for typed in ("http://onveilig.example", "dewerkvereniging.nl", "https://", "none"):
        assert (await chat.say("olga", typed))[0].refusal, typed
    assert count(app, "magazine_files") == before + 1  # the cover only
    assert count(app, "magazine_editions") == 1


# -- contributions -----------------------------------------------------------------------------


async def contribute(
    chat: RecordingChat, user: str, kind: str, text: str, file: bytes | None
) -> str:
    """Walk /inzending to the end; the member's last answer."""
    await chat.say(user, "/inzending")
    asked = await chat.press(user, f"cv:contribution:kind:{kind}")
    assert asked[-1].expects_text  # "Type your …" in the member's language
    await chat.say(user, text)
    if file is not None:
        confirm = await chat.upload(user, "bijdrage.pdf", file)
        assert "File: bijdrage.pdf" in text_of(confirm)
    else:
        await chat.press(user, "cv:contribution:file:none")
    return text_of(await chat.press(user, "cv:contribution:confirm:send"))


async def test_contributions_are_accepted_or_declined_and_thanked(
    app: Werkbot, chat: RecordingChat
) -> None:
    anna = await make_member(app, "anna")
    bob = await app.members.service.register(
        "console",
        "bob",
        name="Bob Jansen",
        email="bob@example.org",
        work_situation="student",
        province="utrecht",
        language="nl",
    )
    assert "Thank you! The editors have your advice (contribution 1)" in await contribute(
        chat, "anna", "advies", "Regel een pensioen dat met je meeverhuist.", pdf("advies")
    )
    await contribute(chat, "bob", "mening", "Flexwerkers verdienen zekerheid.", None)

    inbox = await chat.say("olga", "/inzendingen")
    head, newest, oldest = inbox
    assert "2 contributions wait for a decision" in head.text
    assert newest.text.startswith(f"Contribution 2: opinion from Bob Jansen (member {bob})")
    assert "Flexwerkers verdienen zekerheid." in newest.text and newest.attachment is None
    assert oldest.text.startswith(f"Contribution 1: advice from Lid anna (member {anna})")
    assert oldest.attachment is not None and oldest.attachment.data == pdf("advies")
    assert [b.label for b in oldest.all_buttons] == ["Accept", "Decline"]

    assert "not for you" in text_of(await chat.press("anna", "mg:ok:1"))
    decided = await chat.press("olga", "mg:ok:1")
    assert "Contribution 1 is accepted" in text_of(decided)
    thanks = text_of(delivered_to(chat, "anna"))
    assert "accepted your advice (contribution 1)" in thanks
    again = await chat.press("olga", "mg:no:1")
    assert again[0].refusal and "decided already" in again[0].text

    await chat.press("olga", "mg:no:2")
    # Bob reads Dutch: his message is rendered in his language, whoever pressed the button.
    dutch = translate(
        "Thank you for your {kind} for the Magazine van de Vernieuwing (contribution {id}). "
        "The editors will not use it this time, but they read everything: please keep "
        "sending!",
        "nl",
    ).format(kind=translate("opinion", "nl"), id=2)
    assert text_of(delivered_to(chat, "bob")) == dutch

    assert "No new contributions" in text_of(await chat.say("olga", "/inzendingen"))
    everything = await chat.say("olga", "/inzendingen alles")
    assert len(everything) == 3 and not [r for r in everything if r.all_buttons]
    assert "declined" in everything[1].text and "accepted" in everything[2].text


async def test_who_may_contribute(app: Werkbot, chat: RecordingChat) -> None:
    assert "registered members" in text_of(await chat.say("gast", "/inzending"))
    assert "not registered" in text_of(await chat.say("olga", "/inzending"))  # organizer, no member
    assert "Only organizers" in text_of(await chat.say("gast", "/inzendingen"))
    await make_member(app, "anna")
    assert "Only organizers" in text_of(await chat.say("anna", "/inzendingen"))

    await chat.say("anna", "/inzending")
    await chat.press("anna", "cv:contribution:kind:verhaal")
    assert (await chat.say("anna", "kort"))[0].refusal
    assert (await chat.say("anna", "x" * 2001))[0].refusal
    await chat.say("anna", "Mijn verhaal over werken en mantelzorg.")
    big = await chat.upload("anna", "groot.pdf", b"%PDF-1.4\n" + bytes(TEN_MB))
    assert big[0].refusal and "too large" in big[0].text
    program = await chat.upload("anna", "spel.exe", b"MZ\x90\x00")
    assert program[0].refusal and count(app, "magazine_files") == 0
    assert "nothing was sent" in text_of(
        await chat.press("anna", "cv:contribution:file:none")
        + await chat.press("anna", "cv:contribution:confirm:cancel")
    )
    assert count(app, "magazine_contributions") == 0


# -- AVG/GDPR ----------------------------------------------------------------------------------


async def test_a_contributor_gets_and_erases_their_contributions(
    app: Werkbot, chat: RecordingChat
) -> None:
    anna = await make_member(app, "anna")
    await contribute(chat, "anna", "mening", "Geheime mening van Anna.", pdf("van anna"))

    exported = await chat.say("anna", "/mijngegevens")
    document = exported[0].attachment
    assert document is not None
    data = json.loads(document.data)
    (item,) = data["magazine"]["contributions"]
    assert item["text"] == "Geheime mening van Anna." and item["kind"] == "mening"
    assert item["file"]["name"] == "bijdrage.pdf" and item["state"] == "new"

    await chat.say("anna", "/vergeetmij")
    erased = await chat.press("anna", f"mb:forget:{anna}")
    assert erased and not erased[0].refusal
    assert count(app, "magazine_files") == 0
    connection = sqlite3.connect(database(app))
    try:
        rows = connection.execute(
            "SELECT member_id, author_name, text, file_id FROM magazine_contributions"
        ).fetchall()
    finally:
        connection.close()
    assert rows == [(None, None, None, None)]
    await app.db.scrubbed()
    for path in database(app).parent.glob(database(app).name + "*"):
        assert b"Geheime mening" not in path.read_bytes(), path
    assert "No new contributions" in text_of(await chat.say("olga", "/inzendingen"))
