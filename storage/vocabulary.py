"""The shared vocabularies: what a member's work situation, province and kind can be.

Members register with them, surveys filter and break results down by them, later
modules (events, campaigns, matchmaking) segment their audiences by them: so they live
in one neutral place every module may import, as ``StrEnum`` codes (what is stored)
with an English label each (a message id, translated where it is shown).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def known(vocabulary: type[E], value: str) -> E | None:
    """The member of ``vocabulary`` whose code is ``value``, or None (never raises)."""
    try:
        return vocabulary(value)
    except ValueError:
        return None


def N_(message: str) -> str:
    """Marks a label for the translation catalog (the same marker as ``bot.core.i18n.N_``)."""
    return message


class WorkSituation(StrEnum):
    ZZP = "zzp"
    LOONDIENST = "loondienst"
    COMBINATIE = "combinatie"
    STUDENT = "student"
    MANTELZORGER = "mantelzorger"
    WERKZOEKEND = "werkzoekend"
    ANDERS = "anders"

    @property
    def label(self) -> str:
        return _WORK_LABELS[self]


class Province(StrEnum):
    GRONINGEN = "groningen"
    FRIESLAND = "friesland"
    DRENTHE = "drenthe"
    OVERIJSSEL = "overijssel"
    FLEVOLAND = "flevoland"
    GELDERLAND = "gelderland"
    UTRECHT = "utrecht"
    NOORD_HOLLAND = "noord-holland"
    ZUID_HOLLAND = "zuid-holland"
    ZEELAND = "zeeland"
    NOORD_BRABANT = "noord-brabant"
    LIMBURG = "limburg"
    BUITENLAND = "buitenland"

    @property
    def label(self) -> str:
        return _PROVINCE_LABELS[self]


class MemberKind(StrEnum):
    """A deelnemer has a voice of their own; a sponsor's representatives share one."""

    DEELNEMER = "deelnemer"
    SPONSOR = "sponsor"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


class Topic(StrEnum):
    """What members can choose to receive (``/meldingen``): nothing unless they say so."""

    MAGAZINE = "magazine"
    PEILINGEN = "peilingen"
    EVENEMENTEN = "evenementen"
    ACTIES = "acties"
    NIEUWS = "nieuws"

    @property
    def label(self) -> str:
        return _TOPIC_LABELS[self]

    @property
    def alias(self) -> str:
        """The English name, accepted wherever the Dutch one is."""
        return _TOPIC_ALIASES[self]


class Channel(StrEnum):
    """How a member wants broadcasts: in chat (e-mail only when no chat reaches them), or
    by e-mail."""

    CHAT = "chat"
    EMAIL = "email"


_TOPIC_LABELS = {
    Topic.MAGAZINE: N_("the Magazine van de Vernieuwing"),
    Topic.PEILINGEN: N_("new Jouw Stem surveys"),
    Topic.EVENEMENTEN: N_("gatherings and the Festival"),
    Topic.ACTIES: N_("calls to action"),
    Topic.NIEUWS: N_("news of De Werkvereniging"),
}
_TOPIC_ALIASES = {
    Topic.MAGAZINE: "magazine",
    Topic.PEILINGEN: "surveys",
    Topic.EVENEMENTEN: "events",
    Topic.ACTIES: "actions",
    Topic.NIEUWS: "news",
}

_WORK_LABELS = {
    WorkSituation.ZZP: N_("self-employed / freelancer (zzp)"),
    WorkSituation.LOONDIENST: N_("employed (in loondienst)"),
    WorkSituation.COMBINATIE: N_("a combination"),
    WorkSituation.STUDENT: N_("student"),
    WorkSituation.MANTELZORGER: N_("carer (mantelzorger)"),
    WorkSituation.WERKZOEKEND: N_("looking for work"),
    WorkSituation.ANDERS: N_("other"),
}
_PROVINCE_LABELS = {
    Province.GRONINGEN: "Groningen",
    Province.FRIESLAND: "Fryslân",
    Province.DRENTHE: "Drenthe",
    Province.OVERIJSSEL: "Overijssel",
    Province.FLEVOLAND: "Flevoland",
    Province.GELDERLAND: "Gelderland",
    Province.UTRECHT: "Utrecht",
    Province.NOORD_HOLLAND: "Noord-Holland",
    Province.ZUID_HOLLAND: "Zuid-Holland",
    Province.ZEELAND: "Zeeland",
    Province.NOORD_BRABANT: "Noord-Brabant",
    Province.LIMBURG: "Limburg",
    Province.BUITENLAND: N_("outside the Netherlands"),
}
_KIND_LABELS = {
    MemberKind.DEELNEMER: N_("participant (deelnemer)"),
    MemberKind.SPONSOR: N_("sponsor representative"),
}

SEGMENTS: dict[str, type[WorkSituation] | type[Province] | type[MemberKind]] = {
    "work_situation": WorkSituation,
    "province": Province,
    "kind": MemberKind,
}
"""The facts an audience can be limited to and results broken down by, by field name."""
