"""The members commands and buttons; the rules live in MemberService and PrivacyService."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.bounds import parse_id
from bot.core.commands import (
    Action,
    Arg,
    ArgKind,
    Command,
    Registry,
    as_list,
    continue_privately,
)
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.delivery import Delivery, Outbound
from bot.core.errors import UserError
from bot.core.i18n import N_, _, language
from bot.core.types import Attachment, Button, Reply, Role
from cogs.members.choices import KINDS, PROVINCES, WORK_SITUATIONS, label
from cogs.members.privacy import MemberData, PrivacyService
from cogs.members.registration import (
    FLOW,
    RegistrationFlow,
    development_code,
    privacy_statement,
)
from cogs.members.service import MemberService
from storage.repositories.members import MemberRepository

log = logging.getLogger(__name__)

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "console"}
ROLE_LABELS = {
    Role.GUEST: N_("guest"),
    Role.MEMBER: N_("member"),
    Role.OPJUTTER: N_("opjutter"),
    Role.ORGANIZER: N_("organizer"),
    Role.ADMIN: N_("admin"),
}


class MembersCog:
    def __init__(
        self,
        service: MemberService,
        repository: MemberRepository,
        conversations: Conversations,
        delivery: Delivery,
    ) -> None:
        self.service = service
        self._conversations = conversations
        self._delivery = delivery
        self._flow = RegistrationFlow(service)
        self._own_data = MemberData(repository)
        self._privacy: PrivacyService | None = None
        self._registry: Registry | None = None

    def register(self, registry: Registry) -> None:
        self._registry = registry
        self._conversations.register(self._flow)
        registry.personal_data_hook(self._own_data)
        self._privacy = PrivacyService(registry.personal_data, self._own_data)
        member_arg = Arg("lid", N_("member number (see /leden)"), ArgKind.INTEGER, min_value=1)
        registry.add_commands(
            [
                Command(
                    "start",
                    "start",
                    N_("Welcome and what Werkbot is"),
                    self.start,
                    role=Role.GUEST,
                    args=(
                        Arg(
                            "payload",
                            N_("where to continue"),
                            required=False,
                            max_length=64,
                            hidden=True,
                        ),
                    ),
                ),
                Command(
                    "registreer",
                    "register",
                    N_("Sign up as a member"),
                    self.registreer,
                    role=Role.GUEST,
                    personal=True,
                ),
                Command(
                    "koppel",
                    "link",
                    N_("Link your accounts on other platforms"),
                    self.koppel,
                    role=Role.GUEST,
                    personal=True,
                    args=(
                        Arg(
                            "code",
                            N_("the code from your other account"),
                            required=False,
                            max_length=20,
                        ),
                    ),
                ),
                Command("profiel", "profile", N_("Show your profile"), self.profiel, personal=True),
                Command(
                    "taal",
                    "language",
                    N_("Choose your language: nl or en"),
                    self.taal,
                    role=Role.GUEST,
                    args=(Arg("taal", N_("nl or en"), ArgKind.CHOICE, choices=("nl", "en")),),
                ),
                Command(
                    "mijngegevens",
                    "mydata",
                    N_("Get all data we hold on you (AVG/GDPR)"),
                    self.mijngegevens,
                    personal=True,
                ),
                Command(
                    "vergeetmij",
                    "forgetme",
                    N_("Erase all your data (AVG/GDPR)"),
                    self.vergeetmij,
                    personal=True,
                ),
                Command(
                    "leden",
                    "members",
                    N_("Find members (organizers)"),
                    self.leden,
                    role=Role.ORGANIZER,
                    args=(
                        Arg(
                            "zoek",
                            N_("part of a name or e-mail"),
                            required=False,
                            rest=True,
                            max_length=80,
                        ),
                    ),
                ),
                Command(
                    "opjutter_geef",
                    "opjutter_grant",
                    N_("Make a member opjutter"),
                    self.opjutter_geef,
                    role=Role.ORGANIZER,
                    args=(member_arg,),
                ),
                Command(
                    "opjutter_neem",
                    "opjutter_revoke",
                    N_("Take the opjutter role back"),
                    self.opjutter_neem,
                    role=Role.ORGANIZER,
                    args=(member_arg,),
                ),
                Command(
                    "sponsor_nieuw",
                    "sponsor_new",
                    N_("Register a sponsor organization"),
                    self.sponsor_nieuw,
                    role=Role.ORGANIZER,
                    args=(Arg("naam", N_("name of the organization"), rest=True, max_length=200),),
                ),
                Command(
                    "sponsor_lid",
                    "sponsor_add",
                    N_("Add a representative to a sponsor"),
                    self.sponsor_lid,
                    role=Role.ORGANIZER,
                    args=(
                        Arg(
                            "sponsor",
                            N_("sponsor number (see /sponsors)"),
                            ArgKind.INTEGER,
                            min_value=1,
                        ),
                        member_arg,
                    ),
                ),
                Command(
                    "sponsor_los",
                    "sponsor_remove",
                    N_("Remove a representative from their sponsor"),
                    self.sponsor_los,
                    role=Role.ORGANIZER,
                    args=(member_arg,),
                ),
                Command(
                    "sponsors",
                    "sponsor_list",
                    N_("List the sponsor organizations"),
                    self.sponsors,
                    role=Role.ORGANIZER,
                ),
            ]
        )
        registry.action(Action("mb", self.on_button))
        registry.demo(self.load_demo)

    # -- commands ------------------------------------------------------------------------

    async def start(self, ctx: Context) -> list[Reply]:
        """First contact: who we are, the privacy statement, and the way in."""
        payload = (ctx.args.get("payload") or "").strip().lower()
        if payload and self._registry is not None:
            # A deep link from a group (/start <command>) continues that command privately.
            target = self._registry.find(payload)
            if target is not None and target.personal and target.role <= ctx.caller.role:
                if not ctx.chat.is_private:
                    return [continue_privately(target.name)]
                return as_list(await target.handler(replace(ctx, command=target, args={})))
        resumed = await self._conversations.resume(ctx)
        intro = _(
            "Hello! I am Werkbot, the bot of De Werkvereniging, the independent interest "
            "platform for Modern Werkenden: people who combine or alternate jobs, "
            "freelancing, study, care and volunteering. Through me you give your opinion in "
            "Jouw Stem, sign up for gatherings such as the Festival on 11 May, and hear news "
            "first."
        )
        if ctx.caller.is_member:
            text = (
                intro
                + "\n\n"
                + _("Welcome back, {name}! Type /hulp to see what you can do.").format(
                    name=ctx.caller.name
                )
            )
            return [Reply(text), *(resumed or [])]
        text = intro + "\n\n" + privacy_statement()
        if resumed:
            return [Reply(text), Reply(_("You were in the middle of something:")), *resumed]
        return [
            Reply(
                text,
                ((Button(_("Register"), "mb:register"), Button(_("Help"), "mb:help")),),
            )
        ]

    async def registreer(self, ctx: Context) -> list[Reply]:
        """Starts (or resumes) the registration conversation."""
        if ctx.caller.is_member:
            member_id = ctx.require_member()
            if ctx.caller.verified or not self.service.require_verification:
                return [
                    Reply(
                        _("You are already registered, {name}. See /profiel.").format(
                            name=ctx.caller.name
                        )
                    )
                ]
            profile = await self.service.profile(member_id)
            code = await self.service.ensure_code(member_id)
            replies = development_code(self.service, ctx.platform, code)
            return [
                *replies,
                *await self._conversations.start(
                    ctx,
                    FLOW,
                    {"member_id": member_id, "name": profile.name, "email": profile.email},
                    step="code",
                ),
            ]
        current = await self._conversations.current(ctx)
        if current is not None and current[0] == FLOW:
            return [*(await self._conversations.resume(ctx) or [])]
        return [
            Reply(
                _("Welcome! Registering takes a minute. It keeps trolls out of Jouw Stem."),
                private=True,
            ),
            *await self._conversations.start(ctx, FLOW),
        ]

    async def koppel(self, ctx: Context) -> list[Reply]:
        """One person, one member: ties another platform account to the same member."""
        code = (ctx.args.get("code") or "").strip()
        if not code:
            if not ctx.caller.is_member:
                return [
                    Reply(
                        _(
                            "To link this account, first send /koppel on the account you registered "
                            "with. Then send /koppel CODE here with the code you got. Not registered "
                            "yet? Use /registreer."
                        )
                    )
                ]
            raw, _expires = await self.service.new_link_code(ctx.require_member())
            return [
                Reply(
                    _(
                        "Your link code is {code}. On your other account (Telegram, Discord or the "
                        "console), send: /koppel {code}\nThe code works once and expires in 10 "
                        "minutes."
                    ).format(code=raw),
                    private=True,
                )
            ]
        if ctx.caller.is_member:
            raise UserError(
                _(
                    "This account already belongs to a member. Send /koppel CODE from the account "
                    "you want to add."
                )
            )
        member_id = await self.service.link(ctx.platform, ctx.identity.user_id, code)
        profile = await self.service.profile(member_id)
        platform = PLATFORM_NAMES.get(ctx.platform, ctx.platform)
        await self._delivery.deliver_all(
            [
                Outbound(
                    member_id=member_id,
                    render=lambda: Reply(
                        _("Your {platform} account is now linked to your membership.").format(
                            platform=platform
                        )
                    ),
                )
            ]
        )
        with language(profile.language or ctx.language):
            return [
                Reply(
                    _("Linked! This {platform} account now belongs to {name}.").format(
                        platform=platform, name=profile.name
                    ),
                    private=True,
                )
            ]

    async def profiel(self, ctx: Context) -> Reply:
        """Shows the member what we hold, in short; /mijngegevens gives everything."""
        profile = await self.service.profile(ctx.require_member())
        lines = [
            _("Your profile (member number {id})").format(id=profile.member_id),
            _("Name: {value}").format(value=profile.name),
            _("E-mail: {value}").format(value=profile.email)
            + (" ✓" if profile.verified else " " + _("(not confirmed yet: /registreer)")),
            _("Kind: {value}").format(value=label(KINDS, profile.kind))
            + (f" — {profile.organization}" if profile.organization else ""),
            _("Work situation: {value}").format(
                value=label(WORK_SITUATIONS, profile.work_situation)
            ),
            _("Province: {value}").format(value=label(PROVINCES, profile.province)),
            _("Language: {value}").format(value=profile.language or ctx.language),
            _("Role: {value}").format(value=_(ROLE_LABELS[ctx.caller.role])),
            _("Linked accounts: {value}").format(
                value=", ".join(PLATFORM_NAMES.get(p, p) for p in profile.accounts)
            ),
        ]
        return Reply("\n".join(lines), private=True)

    async def taal(self, ctx: Context) -> Reply:
        chosen = ctx.args["taal"]
        await self.service.set_language(ctx.platform, ctx.identity.user_id, ctx.member_id, chosen)
        with language(chosen):
            return Reply(_("From now on I speak English with you."))

    async def mijngegevens(self, ctx: Context) -> Reply:
        """The AVG/GDPR right of access: everything, as one JSON file."""
        member_id = ctx.require_member()
        assert self._privacy is not None
        data = await self._privacy.export(member_id)
        return Reply(
            _("Here is everything Werkbot holds on you."),
            attachment=Attachment(
                f"werkbot-mijngegevens-{member_id}.json", data, "application/json"
            ),
            private=True,
        )

    async def vergeetmij(self, ctx: Context) -> Reply:
        """The right to be forgotten, behind one confirmation button."""
        member_id = ctx.require_member()
        return Reply(
            _(
                "Do you want us to erase all your personal data? Your membership ends and "
                "this cannot be undone. Answers you gave stay only in anonymous totals."
            ),
            (
                (
                    Button(_("Yes, erase everything"), f"mb:forget:{member_id}"),
                    Button(_("No, keep it"), "mb:keep"),
                ),
            ),
            private=True,
        )

    async def leden(self, ctx: Context) -> Reply:
        found = await self.service.search(ctx.args.get("zoek"))
        if not found:
            return Reply(_("No members found."))
        lines = [_("Members (number, name, kind, e-mail confirmed):")]
        lines += [
            f"{member_id}. {name} — {label(KINDS, kind)}{' ✓' if verified else ''}"
            for member_id, name, kind, verified in found
        ]
        return Reply("\n".join(lines), private=True)

    async def opjutter_geef(self, ctx: Context) -> Reply:
        member_id = ctx.args["lid"]
        if await self.service.grant_opjutter(member_id, ctx.identity.key):
            return Reply(_("Member {id} is now an opjutter.").format(id=member_id))
        return Reply(_("Member {id} already was an opjutter.").format(id=member_id))

    async def opjutter_neem(self, ctx: Context) -> Reply:
        member_id = ctx.args["lid"]
        if await self.service.revoke_opjutter(member_id):
            return Reply(_("Member {id} is no longer an opjutter.").format(id=member_id))
        return Reply(_("Member {id} was not an opjutter.").format(id=member_id))

    async def sponsor_nieuw(self, ctx: Context) -> Reply:
        organization_id = await self.service.create_sponsor(ctx.args["naam"])
        return Reply(
            _(
                "Sponsor {id} registered. Add its representatives with /sponsor_lid {id} "
                "<member number>. Together they have one voice."
            ).format(id=organization_id)
        )

    async def sponsor_lid(self, ctx: Context) -> Reply:
        name = await self.service.add_representative(ctx.args["sponsor"], ctx.args["lid"])
        return Reply(
            _("Member {member} now represents {sponsor}.").format(
                member=ctx.args["lid"], sponsor=name
            )
        )

    async def sponsor_los(self, ctx: Context) -> Reply:
        await self.service.remove_representative(ctx.args["lid"])
        return Reply(_("Member {member} is a deelnemer again.").format(member=ctx.args["lid"]))

    async def sponsors(self, ctx: Context) -> Reply:
        found = await self.service.sponsors()
        if not found:
            return Reply(_("No sponsors yet. Register one with /sponsor_nieuw <name>."))
        lines = [_("Sponsors (number, name, representatives):")]
        lines += [f"{sid}. {name} — {count}" for sid, name, count in found]
        return Reply("\n".join(lines))

    # -- buttons -------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply] | Reply:
        what = parts[0] if parts else ""
        if what == "register":
            if not ctx.chat.is_private:
                return continue_privately("registreer")
            return await self.registreer(ctx)
        if what == "help":
            return Reply(_("Type /hulp to see every command you can use."))
        if what == "keep":
            return Reply(_("Nothing was erased."), replace=True)
        if what == "forget" and len(parts) == 2 and parse_id(parts[1]) is not None:
            if ctx.member_id is None:
                return Reply(_("This membership no longer exists."), replace=True)
            if ctx.member_id != parse_id(parts[1]):
                raise UserError(_("This button is not for you."))
            assert self._privacy is not None
            await self._privacy.erase(ctx.member_id)
            return Reply(
                _(
                    "All your personal data has been erased. Thank you for taking part. "
                    "You are always welcome to register again with /registreer."
                ),
                replace=True,
            )
        raise UserError(_("This button no longer works."))

    async def load_demo(self) -> list[str]:
        """Demo content: one sample sponsor, so organizers see how sponsors look."""
        existing = {name for _id, name, _count in await self.service.sponsors()}
        if "Voorbeeld Coöperatie (demo)" in existing:
            return []
        await self.service.create_sponsor("Voorbeeld Coöperatie (demo)")
        return ["sponsor: Voorbeeld Coöperatie (demo)"]
