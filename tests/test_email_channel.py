"""The e-mail channel (``bot.adapters.email.EmailSender``) against a real SMTP server on
127.0.0.1: subject, plain and HTML parts, links, the attachment, the notice on how to stop
(in the recipient's language), and what happens to bad addresses and a failing server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller

from bot.adapters.email import (
    MAX_SUBJECT,
    EmailSender,
    subject_of,
    unsubscribe_notice,
    valid_address,
)
from bot.core.delivery import Unreachable
from bot.core.i18n import language, translate
from bot.core.mail import MailError
from bot.core.types import Attachment, Button, Chat, Reply, buttons
from bot.mail import LogMailer, SmtpMailer
from tests.support.smtp import Inbox, LocalSmtp, free_port

NOTICE = (
    "You receive this by e-mail from Werkbot of De Werkvereniging. To stop, send "
    "/meldingen to Werkbot in Telegram, Discord or the console and switch the topic "
    "or e-mail off."
)
FALLBACK = "A message from Werkbot"
ANNOUNCEMENT = (
    "*Ledenvergadering* op _4 december_ 🗳\n"
    "Meld je aan via [de agenda](https://werkvereniging.nl/agenda?id=4&taal=nl) <graag>."
)
CSV = Attachment("peiling-4.csv", b"werk,provincie\nzzp,utrecht\n", "text/csv")


def mailer(smtp: LocalSmtp, **options: object) -> SmtpMailer:
    return SmtpMailer(
        "127.0.0.1",
        smtp.port,
        "Werkbot <werkbot@werkvereniging.test>",
        security="none",
        timeout=5,
        **options,  # type: ignore[arg-type]
    )


def parts(mail: Message) -> dict[str, Message]:
    """The leaf parts of a mail by content type (an attachment under its file name)."""
    found: dict[str, Message] = {}
    for part in mail.walk():
        if part.is_multipart():
            continue
        found[part.get_filename() or part.get_content_type()] = part
    return found


def text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")


def header(mail: Message, name: str) -> str:
    """A header as the reader sees it (RFC 2047 encoded words decoded, lines unfolded)."""
    raw = mail[name]
    assert raw is not None, f"no {name} header"
    return str(make_header(decode_header(raw))).replace("\r\n", "").replace("\n", "")


async def received(smtp: LocalSmtp, count: int = 1) -> list[Message]:
    return await asyncio.to_thread(smtp.inbox.wait_for, count)


async def test_an_announcement_by_mail(smtp: LocalSmtp) -> None:
    sender = EmailSender(mailer(smtp))
    reply = Reply(
        ANNOUNCEMENT,
        buttons=buttons(
            Button("Aanmelden", url="https://werkvereniging.nl/aanmelden"),
            Button("Ja", "ev:rsvp:yes:4"),  # works in a chat only: left out
        ),
        attachment=CSV,
        markup=True,
    )
    with language("en"):
        message_id = await sender.send(Chat("email", "lid@example.org"), reply)
    (mail,) = await received(smtp)
    assert mail["Message-ID"] == message_id and message_id and message_id.startswith("<")
    assert mail["To"] == "lid@example.org"
    assert parseaddr(mail["From"])[1] == "werkbot@werkvereniging.test"
    assert header(mail, "Subject") == "Ledenvergadering op 4 december 🗳"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] is None  # nothing would act on it: see the module
    assert mail.get_content_type() == "multipart/mixed"
    found = parts(mail)
    assert set(found) == {"text/plain", "text/html", "peiling-4.csv"}

    plain = text_of(found["text/plain"])
    assert plain.startswith(
        "Ledenvergadering op 4 december 🗳\n"
        "Meld je aan via de agenda (https://werkvereniging.nl/agenda?id=4&taal=nl) <graag>.\n"
    )
    assert "Aanmelden: https://werkvereniging.nl/aanmelden" in plain
    assert "rsvp" not in plain and "Ja:" not in plain
    assert plain.rstrip().endswith("-- \n" + NOTICE)
    assert "*" not in plain and "_4" not in plain

    page = text_of(found["text/html"])
    assert '<html lang="en">' in page
    assert "<b>Ledenvergadering</b> op <i>4 december</i> 🗳<br>" in page
    assert (
        '<a href="https://werkvereniging.nl/agenda?id=4&amp;taal=nl">de agenda</a> '
        "&lt;graag&gt;." in page
    )
    assert '<a href="https://werkvereniging.nl/aanmelden">Aanmelden</a>' in page
    assert NOTICE in page

    attached = found["peiling-4.csv"]
    assert attached.get_content_type() == "text/csv"
    assert attached.get_payload(decode=True) == CSV.data


async def test_replies_that_belong_together_are_one_mail(smtp: LocalSmtp) -> None:
    """A magazine edition is a cover with its summary, then the PDF: in a chat two messages,
    in a mailbox one mail with both files."""
    cover = Attachment("omslag.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    pdf = Attachment("magazine-7.pdf", b"%PDF-1.4\n" + b"0" * 64, "application/pdf")
    edition = (
        Reply("📰 Magazine van de Vernieuwing #7 — Werk dat past bij je leven", attachment=cover),
        Reply(
            "Editie #7 als pdf.",
            buttons=buttons(Button("Lees online", url="https://werkvereniging.nl/magazine/7")),
            attachment=pdf,
        ),
    )
    with language("nl"):
        await EmailSender(mailer(smtp)).send_all(Chat("email", "lid@example.org"), edition)
    (mail,) = await received(smtp)
    assert header(mail, "Subject").startswith("📰 Magazine van de Vernieuwing #7")
    found = parts(mail)
    assert set(found) == {"text/plain", "text/html", "omslag.png", "magazine-7.pdf"}
    plain = text_of(found["text/plain"])
    assert plain.index("Werk dat past") < plain.index("Editie #7 als pdf.")
    assert "Lees online: https://werkvereniging.nl/magazine/7" in plain
    assert plain.count(translate(NOTICE, "nl")) == 1
    assert found["magazine-7.pdf"].get_payload(decode=True) == pdf.data


async def test_the_mail_is_in_the_recipients_language(smtp: LocalSmtp) -> None:
    sender = EmailSender(mailer(smtp))
    with language("nl"):
        await sender.send(Chat("email", "lid@example.org"), Reply("Nieuws"))
    with language("en"):
        await sender.send(Chat("email", "member@example.org"), Reply("News"))
    dutch, english = await received(smtp, 2)
    assert translate(NOTICE, "nl") != NOTICE
    assert text_of(parts(dutch)["text/plain"]).rstrip().endswith(translate(NOTICE, "nl"))
    assert translate(NOTICE, "nl") in text_of(parts(dutch)["text/html"])
    assert '<html lang="nl">' in text_of(parts(dutch)["text/html"])
    assert dutch["Content-Language"] == "nl" and english["Content-Language"] == "en"
    assert text_of(parts(english)["text/plain"]).rstrip().endswith(NOTICE)
    with language("nl"):
        assert unsubscribe_notice() == translate(NOTICE, "nl")


async def test_a_plain_reply_is_sent_as_it_is(smtp: LocalSmtp) -> None:
    sender = EmailSender(mailer(smtp))
    text = "Prijs: 2*3*4 euro, zie [dit](javascript:alert(1)) en <b>niet vet</b>"
    await sender.send(Chat("email", "lid@example.org"), Reply(text))
    (mail,) = await received(smtp)
    found = parts(mail)
    assert text_of(found["text/plain"]).startswith(text + "\n")
    assert "&lt;b&gt;niet vet&lt;/b&gt;" in text_of(found["text/html"])
    assert "<a href" not in text_of(found["text/html"])


@pytest.mark.parametrize(
    ("text", "attachment", "expected"),
    [
        ("Eerste regel\nTweede regel", None, "Eerste regel"),
        ("\n\n   \n  Na lege regels  \n", None, "Na lege regels"),
        ("tab\there\x00 en  spaties", None, "tab here en spaties"),
        ("x" * 100, None, "x" * (MAX_SUBJECT - 1) + "…"),
        ("", CSV, "peiling-4.csv"),
        ("", None, FALLBACK),
    ],
)
def test_the_subject(text: str, attachment: Attachment | None, expected: str) -> None:
    with language("en"):
        subject = subject_of(text, attachment)
    assert subject == expected and len(subject) <= MAX_SUBJECT


async def test_subject_of_markup_and_without_text(smtp: LocalSmtp) -> None:
    sender = EmailSender(mailer(smtp))
    long_title = "*" + ("Heel lang nieuws " * 10).strip() + "*\nmeer"
    await sender.send(Chat("email", "a@example.org"), Reply(long_title, markup=True))
    with language("nl"):
        await sender.send(Chat("email", "b@example.org"), Reply("", buttons()))
    first, second = await received(smtp, 2)
    subject = header(first, "Subject")
    assert len(subject) == MAX_SUBJECT and subject.startswith("Heel lang")
    assert "*" not in subject and subject.endswith("…")
    assert header(second, "Subject") == translate(FALLBACK, "nl")


@pytest.mark.parametrize(
    "address",
    [
        "",
        "geen-apenstaartje",
        "twee@@example.org",
        "lid@localhost",
        "lid@example.org\r\nBcc: iedereen@example.org",
        "lid @example.org",
        "<lid@example.org>",
        "Lid <lid@example.org>",
        "lid@exa_mple.org",
        "x" * 250 + "@example.org",
    ],
)
async def test_an_address_that_cannot_work_is_unreachable(smtp: LocalSmtp, address: str) -> None:
    assert not valid_address(address)
    with pytest.raises(Unreachable):
        await EmailSender(mailer(smtp)).send(Chat("email", address), Reply("Nieuws"))
    assert smtp.inbox.messages == []


class _Refusing(Inbox):
    """An SMTP server that knows no mailbox "weg@…" and is busy for "later@…"."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.startswith("weg@"):
            return "550 5.1.1 No such user"
        if address.startswith("later@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing() -> Iterator[tuple[int, _Refusing]]:
    inbox = _Refusing()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


async def test_what_the_server_refuses(refusing: tuple[int, _Refusing]) -> None:
    port, inbox = refusing
    mailer = SmtpMailer("127.0.0.1", port, "werkbot@werkvereniging.test", security="none")
    sender = EmailSender(mailer)
    # A mailbox that does not exist, for good: unreachable (not worth retrying).
    with pytest.raises(Unreachable):
        await sender.send(Chat("email", "weg@example.org"), Reply("Nieuws"))
    # A mailbox the server cannot take now: a MailError, so the caller tries again.
    with pytest.raises(MailError) as failed:
        await sender.send(Chat("email", "later@example.org"), Reply("Nieuws"))
    assert not isinstance(failed.value, Unreachable)
    await sender.send(Chat("email", "lid@example.org"), Reply("Nieuws"))
    assert len(await asyncio.to_thread(inbox.wait_for, 1)) == 1


async def test_a_server_that_is_down_raises_mail_error() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), "werkbot@test", security="none", timeout=2)
    with pytest.raises(MailError):
        await EmailSender(mailer).send(Chat("email", "lid@example.org"), Reply("Nieuws"))


async def test_development_mode_logs_the_plain_text(caplog: pytest.LogCaptureFixture) -> None:
    sender = EmailSender(LogMailer())
    with caplog.at_level(logging.WARNING), language("en"):
        message_id = await sender.send(
            Chat("email", "lid@example.org"),
            Reply(ANNOUNCEMENT, attachment=CSV, markup=True),
        )
    assert message_id
    logged = caplog.text
    assert "DEVELOPMENT MODE" in logged and "lid@example.org" in logged
    assert "Ledenvergadering op 4 december" in logged and NOTICE in logged
    assert "peiling-4.csv" in logged and "<b>" not in logged


async def test_the_mailer_keeps_the_callers_message_id_and_sends_alternatives(
    smtp: LocalSmtp,
) -> None:
    await mailer(smtp).send(
        "lid@example.org",
        "Onderwerp",
        "platte tekst",
        html="<p>opgemaakt</p>",
        headers={"Message-ID": "<vast@werkbot>"},
    )
    (mail,) = await received(smtp)
    assert mail.get_all("Message-ID") == ["<vast@werkbot>"]
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.get_payload()] == [  # type: ignore[union-attr]
        "text/plain",
        "text/html",
    ]
