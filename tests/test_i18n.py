"""Every text a user can see is in the Dutch catalog, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALE_DIR, _, language, normalize_language, translate

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("bot", "cogs", "storage"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        ):
            for text in message if isinstance(message, tuple) else (message,):
                found[text] = f"{folder}/{filename}"
    return found


def test_every_text_has_a_dutch_translation_with_the_same_placeholders() -> None:
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / "werkbot.po").open("rb") as handle:
        catalog = {
            text: m
            for m in read_po(handle, locale="nl")
            if m.id
            for text in (m.id if isinstance(m.id, tuple) else (m.id,))
        }
    problems = []
    for text, where in sorted(_source_messages().items()):
        entry = catalog.get(text)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"untranslated ({where}): {text!r}")
            continue
        forms = (entry.string,) if isinstance(entry.string, str) else entry.string
        if not all(forms):
            problems.append(f"a plural form is missing ({where}): {text!r}")
        elif any(set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(f)) for f in forms):
            problems.append(f"placeholders differ ({where}): {text!r}")
    assert not problems, "run `make catalogs` and translate:\n" + "\n".join(problems)


def test_dutch_is_the_default_and_english_is_the_message_id() -> None:
    assert _("Register") == "Registreren"
    with language("en"):
        assert _("Register") == "Register"
    with language("fr"):
        assert _("Register") == "Registreren"
    assert translate("Show your profile", "en") == "Show your profile"
    assert translate("Show your profile", "nl") == "Je profiel tonen"


def test_platform_language_hints_are_normalised() -> None:
    assert normalize_language("en-GB") == "en"
    assert normalize_language("nl_BE") == "nl"
    assert normalize_language("EN") == "en"
    assert normalize_language("pt-BR") is None
    assert normalize_language(None) is None
