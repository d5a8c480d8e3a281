"""The Meetlat's conversations: rating an item, and proposing one.

Rating asks whether the member used the item (only users rate) and whether they work for
it (then the rating is kept but never counted), then 1–5 per criterion with [Overslaan],
then an optional short note as evidence. Nothing is stored before the last answer, and a
rating of the same item replaces the member's earlier one. The answers held in between
are personal (``personal=True``): the conversation store is scrubbed when it ends.
"""

from __future__ import annotations

from typing import Any

from bot.core.checks import checked_line, checked_link, checked_text
from bot.core.context import Context
from bot.core.conversation import Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Reply, Role, in_rows
from cogs.meetlat import render
from cogs.meetlat.scoring import SCALE
from cogs.meetlat.service import MAX_NOTE, MeetlatService
from storage.records.meetlat import ItemKind, NewItem, RatingInput

RATE_FLOW = "meetlat_rate"
PROPOSE_FLOW = "meetlat_propose"
STOP_HINT = "(Type /stop to stop.)"
SKIP = "skip"
MAX_WEBSITE = 300
"""The column's length (PostgreSQL refuses longer; SQLite would keep it)."""


class RateFlow(Flow):
    name = RATE_FLOW
    first_step = "used"
    personal = True

    def __init__(self, service: MeetlatService) -> None:
        self._service = service

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        name = str(data.get("name", "?"))
        if step == "used":
            earlier = "\n" + _("You rated it before; your new answers replace that rating.") if data.get("rated_before") else ""
            return Reply(
                _("📏 Rating {name}. Have you used it yourself (worked with it, been a customer)?").format(name=name)
                + earlier
                + "\n"
                + _(STOP_HINT),
                ((self.button(step, _("Yes"), "yes"), self.button(step, _("No"), "no")),),
                private=True,
            )
        if step == "works":
            return Reply(
                _("Do you work for {name}, or are you paid by it?").format(name=name),
                ((self.button(step, _("Yes"), "yes"), self.button(step, _("No"), "no")),),
                private=True,
            )
        if step.startswith("c"):
            index = int(step[1:])
            criterion = data["criteria"][index]
            given = data.get("earlier", {}).get(str(criterion["id"]))
            before = " " + _("(before: {value})").format(value=given) if given else ""
            buttons = [self.button(step, str(value), str(value)) for value in SCALE]
            return Reply(
                _("{i}/{n} {name}: {explanation}\n1 = very bad, 5 = very good.").format(
                    i=index + 1, n=len(data["criteria"]), name=criterion["name"], explanation=criterion["explanation"]
                )
                + before,
                (tuple(buttons), (self.button(step, _("Skip"), SKIP),)),
                private=True,
            )
        if step == "note":
            return Reply(
                _("A short note as evidence (what happened, when)? At most {n} characters. Organizers read notes without your name.").format(n=MAX_NOTE),
                ((self.button(step, _("No note"), SKIP),),),
                private=True,
                expects_text=True,
            )
        raise UserError(_("This conversation has ended."))

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        member_id = ctx.require_member()
        if step == "used":
            if answer not in ("yes", "no"):
                raise InvalidAnswer(_("Please press Yes or No."))
            if answer == "no":
                return Outcome(None, [Reply(_("Then leave it to those who did: only users rate in the Meetlat. Nothing was saved."))])
            return Outcome("works")
        if step == "works":
            if answer not in ("yes", "no"):
                raise InvalidAnswer(_("Please press Yes or No."))
            if answer == "yes":
                return Outcome(None, await self._save(data, member_id, RatingInput(used=True, works_there=True)))
            return Outcome("c0")
        if step.startswith("c"):
            index = int(step[1:])
            if answer != SKIP:
                if answer not in {str(value) for value in SCALE}:
                    raise InvalidAnswer(_("Please press one of the buttons 1 to 5, or Skip."))
                data.setdefault("scores", {})[str(data["criteria"][index]["id"])] = int(answer)
            if index + 1 < len(data["criteria"]):
                return Outcome(f"c{index + 1}")
            if not data.get("scores"):
                return Outcome(None, [Reply(_("You skipped every criterion, so there is nothing to save. Nothing was changed."))])
            return Outcome("note")
        if step == "note":
            note = None
            if answer != SKIP:
                try:
                    note = checked_text(answer, MAX_NOTE)
                except UserError as problem:
                    raise InvalidAnswer.of(problem) from None
            scores = {int(c): int(v) for c, v in data.get("scores", {}).items()}
            return Outcome(None, await self._save(data, member_id, RatingInput(used=True, works_there=False, scores=scores, note=note)))
        raise InvalidAnswer(_("This conversation has ended."))

    async def _save(self, data: dict[str, Any], member_id: int, given: RatingInput) -> list[Reply]:
        item = await self._service.item(int(data["item"]))
        saved, counted = await self._service.rate(item.id, member_id, given)
        return [render.rated(item, saved.changed, counted)]


async def rating_data(service: MeetlatService, item_id: int, member_id: int) -> dict[str, Any]:
    """What the rating conversation starts with: the item, the criteria asked, the
    member's earlier answers (to show "before: 4")."""
    item = await service.item(item_id)
    criteria = await service.rating_criteria()
    earlier = await service.own_rating(item.id, member_id)
    return {
        "item": item.id,
        "name": item.name,
        "criteria": [{"id": c.id, "name": c.name, "explanation": c.explanation} for c in criteria],
        "rated_before": earlier is not None,
        "earlier": {str(c): v for c, v in earlier.scores.items()} if earlier else {},
    }


class ProposeFlow(Flow):
    name = PROPOSE_FLOW
    first_step = "name"

    def __init__(self, service: MeetlatService) -> None:
        self._service = service

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "name":
            return Reply(
                _("Which service, company or tool should the Meetlat hold against its criteria? Its name:") + "\n" + _(STOP_HINT),
                private=True,
                expects_text=True,
            )
        if step == "kind":
            buttons = [self.button(step, render.kind_name(kind).capitalize(), kind.value) for kind in ItemKind]
            return Reply(_("What is {name}?").format(name=data["name"]), in_rows(buttons, 3), private=True)
        if step == "website":
            return Reply(_("Its website (https://…)?"), ((self.button(step, _("No website"), SKIP),),), private=True, expects_text=True)
        if step == "sector":
            return Reply(
                _("In which sector (e.g. zorg, onderwijs, bouw, platformwerk, financiën)?"),
                ((self.button(step, _("No sector"), SKIP),),),
                private=True,
                expects_text=True,
            )
        if step == "confirm":
            item = NewItem(data["name"], ItemKind(data["kind"]), data.get("website"), data.get("sector"))
            details = " · ".join(part for part in (render.kind_name(item.kind), item.sector, item.website) if part)
            return Reply(
                _("Propose {name} ({details})?").format(name=item.name, details=details),
                ((self.button(step, _("Propose"), "yes"), self.button(step, _("Cancel"), "no")),),
                private=True,
            )
        raise UserError(_("This conversation has ended."))

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        try:
            if step == "name":
                data["name"] = checked_line(answer, 120)
                return Outcome("kind")
            if step == "kind":
                if answer not in {kind.value for kind in ItemKind}:
                    raise InvalidAnswer(_("Please press one of the buttons."))
                data["kind"] = answer
                return Outcome("website")
            if step == "website":
                data["website"] = None if answer == SKIP else checked_link(answer, MAX_WEBSITE)
                return Outcome("sector")
            if step == "sector":
                data["sector"] = None if answer == SKIP else checked_line(answer, 60).lower()
                return Outcome("confirm")
            if step == "confirm":
                if answer != "yes":
                    return Outcome(None, [Reply(_("Cancelled; nothing was proposed."))])
                organizer = ctx.caller.role >= Role.ORGANIZER
                item = await self._service.propose(
                    NewItem(data["name"], ItemKind(data["kind"]), data.get("website"), data.get("sector")),
                    ctx.member_id,
                    organizer=organizer,
                    by=ctx.identity.key,
                )
                return Outcome(None, [render.proposed(item)])
        except UserError as problem:
            if step == "confirm":
                raise
            raise InvalidAnswer.of(problem) from None
        raise InvalidAnswer(_("This conversation has ended."))
