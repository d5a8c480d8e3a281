"""The e-mail channel: a :class:`~bot.core.delivery.Sender` for members who want news by
e-mail, over the core's :class:`~bot.core.mail.Mailer`.

Why a sender like the chat adapters: delivery (and the broadcasts built on it) hands every
message to "the sender of the recipient's platform"; with ``platform = "email"`` and the
member's address as ``chat_id`` an e-mail is just one more platform, rendered in the
recipient's language like every other message.

What a reply becomes:

* **Subject**: the first line of the text (markup removed), at most 78 characters
  (RFC 5322's advice for a line), shortened with "…".
* **Body**: the text as plain text (markup as plain: ``label (url)``), with an HTML
  alternative (bold, italics, links) where the mailer can send one; link buttons as
  ``label: url`` lines and as links (buttons that carry an action work only in a chat, so
  they are left out); the attachment attached; and at the end how to stop these mails, in
  the recipient's language.
* **No List-Unsubscribe header**: a ``mailto:`` one needs someone to read and act on the
  mail it sends, and an ``https:`` one (RFC 8058) a web endpoint; Werkbot has neither, and a
  header that offers a button that does nothing is worse than none. The footer says how to
  stop instead.

A failure of the mail server (:class:`~bot.core.mail.MailError`) goes to the caller, who
retries; an address that can never work (malformed, or refused for good by the server) is
:class:`~bot.core.delivery.Unreachable`, which is not retried.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Sequence
from email.utils import make_msgid

from bot.adapters._text import shorten
from bot.core.delivery import Unreachable
from bot.core.i18n import _, current_language
from bot.core.mail import Mailer, RecipientRefused
from bot.core.markup import Span, parse, to_html, to_plain
from bot.core.types import Attachment, Chat, Reply

log = logging.getLogger(__name__)

PLATFORM = "email"
MAX_SUBJECT = 78
MAX_ADDRESS = 254
"""The longest address SMTP can carry (RFC 5321's 256-octet path minus the brackets)."""
_ADDRESS = re.compile(
    r"[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def valid_address(address: str) -> bool:
    """Could mail to ``address`` ever arrive? One ``@``, a domain with a dot, nothing
    that would break a header (no spaces, line breaks or control characters)."""
    return (
        len(address) <= MAX_ADDRESS
        and address.isprintable()
        and _ADDRESS.fullmatch(address) is not None
    )


def unsubscribe_notice() -> str:
    """The last lines of every mail: why it came and how to stop it (current language)."""
    return _(
        "You receive this by e-mail from Werkbot of De Werkvereniging. To stop, send "
        "/meldingen to Werkbot in Telegram, Discord or the console and switch the topic "
        "or e-mail off."
    )


def subject_of(text: str, attachment: Attachment | None = None) -> str:
    """The first line with text (already plain), without control characters, at most
    :data:`MAX_SUBJECT` characters; else the file's name, else a general subject."""
    for line in _clean(text).splitlines():
        cleaned = "".join(
            " " if unicodedata.category(char) in ("Cc", "Zl", "Zp", "Zs") else char for char in line
        )
        cleaned = " ".join(cleaned.split())
        if cleaned:
            return shorten(cleaned, MAX_SUBJECT)
    if attachment is not None and attachment.filename.strip():
        return shorten(_clean(attachment.filename.strip()), MAX_SUBJECT)
    return _("A message from Werkbot")


def _links(reply: Reply) -> list[tuple[str, str]]:
    """(label, url) of the reply's link buttons; action buttons only work in a chat."""
    found = [
        (_clean(button.label.strip()) or button.url, button.url)
        for button in reply.all_buttons
        if button.url
    ]
    if len(found) < len(reply.all_buttons):
        log.debug("%d action buttons left out of an e-mail", len(reply.all_buttons) - len(found))
    return found


def _clean(text: str) -> str:
    """Text that can be encoded: a lone surrogate (possible in a str, never in UTF-8)
    would make the mail library fail, so it becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _text(reply: Reply) -> str:
    """The reply's text as plain text (markup rendered plain)."""
    return _clean(to_plain(parse(reply.text)) if reply.markup else reply.text)


def _replies(content: Reply | Sequence[Reply]) -> Sequence[Reply]:
    return (content,) if isinstance(content, Reply) else content


def plain_body(content: Reply | Sequence[Reply]) -> str:
    """The text part: each reply's text (markup as plain text) and link lines, the notice."""
    parts: list[str] = []
    for reply in _replies(content):
        text = _text(reply)
        if text.strip():
            parts.append(text.strip())
        links = _links(reply)
        if links:
            parts.append("\n".join(f"{label}: {url}" for label, url in links))
    parts.append(f"-- \n{unsubscribe_notice()}")  # "-- ": the signature separator
    return "\n\n".join(parts) + "\n"


def html_body(content: Reply | Sequence[Reply], subject: str) -> str:
    """The HTML alternative: the same content, with bold, italics and real links."""
    blocks: list[str] = []
    for reply in _replies(content):
        text = _clean(reply.text)
        spans = parse(text) if reply.markup else [Span(text.strip())]
        if text.strip():
            blocks.append(f"<p>{to_html(spans).strip()}</p>")
        links = _links(reply)
        if links:
            items = "<br>\n".join(
                f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
                for label, url in links
            )
            blocks.append(f"<p>{items}</p>")
    blocks.append(
        f'<hr>\n<p style="color:#666666;font-size:smaller">{html.escape(unsubscribe_notice())}</p>'
    )
    body = "\n".join(blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="{current_language()}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        f'<body style="font-family:sans-serif;line-height:1.5">\n{body}\n</body>\n</html>\n'
    )


class EmailSender:
    """Sends a reply to an e-mail address (``chat.chat_id``); returns the Message-ID."""

    platform = PLATFORM

    def __init__(self, mailer: Mailer, *, domain: str = "werkbot") -> None:
        self._mailer = mailer
        self._domain = domain
        """For the Message-ID (the part after the ``@``)."""

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Mail ``reply`` in the current language; raises Unreachable for an address that
        cannot work and MailError when the mail server fails (the caller retries)."""
        return await self.send_all(chat, (reply,))

    async def send_all(self, chat: Chat, replies: Sequence[Reply]) -> str | None:
        """Several replies that belong together (a magazine edition: the cover with its
        summary, then the PDF) as one mail: chat platforms show them as a few messages in a
        row, a mailbox would get several mails."""
        address = chat.chat_id.strip()
        if not valid_address(address):
            raise Unreachable("email: not a usable address")  # (no address in logs)
        first = next((reply for reply in replies if _text(reply).strip()), None)
        files = [reply.attachment for reply in replies if reply.attachment is not None]
        subject = subject_of(_text(first) if first else "", files[0] if files else None)
        body = plain_body(replies)
        message_id = make_msgid(domain=self._domain)
        headers = {
            "Message-ID": message_id,
            "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies
            "Content-Language": current_language(),
        }
        try:
            await self._mailer.send(
                address,
                subject,
                body,
                attachments=files,
                headers=headers,
                html=html_body(replies, subject),
            )
        except RecipientRefused as error:
            raise Unreachable("email: the mail server refused the address") from error
        return message_id
