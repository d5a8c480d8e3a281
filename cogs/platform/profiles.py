"""Profiles of the Platform Vernieuwen Doen We Samen: people and innovator organizations.

A member has at most one personal profile and may speak for organizations (an
initiative, company or agency; one or more members as its contacts). What a profile
offers and looks for are tags from the curated vocabulary (organizers keep it: a code and
a Dutch label) plus a few sentences. A profile can be paused, snoozed until a date,
changed and deleted. A member's "never pair me with" list is private: only the matching
reads it, and nothing ever tells the other side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.checks import checked_line, checked_link, checked_text
from bot.core.clock import utcnow
from bot.core.errors import UserError
from bot.core.i18n import _
from storage.records.platform import (
    OrgKind,
    ProfileKind,
    ProfileRecord,
    ProfileStatus,
    TagRecord,
)
from storage.repositories.platform import PlatformRepository
from storage.vocabulary import Province, known

MAX_TAGS = 8
MAX_TEXT = 600
MAX_NAME = 120
MAX_LABEL = 60
TAG_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")


@dataclass(frozen=True)
class ProfileDraft:
    """What a member fills in; checked by :meth:`Profiles.check`."""

    offers: tuple[str, ...]
    needs: tuple[str, ...]
    offer_text: str = ""
    need_text: str = ""
    region: str | None = None
    online: bool = True
    in_person: bool = True
    name: str | None = None
    org_kind: OrgKind | None = None
    what: str | None = None
    website: str | None = None


class Profiles:
    """The rules of profiles and the vocabulary (the platform service holds one)."""

    def __init__(self, repository: PlatformRepository) -> None:
        self._repo = repository

    # -- the vocabulary ----------------------------------------------------------------------

    async def tags(self) -> list[TagRecord]:
        return await self._repo.tags()

    async def labels(self) -> dict[str, str]:
        return {tag.code: tag.label for tag in await self._repo.tags(active_only=False)}

    async def put_tag(self, code: str, label: str) -> bool:
        """Organizers: add a tag (or relabel it); True when it is new."""
        code = code.strip().lower()
        if not TAG_CODE.match(code):
            raise UserError(
                _("A tag code is 3 to 40 lower-case letters, digits and dashes, like zzp-pensioen.")
            )
        return await self._repo.put_tag(code, checked_line(label, MAX_LABEL))

    async def retire_tag(self, code: str) -> None:
        """A tag is never deleted (profiles and history use it) but is no longer offered."""
        labels = await self.labels()
        if code not in labels:
            raise UserError(_("There is no tag {code}.").format(code=code))
        await self._repo.put_tag(code, labels[code], active=False)

    # -- profiles ----------------------------------------------------------------------------

    async def of_member(self, member_id: int) -> list[ProfileRecord]:
        return await self._repo.profiles_of_member(member_id)

    async def own(self, member_id: int) -> ProfileRecord | None:
        for profile in await self._repo.profiles_of_member(member_id):
            if profile.kind is ProfileKind.PERSON and profile.member_id == member_id:
                return profile
        return None

    async def get(self, profile_id: int) -> ProfileRecord:
        found = await self._repo.profile(profile_id)
        if found is None:
            raise UserError(_("There is no profile with number {id}.").format(id=profile_id))
        return found

    async def mine(self, profile_id: int, member_id: int) -> ProfileRecord:
        """A profile the member may change: their own, or an organization they speak for."""
        profile = await self.get(profile_id)
        if member_id not in profile.contacts:
            raise UserError(_("This profile is not yours."))
        return profile

    async def check(self, draft: ProfileDraft, *, organization: bool) -> dict[str, Any]:
        """The draft as stored values; UserError with the reason when something is wrong."""
        active = {tag.code for tag in await self._repo.tags()}
        for chosen in (draft.offers, draft.needs):
            if len(chosen) > MAX_TAGS:
                raise UserError(_("Choose at most {n} tags.").format(n=MAX_TAGS))
            unknown = [code for code in chosen if code not in active]
            if unknown:
                raise UserError(_("Unknown tags: {codes}.").format(codes=", ".join(unknown)))
        if not draft.offers and not draft.needs:
            raise UserError(_("Choose at least one tag for what you offer or look for."))
        if not draft.online and not draft.in_person:
            raise UserError(_("Choose online, in person, or both."))
        if draft.region is not None and known(Province, draft.region) is None:
            raise UserError(_("That is not a province."))
        values: dict[str, Any] = {
            "offers": sorted(set(draft.offers)),
            "needs": sorted(set(draft.needs)),
            "offer_text": checked_text(draft.offer_text, MAX_TEXT) if draft.offer_text.strip() else "",
            "need_text": checked_text(draft.need_text, MAX_TEXT) if draft.need_text.strip() else "",
            "region": draft.region,
            "online": draft.online,
            "in_person": draft.in_person,
        }
        if organization:
            if not draft.name:
                raise UserError(_("An organization needs a name."))
            values["name"] = checked_line(draft.name, MAX_NAME)
            values["org_kind"] = (draft.org_kind or OrgKind.INITIATIVE).value
            values["what"] = checked_text(draft.what, MAX_TEXT) if draft.what else None
            values["website"] = checked_link(draft.website) if draft.website else None
        return values

    async def save_own(self, member_id: int, draft: ProfileDraft) -> ProfileRecord:
        """Create or replace the member's personal profile."""
        values = await self.check(draft, organization=False)
        existing = await self.own(member_id)
        if existing is None:
            return await self._repo.create(ProfileKind.PERSON, member_id, values)
        updated = await self._repo.update(existing.id, values)
        assert updated is not None
        return updated

    async def create_organization(self, member_id: int, draft: ProfileDraft) -> ProfileRecord:
        values = await self.check(draft, organization=True)
        return await self._repo.create(ProfileKind.ORGANIZATION, member_id, values)

    async def update(self, profile_id: int, member_id: int, draft: ProfileDraft) -> ProfileRecord:
        profile = await self.mine(profile_id, member_id)
        values = await self.check(draft, organization=profile.kind is ProfileKind.ORGANIZATION)
        updated = await self._repo.update(profile_id, values)
        assert updated is not None
        return updated

    async def add_contact(self, profile_id: int, member_id: int, new_contact: int) -> bool:
        profile = await self.mine(profile_id, member_id)
        if profile.kind is not ProfileKind.ORGANIZATION:
            raise UserError(_("Only an organization has more than one contact."))
        return await self._repo.add_contact(profile_id, new_contact)

    async def set_status(self, profile_id: int, member_id: int, status: ProfileStatus) -> ProfileRecord:
        await self.mine(profile_id, member_id)
        values: dict[str, Any] = {"status": status.value}
        if status is ProfileStatus.ACTIVE:
            values["silent_rounds"] = 0
            values["snoozed_until"] = None
        updated = await self._repo.update(profile_id, values)
        assert updated is not None
        return updated

    async def snooze(self, profile_id: int, member_id: int, until: datetime) -> ProfileRecord:
        await self.mine(profile_id, member_id)
        if until <= utcnow():
            raise UserError(_("That moment has passed; please give a time in the future."))
        updated = await self._repo.update(profile_id, {"snoozed_until": until})
        assert updated is not None
        return updated

    async def delete(self, profile_id: int, member_id: int) -> None:
        await self.mine(profile_id, member_id)
        await self._repo.delete(profile_id)

    async def set_never(self, member_id: int, profile_id: int, never: bool) -> None:
        """The member's private list: never paired with that profile (nor it with them)."""
        profile = await self.get(profile_id)
        if member_id in profile.contacts:
            raise UserError(_("That is your own profile."))
        await self._repo.set_never(member_id, profile_id, never)
