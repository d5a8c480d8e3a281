"""Translations: every text a user sees comes from the gettext catalogs in ``bot/locale``.

Message ids are English; the Dutch catalog translates every one of them (a test checks
that). The language of the text being built is a context variable that the router sets
for each incoming event and the delivery sets for each recipient, so services and
handlers just call ``_()``.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "werkbot"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_current: ContextVar[str] = ContextVar("werkbot_language", default=DEFAULT_LANGUAGE)


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (compiled from the .po file in memory, once)."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        messages = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalize_language(value: str | None) -> str | None:
    """Map a platform's language hint (``nl-NL``, ``en_GB``, ``EN``) to ``nl``/``en`` or None."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def current_language() -> str:
    return _current.get()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Build texts in ``lang`` inside the block."""
    chosen = normalize_language(lang) or DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def set_language(lang: str | None) -> None:
    """Set the language for the rest of the current task (the router does this per event)."""
    _current.set(normalize_language(lang) or DEFAULT_LANGUAGE)


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return catalog(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for translation where it is declared; it is translated where it is shown."""
    return message


def translate(message: str, lang: str) -> str:
    """Translate a marked text into a given language (for declarations shown per language)."""
    return catalog(normalize_language(lang) or DEFAULT_LANGUAGE).gettext(message)
