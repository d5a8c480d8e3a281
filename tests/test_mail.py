"""Mail through a real local SMTP server, and what a member hears when mail fails."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.app import Werkbot
from bot.core.mail import MailError
from bot.mail import SmtpMailer
from config import Settings
from tests.support.chat import RecordingChat, fill_in_registration, text_of
from tests.support.smtp import LocalSmtp, free_port


async def test_smtp_mailer_delivers(smtp: LocalSmtp) -> None:
    mailer = SmtpMailer("127.0.0.1", smtp.port, "Werkbot <bot@werkvereniging.test>", security="none")
    await mailer.send("lid@example.org", "Onderwerp ✓", "Hallo Modern Werkende")
    message = (await asyncio.to_thread(smtp.inbox.wait_for, 1))[0]
    assert message["To"] == "lid@example.org"
    assert message["From"] == "Werkbot <bot@werkvereniging.test>"
    assert "Hallo Modern Werkende" in message.get_payload(decode=True).decode()


async def test_unreachable_mail_server_raises_mail_error() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), "bot@test", security="none", timeout=2)
    with pytest.raises(MailError):
        await mailer.send("x@example.org", "s", "b")


async def test_registration_survives_a_mail_failure(
    make_settings: Callable[..., Settings], smtp: LocalSmtp
) -> None:
    down_port = free_port()
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=down_port, smtp_security="none",
                             smtp_timeout=2)
    app = Werkbot(settings)
    await app.start()
    try:
        chat = RecordingChat(app.router)
        failed = text_of(
            await fill_in_registration(chat, "eva", "Eva", "eva@example.org", work=2, province=9)
        )
        assert "niet worden verstuurd" in failed and "Traceback" not in failed
        assert "akkoord" in failed  # asked again, nothing lost
    finally:
        await app.stop()
    # The mail server is back: agreeing again sends the code; the member was kept once.
    app = Werkbot(make_settings(**smtp.settings()))
    await app.start()
    try:
        chat = RecordingChat(app.router)
        assert "stap 6 van 6" in text_of(await chat.say("eva", "/registreer"))
        mail = (await asyncio.to_thread(smtp.inbox.wait_for, 1))[0]
        assert mail["To"] == "eva@example.org"
        assert "stap 6 van 6" in text_of(await chat.say("eva", "/start"))
        assert len(await app.members.service.search("eva@example.org")) == 1
        assert len(smtp.inbox.messages) == 1  # a live code is not sent again
    finally:
        await app.stop()
