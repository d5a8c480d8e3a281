"""The campaigns' conversations: an opjutter starting a campaign, and a member's letter.

``/actie_nieuw`` asks kind, title, why, whom to write to and the letter (mail), or the
link and the message (other actions), the deadline and the goal, then stores a draft and
shows it as members will see it, with [Lanceren]. Segments (an audience) are for the
campaign file. The letter conversation shows the member their letter, takes their own
sentences as typed, and ends with a ``mailto:`` link (and, where allowed, [Verstuur via
Werkbot]) and "Sent?" [Verstuurd] [Nog niet].
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bot.core.bounds import parse_int
from bot.core.checks import checked_line, checked_link, checked_text
from bot.core.clock import MomentError, local_moment, utcnow
from bot.core.context import Context
from bot.core.conversation import Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Reply
from cogs.campaigns import render
from cogs.campaigns.definition import MAX_GOAL, MAX_LETTER, MAX_SUBJECT, MAX_TITLE, MAX_WHY
from cogs.campaigns.letter import check_template
from cogs.campaigns.service import CampaignService, Letter
from storage.records.campaigns import CampaignKind, CampaignStatus, NewCampaign, TargetMode

CREATE_FLOW = "campaign_new"
LETTER_FLOW = "campaign_letter"
STOP_HINT = "(Type /stop to stop.)"
MAX_OWN_TEXT = 2_000
PLACEHOLDERS = "{naam} {werksituatie} {provincie} {aan} {partij} {eigen_tekst}"
MAX_PROBLEMS_SHOWN = 3
MAX_PROBLEM = 200


def _template_ok(text: str) -> str:
    """The organizer's text when its placeholders are all known; asked again otherwise
    (naming the first few problems: a letter of 3,000 single braces has 3,000)."""
    problems = check_template(text)
    if problems:
        shown = [_shortened(problem) for problem in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append("…")
        raise InvalidAnswer(_("The letter has problems: {problems}").format(problems="; ".join(shown)))
    return text


def _shortened(problem: str) -> str:
    """One problem in at most :data:`MAX_PROBLEM` characters (a list of 500 unknown
    placeholders is one problem)."""
    return problem if len(problem) <= MAX_PROBLEM else problem[: MAX_PROBLEM - 1].rstrip() + "…"



class CreateCampaignFlow(Flow):
    name = CREATE_FLOW
    first_step = "kind"

    def __init__(self, service: CampaignService) -> None:
        self._service = service

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "kind":
            buttons = [self.button(step, render.kind_name(kind).capitalize()[:40], kind.value) for kind in CampaignKind]
            return Reply(
                _("New campaign. What should members do?") + "\n" + _(STOP_HINT),
                tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)),
                private=True,
            )
        if step == "title":
            return Reply(_("A short title for the campaign?"), private=True, expects_text=True)
        if step == "why":
            return Reply(_("Why does it matter? One or two sentences members read on the card."), private=True, expects_text=True)
        if step == "targets":
            return Reply(
                _("To whom do members write?"),
                (
                    (self.button(step, _("Spread over all MPs"), TargetMode.SPREAD.value),),
                    (
                        self.button(step, _("The MPs of a party"), TargetMode.PARTY.value),
                        self.button(step, _("A committee"), TargetMode.COMMITTEE.value),
                    ),
                ),
                private=True,
            )
        if step == "target_names":
            mode = TargetMode(data["target_mode"])
            known = await (self._service.targets.parties() if mode is TargetMode.PARTY else self._service.targets.committees())
            hint = ", ".join(known[:40]) if known else _("(none loaded yet: werkbot targets refresh)")
            question = _("Which party? Several: separate them with commas.") if mode is TargetMode.PARTY else _("Which committee? Several: separate them with commas.")
            return Reply(question + "\n" + _("Known: {names}").format(names=hint), private=True, expects_text=True)
        if step == "subject":
            return Reply(_("The subject of the mail?"), private=True, expects_text=True)
        if step == "letter":
            return Reply(
                _(
                    "The letter. You may use these placeholders: {names}. {own} is where the "
                    "member's own sentences go."
                ).format(names=PLACEHOLDERS, own="{eigen_tekst}"),
                private=True,
                expects_text=True,
            )
        if step == "smtp":
            return Reply(
                _("May Werkbot send the letter for members who ask (with their own address as Reply-To)? Otherwise they send it from their own mail."),
                ((self.button(step, _("Yes"), "yes"), self.button(step, _("No"), "no")),),
                private=True,
            )
        if step == "link":
            return Reply(
                _("The link members need (the petition, the consultation, the page to share), or press No link."),
                ((self.button(step, _("No link"), "none"),),),
                private=True,
                expects_text=True,
            )
        if step == "message":
            return Reply(
                _("A message members can copy (to share or with their reaction), or press No message."),
                ((self.button(step, _("No message"), "none"),),),
                private=True,
                expects_text=True,
            )
        if step == "deadline":
            return Reply(_("Until when does it run? Like 2027-02-01 23:59 (Dutch time)."), private=True, expects_text=True)
        if step == "goal":
            return Reply(
                _("How many actions do you aim for? Type a number, or press No goal."),
                ((self.button(step, _("No goal"), "none"),),),
                private=True,
                expects_text=True,
            )
        raise ValueError(step)

    def _draft(self, ctx: Context, data: dict[str, Any]) -> NewCampaign:
        return NewCampaign(
            title=data["title"],
            why=data["why"],
            kind=CampaignKind(data["kind"]),
            deadline=datetime.fromisoformat(data["deadline"]),
            link=data.get("link"),
            subject=data.get("subject"),
            template=data.get("letter") or data.get("message") or "",
            goal=data.get("goal"),
            target_mode=TargetMode(data.get("target_mode", TargetMode.NONE.value)),
            target_names=tuple(data.get("target_names", ())),
            allow_smtp=bool(data.get("smtp")),
            opjutter_id=ctx.caller.member_id,
            created_by=ctx.identity.key,
        )

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        try:
            return await self._accept(ctx, step, data, text, answer)
        except UserError as problem:
            if isinstance(problem, InvalidAnswer):
                raise
            raise InvalidAnswer.of(problem) from None

    async def _accept(self, ctx: Context, step: str, data: dict[str, Any], text: str, answer: str) -> Outcome:
        if step == "kind":
            if text not in {kind.value for kind in CampaignKind}:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["kind"] = text
            return Outcome("title")
        if step == "title":
            data["title"] = checked_line(text, MAX_TITLE)
            return Outcome("why")
        if step == "why":
            data["why"] = checked_text(answer, MAX_WHY)
            return Outcome("targets" if data["kind"] == CampaignKind.MAIL.value else "link")
        if step == "targets":
            if text not in (TargetMode.SPREAD.value, TargetMode.PARTY.value, TargetMode.COMMITTEE.value):
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["target_mode"] = text
            if text == TargetMode.SPREAD.value:
                if not await self._service.targets.for_campaign(TargetMode.SPREAD, ()):
                    raise InvalidAnswer(_("No MPs are loaded yet; an organizer runs werkbot targets refresh first."))
                return Outcome("subject")
            return Outcome("target_names")
        if step == "target_names":
            names: list[str] = []
            for part in text.split(","):
                name = checked_line(part, MAX_TITLE) if part.strip() else ""
                if name and name.casefold() not in {known.casefold() for known in names}:
                    names.append(name)  # "VVD, vvd" is one party, shown once on the card
            names = names[:20]
            if not names:
                raise InvalidAnswer(_("Please type at least one name."))
            mode = TargetMode(data["target_mode"])
            # Each name must match, or the card would promise a party nobody writes to.
            unknown = [name for name in names if not await self._service.targets.for_campaign(mode, (name,))]
            if unknown:
                raise InvalidAnswer(_("No MP matches {names}. Check the spelling against the list above.").format(names=", ".join(unknown)))
            data["target_names"] = names
            return Outcome("subject")
        if step == "subject":
            data["subject"] = _template_ok(checked_line(text, MAX_SUBJECT))
            return Outcome("letter")
        if step == "letter":
            data["letter"] = _template_ok(checked_text(answer, MAX_LETTER))
            return Outcome("smtp")
        if step == "smtp":
            if text not in ("yes", "no"):
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["smtp"] = text == "yes"
            return Outcome("deadline")
        if step == "link":
            data["link"] = None if text == "none" else checked_link(text)
            return Outcome("message")
        if step == "message":
            data["message"] = None if text == "none" else checked_text(answer, MAX_LETTER)
            if data["kind"] == CampaignKind.SHARE.value and not data["message"] and not data.get("link"):
                # As in a campaign file: there must be something to share.
                raise InvalidAnswer(_("A share campaign needs a message or a link. Please type the message to share."))
            return Outcome("deadline")
        if step == "deadline":
            try:
                deadline = local_moment(text, default_time=time(23, 59))
            except MomentError as problem:
                raise InvalidAnswer(str(problem)) from None
            if deadline <= utcnow():
                raise InvalidAnswer(_("That moment has passed; please give a time in the future."))
            data["deadline"] = deadline.isoformat()
            return Outcome("goal")
        if step == "goal":
            if text == "none":
                data["goal"] = None
            else:
                goal = parse_int(text, low=1, high=MAX_GOAL)
                if goal is None:
                    raise InvalidAnswer(_("Please give a number from 1 to {max}.").format(max=MAX_GOAL))
                data["goal"] = goal
            campaign = await self._service.create(self._draft(ctx, data))
            example = None
            if campaign.kind is CampaignKind.MAIL and ctx.caller.member_id is not None:
                example = await self._service.example_letter(campaign.id, ctx.caller.member_id)
            return Outcome(None, render.created(campaign, example, self._service.options.weekly_cap))
        raise ValueError(step)


class LetterFlow(Flow):
    """A member's letter to their MP: look, add own sentences, send, "Sent?"."""

    name = LETTER_FLOW
    first_step = "letter"
    personal = True
    """The member's own sentences pass through here: scrubbed when it ends."""

    def __init__(self, service: CampaignService) -> None:
        self._service = service

    async def _letter(self, ctx: Context, data: dict[str, Any]) -> Letter:
        return await self._service.letter(int(data["campaign"]), ctx.require_member())

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "own":  # the one question that does not show the letter
            return Reply(
                _("Type your own sentences (at most {count} characters).").format(count=MAX_OWN_TEXT),
                ((self.button(step, _("No own sentences"), "none"),),),
                private=True,
                expects_text=True,
            )
        letter = await self._letter(ctx, data)
        if step == "letter":
            return Reply(
                _("Your letter:") + "\n\n" + render.letter_text(letter) + "\n\n" + _("Add a few sentences of your own? They are added exactly as you type them."),
                ((self.button(step, _("Add my own sentences"), "own"), self.button(step, _("It is fine like this"), "fine")),),
                private=True,
            )
        if step == "send":
            lines = [render.letter_text(letter), ""]
            if letter.mailto:
                lines.append(_("Open it in your mail app with this link, check it and send it:"))
                lines.append(letter.mailto)
            elif letter.target is not None and letter.target.email:
                lines.append(_("Copy the letter above into a mail to {address}.").format(address=letter.target.email))
            else:
                lines.append(_("We know no e-mail address for {name}; send the letter through the contact form of their party.").format(name=letter.target.name if letter.target else "?"))
            lines.append("")
            lines.append(_("Sent?"))
            row = [self.button(step, _("Sent"), "sent"), self.button(step, _("Not yet"), "notyet")]
            rows = [tuple(row)]
            if letter.can_send:
                rows.insert(0, (self.button(step, _("Send it through Werkbot"), "smtp"),))
            return Reply("\n".join(lines), tuple(rows), private=True)
        if step == "confirm":
            assert letter.target is not None
            return Reply(
                _("Werkbot sends your letter to {target}, with your e-mail address as Reply-To so answers reach you. Send it?").format(target=render.target_line(letter.target)),
                ((self.button(step, _("Yes, send it"), "yes"), self.button(step, _("Back"), "back")),),
                private=True,
            )
        raise ValueError(step)

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        campaign_id = int(data["campaign"])
        member_id = ctx.require_member()
        campaign = await self._service.get(campaign_id)
        running = campaign.status is CampaignStatus.LIVE and campaign.deadline > utcnow()
        if not running and not (step == "send" and text == "sent"):
            # Paused or ended while this conversation ran: nothing more is stored or sent
            # (a letter the member says they sent is still counted, below).
            if campaign.status is CampaignStatus.PAUSED:
                message = _("Campaign {id} is paused for now.").format(id=campaign.id)
            else:
                message = _("Campaign {id} has ended. Thank you!").format(id=campaign.id)
            return Outcome(None, [Reply(message, private=True)])
        if step == "letter":
            if text == "own":
                return Outcome("own")
            if text != "fine":
                raise InvalidAnswer(_("Please choose one of the buttons."))
            return Outcome("send")
        if step == "own":
            if text == "none":
                await self._service.add_own_text(campaign_id, member_id, None)
                return Outcome("send")
            if len(answer) > MAX_OWN_TEXT:
                raise InvalidAnswer(_("Please keep it to {count} characters.").format(count=MAX_OWN_TEXT))
            own = answer.strip("\n")
            if not own.strip():
                raise InvalidAnswer(_("Please type some text."))
            await self._service.add_own_text(campaign_id, member_id, own)
            return Outcome("send")
        if step == "send":
            if text == "smtp":
                if not (await self._letter(ctx, data)).can_send:  # no such button was shown
                    raise InvalidAnswer(_("Please choose one of the buttons."))
                return Outcome("confirm")
            if text == "sent":
                campaign, new = await self._service.done(campaign_id, member_id, via="mailto")
                return Outcome(None, [render.thanks(campaign, new)])
            if text == "notyet":
                campaign = await self._service.later(campaign_id, member_id)
                return Outcome(None, [render.later(campaign)])
            raise InvalidAnswer(_("Please choose one of the buttons."))
        if step == "confirm":
            if text == "back":
                return Outcome("send")
            if text != "yes":
                raise InvalidAnswer(_("Please choose one of the buttons."))
            try:
                letter = await self._service.send_by_mail(campaign_id, member_id)
            except UserError as problem:
                raise InvalidAnswer.of(problem) from None
            return Outcome(None, [render.thanks(letter.campaign, True), Reply(_("The letter went to {address}.").format(address=letter.target.email if letter.target else ""), private=True)])
        raise ValueError(step)


__all__ = ["CREATE_FLOW", "LETTER_FLOW", "CreateCampaignFlow", "LetterFlow"]
