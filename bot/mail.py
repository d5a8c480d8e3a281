"""Sending mail: over SMTP with aiosmtplib, or to the log in development mode.

Both mailers take an optional ``html`` body beside the plain one: the mail then goes out
as ``multipart/alternative`` (the plain text first, for clients that show no HTML, the
HTML after it, which clients that can show it prefer). Headers given by the caller win
over the mailer's own, so a caller that sets ``Message-ID`` knows the id of its mail.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from bot.core.mail import MailError, RecipientRefused
from bot.core.types import Attachment

log = logging.getLogger(__name__)


def compose(
    sender: str,
    to: str,
    subject: str,
    body: str,
    *,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """The message as it goes out: plain text (and HTML as its alternative), then the
    attachments. Raises ValueError for a header value the mail format cannot hold (a line
    break in an address or subject)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="werkbot")
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _slash, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    # Last: setting the content clears the Content-* headers (e.g. Content-Language).
    for name, value in (headers or {}).items():
        if name in message:
            message.replace_header(name, value)
        else:
            message[name] = value
    return message


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
        html: str | None = None,
    ) -> None:
        try:
            message = compose(
                self._sender,
                to,
                subject,
                body,
                html=html,
                attachments=attachments,
                headers=headers,
            )
        except ValueError as error:  # a header the mail format cannot hold
            raise MailError(f"mail to {to!r} cannot be written: {error}") from error
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
        except aiosmtplib.SMTPRecipientsRefused as error:
            permanent = all(refused.code >= 500 for refused in error.recipients)
            log.warning("mail to %s refused by the server: %s", to, error)
            raise (RecipientRefused if permanent else MailError)(str(error)) from error
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
        html: str | None = None,
    ) -> None:
        """Only the plain text is logged: the HTML says the same, and is noise in a log."""
        files = ", ".join(attachment.filename for attachment in attachments)
        log.warning(
            "DEVELOPMENT MODE (no SMTP_HOST): mail to %s not sent.\nSubject: %s\n%s%s",
            to,
            subject,
            body,
            f"\n(attached: {files})" if files else "",
        )
