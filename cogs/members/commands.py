"""The members commands and buttons: declarations and thin handlers.

Each handler checks who asks, calls the service and hands what it gets to ``render``;
the rules live in :class:`~cogs.members.service.MemberService`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

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
from bot.core.delivery import Outbound
from bot.core.errors import UserError
from bot.core.i18n import N_, _, language
from bot.core.privacy import PersonalData
from bot.core.types import Attachment, Reply, Role
from cogs.members import actions, render
from cogs.members.actions import Verb
from cogs.members.flows import FLOW, development_code
from cogs.members.service import MemberService

log = logging.getLogger(__name__)


class MembersCommands:
    def __init__(
        self,
        service: MemberService,
        conversations: Conversations,
        personal_data: PersonalData,
        registry: Registry,
    ) -> None:
        """``registry`` lets ``/start <command>`` (a deep link) continue another command."""
        self._service = service
        self._conversations = conversations
        self._personal_data = personal_data
        self._registry = registry

    def declare(self, registry: Registry) -> None:
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
        registry.action(Action(actions.PREFIX, self.on_button))

    # -- commands ------------------------------------------------------------------------

    async def start(self, ctx: Context) -> list[Reply | Outbound]:
        """First contact: who we are, the privacy statement, and the way in."""
        raw = (ctx.args.get("payload") or "").strip()
        linked = self._registry.deep_link_for(raw)
        if linked is not None:  # a link or QR code for a module (ci-<code>: check-in)
            handler, rest = linked
            return as_list(await handler(ctx, rest))
        payload = raw.lower()
        if payload:
            # A deep link from a group (/start <command>) continues that command privately.
            target = self._registry.find(payload)
            if target is not None and target.personal and target.role <= ctx.caller.role:
                if not ctx.chat.is_private:
                    return [continue_privately(target.name)]
                return as_list(await target.handler(replace(ctx, command=target, args={})))
        resumed = await self._conversations.resume(ctx)
        if ctx.caller.is_member:
            return [render.welcome_back(ctx.caller.name), *(resumed or [])]
        if resumed:
            intro = render.first_contact()
            return [Reply(intro.text), Reply(_("You were in the middle of something:")), *resumed]
        return [render.first_contact()]

    async def registreer(self, ctx: Context) -> list[Reply]:
        """Starts (or resumes) the registration conversation."""
        if ctx.caller.is_member:
            member_id = ctx.require_member()
            if ctx.caller.verified or not self._service.require_verification:
                return [
                    Reply(
                        _("You are already registered, {name}. See /profiel.").format(
                            name=ctx.caller.name
                        )
                    )
                ]
            profile = await self._service.profile(member_id)
            code = await self._service.ensure_code(member_id)
            return [
                *development_code(self._service, ctx.platform, code),
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

    async def koppel(self, ctx: Context) -> list[Reply | Outbound]:
        """One person, one member: ties another platform account to the same member."""
        code = (ctx.args.get("code") or "").strip()
        if not code:
            if not ctx.caller.is_member:
                return [render.how_to_link()]
            raw, _expires = await self._service.new_link_code(ctx.require_member())
            return [render.link_code(raw)]
        if ctx.caller.is_member:
            raise UserError(
                _(
                    "This account already belongs to a member. Send /koppel CODE from the account "
                    "you want to add."
                )
            )
        member_id = await self._service.link(ctx.platform, ctx.identity.user_id, code)
        # Whatever this account was answering as a guest (a registration) has no place now.
        await self._conversations.cancel(ctx)
        profile = await self._service.profile(member_id)
        platform = ctx.platform
        with language(profile.language or ctx.language):
            here = render.linked_here(platform, profile.name)
        # The member's other accounts hear of it too (the core delivers it).
        return [here, Outbound(member_id=member_id, render=lambda: render.linked_elsewhere(platform))]

    async def profiel(self, ctx: Context) -> Reply:
        profile = await self._service.profile(ctx.require_member())
        return render.profile(profile, ctx.caller.role, ctx.language)

    async def taal(self, ctx: Context) -> Reply:
        chosen = ctx.args["taal"]
        await self._service.set_language(
            ctx.platform, ctx.identity.user_id, ctx.member_id, chosen
        )
        with language(chosen):
            return Reply(_("From now on I speak English with you."))

    async def mijngegevens(self, ctx: Context) -> Reply:
        """The AVG/GDPR right of access: everything, as one JSON file."""
        member_id = ctx.require_member()
        data = await self._personal_data.export(member_id)
        return Reply(
            _("Here is everything Werkbot holds on you."),
            attachment=Attachment(
                f"werkbot-mijngegevens-{member_id}.json", data, "application/json"
            ),
            private=True,
        )

    async def vergeetmij(self, ctx: Context) -> Reply:
        """The right to be forgotten, behind one confirmation button."""
        return render.forget_question(ctx.require_member())

    async def leden(self, ctx: Context) -> Reply:
        return render.member_list(await self._service.search(ctx.args.get("zoek")))

    async def opjutter_geef(self, ctx: Context) -> Reply:
        member_id = ctx.args["lid"]
        if await self._service.grant_opjutter(member_id, ctx.identity.key):
            return Reply(_("Member {id} is now an opjutter.").format(id=member_id))
        return Reply(_("Member {id} already was an opjutter.").format(id=member_id))

    async def opjutter_neem(self, ctx: Context) -> Reply:
        member_id = ctx.args["lid"]
        if await self._service.revoke_opjutter(member_id):
            return Reply(_("Member {id} is no longer an opjutter.").format(id=member_id))
        return Reply(_("Member {id} was not an opjutter.").format(id=member_id))

    async def sponsor_nieuw(self, ctx: Context) -> Reply:
        organization_id = await self._service.create_sponsor(ctx.args["naam"])
        return Reply(
            _(
                "Sponsor {id} registered. Add its representatives with /sponsor_lid {id} "
                "<member number>. Together they have one voice."
            ).format(id=organization_id)
        )

    async def sponsor_lid(self, ctx: Context) -> Reply:
        name = await self._service.add_representative(ctx.args["sponsor"], ctx.args["lid"])
        return Reply(
            _("Member {member} now represents {sponsor}.").format(
                member=ctx.args["lid"], sponsor=name
            )
        )

    async def sponsor_los(self, ctx: Context) -> Reply:
        await self._service.remove_representative(ctx.args["lid"])
        return Reply(_("Member {member} is a deelnemer again.").format(member=ctx.args["lid"]))

    async def sponsors(self, ctx: Context) -> Reply:
        return render.sponsor_list(await self._service.sponsors())

    # -- buttons -------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply] | Reply:
        pressed = actions.decode(parts)
        if pressed.verb is Verb.REGISTER:
            if not ctx.chat.is_private:
                return continue_privately("registreer")
            return await self.registreer(ctx)
        if pressed.verb is Verb.HELP:
            return Reply(_("Type /hulp to see every command you can use."))
        if pressed.verb is Verb.KEEP:
            return Reply(_("Nothing was erased."), replace=True)
        # Verb.FORGET
        if ctx.member_id is None:
            return Reply(_("This membership no longer exists."), replace=True)
        if ctx.member_id != pressed.ids[0]:
            raise UserError(_("This button is not for you."))
        await self._personal_data.erase(ctx.member_id)
        return render.erased()
