"""The platform's commands and buttons: declarations and thin handlers.

The rules live in :class:`~cogs.platform.service.PlatformService` (rounds, introductions,
requests) and :class:`~cogs.platform.profiles.Profiles`; texts in ``render`` and
``render_profiles``.
"""

from __future__ import annotations

import re
from datetime import time

from bot.core.bounds import parse_int
from bot.core.clock import MomentError, local_moment, when
from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.types import Button, Reply, Role
from cogs.platform import actions, render, render_profiles
from cogs.platform.actions import Verb
from cogs.platform.flows import ORG_FLOW, PROFILE_FLOW
from cogs.platform.service import PlatformService
from storage.records.platform import Met, ProfileStatus

_MOMENT_AND_WEEKS = re.compile(r"^(?P<moment>.+?)(?:\s+(?:elke|every)\s+(?P<weeks>\d{1,3})\s*(?:weken|weeks|w)?)?$")


class PlatformCommands:
    def __init__(self, service: PlatformService, conversations: Conversations) -> None:
        self._service = service
        self._conversations = conversations

    def declare(self, registry: Registry) -> None:
        number = Arg("ronde", N_("round number (see /rondes)"), ArgKind.INTEGER, min_value=1)
        profile = Arg("profiel", N_("profile number"), ArgKind.INTEGER, min_value=1)
        registry.add_commands(
            [
                Command("platform", "match", N_("Platform Vernieuwen Doen We Samen: your profile and introductions"), self.platform, role=Role.MEMBER, personal=True),
                Command("zoek", "search", N_("Find people and innovators who offer what you look for"), self.zoek, role=Role.MEMBER, args=(Arg("wat", N_("what you look for"), max_length=300, rest=True),)),
                Command(
                    "platform_pauze_tot",
                    "platform_snooze",
                    N_("No introductions until a date (e.g. 2027-03-01)"),
                    self.snooze,
                    role=Role.MEMBER,
                    args=(Arg("datum", N_("a date like 2027-03-01"), max_length=40, rest=True),),
                ),
                Command(
                    "platform_contactpersoon",
                    "platform_contact",
                    N_("Add a member as a contact of your organization's profile"),
                    self.contactpersoon,
                    role=Role.MEMBER,
                    args=(profile, Arg("lid", N_("member number (see /leden)"), ArgKind.INTEGER, min_value=1)),
                ),
                Command("nooit", "never", N_("Never pair me with this profile (private)"), self.nooit, role=Role.MEMBER, args=(profile,)),
                Command("nooit_weg", "never_undo", N_("Take a profile off your never-list"), self.nooit_weg, role=Role.MEMBER, args=(profile,)),
                Command(
                    "ronde_nieuw",
                    "round_new",
                    N_("Plan a matching round: a date and time, optionally 'elke 4 weken' (organizers)"),
                    self.ronde_nieuw,
                    role=Role.ORGANIZER,
                    args=(Arg("wanneer", N_("e.g. 2027-02-01 10:00 elke 4 weken"), max_length=60, rest=True),),
                ),
                Command("rondes", "rounds", N_("Matching rounds and their state (organizers)"), self.rondes, role=Role.ORGANIZER),
                Command(
                    "ronde_proef",
                    "round_dry_run",
                    N_("Who would meet whom, with scores and who is left out (organizers)"),
                    self.ronde_proef,
                    role=Role.ORGANIZER,
                    args=(number, Arg("seed", N_("a number for the draw"), ArgKind.INTEGER, required=False, min_value=0)),
                ),
                Command("ronde_stats", "round_stats", N_("Statistics of a round and the most offered and sought tags (organizers)"), self.ronde_stats, role=Role.ORGANIZER, args=(number,)),
                Command("ronde_annuleer", "round_cancel", N_("Cancel a planned round (organizers)"), self.ronde_annuleer, role=Role.ORGANIZER, args=(number,)),
                Command(
                    "platform_tag",
                    "platform_tag",
                    N_("Add a tag to the vocabulary: code and label (organizers)"),
                    self.tag,
                    role=Role.ORGANIZER,
                    args=(
                        Arg("code", N_("e.g. zzp-pensioen"), max_length=40),
                        Arg("label", N_("e.g. Pensioen voor zzp'ers"), max_length=60, rest=True),
                    ),
                ),
            ]
        )
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.MEMBER))

    # -- members ---------------------------------------------------------------------------------

    async def platform(self, ctx: Context) -> list[Reply]:
        member_id = ctx.require_member()
        profiles = await self._service.profiles.of_member(member_id)
        if not profiles:
            return await self._conversations.start(ctx, PROFILE_FLOW)
        labels = await self._service.profiles.labels()
        names = await self._service.names(profiles)
        return [render_profiles.my_profiles(profiles, labels, names)]

    async def zoek(self, ctx: Context) -> Reply:
        member_id = ctx.require_member()
        found = await self._service.search(member_id, str(ctx.args["wat"]))
        names = await self._service.names(match.profile for match in found)
        return render.search_results(found, names, await self._service.profiles.labels())

    async def snooze(self, ctx: Context) -> Reply:
        member_id = ctx.require_member()
        try:
            until = local_moment(str(ctx.args["datum"]), default_time=time(0, 0))
        except MomentError as problem:
            raise UserError(str(problem)) from None
        own = await self._service.profiles.own(member_id)
        if own is None:
            raise UserError(_("Make a profile first with /platform."))
        await self._service.profiles.snooze(own.id, member_id, until)
        return Reply(_("No introductions for you until {when}.").format(when=when(until)))

    async def contactpersoon(self, ctx: Context) -> Reply:
        """An organization speaks through several members; any contact may add another."""
        member_id = ctx.require_member()
        profile_id, new_contact = int(ctx.args["profiel"]), int(ctx.args["lid"])
        names = await self._service.names([await self._service.profiles.get(profile_id)])
        if not await self._service.member_exists(new_contact):
            raise UserError(_("There is no member with number {id}.").format(id=new_contact))
        added = await self._service.profiles.add_contact(profile_id, member_id, new_contact)
        if not added:
            return Reply(_("Member {member} is a contact of {name} already.").format(member=new_contact, name=names[profile_id]))
        return Reply(_("Member {member} is now a contact of {name}: they get its introductions too.").format(member=new_contact, name=names[profile_id]))

    async def nooit(self, ctx: Context) -> Reply:
        await self._service.profiles.set_never(ctx.require_member(), int(ctx.args["profiel"]), True)
        return Reply(_("Noted, privately: you are never paired with that profile. They are not told."))

    async def nooit_weg(self, ctx: Context) -> Reply:
        await self._service.profiles.set_never(ctx.require_member(), int(ctx.args["profiel"]), False)
        return Reply(_("That profile is off your never-list."))

    # -- organizers ------------------------------------------------------------------------------

    async def ronde_nieuw(self, ctx: Context) -> Reply:
        found = _MOMENT_AND_WEEKS.match(" ".join(str(ctx.args["wanneer"]).split()))
        if found is None:
            raise UserError(_("Type a date and time like 2027-02-01 10:00, optionally followed by 'elke 4 weken'."))
        try:
            match_at = local_moment(found["moment"], default_time=time(10, 0))
        except MomentError as problem:
            raise UserError(str(problem)) from None
        weeks = parse_int(found["weeks"], low=1, high=52) if found["weeks"] else None
        if found["weeks"] and weeks is None:
            raise UserError(_("Repeat every 1 to 52 weeks."))
        round_ = await self._service.plan(match_at, repeat_weeks=weeks, seed=None, created_by=ctx.identity.key)
        return render.planned(round_)

    async def rondes(self, ctx: Context) -> Reply:
        return render.rounds(await self._service.rounds())

    async def ronde_proef(self, ctx: Context) -> Reply:
        round_id = int(ctx.args["ronde"])
        seed = ctx.args.get("seed")
        plan, names = await self._service.dry_run(round_id, None if seed is None else int(seed))
        round_ = await self._service.round(round_id)
        return render.dry_run(plan, names, await self._service.profiles.labels(), round_.seed if seed is None else int(seed))

    async def ronde_stats(self, ctx: Context) -> Reply:
        report = await self._service.stats(int(ctx.args["ronde"]))
        offered, sought = await self._service.tag_counts()
        return render.stats(report, offered, sought)

    async def ronde_annuleer(self, ctx: Context) -> Reply:
        round_ = await self._service.cancel(int(ctx.args["ronde"]))
        return Reply(_("Round {id} is cancelled.").format(id=round_.id), private=True)

    async def tag(self, ctx: Context) -> Reply:
        new = await self._service.profiles.put_tag(str(ctx.args["code"]), str(ctx.args["label"]))
        return Reply(_("Tag added.") if new else _("Tag changed."), private=True)

    # -- buttons ---------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply]:
        pressed = actions.decode(parts)
        verb = pressed.verb
        member_id = ctx.require_member()
        if verb is Verb.NEW_ORG:
            return await self._conversations.start(ctx, ORG_FLOW)
        if verb is Verb.NEW_OWN:
            return await self._conversations.start(ctx, PROFILE_FLOW)
        number = pressed.ids[0]
        profiles = self._service.profiles
        if verb is Verb.EDIT:
            profile = await profiles.mine(number, member_id)
            flow = PROFILE_FLOW if profile.member_id == member_id else ORG_FLOW
            return await self._conversations.start(ctx, flow, {"profile": profile.id})
        if verb in (Verb.PAUSE, Verb.RESUME, Verb.REJOIN):
            status = ProfileStatus.PAUSED if verb is Verb.PAUSE else ProfileStatus.ACTIVE
            await profiles.set_status(number, member_id, status)
            text = _("Paused: no introductions until you resume.") if status is ProfileStatus.PAUSED else _("You take part again.")
            return [Reply(text)]
        if verb is Verb.DELETE:
            await profiles.mine(number, member_id)
            return [
                Reply(
                    _("Delete this profile with its history? This cannot be undone."),
                    ((Button(_("Yes, delete it"), actions.encode(Verb.DELETE_YES, number)),),),
                )
            ]
        if verb is Verb.DELETE_YES:
            await profiles.delete(number, member_id)
            return [Reply(_("The profile is deleted."), replace=True)]
        if verb in (Verb.JOIN, Verb.SKIP):
            round_, _profiles = await self._service.answer(number, member_id, verb is Verb.JOIN)
            return [render.answered(round_, verb is Verb.JOIN)]
        if verb is Verb.WANT:
            return [render.want_noted(await self._service.want_contact(number, member_id))]
        if verb in (Verb.MET_YES, Verb.MET_PLANNED, Verb.MET_NO):
            answer = {Verb.MET_YES: Met.YES, Verb.MET_PLANNED: Met.PLANNED, Verb.MET_NO: Met.NO}[verb]
            await self._service.met(number, member_id, answer)
            return [render.met_noted()]
        if verb is Verb.NEVER:
            await profiles.set_never(member_id, number, True)
            return [Reply(_("Noted, privately: you are never paired with that profile. They are not told."))]
        if verb is Verb.REQUEST:
            target = await profiles.get(number)
            await self._service.request(member_id, target.id)
            names = await self._service.names([target])
            return [render.requested(names[target.id])]
        if verb in (Verb.ACCEPT, Verb.DECLINE):
            await self._service.answer_request(number, member_id, verb is Verb.ACCEPT)
            return [render.request_answered(verb is Verb.ACCEPT)]
        raise UserError(_("This button no longer works."))
