"""Checks of what a member types in a conversation: a line, a text, a web address.

Shared by every module that asks for free text (the magazine's editions, events), so a
title is cleaned and bounded the same way everywhere and the refusal reads the same.
"""

from __future__ import annotations

from bot.core.errors import UserError
from bot.core.i18n import _

MAX_LINK = 500


def checked_line(text: str, limit: int) -> str:
    """One line: runs of white space (also newlines) become one space."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserError(_("Please type some text."))
    if len(cleaned) > limit:
        raise UserError(_("Please keep it to {count} characters.").format(count=limit))
    return cleaned


def checked_text(text: str, limit: int, minimum: int = 1) -> str:
    """A text of several lines, kept as typed apart from the white space around it."""
    cleaned = text.strip()
    if len(cleaned) < max(1, minimum):
        if minimum > 1:
            raise UserError(
                _("Please write a little more (at least {count} characters).").format(count=minimum)
            )
        raise UserError(_("Please type some text."))
    if len(cleaned) > limit:
        raise UserError(_("Please keep it to {count} characters.").format(count=limit))
    return cleaned


def checked_link(text: str, limit: int = MAX_LINK) -> str:
    """An https address without spaces or control characters."""
    url = text.strip()
    if (
        not url.lower().startswith("https://")
        or len(url) <= len("https://")
        or len(url) > limit
        or any(ch.isspace() or not ch.isprintable() for ch in url)
    ):
        raise UserError(_("That is not a web address (https://…)."))
    return url
