"""The fixed answer lists of registration: work situation and province."""

from __future__ import annotations

from bot.core.bounds import parse_int
from bot.core.i18n import N_, _

WORK_SITUATIONS: dict[str, str] = {
    "zzp": N_("self-employed / freelancer (zzp)"),
    "loondienst": N_("employed (in loondienst)"),
    "combinatie": N_("a combination"),
    "student": N_("student"),
    "mantelzorger": N_("carer (mantelzorger)"),
    "werkzoekend": N_("looking for work"),
    "anders": N_("other"),
}

PROVINCES: dict[str, str] = {
    "groningen": "Groningen",
    "friesland": "Fryslân",
    "drenthe": "Drenthe",
    "overijssel": "Overijssel",
    "flevoland": "Flevoland",
    "gelderland": "Gelderland",
    "utrecht": "Utrecht",
    "noord-holland": "Noord-Holland",
    "zuid-holland": "Zuid-Holland",
    "zeeland": "Zeeland",
    "noord-brabant": "Noord-Brabant",
    "limburg": "Limburg",
    "buitenland": N_("outside the Netherlands"),
}

KINDS: dict[str, str] = {
    "deelnemer": N_("participant (deelnemer)"),
    "sponsor": N_("sponsor representative"),
}


def label(table: dict[str, str], code: str | None) -> str:
    """The shown name of a stored code, in the current language."""
    if code is None:
        return "—"
    return _(table[code]) if code in table else code


def match(table: dict[str, str], typed: str) -> str | None:
    """Find a code from what someone typed: the code, the label, or its number in the list."""
    text = typed.strip().lower()
    if not text:
        return None
    codes = list(table)
    number = parse_int(text, low=1, high=len(codes))
    if number is not None:
        return codes[number - 1]
    aliases = {"fryslan": "friesland", "fryslân": "friesland", "freelancer": "zzp"}
    if text in aliases:
        return aliases[text]
    for code, shown in table.items():
        if text in (code, shown.lower(), _(shown).lower()):
            return code
    return None
