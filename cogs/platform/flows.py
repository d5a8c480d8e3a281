"""The platform's conversations: a member's personal profile, and an organization profile.

``/platform`` (``/match``) walks a member through their personal profile: what they offer
and what they look for (tags from the curated vocabulary, toggled with buttons), a few
sentences for each, region, online or in person, and a summary as others will see it with
[Opslaan] [Aanpassen] [Annuleren]. An organization profile (an initiative, company or
agency) first asks name, kind, what it does and website, then the same steps. Changing a
profile starts from its stored values (``data["profile"]``, or the member's own).

Every answer is kept in the stored conversation (``data``), none in memory, so a restart
in the middle continues at the same question. The flows are ``personal``: what a member
typed is scrubbed when the conversation ends without saving.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from bot.core.checks import checked_line, checked_link, checked_text
from bot.core.context import Context
from bot.core.conversation import ACTION_PREFIX, Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Button, Reply, in_rows
from cogs.platform import render_profiles
from cogs.platform.profiles import MAX_NAME, MAX_TAGS, MAX_TEXT, ProfileDraft, Profiles
from storage.records.platform import OrgKind, ProfileKind, ProfileRecord, TagRecord
from storage.vocabulary import Province, known

PROFILE_FLOW = "platform_profile"
ORG_FLOW = "platform_org"
STOP_HINT = "(Type /stop to stop.)"

SHARED_STEPS = ("offers", "needs", "offer_text", "need_text", "region", "mode")
ORG_STEPS = ("name", "kind", "what", "website")
TAG_STEPS = ("offers", "needs")
TEXT_STEPS = ("offer_text", "need_text")

SHOWN_TAGS = 16
"""Tags shown as buttons: 4 rows of 4, and a row for [Verder]. Discord shows at most 5
rows of 5 buttons (and a typed-answer button), so more would be cut off there; the rest
is listed in the text and can be typed."""
TAGS_PER_ROW = 4
MAX_SHOWN_UNKNOWN = 3
"""Unknown codes named in a refusal (each shortened): the refusal stays short."""

NEXT = "!next"
SKIP = "!skip"
KEEP = "!keep"
NONE = "!none"
HASHED = "~"
"""A tag button whose code would make the action longer than 64 bytes carries ``~`` and
a short hash of the code instead. Tag codes never start with ``!`` or ``~``."""
ON, OFF = "☑", "☐"
MODES = {"online": (True, False), "in_person": (False, True), "both": (True, True)}
_SEPARATORS = re.compile(r"[\s,;]+")




def _hash(code: str) -> str:
    return HASHED + hashlib.blake2b(code.encode(), digest_size=5).hexdigest()


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _kind_names() -> dict[OrgKind, str]:
    return {
        OrgKind.INITIATIVE: _("Initiative"),
        OrgKind.COMPANY: _("Company"),
        OrgKind.AGENCY: _("Agency"),
    }


def initial_data(profile: ProfileRecord | None) -> dict[str, Any]:
    """The conversation's data to start from: a stored profile's values, or the defaults."""
    if profile is None:
        return {
            "offers": [],
            "needs": [],
            "offer_text": "",
            "need_text": "",
            "region": None,
            "online": True,
            "in_person": True,
        }
    data: dict[str, Any] = {
        "profile": profile.id,
        "offers": list(profile.offers),
        "needs": list(profile.needs),
        "offer_text": profile.offer_text,
        "need_text": profile.need_text,
        "region": profile.region,
        "online": profile.online,
        "in_person": profile.in_person,
    }
    if profile.kind is ProfileKind.ORGANIZATION:
        data.update(
            name=profile.name,
            org_kind=profile.org_kind.value if profile.org_kind else OrgKind.INITIATIVE.value,
            what=profile.what,
            website=profile.website,
        )
    return data


class _ProfileSteps(Flow):
    """The steps both flows share: tags, sentences, region, mode, the summary, changes."""

    organization = False
    steps: tuple[str, ...] = SHARED_STEPS

    def __init__(self, profiles: Profiles) -> None:
        self._profiles = profiles

    # -- the stored values ---------------------------------------------------------------------

    async def _record(self, ctx: Context, data: dict[str, Any]) -> ProfileRecord | None:
        member_id = ctx.require_member()
        if data.get("profile"):
            record = await self._profiles.mine(int(data["profile"]), member_id)
            wanted = ProfileKind.ORGANIZATION if self.organization else ProfileKind.PERSON
            if record.kind is not wanted:
                raise UserError(_("This button no longer works."))
            return record
        if not self.organization:
            return await self._profiles.own(member_id)
        return None

    async def _ensure(self, ctx: Context, data: dict[str, Any]) -> None:
        """Fill ``data`` with the stored profile's values (or the defaults) once.

        Called by ``prompt`` and ``accept``: what ``accept`` fills in is stored with the
        answer, so a flow started without data starts from the member's own values."""
        if "offers" in data:
            return
        record = await self._record(ctx, data)
        data.update(initial_data(record))
        if record is not None:
            active = {tag.code for tag in await self._profiles.tags()}
            data["offers"] = [code for code in data["offers"] if code in active]
            data["needs"] = [code for code in data["needs"] if code in active]

    def _draft(self, data: dict[str, Any]) -> ProfileDraft:
        kind = known(OrgKind, str(data.get("org_kind") or "")) if self.organization else None
        return ProfileDraft(
            offers=tuple(data.get("offers") or ()),
            needs=tuple(data.get("needs") or ()),
            offer_text=str(data.get("offer_text") or ""),
            need_text=str(data.get("need_text") or ""),
            region=data.get("region") or None,
            online=bool(data.get("online", True)),
            in_person=bool(data.get("in_person", True)),
            name=data.get("name") if self.organization else None,
            org_kind=kind,
            what=data.get("what") if self.organization else None,
            website=data.get("website") if self.organization else None,
        )

    def _shown_values(self, data: dict[str, Any]) -> dict[str, Any]:
        values = dict(data)
        values["kind"] = (
            ProfileKind.ORGANIZATION if self.organization else ProfileKind.PERSON
        ).value
        return values

    def _name(self, ctx: Context, data: dict[str, Any]) -> str:
        if self.organization:
            return str(data.get("name") or "?")
        return ctx.caller.name or _("a member")

    def _then(self, data: dict[str, Any], step: str) -> Outcome:
        """On to the step after ``step``, or back to the summary when one part was changed."""
        data["in_place"] = False
        if data.get("changing"):
            return Outcome("confirm")
        index = self.steps.index(step)
        return Outcome(self.steps[index + 1] if index + 1 < len(self.steps) else "confirm")

    def _head(self, step: str, question: str) -> str:
        return question + ("\n" + _(STOP_HINT) if step == self.first_step else "")

    # -- questions -----------------------------------------------------------------------------

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        await self._ensure(ctx, data)
        if step in TAG_STEPS:
            return await self._tag_prompt(ctx, step, data)
        if step in TEXT_STEPS:
            return self._text_prompt(step, data)
        if step == "region":
            current = data.get("region")
            options = [
                self.button(
                    step,
                    (f"{ON} " if province.value == current else "")
                    + _capitalized(_(province.label)),
                    province.value,
                )
                for province in Province
            ]
            options.append(
                self.button(step, (f"{ON} " if not current else "") + _("None / online"), NONE)
            )
            return Reply(
                _("In which province are you mostly? Press None / online if it does not matter.")
                if not self.organization
                else _(
                    "In which province is {name} mostly? Press None / online if it does not matter."
                ).format(name=self._name(ctx, data)),
                in_rows(options, 3),
                private=True,
            )
        if step == "mode":
            online, in_person = bool(data.get("online", True)), bool(data.get("in_person", True))
            labels = {"online": _("Online"), "in_person": _("In person"), "both": _("Both")}
            options = [
                self.button(
                    step,
                    (f"{ON} " if MODES[mode] == (online, in_person) else "") + labels[mode],
                    mode,
                )
                for mode in MODES
            ]
            return Reply(
                _("How do you want to meet: online, in person, or both?"),
                (tuple(options),),
                private=True,
            )
        if step == "confirm":
            labels_of = await self._profiles.labels()
            shown = render_profiles.profile_text(
                self._shown_values(data), labels_of, self._name(ctx, data)
            )
            return Reply(
                _("This is how others will see it:") + "\n\n" + shown + "\n\n" + _("Save it?"),
                (
                    (
                        self.button(step, _("Save"), "save"),
                        self.button(step, _("Change"), "change"),
                        self.button(step, _("Cancel"), "cancel"),
                    ),
                ),
                private=True,
            )
        if step == "change":
            options = [self.button(step, self._part_names()[part], part) for part in self.steps]
            options.append(self.button(step, _("Back to the summary"), "back"))
            return Reply(_("What do you want to change?"), in_rows(options, 3), private=True)
        return await self._own_prompt(ctx, step, data)

    def _part_names(self) -> dict[str, str]:
        return {
            "name": _("Name"),
            "kind": _("Kind"),
            "what": _("What it does"),
            "website": _("Website"),
            "offers": _("Offers (tags)"),
            "needs": _("Looks for (tags)"),
            "offer_text": _("Offers (text)"),
            "need_text": _("Looks for (text)"),
            "region": _("Province"),
            "mode": _("Online or in person"),
        }

    async def _own_prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        raise ValueError(step)

    async def _tag_prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        tags = await self._profiles.tags()
        chosen: list[str] = list(data.get(step) or [])
        if self.organization:
            name = self._name(ctx, data)
            question = (
                _("What does {name} offer others?")
                if step == "offers"
                else _("What does {name} look for?")
            ).format(name=name)
        else:
            question = (
                _("What do you offer others?") if step == "offers" else _("What do you look for?")
            )
        lines = [
            self._head(
                step,
                question
                + " "
                + _("Tap the tags that fit (at most {n}), then press Continue.").format(n=MAX_TAGS),
            )
        ]
        if not tags:
            lines.append(_("There are no tags yet; the organizers add them. Press Continue."))
        shown, rest = tags[:SHOWN_TAGS], tags[SHOWN_TAGS:]
        if rest:
            lines.append(
                _(
                    "Not all tags fit on buttons: type a code to choose it or drop it. The others: {tags}"
                ).format(tags=", ".join(f"{tag.code} ({tag.label})" for tag in rest))
            )
        labels = {tag.code: tag.label for tag in tags}
        if chosen:
            lines.append(
                _("Chosen ({count} of at most {n}): {tags}").format(
                    count=len(chosen), n=MAX_TAGS, tags=render_profiles.tag_names(chosen, labels)
                )
            )
        options = [
            self.button(
                step, f"{ON if tag.code in chosen else OFF} {tag.label}", self._tag_value(step, tag)
            )
            for tag in shown
        ]
        rows = (*in_rows(options, TAGS_PER_ROW), (self.button(step, _("Continue"), NEXT),))
        return Reply(
            "\n".join(lines),
            rows,
            private=True,
            expects_text=bool(rest),
            replace=bool(data.get("in_place")),
        )

    def _tag_value(self, step: str, tag: TagRecord) -> str:
        prefix = f"{ACTION_PREFIX}:{self.name}:{step}:"
        return tag.code if len((prefix + tag.code).encode()) <= 64 else _hash(tag.code)

    def _text_prompt(self, step: str, data: dict[str, Any]) -> Reply:
        current = str(data.get(step) or "")
        if step == "offer_text":
            question = _("In a few sentences: what do you offer? (At most {count} characters.)")
        else:
            question = _("In a few sentences: what do you look for? (At most {count} characters.)")
        text = self._head(step, question.format(count=MAX_TEXT))
        buttons = [self.button(step, _("Skip"), SKIP)]
        if current:
            text += "\n\n" + _("Now:") + "\n" + current
            buttons.insert(0, self.button(step, _("Keep it"), KEEP))
        return Reply(text, (tuple(buttons),), private=True, expects_text=True)

    # -- answers -------------------------------------------------------------------------------

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        await self._ensure(ctx, data)
        text = answer.strip()
        if step in TAG_STEPS:
            return await self._accept_tags(step, data, text)
        if step in TEXT_STEPS:
            if text == SKIP:
                data[step] = ""
            elif text == KEEP:
                if not data.get(step):
                    raise InvalidAnswer(_("Please choose one of the buttons."))
            else:
                try:
                    data[step] = checked_text(answer, MAX_TEXT)
                except UserError as problem:
                    raise InvalidAnswer.of(problem) from None
            return self._then(data, step)
        if step == "region":
            if text == NONE:
                data["region"] = None
            else:
                province = self._province(text)
                if province is None:
                    raise InvalidAnswer(_("Please choose one of the buttons."))
                data["region"] = province.value
            return self._then(data, step)
        if step == "mode":
            if text not in MODES:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["online"], data["in_person"] = MODES[text]
            return self._then(data, step)
        if step == "confirm":
            return await self._decide(ctx, data, text)
        if step == "change":
            if text == "back":
                return Outcome("confirm")
            if text not in self.steps:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["changing"] = True
            return Outcome(text)
        return await self._own_accept(ctx, step, data, answer)

    async def _own_accept(
        self, ctx: Context, step: str, data: dict[str, Any], answer: str
    ) -> Outcome:
        raise ValueError(step)

    @staticmethod
    def _province(text: str) -> Province | None:
        typed = text.strip().lower()
        if not typed:
            return None
        for province in Province:
            if typed in (province.value, province.label.lower(), _(province.label).lower()):
                return province
        return None

    async def _accept_tags(self, step: str, data: dict[str, Any], text: str) -> Outcome:
        if text == NEXT:
            if step == "needs" or data.get("changing"):
                if not data.get("offers") and not data.get("needs"):
                    raise InvalidAnswer(
                        _("Choose at least one tag for what you offer or look for.")
                    )
            return self._then(data, step)
        tags = await self._profiles.tags()
        codes = self._typed_tags(text, tags)
        chosen: list[str] = list(data.get(step) or [])
        for code in codes:
            if code in chosen:
                chosen.remove(code)
            else:
                chosen.append(code)
        if len(chosen) > MAX_TAGS:
            raise InvalidAnswer(_("Choose at most {n} tags.").format(n=MAX_TAGS))
        data[step] = chosen
        data["in_place"] = True
        return Outcome(step)

    @staticmethod
    def _typed_tags(text: str, tags: list[TagRecord]) -> list[str]:
        """The codes an answer names: a button's value, one label, or codes typed."""
        if not text:
            raise InvalidAnswer(_("Please choose one of the buttons."))
        if text.startswith(HASHED):
            for tag in tags:
                if _hash(tag.code) == text:
                    return [tag.code]
            raise InvalidAnswer(_("This button no longer works."))
        lowered = text.lower()
        for tag in tags:
            if lowered == tag.label.lower():
                return [tag.code]
        active = {tag.code for tag in tags}
        typed = [part for part in _SEPARATORS.split(lowered) if part]
        unknown = [part for part in typed if part not in active]
        if unknown:
            named = ", ".join(_clip(part) for part in unknown[:MAX_SHOWN_UNKNOWN])
            if len(unknown) > MAX_SHOWN_UNKNOWN:
                named += ", …"
            raise InvalidAnswer(_("Unknown tags: {codes}.").format(codes=named))
        return list(dict.fromkeys(typed))

    async def _decide(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if text == "cancel":
            return Outcome(None, [Reply(_("Cancelled; nothing was saved."), private=True)])
        if text == "change":
            return Outcome("change")
        if text != "save":
            raise InvalidAnswer(_("Please choose one of the buttons."))
        member_id = ctx.require_member()
        try:
            saved = await self._save(member_id, data)
        except UserError as problem:
            raise InvalidAnswer(problem.message + " " + _("Press Change to correct it.")) from None
        return Outcome(None, [self._saved(saved)])

    async def _save(self, member_id: int, data: dict[str, Any]) -> ProfileRecord:
        raise NotImplementedError

    def _saved(self, profile: ProfileRecord) -> Reply:
        raise NotImplementedError


class ProfileFlow(_ProfileSteps):
    """A member's personal profile, new or changed (starting from the stored values)."""

    name = PROFILE_FLOW
    first_step = "offers"
    personal = True
    steps = SHARED_STEPS

    async def _save(self, member_id: int, data: dict[str, Any]) -> ProfileRecord:
        return await self._profiles.save_own(member_id, self._draft(data))

    def _saved(self, profile: ProfileRecord) -> Reply:
        return Reply(
            _(
                "Your profile is saved. You are asked before each round of introductions; "
                "/platform shows your profile with buttons to change, pause or delete it."
            ),
            private=True,
        )


class OrganizationFlow(_ProfileSteps):
    """An innovator organization's profile: name, kind, what it does, website, then the
    shared steps. With ``data["profile"]`` it changes that organization (the member must
    be one of its contacts); otherwise the member becomes the contact of a new one."""

    name = ORG_FLOW
    first_step = "name"
    personal = True
    organization = True
    steps = ORG_STEPS + SHARED_STEPS

    async def _own_prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "name":
            current = data.get("name")
            if current:
                return Reply(
                    self._head(
                        step, _("The name of the organization? Now: {name}").format(name=current)
                    ),
                    ((self.button(step, _("Keep it"), KEEP),),),
                    private=True,
                    expects_text=True,
                )
            return Reply(
                self._head(
                    step,
                    _("A profile for an innovator organization: an initiative, company or agency.")
                    + " "
                    + _("What is its name?"),
                ),
                private=True,
                expects_text=True,
            )
        if step == "kind":
            current = data.get("org_kind")
            options = [
                self.button(step, (f"{ON} " if kind.value == current else "") + label, kind.value)
                for kind, label in _kind_names().items()
            ]
            return Reply(
                _("What kind of organization is {name}?").format(name=self._name(ctx, data)),
                (tuple(options),),
                private=True,
            )
        if step == "what":
            text = _("What does {name} do? A few sentences (at most {count} characters).").format(
                name=self._name(ctx, data), count=MAX_TEXT
            )
            buttons: tuple[tuple[Button, ...], ...] = ()
            if data.get("what"):
                text += "\n\n" + _("Now:") + "\n" + str(data["what"])
                buttons = ((self.button(step, _("Keep it"), KEEP),),)
            return Reply(text, buttons, private=True, expects_text=True)
        if step == "website":
            options = [self.button(step, _("No website"), NONE)]
            text = _("Its website (https://…)? Or press No website.")
            if data.get("website"):
                text += "\n" + _("Now: {link}").format(link=data["website"])
                options.insert(0, self.button(step, _("Keep it"), KEEP))
            return Reply(text, (tuple(options),), private=True, expects_text=True)
        raise ValueError(step)

    async def _own_accept(
        self, ctx: Context, step: str, data: dict[str, Any], answer: str
    ) -> Outcome:
        text = answer.strip()
        if text == KEEP:  # the button's value: never stored as an answer
            if not data.get(step if step != "kind" else "org_kind"):
                raise InvalidAnswer(_("Please choose one of the buttons."))
            return self._then(data, step)
        try:
            if step == "name":
                data["name"] = checked_line(answer, MAX_NAME)
            elif step == "kind":
                kind = known(OrgKind, text.lower()) or next(
                    (
                        kind
                        for kind, label in _kind_names().items()
                        if label.lower() == text.lower()
                    ),
                    None,
                )
                if kind is None:
                    raise InvalidAnswer(_("Please choose one of the buttons."))
                data["org_kind"] = kind.value
            elif step == "what":
                data["what"] = checked_text(answer, MAX_TEXT)
            elif step == "website":
                data["website"] = None if text == NONE else checked_link(text)
            else:
                raise ValueError(step)
        except UserError as problem:
            raise InvalidAnswer.of(problem) from None
        return self._then(data, step)

    async def _save(self, member_id: int, data: dict[str, Any]) -> ProfileRecord:
        if data.get("profile"):
            return await self._profiles.update(int(data["profile"]), member_id, self._draft(data))
        return await self._profiles.create_organization(member_id, self._draft(data))

    def _saved(self, profile: ProfileRecord) -> Reply:
        return Reply(
            _(
                "The profile of {name} is saved, with you as its contact. /platform shows it "
                "with buttons to change, pause or delete it."
            ).format(name=profile.name or "?"),
            private=True,
        )
