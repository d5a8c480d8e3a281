"""The rules of opjutter campaigns: who may start one, who is asked, how often, what a
member's action is, and what is counted.

Prompts and nudges are never sent from here: they go through the outbox (``Broadcaster``)
with the topic ``acties``, so a member who switched that off gets none of it. A member
gets at most ``weekly_cap`` prompts in seven days across all campaigns; those over the
cap are asked in a later round (the daily ``campaigns.prompts`` job) while the campaign
runs. "Later" plans exactly one nudge. A member's own words are stored as typed and never
go through the template engine (``cogs/campaigns/letter.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Protocol

from bot.core.audience import Segmented, covers, segment_of
from bot.core.clock import utcnow
from bot.core.errors import UserError
from bot.core.i18n import _
from bot.core.mail import Mailer, MailError
from bot.core.outbox import Broadcast, Broadcaster
from bot.core.planning import Planner
from bot.core.yamlfile import DefinitionError
from cogs.campaigns.definition import parse_campaign_file
from cogs.campaigns.letter import (
    check_template,
    compose_letter,
    fill_template,
    mailto_fits,
    mailto_link,
    send_letter,
)
from cogs.campaigns.targets import TargetService
from storage.records.campaigns import (
    ActionRecord,
    ActionState,
    CampaignKind,
    CampaignRecord,
    CampaignStatus,
    NewCampaign,
    TargetMode,
    TargetRecord,
)
from storage.repositories.campaigns import CampaignRepository
from storage.vocabulary import Province, Topic, WorkSituation, known

log = logging.getLogger(__name__)

PROMPT_TEMPLATE = "campaigns.prompt"
NUDGE_TEMPLATE = "campaigns.nudge"
NUDGE = "campaigns.nudge"
SMALL_GROUP = 5
"""Segments with fewer members than this are shown as "< 5" (nobody can be singled out)."""

__all__ = ["CampaignOptions", "CampaignService", "DefinitionError"]


Member = Segmented


class Card(Protocol):
    @property
    def name(self) -> str: ...


class Contact(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str | None: ...

    @property
    def verified(self) -> bool: ...


class MemberFacts(Protocol):
    """What campaigns need from the members module (its service)."""

    async def voter_facts(self, member_id: int) -> Member: ...

    async def audience(
        self,
        *,
        work_situations: frozenset[str] = frozenset(),
        provinces: frozenset[str] = frozenset(),
        kinds: frozenset[str] = frozenset(),
        verified_only: bool = False,
    ) -> Sequence[Member]: ...

    async def cards(self, member_ids: Iterable[int]) -> Mapping[int, Card]: ...

    async def profile(self, member_id: int) -> Contact: ...


class Subscribers(Protocol):
    """Who chose a topic (the broadcasts module's notification choices)."""

    async def subscribers(self, topic: str, among: Iterable[int]) -> set[int]: ...


@dataclass(frozen=True)
class CampaignOptions:
    weekly_cap: int = 2
    """Campaign prompts a member gets at most in seven days, across all campaigns."""
    nudge_after: timedelta = timedelta(days=3)
    """"Later" gets one nudge this long after."""
    verified_only: bool = True


@dataclass(frozen=True)
class Letter:
    """A member's letter as it stands: to whom, the subject, the text, and how to send it."""

    campaign: CampaignRecord
    action: ActionRecord
    target: TargetRecord | None
    subject: str
    body: str
    mailto: str | None
    """None when the target has no e-mail address or the link is too long for mail apps."""
    can_send: bool
    """Werkbot may send it (the campaign allows it, the target and the member have an address)."""


@dataclass(frozen=True)
class Status:
    campaign: CampaignRecord
    counts: dict[ActionState, int]
    targets: list[tuple[TargetRecord | None, int, int]]
    """Target, members given it, members who did it; most mail first."""
    segments: dict[str, list[tuple[str, str, str]]]
    """Kind → (code, prompted, done) with small groups shown as "< 5"."""

    @property
    def prompted(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(ActionState.DONE, 0)


def _small(n: int) -> str:
    return f"< {SMALL_GROUP}" if 0 < n < SMALL_GROUP else str(n)


class CampaignService:
    def __init__(
        self,
        repository: CampaignRepository,
        targets: TargetService,
        members: MemberFacts,
        subscribers: Subscribers,
        broadcaster: Broadcaster,
        planner: Planner,
        mailer: Mailer,
        options: CampaignOptions | None = None,
    ) -> None:
        self._repo = repository
        self.targets = targets
        self._members = members
        self._subscribers = subscribers
        self._broadcaster = broadcaster
        self._planner = planner
        self._mailer = mailer
        self.options = options or CampaignOptions()

    # -- campaigns -------------------------------------------------------------------------------

    async def create(self, new: NewCampaign) -> CampaignRecord:
        """Store a campaign as a draft (launched later, after the preview)."""
        await self.check(new)
        return await self._repo.create(new)

    async def check(self, new: NewCampaign) -> None:
        """What a campaign must be before it is stored: raises UserError with the reason."""
        if new.deadline <= utcnow():
            raise UserError(_("That moment has passed; please give a time in the future."))
        problems = check_template(new.template)
        if new.subject:
            problems += check_template(new.subject)
        if problems:
            raise UserError(_("The letter has problems: {problems}").format(problems="; ".join(problems)))
        if new.kind is CampaignKind.MAIL:
            if new.target_mode is TargetMode.NONE:
                raise UserError(_("A mail campaign needs someone to write to."))
            if not await self.targets.for_campaign(new.target_mode, new.target_names):
                raise UserError(_("No one matches those targets; load them with werkbot targets refresh."))
            if not new.template.strip():
                raise UserError(_("A mail campaign needs a letter."))

    async def import_file(self, data: bytes, *, opjutter_id: int | None, created_by: str | None) -> CampaignRecord:
        new = parse_campaign_file(data, now=utcnow())
        return await self.create(replace(new, opjutter_id=opjutter_id, created_by=created_by))

    async def get(self, campaign_id: int) -> CampaignRecord:
        found = await self._repo.get(campaign_id)
        if found is None:
            raise UserError(_("There is no campaign with number {id}.").format(id=campaign_id))
        return found

    async def campaigns(self, *, everything: bool = False) -> list[CampaignRecord]:
        if everything:
            return await self._repo.campaigns(limit=50)
        return [
            campaign
            for campaign in await self._repo.campaigns((CampaignStatus.LIVE,))
            if campaign.deadline > utcnow()
        ]

    def _may_steer(self, campaign: CampaignRecord, member_id: int | None, organizer: bool) -> None:
        if organizer:
            return
        if member_id is None or campaign.opjutter_id != member_id:
            raise UserError(_("Only its opjutter or an organizer can do that with campaign {id}.").format(id=campaign.id))

    async def launch(self, campaign_id: int, *, member_id: int | None, organizer: bool) -> tuple[CampaignRecord, int]:
        """Draft → live, and the first round of prompts; (the campaign, members prompted)."""
        campaign = await self.get(campaign_id)
        self._may_steer(campaign, member_id, organizer)
        if campaign.deadline <= utcnow():
            raise UserError(_("The deadline of campaign {id} has passed.").format(id=campaign_id))
        live = await self._repo.set_status(
            campaign_id, CampaignStatus.LIVE, expected=(CampaignStatus.DRAFT,), launched_at=utcnow()
        )
        if live is None:
            raise UserError(_("Campaign {id} was launched already.").format(id=campaign_id))
        return live, await self.prompt_round(live)

    async def pause(self, campaign_id: int, *, member_id: int | None, organizer: bool) -> CampaignRecord:
        campaign = await self.get(campaign_id)
        self._may_steer(campaign, member_id, organizer)
        paused = await self._repo.set_status(campaign_id, CampaignStatus.PAUSED, expected=(CampaignStatus.LIVE,))
        if paused is None:
            raise UserError(_("Campaign {id} is not running.").format(id=campaign_id))
        return paused

    async def resume(self, campaign_id: int, *, member_id: int | None, organizer: bool) -> tuple[CampaignRecord, int]:
        campaign = await self.get(campaign_id)
        self._may_steer(campaign, member_id, organizer)
        live = await self._repo.set_status(campaign_id, CampaignStatus.LIVE, expected=(CampaignStatus.PAUSED,))
        if live is None:
            raise UserError(_("Campaign {id} is not paused.").format(id=campaign_id))
        return live, await self.prompt_round(live)

    async def stop(self, campaign_id: int, *, member_id: int | None, organizer: bool) -> CampaignRecord:
        campaign = await self.get(campaign_id)
        self._may_steer(campaign, member_id, organizer)
        stopped = await self._repo.set_status(
            campaign_id,
            CampaignStatus.STOPPED,
            expected=(CampaignStatus.DRAFT, CampaignStatus.LIVE, CampaignStatus.PAUSED),
        )
        if stopped is None:
            raise UserError(_("Campaign {id} is stopped already.").format(id=campaign_id))
        return stopped

    # -- prompting -------------------------------------------------------------------------------

    async def prompt_round(self, campaign: CampaignRecord) -> int:
        """Ask the audience members who want ``acties``, were not asked yet and are under the
        weekly cap; the number asked. Safe to run again: nobody is asked twice."""
        now = utcnow()
        if campaign.status is not CampaignStatus.LIVE or campaign.deadline <= now:
            return 0
        audience = await self._members.audience(
            work_situations=frozenset(campaign.audience.get("work_situation", ())),
            provinces=frozenset(campaign.audience.get("province", ())),
            kinds=frozenset(campaign.audience.get("kind", ())),
            verified_only=self.options.verified_only,
        )
        by_id = {member.member_id: member for member in audience}
        wanting = await self._subscribers.subscribers(Topic.ACTIES.value, by_id)
        asked = await self._repo.prompted_members(campaign.id)
        fresh = [member_id for member_id in sorted(wanting) if member_id not in asked]
        recent = await self._repo.prompts_since(fresh, now - timedelta(days=7))
        room = [member_id for member_id in fresh if recent.get(member_id, 0) < self.options.weekly_cap]
        added = await self._repo.add_prompts(
            campaign.id,
            [
                (member_id, segment_of(by_id[member_id]))
                for member_id in room
            ],
            now,
        )
        if added:
            await self._broadcaster.broadcast(
                Broadcast(
                    title=f"Actie {campaign.id}: {campaign.title}"[:200],
                    template=PROMPT_TEMPLATE,
                    params={"campaign": campaign.id},
                    topic=Topic.ACTIES.value,
                    members=added,
                    created_by=f"campaigns:{campaign.id}",
                )
            )
        log.info(
            "campaign %s: %d asked, %d over the weekly cap, %d asked before",
            campaign.id, len(added), len(fresh) - len(room), len(asked),
        )
        return len(added)

    async def prompt_all(self) -> int:
        """Daily: another round for every running campaign (members who were over the cap)."""
        total = 0
        for campaign in await self._repo.campaigns((CampaignStatus.LIVE,), limit=500):
            total += await self.prompt_round(campaign)
        return total

    # -- the member's side -----------------------------------------------------------------------

    async def _action(self, campaign: CampaignRecord, member_id: int) -> ActionRecord:
        """The member's action in a campaign; one is made when a member finds a running
        campaign themselves (in /acties) and it is meant for them."""
        found = await self._repo.action_of(campaign.id, member_id)
        if found is not None:
            return found
        if campaign.status is not CampaignStatus.LIVE or campaign.deadline <= utcnow():
            raise UserError(_("Campaign {id} is not running.").format(id=campaign.id))
        facts = await self._members.voter_facts(member_id)
        if not self._covers(campaign, facts):
            raise UserError(_("This campaign is not meant for you."))
        await self._repo.add_prompts(
            campaign.id,
            [(member_id, segment_of(facts))],
            utcnow(),
        )
        made = await self._repo.action_of(campaign.id, member_id)
        assert made is not None
        return made

    def _covers(self, campaign: CampaignRecord, facts: Member) -> bool:
        return covers(campaign.audience, facts, verified_only=self.options.verified_only)

    def _running(self, campaign: CampaignRecord) -> None:
        if campaign.status is CampaignStatus.PAUSED:
            raise UserError(_("Campaign {id} is paused for now.").format(id=campaign.id))
        if campaign.status is not CampaignStatus.LIVE or campaign.deadline <= utcnow():
            raise UserError(_("Campaign {id} has ended. Thank you!").format(id=campaign.id))

    async def join(self, campaign_id: int, member_id: int) -> tuple[CampaignRecord, ActionRecord]:
        """[Doe mee]: the action is opened (a second press changes nothing)."""
        campaign = await self.get(campaign_id)
        self._running(campaign)
        action = await self._action(campaign, member_id)
        if action.state is ActionState.DECLINED:
            raise UserError(_("You said this campaign is not for you; it stays that way."))
        if action.state is ActionState.DONE:
            return campaign, action
        opened = await self._repo.move(
            action.id, member_id, ActionState.OPENED,
            allowed_from=(ActionState.PROMPTED, ActionState.LATER, ActionState.OPENED),
        )
        return campaign, opened or action

    async def later(self, campaign_id: int, member_id: int) -> CampaignRecord:
        """[Later]: one nudge after ``nudge_after`` (never a second, whatever is pressed)."""
        campaign = await self.get(campaign_id)
        self._running(campaign)
        action = await self._action(campaign, member_id)
        moved = await self._repo.move(
            action.id, member_id, ActionState.LATER,
            allowed_from=(ActionState.PROMPTED, ActionState.OPENED, ActionState.LATER),
        )
        if moved is None:
            raise UserError(_("You already answered this campaign."))
        if moved.nudged_at is None:
            moment = min(utcnow() + self.options.nudge_after, campaign.deadline - timedelta(hours=1))
            if moment > utcnow():
                await self._planner.plan(f"{NUDGE}:{moved.id}", moment, NUDGE, {"action": moved.id})
        return campaign

    async def decline(self, campaign_id: int, member_id: int) -> CampaignRecord:
        """[Niet voor mij]: the end of this campaign for the member."""
        campaign = await self.get(campaign_id)
        action = await self._action(campaign, member_id)
        moved = await self._repo.move(
            action.id, member_id, ActionState.DECLINED,
            allowed_from=(ActionState.PROMPTED, ActionState.OPENED, ActionState.LATER, ActionState.DECLINED),
        )
        if moved is None:
            raise UserError(_("You already did this action. Thank you!"))
        await self._planner.cancel(f"{NUDGE}:{action.id}")
        return campaign

    async def done(self, campaign_id: int, member_id: int, *, via: str | None = None) -> tuple[CampaignRecord, bool]:
        """[Verstuurd] / [Gedaan]: counted; (the campaign, whether it was new)."""
        campaign = await self.get(campaign_id)
        action = await self._action(campaign, member_id)
        if action.state is ActionState.DONE:
            return campaign, False
        moved = await self._repo.move(
            action.id, member_id, ActionState.DONE,
            allowed_from=(ActionState.PROMPTED, ActionState.OPENED, ActionState.LATER),
            sent_via=via,
        )
        if moved is None:
            raise UserError(_("You said this campaign is not for you; it stays that way."))
        await self._planner.cancel(f"{NUDGE}:{action.id}")
        return campaign, True

    async def nudge(self, payload: dict[str, Any]) -> list[Any]:
        """Job: the one nudge of a member who pressed [Later] and has not acted since."""
        action = await self._repo.mark_nudged(int(payload["action"]), utcnow())
        if action is None or action.member_id is None:
            return []
        campaign = await self._repo.get(action.campaign_id)
        if campaign is None or campaign.status is not CampaignStatus.LIVE or campaign.deadline <= utcnow():
            return []
        await self._broadcaster.broadcast(
            Broadcast(
                title=f"Actie {campaign.id}: herinnering"[:200],
                template=NUDGE_TEMPLATE,
                params={"campaign": campaign.id},
                topic=Topic.ACTIES.value,
                members=[action.member_id],
                created_by=f"campaigns:{campaign.id}",
            )
        )
        return []

    async def nudge_lost(self) -> int:
        """Daily safety net: a nudge whose job was lost (a crash between "later" and planning)."""
        due = await self._repo.due_nudges(utcnow() - self.options.nudge_after)
        for action_id in due:
            await self.nudge({"action": action_id})
        return len(due)

    # -- letters ---------------------------------------------------------------------------------

    async def letter(self, campaign_id: int, member_id: int) -> Letter:
        """The member's letter: their target (spread evenly), the template filled with their
        name, work situation and province, and their own sentences as typed."""
        campaign = await self.get(campaign_id)
        self._running(campaign)
        if campaign.kind is not CampaignKind.MAIL:
            raise UserError(_("This campaign has no letter."))
        action = await self._action(campaign, member_id)
        candidates = await self.targets.for_campaign(campaign.target_mode, campaign.target_names)
        target_id = await self._repo.assign_target(action.id, [target.id for target in candidates])
        target = None if target_id is None else await self.targets.get(target_id)
        refreshed = await self._repo.action(action.id) or action
        return await self._compose(campaign, refreshed, member_id, target)

    async def example_letter(self, campaign_id: int, member_id: int) -> Letter | None:
        """The letter as this member would get it, for the preview (nothing is stored)."""
        campaign = await self.get(campaign_id)
        if campaign.kind is not CampaignKind.MAIL:
            return None
        candidates = await self.targets.for_campaign(campaign.target_mode, campaign.target_names)
        now = utcnow()
        sample = ActionRecord(0, campaign.id, member_id, ActionState.OPENED, None, None, None, now, None, None, None, None, None)
        return await self._compose(campaign, sample, member_id, candidates[0] if candidates else None)

    async def member_values(self, member_id: int, profile: Contact | None = None) -> dict[str, str]:
        """What a template may say of the member: name, work situation and province
        (``profile``: the member's, when the caller read it already)."""
        profile = profile or await self._members.profile(member_id)
        facts = await self._members.voter_facts(member_id)
        work = known(WorkSituation, facts.work_situation or "")
        province = known(Province, facts.province or "")
        return {
            "naam": profile.name,
            "werksituatie": _(work.label) if work else "",
            "provincie": _(province.label) if province else "",
        }

    async def _compose(
        self, campaign: CampaignRecord, action: ActionRecord, member_id: int, target: TargetRecord | None
    ) -> Letter:
        profile = await self._members.profile(member_id)
        values = await self.member_values(member_id, profile)
        values["aan"] = target.name if target else ""
        values["partij"] = (target.party or "") if target else ""
        subject = fill_template(campaign.subject or campaign.title, values).text
        body = compose_letter(fill_template(campaign.template, values), action.own_text or "")
        link = None
        if target is not None and target.email:
            try:
                candidate = mailto_link(target.email, subject, body)
            except ValueError:  # an address or subject a mail link cannot carry: copy instead
                candidate = ""
            link = candidate if candidate and mailto_fits(candidate) else None
        can_send = bool(
            campaign.allow_smtp and target is not None and target.email and profile.email and profile.verified
        )
        return Letter(campaign, action, target, subject, body, link, can_send)

    async def add_own_text(self, campaign_id: int, member_id: int, text: str | None) -> None:
        campaign = await self.get(campaign_id)
        action = await self._action(campaign, member_id)
        await self._repo.save_own_text(action.id, member_id, text)

    async def send_by_mail(self, campaign_id: int, member_id: int) -> Letter:
        """Werkbot sends the letter to the target with the member's address as Reply-To."""
        letter = await self.letter(campaign_id, member_id)
        if not letter.can_send or letter.target is None or letter.target.email is None:
            raise UserError(_("Werkbot cannot send this letter; use the mail link instead."))
        if letter.action.state is ActionState.DONE and letter.action.sent_via == "smtp":
            raise UserError(_("Werkbot sent this letter already."))
        profile = await self._members.profile(member_id)
        assert profile.email is not None  # can_send
        try:
            await send_letter(
                self._mailer,
                to=letter.target.email,
                subject=letter.subject,
                body=letter.body,
                member_name=profile.name,
                member_email=profile.email,
            )
        except (MailError, ValueError) as error:
            log.warning("campaign %s: letter not sent: %s", campaign_id, error)
            raise UserError(_("The mail server did not take the letter. Please try again later, or use the mail link.")) from None
        await self.done(campaign_id, member_id, via="smtp")
        return letter

    # -- counted ---------------------------------------------------------------------------------

    async def status(self, campaign_id: int) -> Status:
        campaign = await self.get(campaign_id)
        counts = await self._repo.counts(campaign_id)
        per_target = await self._repo.per_target(campaign_id)
        known = {target.id: target for target in await self.targets.many(list(per_target))}
        targets = sorted(
            ((known.get(target_id), given, done) for target_id, (given, done) in per_target.items()),
            key=lambda entry: (-entry[2], -entry[1], entry[0].name if entry[0] else ""),
        )
        segments = {
            kind: [
                (code, _small(prompted), _small(done) if prompted >= SMALL_GROUP else "")
                for code, (prompted, done) in sorted(codes.items(), key=lambda item: -item[1][0])
            ]
            for kind, codes in (await self._repo.per_segment(campaign_id)).items()
        }
        return Status(campaign, dict(counts), targets, segments)

    async def leaderboard(self) -> list[tuple[str | None, int, int]]:
        """(name, or None for opjutters who did not agree to be named; actions; campaigns)."""
        board = await self._repo.leaderboard()
        named = await self._repo.named_opjutters(member for member, _done, _count in board)
        cards = await self._members.cards(named)
        return [
            (cards[member].name if member in named and member in cards else None, done, count)
            for member, done, count in board
        ]

    async def show_name(self, member_id: int, show: bool) -> None:
        await self._repo.set_show_name(member_id, show)

    # -- AVG/GDPR --------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        return {
            "actions": [
                {
                    "campaign": title,
                    "state": action.state.value,
                    "own_text": action.own_text,
                    "sent_via": action.sent_via,
                    "prompted_at": action.prompted_at.isoformat(),
                    "done_at": action.done_at.isoformat() if action.done_at else None,
                }
                for action, title in await self._repo.actions_of_member(member_id)
            ],
            "leaderboard_name_shown": await self._repo.show_name_of(member_id),
        }

    async def erase(self, member_id: int) -> None:
        await self._repo.forget_member(member_id)
