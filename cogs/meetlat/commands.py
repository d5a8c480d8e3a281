"""The Meetlat's commands and buttons: declarations and thin handlers.

The rules live in :class:`~cogs.meetlat.service.MeetlatService`, the texts in ``render``.
Members rate, look up scores and rankings and propose items; the contacts of an item
reply and appeal; organizers keep criteria and methods, judge proposals, flags, evidence
and appeals, export and publish. Organizer buttons have their own prefix, which the
router refuses to anyone below organizer.
"""

from __future__ import annotations

from datetime import time

from bot.core.clock import MomentError, local_moment
from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.errors import UserError
from bot.core.i18n import N_, _, ngettext
from bot.core.types import Attachment, Reply, Role
from cogs.meetlat import actions, render
from cogs.meetlat.actions import OrganizerVerb, Verb
from cogs.meetlat.exports import standings_csv, standings_json
from cogs.meetlat.flows import PROPOSE_FLOW, RATE_FLOW, rating_data
from cogs.meetlat.scoring import Params
from cogs.meetlat.service import MeetlatService, params_of
from storage.records.meetlat import ItemKind

KIND_WORDS = {
    "dienst": ItemKind.SERVICE,
    "diensten": ItemKind.SERVICE,
    "service": ItemKind.SERVICE,
    "services": ItemKind.SERVICE,
    "bedrijf": ItemKind.COMPANY,
    "bedrijven": ItemKind.COMPANY,
    "company": ItemKind.COMPANY,
    "companies": ItemKind.COMPANY,
    "tool": ItemKind.TOOL,
    "tools": ItemKind.TOOL,
}
OFF_WORDS = ("uit", "off")
ON_WORDS = ("aan", "on")


def ranking_filter(text: str | None) -> tuple[ItemKind | None, str | None]:
    """``/meetlat_ranglijst diensten`` (a kind) or ``/meetlat_ranglijst zorg`` (a sector)."""
    words = " ".join((text or "").split()).lower()
    if not words:
        return None, None
    if words in KIND_WORDS:
        return KIND_WORDS[words], None
    return None, words[:60]


class MeetlatCommands:
    def __init__(self, service: MeetlatService, conversations: Conversations) -> None:
        self._service = service
        self._conversations = conversations

    def declare(self, registry: Registry) -> None:
        item = Arg("item", N_("item number (see /meetlat_ranglijst)"), ArgKind.INTEGER, min_value=1)
        text = Arg("tekst", N_("your text"), max_length=1000, rest=True)
        registry.add_commands(
            [
                Command(
                    "meetlat",
                    "rate",
                    N_("Meetlat: rate a service, company or tool you used"),
                    self.meetlat,
                    role=Role.MEMBER,
                    personal=True,
                    args=(Arg("naam", N_("(part of) its name"), required=False, max_length=120, rest=True),),
                ),
                Command(
                    "meetlat_score",
                    "rate_score",
                    N_("Meetlat scores and scorecard of an item"),
                    self.score,
                    role=Role.GUEST,
                    args=(Arg("item", N_("number or name"), max_length=120, rest=True),),
                ),
                Command(
                    "meetlat_ranglijst",
                    "rate_ranking",
                    N_("Meetlat ranking, of a kind (diensten, bedrijven, tools) or a sector"),
                    self.ranglijst,
                    role=Role.GUEST,
                    args=(Arg("filter", N_("a kind or a sector"), required=False, max_length=60, rest=True),),
                ),
                Command("meetlat_voorstel", "rate_propose", N_("Propose a service, company or tool for the Meetlat"), self.voorstel, role=Role.MEMBER),
                Command("meetlat_uitleg", "rate_method", N_("How the Meetlat scores: criteria, method, Sociaal Keurmerk"), self.uitleg, role=Role.GUEST),
                Command("meetlat_reactie", "rate_reply", N_("Reply to the scores of your organization (its contacts)"), self.reactie, role=Role.MEMBER, args=(item, text)),
                Command("meetlat_bezwaar", "rate_appeal", N_("Appeal against your organization's scores or mark (its contacts)"), self.bezwaar, role=Role.MEMBER, args=(item, text)),
                Command(
                    "meetlat_criterium",
                    "rate_criterion",
                    N_("Meetlat criteria: list, add or change (code Name | explanation), or turn off/on (organizers)"),
                    self.criterium,
                    role=Role.ORGANIZER,
                    args=(
                        Arg("code", N_("e.g. flexibiliteit"), required=False, max_length=40),
                        Arg("wat", N_("Name | explanation, or uit/aan"), required=False, max_length=300, rest=True),
                    ),
                ),
                Command(
                    "meetlat_methode_nieuw",
                    "rate_method_new",
                    N_("A new Meetlat method version from a date, with what changes (organizers)"),
                    self.methode_nieuw,
                    role=Role.ORGANIZER,
                    args=(Arg("datum", N_("from when, e.g. 2027-01-01"), max_length=20), Arg("beschrijving", N_("what changes and why"), max_length=2000, rest=True)),
                ),
                Command(
                    "meetlat_beheer",
                    "rate_admin",
                    N_("Meetlat for organizers: proposals, flags, appeals, or one item's card"),
                    self.beheer,
                    role=Role.ORGANIZER,
                    args=(Arg("item", N_("item number"), ArgKind.INTEGER, required=False, min_value=1),),
                ),
                Command(
                    "meetlat_uitspraak",
                    "rate_ruling",
                    N_("Record the outcome of an appeal (organizers)"),
                    self.uitspraak,
                    role=Role.ORGANIZER,
                    args=(
                        Arg("bezwaar", N_("appeal number"), ArgKind.INTEGER, min_value=1),
                        Arg("uitkomst", N_("toegewezen or afgewezen"), ArgKind.CHOICE, choices=("toegewezen", "afgewezen", "upheld", "rejected")),
                        Arg("toelichting", N_("the explanation"), max_length=1000, rest=True),
                    ),
                ),
                Command(
                    "meetlat_sponsor",
                    "rate_sponsor",
                    N_("Mark an item as a sponsor (sponsor number; 0 = none) (organizers)"),
                    self.sponsor,
                    role=Role.ORGANIZER,
                    args=(item, Arg("sponsor", N_("sponsor number (see /sponsors), 0 for none"), ArgKind.INTEGER, min_value=0)),
                ),
                Command(
                    "meetlat_contact",
                    "rate_contact",
                    N_("Let a member speak for an item (reply, appeal) (organizers)"),
                    self.contact,
                    role=Role.ORGANIZER,
                    args=(item, Arg("lid", N_("member number (see /leden)"), ArgKind.INTEGER, min_value=1)),
                ),
                Command(
                    "meetlat_intrekken",
                    "rate_withdraw",
                    N_("Withdraw an item's mark, with the reason (organizers)"),
                    self.intrekken,
                    role=Role.ORGANIZER,
                    args=(item, Arg("reden", N_("the reason"), max_length=500, rest=True)),
                ),
                Command(
                    "meetlat_export",
                    "rate_export",
                    N_("Meetlat scores as CSV and JSON, for the Magazine and the lobby (organizers)"),
                    self.export,
                    role=Role.ORGANIZER,
                    args=(Arg("filter", N_("a kind or a sector"), required=False, max_length=60, rest=True),),
                ),
                Command(
                    "meetlat_publiceer",
                    "rate_publish",
                    N_("Publish the Meetlat ranking in the announcement chats (organizers)"),
                    self.publiceer,
                    role=Role.ORGANIZER,
                    args=(Arg("filter", N_("a kind or a sector"), required=False, max_length=60, rest=True),),
                ),
            ]
        )
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.MEMBER))
        registry.action(Action(actions.ORGANIZER_PREFIX, self.on_organizer_button, role=Role.ORGANIZER))

    # -- members ---------------------------------------------------------------------------------

    async def meetlat(self, ctx: Context) -> list[Reply]:
        member_id = ctx.require_member()
        await self._service.rater(member_id)
        wanted = ctx.args.get("naam")
        if not wanted:
            return [render.pick_item(await self._service.items())]
        found = await self._service.search(str(wanted))
        exact = [item for item in found if item.name.casefold() == " ".join(str(wanted).split()).casefold()]
        if len(found) == 1 or len(exact) == 1:
            return await self._start_rating(ctx, (exact or found)[0].id)
        return [render.search_results(found, str(wanted))]

    async def _start_rating(self, ctx: Context, item_id: int) -> list[Reply]:
        member_id = ctx.require_member()
        voter = await self._service.rater(member_id)
        item = await self._service.item(item_id)
        if item.organization_id is not None and voter.organization_id == item.organization_id:
            raise UserError(_("You represent {name}: a sponsor's rating of itself never counts, so it is not asked.").format(name=item.name))
        return await self._conversations.start(ctx, RATE_FLOW, await rating_data(self._service, item.id, member_id))

    async def score(self, ctx: Context) -> list[Reply]:
        item = await self._service.find(str(ctx.args["item"]))
        return await self._score(item.id)

    async def _score(self, item_id: int) -> list[Reply]:
        found = await self._service.standing(item_id)
        return [render.standing(found), render.scorecard(found)]

    async def ranglijst(self, ctx: Context) -> Reply:
        kind, sector = ranking_filter(ctx.args.get("filter"))
        return render.ranking(await self._service.standings(kind=kind, sector=sector), render.ranking_heading(kind, sector))

    async def voorstel(self, ctx: Context) -> list[Reply]:
        if ctx.caller.role < Role.ORGANIZER:  # organizers add items, also without a membership
            ctx.require_member()
        return await self._conversations.start(ctx, PROPOSE_FLOW)

    async def uitleg(self, ctx: Context) -> Reply:
        criteria = {c.id: c for c in await self._service.criteria()}
        return render.method(await self._service.method_now(), await self._service.method_next(), criteria)

    async def reactie(self, ctx: Context) -> Reply:
        item = await self._service.reply(int(ctx.args["item"]), ctx.require_member(), str(ctx.args["tekst"]))
        return Reply(_("Your reply is shown with the scores of {name}.").format(name=item.name))

    async def bezwaar(self, ctx: Context) -> Reply:
        appeal = await self._service.appeal(int(ctx.args["item"]), ctx.require_member(), str(ctx.args["tekst"]))
        return Reply(_("Your appeal is number {id}. An organizer records the outcome; you hear it here.").format(id=appeal.id))

    # -- organizers ------------------------------------------------------------------------------

    async def criterium(self, ctx: Context) -> Reply:
        code = ctx.args.get("code")
        if not code:
            return render.criteria_list(await self._service.criteria())
        what = " ".join(str(ctx.args.get("wat") or "").split())
        if what.lower() in OFF_WORDS + ON_WORDS:
            changed = await self._service.set_criterion_active(str(code), what.lower() in ON_WORDS)
            state = _("on") if changed.active else _("off")
            return Reply(_("Criterion {name} is {state}; this applies with the next method version.").format(name=changed.name, state=state), private=True)
        name, bar, explanation = what.partition("|")
        if not bar:
            raise UserError(_("Type: /meetlat_criterium <code> Name | one line of explanation (or uit/aan)."))
        criterion, new = await self._service.put_criterion(str(code), name, explanation)
        text = _("Criterion {name} added.") if new else _("Criterion {name} changed.")
        return Reply(text.format(name=criterion.name) + " " + _("It is scored from the next method version (/meetlat_methode_nieuw)."), private=True)

    async def methode_nieuw(self, ctx: Context) -> Reply:
        try:
            applies = local_moment(str(ctx.args["datum"]), default_time=time(0, 0))
        except MomentError as problem:
            raise UserError(str(problem)) from None
        method = await self._service.new_method(str(ctx.args["beschrijving"]), applies, ctx.identity.key)
        return Reply(
            _("Method v{version} is stored; it applies from {since}. Members and the announcement chats are told.").format(
                version=method.version, since=render.when(method.applies_from)
            ),
            private=True,
        )

    async def beheer(self, ctx: Context) -> list[Reply]:
        item_id = ctx.args.get("item")
        if item_id is not None:
            return await self._item_card(int(item_id))
        proposals = await self._service.proposals()
        flags = await self._service.flags()
        appeals = await self._service.appeals()
        replies = [render.overview(len(proposals), len(flags), len(appeals), await self._service.method_now(), await self._service.method_next())]
        replies += [render.proposal_card(item) for item in proposals[:10]]
        criteria = {c.id: c for c in await self._service.criteria()}
        replies += [render.flag_card(view, criteria) for view in await self._service.flag_views(flags[:10])]
        items = {item.id: item for item in await self._service.items()}
        replies += [render.appeal_card(appeal, items[appeal.item_id]) for appeal in appeals[:10] if appeal.item_id in items]
        return replies

    async def _item_card(self, item_id: int) -> list[Reply]:
        found = await self._service.standing(item_id)
        notes = await self._service.notes(item_id)
        contacts = await self._service.contacts_of(found.item)
        appeals = [appeal for appeal in await self._service.appeals() if appeal.item_id == item_id]
        flags = await self._service.flag_views([flag for flag in await self._service.flags() if flag.item_id == item_id])
        return render.item_card(found, notes, len(contacts), appeals, flags)

    async def uitspraak(self, ctx: Context) -> Reply:
        upheld = str(ctx.args["uitkomst"]) in ("toegewezen", "upheld")
        appeal = await self._service.rule(int(ctx.args["bezwaar"]), upheld, str(ctx.args["toelichting"]), ctx.identity.key)
        return Reply(_("The outcome of appeal {id} is recorded and sent to the contact who appealed.").format(id=appeal.id), private=True)

    async def sponsor(self, ctx: Context) -> Reply:
        organization = int(ctx.args["sponsor"])
        name = await self._service.set_sponsor(int(ctx.args["item"]), organization or None)
        if name is None:
            return Reply(_("The item is no longer marked as a sponsor."), private=True)
        return Reply(_("The item is marked as sponsor {name}: ratings by its representatives never count.").format(name=name), private=True)

    async def contact(self, ctx: Context) -> Reply:
        added = await self._service.add_contact(int(ctx.args["item"]), int(ctx.args["lid"]))
        return Reply(_("Member {id} speaks for the item now.").format(id=ctx.args["lid"]) if added else _("That member speaks for the item already."), private=True)

    async def intrekken(self, ctx: Context) -> Reply:
        mark = await self._service.withdraw(int(ctx.args["item"]), str(ctx.args["reden"]))
        return Reply(_("The {mark} is withdrawn.").format(mark=render.mark_name(mark.level)), private=True)

    async def export(self, ctx: Context) -> list[Reply]:
        kind, sector = ranking_filter(ctx.args.get("filter"))
        listed = await self._service.standings(kind=kind, sector=sector)
        method = await self._service.method_now()
        if method is None or not listed:
            raise UserError(_("Nothing to export yet: no item has enough raters ({n} or more).").format(n=params_of(method).min_raters if method else Params().min_raters))
        criteria = {c.id: c for c in await self._service.criteria()}
        return [
            Reply(_("Meetlat scores (method v{version}), {n} items.").format(version=method.version, n=len(listed)), private=True),
            Reply("CSV", attachment=Attachment(f"meetlat-v{method.version}.csv", standings_csv(listed, method, criteria), "text/csv"), private=True),
            Reply("JSON", attachment=Attachment(f"meetlat-v{method.version}.json", standings_json(listed, method, criteria), "application/json"), private=True),
        ]

    async def publiceer(self, ctx: Context) -> Reply:
        kind, sector = ranking_filter(ctx.args.get("filter"))
        chats = await self._service.publish(kind, sector, ctx.identity.key)
        return Reply(
            ngettext("The Meetlat ranking is published in {n} announcement chat.", "The Meetlat ranking is published in {n} announcement chats.", chats).format(n=chats),
            private=True,
        )

    # -- buttons ---------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply]:
        pressed = actions.decode(parts)
        number = pressed.ids[0]
        if pressed.verb is Verb.RATE:
            return await self._start_rating(ctx, number)
        if pressed.verb is Verb.SCORE:
            return await self._score(number)
        raise UserError(_("This button no longer works."))

    async def on_organizer_button(self, ctx: Context, parts: list[str]) -> list[Reply]:
        pressed = actions.decode_organizer(parts)
        number, verb, by = pressed.ids[0], pressed.verb, ctx.identity.key
        if verb in (OrganizerVerb.APPROVE, OrganizerVerb.REJECT):
            item = await self._service.decide(number, verb is OrganizerVerb.APPROVE, by)
            text = _("{name} is in the Meetlat now.") if verb is OrganizerVerb.APPROVE else _("{name} is rejected.")
            return [Reply(text.format(name=item.name), replace=True)]
        if verb in (OrganizerVerb.HOLD, OrganizerVerb.COUNT):
            flag = await self._service.decide_flag(number, verb is OrganizerVerb.HOLD, by)
            text = _("The ratings of flag {id} are held out of the score.") if verb is OrganizerVerb.HOLD else _("The ratings of flag {id} count.")
            return [Reply(text.format(id=flag.id))]
        if verb in (OrganizerVerb.EVIDENCE_OK, OrganizerVerb.EVIDENCE_UNDO):
            await self._service.check_evidence(number, verb is OrganizerVerb.EVIDENCE_OK, by)
            return await self._item_card(number)
        if verb is OrganizerVerb.ITEM:
            return await self._item_card(number)
        raise UserError(_("This button no longer works."))
