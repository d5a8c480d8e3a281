"""The platform's profile texts: a profile as others see it, and a member's own profiles.

Pure functions: they read a stored profile, a draft (:class:`ProfileDraft`) or the values
a conversation collected (a mapping with the same field names) and return text or a
:class:`Reply`. A member's own words are shown exactly as typed (no markup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.clock import LOCAL_ZONE, utcnow
from bot.core.i18n import _
from bot.core.types import Button, Reply
from cogs.platform import actions
from cogs.platform.actions import Verb
from cogs.platform.profiles import ProfileDraft
from storage.records.platform import OrgKind, ProfileKind, ProfileRecord, ProfileStatus
from storage.vocabulary import Province, known

MAX_PROFILE_BUTTONS = 4
"""Profiles that get a row of buttons in :func:`my_profiles`: Discord shows at most 5 rows
and the last one holds [New organization profile]."""
SHORT_NAME = 24
"""How much of a profile's name goes on its buttons when a member has several."""

Values = ProfileRecord | ProfileDraft | Mapping[str, Any]


def kind_name(kind: OrgKind | str | None) -> str:
    """An organization's kind as members read it ("initiative", "company", "agency")."""
    names = {
        OrgKind.INITIATIVE: _("initiative"),
        OrgKind.COMPANY: _("company"),
        OrgKind.AGENCY: _("agency"),
    }
    found = known(OrgKind, str(kind)) if kind is not None else None
    return names[found] if found is not None else ""


def region_name(region: str | None) -> str:
    """A province's shown name in the current language; empty for none."""
    province = known(Province, region) if region else None
    return _(province.label) if province is not None else ""


def mode_name(online: bool, in_person: bool) -> str:
    if online and in_person:
        return _("online and in person")
    if in_person:
        return _("in person")
    return _("online")


def tag_names(codes: Sequence[str], labels: Mapping[str, str]) -> str:
    """Tags by their labels (a code nobody labelled is shown as it is)."""
    return ", ".join(labels.get(code, code) for code in codes)


def _get(values: Values, field: str, default: Any = None) -> Any:
    if isinstance(values, Mapping):
        found = values.get(field, default)
    else:
        found = getattr(values, field, default)
    return default if found is None else found


def _is_organization(values: Values) -> bool:
    kind = _get(values, "kind")
    if kind is not None:
        return str(kind) == ProfileKind.ORGANIZATION.value
    return bool(_get(values, "name")) or _get(values, "org_kind") is not None


def _local_day(moment: datetime) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%d-%m-%Y")


def status_line(values: Values, now: datetime | None = None) -> str:
    """Paused, or snoozed until a date; empty for a profile that takes part."""
    status = str(_get(values, "status", ProfileStatus.ACTIVE.value))
    if status == ProfileStatus.PAUSED.value:
        return _("⏸ Paused: no introductions until it is resumed.")
    snoozed = _get(values, "snoozed_until")
    if isinstance(snoozed, datetime) and snoozed > (now or utcnow()):
        return _("⏸ No introductions until {day}.").format(day=_local_day(snoozed))
    return ""


def profile_text(
    values: Values,
    labels: Mapping[str, str],
    name: str,
    *,
    now: datetime | None = None,
) -> str:
    """A profile as others see it: name (and kind), what it does, what it offers and looks
    for (labels, then the sentences), region, online or in person, and its status.

    ``values`` is a stored profile, a :class:`ProfileDraft` or a mapping with the same
    field names (what a conversation collected so far).
    """
    organization = _is_organization(values)
    if organization:
        kind = kind_name(_get(values, "org_kind"))
        lines = [f"🏢 {name}" + (f" ({kind})" if kind else "")]
        what = str(_get(values, "what", "")).strip()
        if what:
            lines.append(what)
        website = str(_get(values, "website", "")).strip()
        if website:
            lines.append(website)
    else:
        lines = [f"👤 {name}"]
    offers = tuple(_get(values, "offers", ()))
    offer_text = str(_get(values, "offer_text", "")).strip()
    needs = tuple(_get(values, "needs", ()))
    need_text = str(_get(values, "need_text", "")).strip()
    if offers or offer_text:
        lines.append("")
        lines.append(_("Offers: {tags}").format(tags=tag_names(offers, labels) or "—"))
        if offer_text:
            lines.append(offer_text)
    if needs or need_text:
        lines.append("")
        lines.append(_("Looks for: {tags}").format(tags=tag_names(needs, labels) or "—"))
        if need_text:
            lines.append(need_text)
    lines.append("")
    where = region_name(_get(values, "region"))
    how = mode_name(bool(_get(values, "online", True)), bool(_get(values, "in_person", True)))
    lines.append(f"📍 {where} · {how}" if where else f"📍 {how}")
    status = status_line(values, now)
    if status:
        lines.append(status)
    return "\n".join(lines)


def _short(name: str) -> str:
    return name if len(name) <= SHORT_NAME else name[: SHORT_NAME - 1].rstrip() + "…"


def _buttons(profile: ProfileRecord, name: str | None) -> tuple[Button, ...]:
    """[Change] [Pause]/[Resume] [Delete] of one profile; with the name when there are several."""

    def label(text: str) -> str:
        return f"{text}: {_short(name)}" if name else text

    if profile.status is ProfileStatus.PAUSED:
        toggle = Button(label(_("Resume")), actions.encode(Verb.RESUME, profile.id))
    else:
        toggle = Button(label(_("Pause")), actions.encode(Verb.PAUSE, profile.id))
    return (
        Button(label(_("Edit")), actions.encode(Verb.EDIT, profile.id)),
        toggle,
        Button(label(_("Delete")), actions.encode(Verb.DELETE, profile.id)),
    )


def my_profiles(
    profiles: Sequence[ProfileRecord],
    labels: Mapping[str, str],
    names: Mapping[int, str],
    *,
    now: datetime | None = None,
) -> Reply:
    """A member's own profiles (personal first) with buttons to change, pause or resume and
    delete each, and one to add an organization profile."""
    ordered = sorted(profiles, key=lambda p: (p.kind is not ProfileKind.PERSON, p.id))
    if not ordered:
        head = _("You have no profile on the Platform Vernieuwen Doen We Samen yet.")
    elif len(ordered) == 1:
        head = _("Your profile on the Platform Vernieuwen Doen We Samen:")
    else:
        head = _("Your profiles on the Platform Vernieuwen Doen We Samen:")
    parts = [head]
    for profile in ordered:
        parts.append(profile_text(profile, labels, names.get(profile.id, "?"), now=now))
    parts.append(
        _("Introductions come in rounds; /platform_pauze_tot 2027-03-01 pauses them until a date.")
    )
    several = len(ordered) > 1
    rows: list[tuple[Button, ...]] = [
        _buttons(profile, names.get(profile.id, "?") if several else None)
        for profile in ordered[:MAX_PROFILE_BUTTONS]
    ]
    extra = [Button(_("New organization profile"), actions.encode(Verb.NEW_ORG))]
    if not any(profile.kind is ProfileKind.PERSON for profile in ordered):
        extra.insert(0, Button(_("My personal profile"), actions.encode(Verb.NEW_OWN)))
    rows.append(tuple(extra))
    return Reply("\n\n".join(parts), tuple(rows), private=True)
