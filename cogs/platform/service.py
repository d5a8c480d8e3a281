"""The Platform Vernieuwen Doen We Samen: matching rounds, introductions, contact requests.

A round is planned for a moment; a day before, everyone with an active profile is asked
[Doe mee] [Deze keer niet]. At the moment, the profiles that said yes are paired by
:func:`cogs.platform.matching.plan_round` (maximum-weight matching; one trio for an odd
count; nobody left out without the reason) and both sides get an introduction on their
own platform. Contact details are shared only when everyone in the group pressed [Ik wil
kennismaken]. Halfway a nudge; at the end "Hebben jullie elkaar gesproken?". A profile
whose members stay silent three rounds is paused, with a button to rejoin. Every message
goes through the outbox (``Broadcaster``); the jobs live on the clock, so a planned
round runs after a restart, and storing a round's pairs is done once (the repository
moves the round from ``asking`` to ``matched`` in the same transaction).
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import utcnow
from bot.core.errors import UserError
from bot.core.i18n import _
from bot.core.links import Links
from bot.core.outbox import Broadcast, Broadcaster, tell
from bot.core.planning import Planner
from cogs.platform.matching import (
    History,
    Participant,
    RoundPlan,
    plan_round,
    score,
)
from cogs.platform.profiles import Profiles
from storage.records.platform import (
    GroupRecord,
    Met,
    ProfileKind,
    ProfileRecord,
    ProfileStatus,
    RequestRecord,
    RequestStatus,
    RoundRecord,
    RoundStatus,
)
from storage.repositories.platform import PlatformRepository

log = logging.getLogger(__name__)

ASK = "platform.ask"
MATCH = "platform.match"
NUDGE = "platform.nudge"
FEEDBACK = "platform.feedback"
ASK_TEMPLATE = "platform.ask"
INTRO_TEMPLATE = "platform.intro"
LEFT_OUT_TEMPLATE = "platform.left_out"
NUDGE_TEMPLATE = "platform.nudge"
FEEDBACK_TEMPLATE = "platform.feedback"
PAUSED_TEMPLATE = "platform.paused"
REQUEST_TEMPLATE = "platform.request"
DETAILS_TEMPLATE = "platform.details"
DECLINED_TEMPLATE = "platform.declined"
SEARCH_RESULTS = 5

QUESTIONS = (
    "Wat is het mooiste dat je dit jaar in je werk hebt vernieuwd?",
    "Welk probleem van Modern Werkenden zou je morgen willen oplossen?",
    "Wat zou je willen uitproberen als het niet kon mislukken?",
    "Waar loop je tegenaan als je samenwerkt met andere vernieuwers?",
    "Welke regel of gewoonte op de arbeidsmarkt zou je meteen afschaffen?",
    "Wie heeft jou geholpen om te worden wie je nu in je werk bent?",
)
"""First questions to talk about, one per group (chosen by the round's seed)."""


class MemberFacts(Protocol):
    """What the platform needs from the members module (its service)."""

    async def email_of(self, member_id: int) -> str | None: ...

    async def accounts_of(self, member_id: int) -> list[tuple[str, str]]: ...

    async def cards(self, member_ids: Iterable[int]) -> Mapping[int, Any]: ...


@dataclass(frozen=True)
class PlatformOptions:
    ask_before: timedelta = timedelta(days=1)
    round_length: timedelta = timedelta(weeks=4)
    """How long the pairs have to meet when a round does not repeat (else: until the next)."""
    silent_rounds: int = 3


@dataclass(frozen=True)
class ContactCard:
    """What is shared once everyone in a group said yes."""

    profile: ProfileRecord
    name: str
    email: str | None
    accounts: tuple[str, ...]
    """How to reach the member's accounts, as their platforms write it (a link, a mention)."""


@dataclass(frozen=True)
class Match:
    """A search result: a profile and why it fits."""

    profile: ProfileRecord
    score: float
    shared: tuple[str, ...]
    text: float


@dataclass(frozen=True)
class RoundStats:
    round: RoundRecord
    participants: int
    groups: int
    trios: int
    left_out: int
    met: Counter[Met]
    answered: int

    @property
    def met_rate(self) -> float:
        """Groups that met or planned to, of the groups that answered."""
        return 0.0 if not self.answered else (self.met[Met.YES] + self.met[Met.PLANNED]) / self.answered


class PlatformService:
    def __init__(
        self,
        repository: PlatformRepository,
        members: MemberFacts,
        broadcaster: Broadcaster,
        planner: Planner,
        links: Links,
        options: PlatformOptions | None = None,
    ) -> None:
        self._repo = repository
        self._links = links
        self._members = members
        self._broadcaster = broadcaster
        self._planner = planner
        self.options = options or PlatformOptions()
        self.profiles = Profiles(repository)

    async def member_exists(self, member_id: int) -> bool:
        return member_id in await self._members.cards([member_id])

    # -- names -----------------------------------------------------------------------------------

    async def names(self, profiles: Iterable[ProfileRecord]) -> dict[int, str]:
        """How a profile is shown: the organization's name, or the member's."""
        listed = list(profiles)
        cards = await self._members.cards(
            profile.member_id for profile in listed if profile.member_id is not None
        )
        names: dict[int, str] = {}
        for profile in listed:
            if profile.kind is ProfileKind.ORGANIZATION:
                names[profile.id] = profile.name or "?"
            else:
                card = cards.get(profile.member_id) if profile.member_id is not None else None
                names[profile.id] = getattr(card, "name", None) or _("a member")
        return names

    # -- rounds ----------------------------------------------------------------------------------

    async def plan(
        self, match_at: datetime, *, repeat_weeks: int | None, seed: int | None, created_by: str | None
    ) -> RoundRecord:
        """Organizers: a round at ``match_at`` (asked a day before), repeating or not."""
        if match_at <= utcnow():
            raise UserError(_("That moment has passed; please give a time in the future."))
        if repeat_weeks is not None and not 1 <= repeat_weeks <= 52:
            raise UserError(_("Repeat every 1 to 52 weeks."))
        chosen = seed if seed is not None else secrets.randbelow(1_000_000)
        round_ = await self._repo.create_round(match_at, chosen, repeat_weeks, created_by)
        await self._plan_jobs(round_)
        return round_

    async def _plan_jobs(self, round_: RoundRecord) -> None:
        ask_at = max(round_.match_at - self.options.ask_before, utcnow())
        await self._planner.plan(f"{ASK}:{round_.id}", ask_at, ASK, {"round": round_.id})
        await self._planner.plan(f"{MATCH}:{round_.id}", round_.match_at, MATCH, {"round": round_.id})

    async def round(self, round_id: int) -> RoundRecord:
        found = await self._repo.round(round_id)
        if found is None:
            raise UserError(_("There is no round with number {id}.").format(id=round_id))
        return found

    async def rounds(self) -> list[RoundRecord]:
        return await self._repo.rounds()

    async def cancel(self, round_id: int) -> RoundRecord:
        cancelled = await self._repo.move_round(
            round_id, RoundStatus.CANCELLED, expected=(RoundStatus.PLANNED, RoundStatus.ASKING)
        )
        if cancelled is None:
            raise UserError(_("Round {id} cannot be cancelled any more.").format(id=round_id))
        for kind in (ASK, MATCH):
            await self._planner.cancel(f"{kind}:{round_id}")
        return cancelled

    async def ask(self, payload: dict[str, Any]) -> list[Any]:
        """Job, a day before: everyone with an active profile gets [Doe mee] [Deze keer niet]."""
        round_ = await self._repo.move_round(
            int(payload["round"]), RoundStatus.ASKING, expected=(RoundStatus.PLANNED,)
        )
        if round_ is None:
            return []
        members = [member for profile in await self._repo.active(utcnow()) for member in profile.contacts]
        await tell(self._broadcaster, ASK_TEMPLATE, {"round": round_.id}, members, f"Platform: ronde {round_.id}")
        return []

    async def answer(self, round_id: int, member_id: int, joins: bool) -> tuple[RoundRecord, list[ProfileRecord]]:
        """[Doe mee] / [Deze keer niet] for every profile the member speaks for."""
        round_ = await self.round(round_id)
        if round_.status is RoundStatus.CANCELLED:
            raise UserError(_("Round {id} is cancelled.").format(id=round_id))
        if round_.status not in (RoundStatus.PLANNED, RoundStatus.ASKING):
            raise UserError(_("Round {id} has been matched already; the next one comes.").format(id=round_id))
        profiles = await self.profiles.of_member(member_id)
        if not profiles:
            raise UserError(_("Make a profile first with /platform."))
        for profile in profiles:
            await self._repo.answer(round_id, profile.id, joins)
        return round_, profiles

    async def _participants(self, profiles: Sequence[ProfileRecord]) -> list[Participant]:
        contacts = {member for profile in profiles for member in profile.contacts}
        never_by_member = await self._repo.never_of(contacts)
        labels = await self.profiles.labels()
        result = []
        for profile in profiles:
            never = frozenset(
                blocked for member in profile.contacts for blocked in never_by_member.get(member, ())
            )
            offers = " ".join(labels.get(code, code) for code in profile.offers)
            needs = " ".join(labels.get(code, code) for code in profile.needs)
            result.append(
                Participant(
                    id=profile.id,
                    offers=frozenset(profile.offers),
                    needs=frozenset(profile.needs),
                    text=" ".join((profile.what or "", profile.offer_text, profile.need_text, offers, needs)),
                    region=profile.region,
                    online=profile.online,
                    in_person=profile.in_person,
                    never=never,
                )
            )
        return result

    async def _plan(self, round_id: int, profiles: Sequence[ProfileRecord], seed: int) -> RoundPlan:
        participants = await self._participants(profiles)
        return plan_round(participants, History(await self._repo.history(), round_id), seed=seed)

    async def dry_run(self, round_id: int, seed: int | None = None) -> tuple[RoundPlan, dict[int, str]]:
        """Who would meet whom, with scores and who is left out and why; nothing is stored
        or sent. Before the answers are in, every active profile counts as joining."""
        round_ = await self.round(round_id)
        profiles = await self._joining(round_, everyone_if_unasked=True)
        plan = await self._plan(round_.id, profiles, round_.seed if seed is None else seed)
        return plan, await self.names(profiles)

    async def _joining(self, round_: RoundRecord, *, everyone_if_unasked: bool = False) -> list[ProfileRecord]:
        active = await self._repo.active(round_.match_at if round_.match_at > utcnow() else utcnow())
        answers = await self._repo.answers(round_.id)
        if everyone_if_unasked and round_.status is RoundStatus.PLANNED:
            return active
        return [profile for profile in active if answers.get(profile.id)]

    async def match(self, payload: dict[str, Any]) -> list[Any]:
        """Job at the round's moment: pair, store once, introduce, and plan what follows."""
        round_ = await self._repo.round(int(payload["round"]))
        if round_ is None or round_.status not in (RoundStatus.PLANNED, RoundStatus.ASKING):
            return []
        if round_.status is RoundStatus.PLANNED:  # the ask job was lost: ask now, match later
            await self.ask({"round": round_.id})
            await self._planner.plan(
                f"{MATCH}:{round_.id}", utcnow() + self.options.ask_before, MATCH, {"round": round_.id}
            )
            return []
        asked = await self._repo.active(utcnow())
        answers = await self._repo.answers(round_.id)
        joining = [profile for profile in asked if answers.get(profile.id)]
        plan = await self._plan(round_.id, joining, round_.seed)
        stats: dict[str, int | float] = {
            "participants": len(joining),
            "groups": len(plan.groups),
            "trios": sum(1 for group in plan.groups if len(group.ids) == 3),
            "left_out": len(plan.left_out),
            "total_score": round(plan.total_score, 2),
        }
        stored = await self._repo.store_groups(
            round_.id,
            [
                (group.ids, group.score, group.shared, QUESTIONS[group.first_question_seed % len(QUESTIONS)])
                for group in plan.groups
            ],
            stats,
        )
        if not stored:
            return []
        by_id = {profile.id: profile for profile in joining}
        await self._broadcaster.broadcast_many(  # one introduction per reader, stored at once
            [
                Broadcast(
                    title=f"Platform: kennismaking ronde {round_.id}",
                    template=INTRO_TEMPLATE,
                    params={"group": group.id, "profile": member.profile_id},
                    topic=None,
                    members=sorted(set(by_id[member.profile_id].contacts)),
                )
                for group in await self._repo.groups(round_id=round_.id)
                for member in group.members
            ]
        )
        for left in plan.left_out:
            await tell(self._broadcaster,
                LEFT_OUT_TEMPLATE, {"reason": left.reason, "round": round_.id}, by_id[left.id].contacts,
                f"Platform: ronde {round_.id}, geen match",
            )
        answered = [profile.id for profile in asked if profile.id in answers]
        silent = [profile.id for profile in asked if profile.id not in answers]
        for paused in await self._repo.count_silent(silent, answered):
            profile = await self._repo.profile(paused)
            if profile is not None:
                await tell(self._broadcaster, PAUSED_TEMPLATE, {"profile": paused}, profile.contacts, "Platform: gepauzeerd")
        length = timedelta(weeks=round_.repeat_weeks) if round_.repeat_weeks else self.options.round_length
        await self._planner.plan(f"{NUDGE}:{round_.id}", round_.match_at + length / 2, NUDGE, {"round": round_.id})
        await self._planner.plan(
            f"{FEEDBACK}:{round_.id}", round_.match_at + length - timedelta(days=1), FEEDBACK, {"round": round_.id}
        )
        if round_.repeat_weeks:
            following = await self._repo.create_round(
                round_.match_at + length, secrets.randbelow(1_000_000), round_.repeat_weeks, round_.created_by
            )
            await self._plan_jobs(following)
        log.info("platform round %s: %s", round_.id, stats)
        return []

    # -- after the introduction ------------------------------------------------------------------

    async def _member_in(self, group_id: int, member_id: int) -> tuple[GroupRecord, ProfileRecord]:
        groups = await self._repo.groups(group_id=group_id)
        if not groups:
            raise UserError(_("This introduction no longer exists."))
        group = groups[0]
        profiles = await self._repo.many(member.profile_id for member in group.members)
        for profile in profiles.values():
            if member_id in profile.contacts:
                return group, profile
        raise UserError(_("This button is not for you."))

    async def want_contact(self, group_id: int, member_id: int) -> bool:
        """[Ik wil kennismaken]; True when everyone in the group said so and details went out."""
        group, profile = await self._member_in(group_id, member_id)
        if any(member.profile_id == profile.id and member.wants_contact for member in group.members):
            return all(member.wants_contact for member in group.members)
        await self._repo.set_member(group_id, profile.id, wants_contact=True)
        group = (await self._repo.groups(group_id=group_id))[0]
        if not all(member.wants_contact for member in group.members):
            return False
        await self._share_details(group)
        return True

    async def _share_details(self, group: GroupRecord) -> None:
        profiles = await self._repo.many(member.profile_id for member in group.members)
        members = [contact for profile in profiles.values() for contact in profile.contacts]
        await tell(self._broadcaster, DETAILS_TEMPLATE, {"group": group.id}, members, "Platform: contactgegevens")

    async def contact_cards(self, group_id: int) -> list[ContactCard]:
        """Everyone's details in a group where everyone agreed (for the details message)."""
        found = await self._repo.groups(group_id=group_id)
        if not found or not all(member.wants_contact for member in found[0].members):
            return []
        group = found[0]
        profiles = await self._repo.many(member.profile_id for member in group.members)
        names = await self.names(profiles.values())
        cards = []
        for profile in profiles.values():
            for contact in profile.contacts:
                cards.append(
                    ContactCard(
                        profile,
                        names[profile.id],
                        await self._members.email_of(contact),
                        tuple(
                            reach
                            for platform, user_id in await self._members.accounts_of(contact)
                            if (reach := self._links.account(platform, user_id)) is not None
                        ),
                    )
                )
        return cards

    async def nudge(self, payload: dict[str, Any]) -> list[Any]:
        """Job, halfway: a word to every group of the round."""
        round_id = int(payload["round"])
        for group in await self._repo.groups(round_id=round_id):
            profiles = await self._repo.many(member.profile_id for member in group.members)
            members = [contact for profile in profiles.values() for contact in profile.contacts]
            await tell(self._broadcaster, NUDGE_TEMPLATE, {"group": group.id}, members, f"Platform: halverwege ronde {round_id}")
        return []

    async def feedback(self, payload: dict[str, Any]) -> list[Any]:
        """Job, at the end: "Hebben jullie elkaar gesproken?" to every group; the round closes."""
        round_id = int(payload["round"])
        closed = await self._repo.move_round(round_id, RoundStatus.CLOSED, expected=(RoundStatus.MATCHED,))
        if closed is None:
            return []
        for group in await self._repo.groups(round_id=round_id):
            profiles = await self._repo.many(member.profile_id for member in group.members)
            members = [contact for profile in profiles.values() for contact in profile.contacts]
            await tell(self._broadcaster, FEEDBACK_TEMPLATE, {"group": group.id}, members, f"Platform: gesproken? ronde {round_id}")
        return []

    async def met(self, group_id: int, member_id: int, answer: Met) -> None:
        _group, profile = await self._member_in(group_id, member_id)
        await self._repo.set_member(group_id, profile.id, met=answer.value)

    async def group(self, group_id: int) -> tuple[GroupRecord, dict[int, ProfileRecord], dict[int, str]]:
        groups = await self._repo.groups(group_id=group_id)
        if not groups:
            raise UserError(_("This introduction no longer exists."))
        profiles = await self._repo.many(member.profile_id for member in groups[0].members)
        return groups[0], profiles, await self.names(profiles.values())

    # -- on demand -------------------------------------------------------------------------------

    async def search(self, member_id: int, text: str) -> list[Match]:
        """The best matches for what the member types, with the reason for each."""
        query = " ".join(text.split())[:300]
        if len(query) < 2:
            raise UserError(_("Type what you are looking for, e.g. /zoek financiering voor een coöperatie."))
        labels = await self.profiles.labels()
        lowered = query.lower()
        wanted = frozenset(
            code for code, label in labels.items() if code in lowered or label.lower() in lowered
        )
        mine = {profile.id for profile in await self.profiles.of_member(member_id)}
        never = (await self._repo.never_of([member_id])).get(member_id, set())
        seeker = Participant(
            id=0, offers=frozenset(), needs=wanted, text=query, region=None, online=True, in_person=True,
            never=frozenset(never),
        )
        candidates = [profile for profile in await self._repo.active(utcnow()) if profile.id not in mine]
        results = []
        for profile, participant in zip(candidates, await self._participants(candidates), strict=True):
            if 0 in participant.never or profile.id in never:
                continue
            found = score(seeker, participant)
            if found.shared or found.text > 0:
                results.append(Match(profile, found.total, found.shared, found.text))
        results.sort(key=lambda match: (-match.score, match.profile.id))
        return results[:SEARCH_RESULTS]

    async def request(self, member_id: int, profile_id: int) -> RequestRecord:
        own = await self.profiles.own(member_id)
        if own is None:
            raise UserError(_("Make a profile first with /platform, so the other side knows who asks."))
        target = await self.profiles.get(profile_id)
        if member_id in target.contacts:
            raise UserError(_("That is your own profile."))
        made = await self._repo.create_request(own.id, target.id)
        if made is None:
            raise UserError(_("You asked already; they have not answered yet."))
        await tell(self._broadcaster, REQUEST_TEMPLATE, {"request": made.id}, target.contacts, "Platform: contactverzoek")
        return made

    async def answer_request(self, request_id: int, member_id: int, accept: bool) -> RequestRecord:
        found = await self._repo.request(request_id)
        if found is None:
            raise UserError(_("This request no longer exists."))
        target = await self.profiles.get(found.to_profile)
        if member_id not in target.contacts:
            raise UserError(_("This button is not for you."))
        if not await self._repo.answer_request(request_id, accept):
            raise UserError(_("You answered this request already."))
        asker = await self.profiles.get(found.from_profile)
        if accept:
            group_id = await self._repo.create_group((asker.id, target.id), 0.0, (), QUESTIONS[request_id % len(QUESTIONS)])
            await self._share_details((await self._repo.groups(group_id=group_id))[0])
        else:
            await tell(self._broadcaster, DECLINED_TEMPLATE, {"request": request_id}, asker.contacts, "Platform: verzoek")
        updated = await self._repo.request(request_id)
        assert updated is not None
        return updated

    async def request_of(self, request_id: int) -> tuple[RequestRecord, ProfileRecord, ProfileRecord, dict[int, str]]:
        found = await self._repo.request(request_id)
        if found is None:
            raise UserError(_("This request no longer exists."))
        asker, target = await self.profiles.get(found.from_profile), await self.profiles.get(found.to_profile)
        return found, asker, target, await self.names((asker, target))

    # -- for organizers --------------------------------------------------------------------------

    async def stats(self, round_id: int) -> RoundStats:
        round_ = await self.round(round_id)
        groups = await self._repo.groups(round_id=round_id)
        met: Counter[Met] = Counter()
        answered = 0
        for group in groups:
            answers = [member.met for member in group.members if member.met is not None]
            if answers:
                answered += 1
                met[Met.YES if Met.YES in answers else Met.PLANNED if Met.PLANNED in answers else Met.NO] += 1
        return RoundStats(
            round_,
            int(round_.stats.get("participants", 0)),
            len(groups),
            sum(1 for group in groups if len(group.members) == 3),
            int(round_.stats.get("left_out", 0)),
            met,
            answered,
        )

    async def tag_counts(self) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Tags offered and sought most among active profiles (what the Magazine could write
        about), as (label, count)."""
        labels = await self.profiles.labels()
        offered: Counter[str] = Counter()
        sought: Counter[str] = Counter()
        for profile in await self._repo.active(utcnow()):
            offered.update(profile.offers)
            sought.update(profile.needs)
        return (
            [(labels.get(code, code), n) for code, n in offered.most_common(10)],
            [(labels.get(code, code), n) for code, n in sought.most_common(10)],
        )

    # -- AVG/GDPR --------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        profiles = await self.profiles.of_member(member_id)
        never = sorted((await self._repo.never_of([member_id])).get(member_id, set()))
        history = []
        for profile in profiles:
            for group in await self._repo.groups(profile_id=profile.id):
                history.append(
                    {
                        "round": group.round_id,
                        "with_profiles": [m.profile_id for m in group.members if m.profile_id != profile.id],
                        "wanted_contact": next(m.wants_contact for m in group.members if m.profile_id == profile.id),
                        "met": next((m.met.value if m.met else None) for m in group.members if m.profile_id == profile.id),
                        "shared_tags": list(group.shared),
                        "at": group.created_at.isoformat(),
                    }
                )
        return {
            "profiles": [
                {
                    "id": profile.id,
                    "kind": profile.kind.value,
                    "name": profile.name,
                    "what": profile.what,
                    "website": profile.website,
                    "offers": list(profile.offers),
                    "needs": list(profile.needs),
                    "offer_text": profile.offer_text,
                    "need_text": profile.need_text,
                    "region": profile.region,
                    "online": profile.online,
                    "in_person": profile.in_person,
                    "status": profile.status.value,
                    "snoozed_until": profile.snoozed_until.isoformat() if profile.snoozed_until else None,
                }
                for profile in profiles
            ],
            "never_pair_with_profiles": never,
            "history": history,
        }

    async def erase(self, member_id: int) -> None:
        await self._repo.forget_member(member_id)


__all__ = [
    "ContactCard",
    "Match",
    "PlatformOptions",
    "PlatformService",
    "ProfileStatus",
    "RequestStatus",
    "RoundStats",
]
