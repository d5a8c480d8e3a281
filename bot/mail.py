"""Sending mail: over SMTP with aiosmtplib, or to the log in development mode."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from bot.core.mail import MailError
from bot.core.types import Attachment

log = logging.getLogger(__name__)


class SmtpMailer:
    development = False

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 15.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._security = security
        self._timeout = timeout

    async def send(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        attachments: Sequence[Attachment] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="werkbot")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        for attachment in attachments:
            maintype, _slash, subtype = attachment.mime_type.partition("/")
            message.add_attachment(
                attachment.data,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=attachment.filename,
            )
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=True if self._security == "starttls" else False,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            log.warning("mail to %s failed: %s", to, error)
            raise MailError(str(error)) from error


class LogMailer:
    """Development mode: no SMTP server is set, so mail is written to the log."""

    development = True

    async def send(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        attachments: Sequence[Attachment] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        log.warning(
            "DEVELOPMENT MODE (no SMTP_HOST): mail to %s not sent.\nSubject: %s\n%s",
            to,
            subject,
            body,
        )
