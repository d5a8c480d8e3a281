"""What services need to send mail; the SMTP and development implementations live in bot.mail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.core.types import Attachment


class MailError(Exception):
    """The mail could not be handed to the mail server."""


class RecipientRefused(MailError):
    """The mail server refused the address for good (a 5xx answer to ``RCPT TO``, e.g.
    "550 no such user"): sending again cannot help, unlike any other :class:`MailError`."""


class Mailer(Protocol):
    development: bool
    """True when no SMTP server is set: mail goes to the log instead."""

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
        """Send a plain-text mail; with ``html`` also an HTML alternative."""
        ...
