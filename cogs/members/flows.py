"""The registration conversation: name, e-mail, work situation, province, consent, code.

Every answer so far is kept in the stored conversation (``data``), none in memory, so a
restart in the middle continues at the same question; the flow is ``personal``, so a
registration that ends without a member (stopped, declined, expired) is scrubbed.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar

from bot.core.bounds import parse_int
from bot.core.commands import Onboarding
from bot.core.context import Context
from bot.core.conversation import Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Reply, in_rows
from cogs.members import render
from cogs.members.service import MemberService, VerifyResult
from storage.vocabulary import Province, WorkSituation, known

FLOW = "registration"
STEPS = ("name", "email", "work", "province", "consent", "code")
E = TypeVar("E", bound=StrEnum)
ALIASES = {"fryslan": Province.FRIESLAND, "fryslân": Province.FRIESLAND, "freelancer": WorkSituation.ZZP}


def match(vocabulary: type[E], typed: str) -> E | None:
    """Find a code from what someone typed: the code, the label, or its number in the list."""
    text = typed.strip().lower()
    if not text:
        return None
    codes = list(vocabulary)
    number = parse_int(text, low=1, high=len(codes))
    if number is not None:
        return codes[number - 1]
    alias = ALIASES.get(text)
    if isinstance(alias, vocabulary):
        return alias
    for code in codes:
        label = getattr(code, "label", str(code))
        if text in (code.value, label.lower(), _(label).lower()):
            return code
    return None


def development_code(members: MemberService, platform: str, code: str | None) -> list[Reply]:
    """Without a mail server, a local chat shows the code so the bot can be tried out."""
    if code is None or not members.shows_code_in_chat(platform):
        return []
    return [render.development_code(code)]



class RegistrationFlow(Flow):
    name = FLOW
    first_step = "name"
    personal = True

    def __init__(self, members: MemberService, onboarding: Sequence[Onboarding] = ()) -> None:
        """``onboarding``: what other modules ask a member who just registered."""
        self._members = members
        self._onboarding = onboarding

    async def _welcome(self, ctx: Context, data: dict[str, Any]) -> list[Reply]:
        replies = [render.welcome(data["name"])]
        for step in self._onboarding:
            replies += await step(ctx, int(data["member_id"]))
        return replies

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        total = 6 if self._members.require_verification else 5
        head = (
            _("Registration, step {n} of {total}.").format(n=STEPS.index(step) + 1, total=total)
            + " "
        )
        if step == "name":
            return Reply(
                head + _("What is your name?") + "\n" + _("(Type /stop to stop.)"),
                private=True,
                expects_text=True,
            )
        if step == "email":
            return Reply(
                head + _("What is your e-mail address? We send you a code to confirm it."),
                private=True,
                expects_text=True,
            )
        if step == "work":
            options = [self.button(step, render.label(code), code) for code in WorkSituation]
            return Reply(head + _("What is your work situation?"), in_rows(options, 2), private=True)
        if step == "province":
            options = [self.button(step, render.label(code), code) for code in Province]
            return Reply(
                head + _("In which province do you live?"), in_rows(options, 3), private=True
            )
        if step == "consent":
            summary = _(
                "Name: {name}\nE-mail: {email}\nWork situation: {work}\nProvince: {province}"
            ).format(
                name=data["name"],
                email=data["email"],
                work=render.label(known(WorkSituation, data["work"])),
                province=render.label(known(Province, data["province"])),
            )
            return Reply(
                head
                + summary
                + "\n\n"
                + render.privacy_statement()
                + "\n\n"
                + _("Do you agree with the privacy statement?"),
                ((self.button(step, _("Yes, I agree"), "yes"), self.button(step, _("No"), "no")),),
                private=True,
            )
        if step == "code":
            return Reply(
                head
                + _("Type the 6-digit code we sent to {email}.").format(
                    email=data.get("email", "")
                ),
                ((self.button(step, _("Send a new code"), "resend"),),),
                private=True,
                expects_text=True,
            )
        raise ValueError(step)

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        try:
            return await self._accept(ctx, step, data, answer)
        except InvalidAnswer:
            raise
        except UserError as problem:
            raise InvalidAnswer(problem.message) from None

    async def _accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        if step == "name":
            data["name"] = self._members.clean_name(answer)
            return Outcome("email")
        if step == "email":
            data["email"] = await self._members.clean_email(answer)
            return Outcome("work")
        if step == "work":
            work = match(WorkSituation, answer)
            if work is None:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["work"] = work.value
            return Outcome("province")
        if step == "province":
            province = match(Province, answer)
            if province is None:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["province"] = province.value
            return Outcome("consent")
        if step == "consent":
            return await self._consent(ctx, data, answer)
        if step == "code":
            return await self._code(ctx, data, answer)
        raise ValueError(step)

    async def _consent(self, ctx: Context, data: dict[str, Any], answer: str) -> Outcome:
        choice = answer.strip().lower()
        if choice in ("no", "nee", "n"):
            return Outcome(
                None,
                [Reply(_("Without your consent we cannot register you. Nothing was stored."))],
            )
        if choice not in ("yes", "ja", "j", "y"):
            raise InvalidAnswer(_("Please answer with the buttons: yes or no."))
        member_id = await self._members.register(
            ctx.identity.platform,
            ctx.identity.user_id,
            name=data["name"],
            email=data["email"],
            work_situation=data["work"],
            province=data["province"],
            language=ctx.language,
        )
        data["member_id"] = member_id
        if not self._members.require_verification:
            return Outcome(None, await self._welcome(ctx, data))
        replies = [
            Reply(
                _(
                    "Almost done. Your answers are saved; one step is left: confirm your "
                    "e-mail address with the code we sent. Until then your voice does not "
                    "count in Jouw Stem."
                ),
                private=True,
            )
        ]
        replies.extend(await self._send(ctx, member_id, force=True))
        return Outcome("code", replies)

    async def _send(self, ctx: Context, member_id: int, *, force: bool = False) -> list[Reply]:
        code = await self._members.send_code(member_id, force=force)
        return development_code(self._members, ctx.platform, code)

    async def _code(self, ctx: Context, data: dict[str, Any], answer: str) -> Outcome:
        member_id = int(data["member_id"])
        if answer.strip().lower() == "resend":
            return Outcome(
                "code", [Reply(_("A new code is on its way.")), *await self._send(ctx, member_id)]
            )
        result = await self._members.verify(member_id, answer)
        if result in (VerifyResult.OK, VerifyResult.ALREADY):
            return Outcome(None, await self._welcome(ctx, data))
        if result is VerifyResult.WRONG:
            raise InvalidAnswer(_("That code is not right. Check it and try again."))
        if result is VerifyResult.EXPIRED:
            raise InvalidAnswer(_("That code has expired. Ask for a new one with the button."))
        raise InvalidAnswer(_("Too many wrong tries. Ask for a new code with the button."))
