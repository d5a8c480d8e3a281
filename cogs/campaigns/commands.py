"""The campaigns' commands and buttons: declarations and thin handlers.

The rules (who may steer a campaign, the weekly cap, one nudge, what is counted) live in
:class:`~cogs.campaigns.service.CampaignService`; texts in ``render``.
"""

from __future__ import annotations

from bot.core.clock import utcnow
from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.types import Attachment, Reply, Role
from bot.core.yamlfile import DefinitionError, has_top_key
from cogs.campaigns import actions, render
from cogs.campaigns.actions import Verb
from cogs.campaigns.flows import CREATE_FLOW, LETTER_FLOW
from cogs.campaigns.letter import fill_template
from cogs.campaigns.service import CampaignService
from storage.records.campaigns import CampaignKind, CampaignStatus

YAML_SUFFIXES = (".yaml", ".yml")
MAX_SEARCH = 100
MAX_PROBLEMS = 20
MAX_PROBLEM = 200
STEERING = frozenset({Verb.STATUS, Verb.LAUNCH, Verb.PAUSE, Verb.RESUME, Verb.STOP})
"""The buttons of a campaign's opjutter and of organizers."""


def campaign_file(data: bytes) -> bool:
    """A campaign file has ``why:`` and ``deadline:`` (and no survey questions or event start)."""
    return (
        has_top_key(data, "why")
        and has_top_key(data, "deadline")
        and not has_top_key(data, "questions")
        and not has_top_key(data, "starts")
    )


def _listed(problems: list[str]) -> str:
    """The first problems of a file, one a line, each at most :data:`MAX_PROBLEM` characters
    (one problem may name hundreds of unknown placeholders)."""
    shown = [
        problem if len(problem) <= MAX_PROBLEM else problem[: MAX_PROBLEM - 1].rstrip() + "…"
        for problem in problems[:MAX_PROBLEMS]
    ]
    if len(problems) > MAX_PROBLEMS:
        shown.append("…")
    return "\n".join(shown)


class CampaignCommands:
    def __init__(self, service: CampaignService, conversations: Conversations) -> None:
        self._service = service
        self._conversations = conversations

    def declare(self, registry: Registry) -> None:
        number = Arg("actie", N_("campaign number (see /acties)"), ArgKind.INTEGER, min_value=1)
        registry.add_commands(
            [
                Command("acties", "campaigns", N_("Campaigns you can join: act in a few taps"), self.acties, role=Role.MEMBER),
                Command("actie", "campaign", N_("One campaign: what, why, until when"), self.actie, role=Role.MEMBER, args=(number,)),
                Command(
                    "actie_nieuw",
                    "campaign_new",
                    N_("Start a campaign (opjutters; or send a campaign file)"),
                    self.nieuw,
                    role=Role.OPJUTTER,
                    personal=True,
                ),
                Command(
                    "actie_status",
                    "campaign_status",
                    N_("How a campaign is doing: asked, done, per addressee and group"),
                    self.status,
                    role=Role.OPJUTTER,
                    args=(number,),
                ),
                Command("actie_pauze", "campaign_pause", N_("Pause a campaign (its opjutter, organizers)"), self.pauze, role=Role.OPJUTTER, args=(number,)),
                Command("actie_stop", "campaign_stop", N_("Stop a campaign for good (its opjutter, organizers)"), self.stop, role=Role.OPJUTTER, args=(number,)),
                Command("opjutters", "leaderboard", N_("The opjutters whose campaigns brought in most actions"), self.opjutters, role=Role.GUEST),
                Command(
                    "opjutters_naam",
                    "leaderboard_name",
                    N_("Show your name on the opjutters' list or not (aan/uit)"),
                    self.naam,
                    role=Role.OPJUTTER,
                    args=(Arg("keuze", N_("aan or uit"), ArgKind.CHOICE, choices=("aan", "uit", "on", "off")),),
                ),
                Command(
                    "doelen",
                    "targets",
                    N_("Addressees of campaigns: MPs and others (organizers)"),
                    self.doelen,
                    role=Role.OPJUTTER,
                    args=(Arg("zoek", N_("a name, party or committee"), required=False, max_length=MAX_SEARCH, rest=True),),
                ),
            ]
        )
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.MEMBER))
        registry.upload(self.on_upload)

    # -- members ---------------------------------------------------------------------------------

    async def acties(self, ctx: Context) -> Reply:
        steering = ctx.caller.role >= Role.OPJUTTER
        return render.campaign_list(await self._service.campaigns(everything=steering), steering=steering)

    async def actie(self, ctx: Context) -> Reply:
        campaign = await self._service.get(int(ctx.args["actie"]))
        if ctx.caller.role >= Role.OPJUTTER and (
            campaign.status is not CampaignStatus.LIVE or ctx.caller.role >= Role.ORGANIZER or campaign.opjutter_id == ctx.caller.member_id
        ):
            return Reply(render.card_text(campaign), render.steering_buttons(campaign))
        if campaign.status is not CampaignStatus.LIVE or campaign.deadline <= utcnow():
            raise UserError(_("Campaign {id} is not running.").format(id=campaign.id))
        return render.prompt(campaign)

    async def opjutters(self, ctx: Context) -> Reply:
        return render.leaderboard(await self._service.leaderboard())

    # -- opjutters and organizers ----------------------------------------------------------------

    async def nieuw(self, ctx: Context) -> list[Reply]:
        return await self._conversations.start(ctx, CREATE_FLOW)

    async def status(self, ctx: Context) -> Reply:
        campaign = await self._service.get(int(ctx.args["actie"]))
        if ctx.caller.role < Role.ORGANIZER and campaign.opjutter_id != ctx.caller.member_id and campaign.status is CampaignStatus.DRAFT:
            raise UserError(_("Only its opjutter or an organizer can do that with campaign {id}.").format(id=campaign.id))
        return render.status(await self._service.status(campaign.id))

    async def pauze(self, ctx: Context) -> Reply:
        campaign = await self._service.pause(int(ctx.args["actie"]), member_id=ctx.caller.member_id, organizer=ctx.caller.role >= Role.ORGANIZER)
        return render.steered(campaign)

    async def stop(self, ctx: Context) -> Reply:
        campaign = await self._service.stop(int(ctx.args["actie"]), member_id=ctx.caller.member_id, organizer=ctx.caller.role >= Role.ORGANIZER)
        return render.steered(campaign)

    async def naam(self, ctx: Context) -> Reply:
        member_id = ctx.require_member()
        show = str(ctx.args["keuze"]) in ("aan", "on")
        await self._service.show_name(member_id, show)
        if show:
            return Reply(_("Your name is shown on the opjutters' list."))
        return Reply(_("Your name is not shown on the opjutters' list."))

    async def doelen(self, ctx: Context) -> Reply:
        text = str(ctx.args.get("zoek") or "").strip()
        found = await self._service.targets.search(text, 30) if text else []
        total = await self._service.targets.count()
        lines = [_("{n} addressees are known. Organizers load the MPs with werkbot targets refresh, and others from a CSV file.").format(n=total)]
        if text:
            lines.append(_("Found for “{text}”:").format(text=text) if found else _("Nothing found for “{text}”.").format(text=text))
            lines.extend(f"{target.id}. {render.target_line(target)}" for target in found)
        else:
            parties = await self._service.targets.parties()
            if parties:
                lines.append(_("Parties: {names}").format(names=", ".join(parties)))
            lines.append(_("Search with /doelen <name, party or committee>."))
        return Reply("\n".join(lines), private=True)

    # -- files -----------------------------------------------------------------------------------

    async def on_upload(self, ctx: Context, attachment: Attachment) -> Reply | None:
        name = attachment.filename.lower()
        if name.endswith(".csv") and ctx.caller.role >= Role.ORGANIZER:
            return await self._targets_file(attachment.data)
        if not name.endswith(YAML_SUFFIXES) or not campaign_file(attachment.data):
            return None
        if ctx.caller.role < Role.OPJUTTER:
            raise UserError(_("Only opjutters and organizers can start campaigns."))
        try:
            campaign = await self._service.import_file(attachment.data, opjutter_id=ctx.caller.member_id, created_by=ctx.identity.key)
        except DefinitionError as problem:
            return Reply(_("Nothing was created; the file has these problems:") + "\n" + _listed(problem.problems), private=True, refusal=True)
        example = None
        if campaign.kind is CampaignKind.MAIL and ctx.caller.member_id is not None:
            example = await self._service.example_letter(campaign.id, ctx.caller.member_id)
        replies = render.created(campaign, example, self._service.options.weekly_cap)
        return Reply("\n\n".join(reply.text for reply in replies), replies[-1].buttons, private=True)

    async def _targets_file(self, data: bytes) -> Reply:
        try:
            summary = await self._service.targets.import_csv(data)
        except DefinitionError as problem:
            return Reply(_("Nothing was loaded; the file has these problems:") + "\n" + _listed(problem.problems), private=True, refusal=True)
        return Reply(_("Addressees loaded from the file: {summary}").format(summary=summary), private=True)

    # -- buttons ---------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply]:
        pressed = actions.decode(parts)
        verb, campaign_id = pressed.verb, pressed.ids[0]
        organizer = ctx.caller.role >= Role.ORGANIZER
        if verb in STEERING and ctx.caller.role < Role.OPJUTTER:
            # As /actie_status, /actie_pauze and /actie_stop: a member (or an opjutter whose
            # role was taken back) cannot read or steer a campaign with a forged button.
            raise UserError(_("This button is not for you."))
        if verb is Verb.SHOW:
            ctx.args["actie"] = campaign_id
            return [await self.actie(ctx)]
        if verb is Verb.STATUS:
            ctx.args["actie"] = campaign_id
            return [await self.status(ctx)]
        if verb is Verb.LAUNCH:
            campaign, asked = await self._service.launch(campaign_id, member_id=ctx.caller.member_id, organizer=organizer)
            return [render.launched(campaign, asked)]
        if verb is Verb.PAUSE:
            return [render.steered(await self._service.pause(campaign_id, member_id=ctx.caller.member_id, organizer=organizer))]
        if verb is Verb.RESUME:
            campaign, asked = await self._service.resume(campaign_id, member_id=ctx.caller.member_id, organizer=organizer)
            return [render.launched(campaign, asked)]
        if verb is Verb.STOP:
            return [render.steered(await self._service.stop(campaign_id, member_id=ctx.caller.member_id, organizer=organizer))]
        member_id = ctx.require_member()
        if verb is Verb.JOIN:
            campaign, _action = await self._service.join(campaign_id, member_id)
            if campaign.kind is CampaignKind.MAIL:
                return await self._conversations.start(ctx, LETTER_FLOW, {"campaign": campaign.id})
            profile_values = await self._service.member_values(member_id)
            message = fill_template(campaign.template, profile_values).text if campaign.template else ""
            return [render.action_page(campaign, message)]
        if verb is Verb.LATER or verb is Verb.NOT_YET:
            return [render.later(await self._service.later(campaign_id, member_id))]
        if verb is Verb.NO:
            return [render.declined(await self._service.decline(campaign_id, member_id))]
        if verb is Verb.DONE:
            if (await self._service.get(campaign_id)).kind is CampaignKind.MAIL:
                # A letter is counted by "Sent" in the letter conversation, after it was shown.
                raise UserError(_("This button no longer works."))
            campaign, new = await self._service.done(campaign_id, member_id)
            return [render.thanks(campaign, new)]
        raise UserError(_("This button no longer works."))
