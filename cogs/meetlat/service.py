"""The Meetlat: criteria and methods, items, members' ratings, scores, marks and appeals.

Who counts is decided here, every time a score is computed, from the members' current
facts: a rating counts when the member used the item, does not work for it, is verified
(where registration verifies), is not the sponsor rating itself (a representative of the
item's sponsor, whenever they became one) and is not held out by an organizer after a
burst. A sponsor's representatives are one voice (the latest rating counts), like in
Jouw Stem. The arithmetic is :mod:`cogs.meetlat.scoring`; the burst rule
:mod:`cogs.meetlat.signals`. Organizers see aggregates only: no method here returns who
gave which rating, except a member's own (to change it, export it, erase it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import utcnow
from bot.core.errors import UserError
from bot.core.i18n import _
from bot.core.outbox import Broadcast, Broadcaster, tell
from bot.core.types import Chat
from cogs.meetlat.scoring import (
    CountedRating,
    ItemScore,
    ItemStats,
    Mark,
    Params,
    counted_per_item,
    empty_score,
    mark_for,
    shrink,
)
from cogs.meetlat.signals import Arrival, BurstRules, find_burst
from storage.records.meetlat import (
    AppealRecord,
    AppealStatus,
    CriterionRecord,
    FlagRecord,
    FlagStatus,
    ItemKind,
    ItemRecord,
    ItemStatus,
    MarkRecord,
    MethodRecord,
    NewItem,
    RatingInput,
    RatingRecord,
    RatingRow,
    SavedRating,
)
from storage.repositories.meetlat import MeetlatRepository, NameTaken
from storage.vocabulary import Topic

log = logging.getLogger(__name__)

METHOD_TEMPLATE = "meetlat.method"
RANKING_TEMPLATE = "meetlat.ranking"
DECIDED_TEMPLATE = "meetlat.decided"
ORGANIZERS_TEMPLATE = "meetlat.organizers"
MARK_TEMPLATE = "meetlat.mark"
RULING_TEMPLATE = "meetlat.ruling"
MARKS_JOB = "meetlat.marks"

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_NOTE = 500
MAX_REPLY = 1_000
SCORES_KEPT = timedelta(seconds=60)
"""How long computed scores are reused when nothing here changed them. Saving a rating,
a flag decision, a sponsor link, an erasure or a change of voice recompute at once; what
this process does not see (a member who verified their e-mail since) within a minute."""


class Voter(Protocol):
    """A member as the Meetlat counts them (the members module's ``VoterFacts``)."""

    @property
    def voice_key(self) -> str: ...

    @property
    def verified(self) -> bool: ...

    @property
    def organization_id(self) -> int | None: ...

    @property
    def joined_at(self) -> datetime | None: ...


class MemberFacts(Protocol):
    """What the Meetlat needs from the members module (its service)."""

    async def voters(self, member_ids: Iterable[int]) -> Mapping[int, Voter]: ...

    async def sponsors(self) -> list[tuple[int, str, int]]: ...

    async def audience(self, *, verified_only: bool = False) -> Sequence[Any]: ...

    def on_voice_change(self, listener: Callable[[int | None], None]) -> None: ...


@dataclass(frozen=True)
class MeetlatOptions:
    verified_only: bool = False
    notice: timedelta = timedelta(days=14)
    """A new method is announced at least this long before it applies."""
    burst: BurstRules = field(default_factory=BurstRules)
    announcement_chats: Sequence[Chat] = ()
    organizer_chats: Sequence[Chat] = ()


@dataclass(frozen=True)
class Standing:
    """An item's scores as published now: the method, the scores, the mark."""

    item: ItemRecord
    method: MethodRecord
    score: ItemScore
    mark: MarkRecord | None
    """The item's active mark, if it holds one."""
    criteria: dict[int, CriterionRecord]


@dataclass(frozen=True)
class Counted:
    """Why a saved rating does or does not count."""

    counts: bool
    reason: str | None = None
    """``not_used``, ``works_there``, ``sponsor_self``."""


@dataclass(frozen=True)
class FlagView:
    """What organizers see of a flag: aggregates with and without the flagged ratings."""

    flag: FlagRecord
    item: ItemRecord
    with_flagged: ItemScore | None
    without_flagged: ItemScore | None


def params_of(method: MethodRecord) -> Params:
    known = {name: method.params[name] for name in Params.__dataclass_fields__ if name in method.params}
    return Params(**known)


class MeetlatService:
    def __init__(
        self,
        repository: MeetlatRepository,
        members: MemberFacts,
        broadcaster: Broadcaster,
        options: MeetlatOptions | None = None,
    ) -> None:
        self._repo = repository
        self._members = members
        self._broadcaster = broadcaster
        self.options = options or MeetlatOptions()
        self._stats: dict[tuple[int, bool], tuple[datetime, dict[int, ItemStats]]] = {}
        """Per method version (and with or without held ratings): when computed, and the
        statistics of every rated item."""
        self._stale_items: set[int] = set()
        members.on_voice_change(lambda _member_id: self._forget_scores())

    def _forget_scores(self, item_id: int | None = None) -> None:
        """Scores changed: of one item (recomputed from its ratings alone), or of all."""
        if item_id is None:
            self._stats.clear()
            self._stale_items.clear()
        else:
            self._stale_items.add(item_id)

    # -- criteria and methods --------------------------------------------------------------------

    async def criteria(self, *, active_only: bool = False) -> list[CriterionRecord]:
        return await self._repo.criteria(active_only=active_only)

    async def put_criterion(self, code: str, name: str, explanation: str) -> tuple[CriterionRecord, bool]:
        code = code.strip().lower()
        if not CODE.match(code):
            raise UserError(_("A code is 2 to 40 lowercase letters, digits and dashes, e.g. weinig-bureaucratie."))
        name, explanation = " ".join(name.split()), " ".join(explanation.split())
        if not 2 <= len(name) <= 60:
            raise UserError(_("A criterion's name is 2 to 60 characters."))
        if not 5 <= len(explanation) <= 200:
            raise UserError(_("The explanation is one line of 5 to 200 characters."))
        return await self._repo.put_criterion(code, name, explanation)

    async def set_criterion_active(self, code: str, active: bool) -> CriterionRecord:
        found = await self._repo.set_criterion_active(code.strip().lower(), active)
        if found is None:
            raise UserError(_("There is no criterion with code {code}.").format(code=code))
        return found

    async def methods(self) -> list[MethodRecord]:
        return await self._repo.methods()

    async def method_now(self, now: datetime | None = None) -> MethodRecord | None:
        """The version that applies now: the newest whose start has come."""
        moment = now or utcnow()
        applying = [method for method in await self._repo.methods() if method.applies_from <= moment]
        return applying[-1] if applying else None

    async def method_next(self, now: datetime | None = None) -> MethodRecord | None:
        moment = now or utcnow()
        coming = [method for method in await self._repo.methods() if method.applies_from > moment]
        return coming[0] if coming else None

    async def new_method(self, description: str, applies_from: datetime, created_by: str | None, params: Params | None = None) -> MethodRecord:
        """A new version of the method: the active criteria and the numbers, from a moment.

        The first version may apply at once; every later one is announced (to members who
        chose news, and the announcement chats) at least ``notice`` before it applies."""
        description = description.strip()
        if not 10 <= len(description) <= 2_000:
            raise UserError(_("Describe the method (what changes and why) in 10 to 2,000 characters."))
        active = await self._repo.criteria(active_only=True)
        if not active:
            raise UserError(_("There are no active criteria; add them first with /meetlat_criterium."))
        now = utcnow()
        existing = await self._repo.methods()
        if existing:
            earliest = now + self.options.notice
            if applies_from < earliest - timedelta(minutes=1):
                raise UserError(
                    _("A new method must be announced first: it can apply from {days} days from now at the earliest.").format(
                        days=round(self.options.notice / timedelta(days=1))
                    )
                )
            if any(method.applies_from >= applies_from for method in existing):
                raise UserError(_("A new version must apply after the versions planned already."))
        else:
            applies_from = max(applies_from, now)
        method = await self._repo.add_method(description, applies_from, [c.id for c in active], asdict(params or Params()), created_by)
        if existing:
            members = await self._members.audience(verified_only=self.options.verified_only)
            await self._broadcaster.broadcast(
                Broadcast(
                    title=f"Meetlat: methode v{method.version}",
                    template=METHOD_TEMPLATE,
                    params={"version": method.version},
                    topic=Topic.NIEUWS,
                    members=[member.member_id for member in members],
                    chats=list(self.options.announcement_chats),
                    created_by=created_by,
                )
            )
        return method

    async def method(self, version: int) -> MethodRecord:
        found = next((m for m in await self._repo.methods() if m.version == version), None)
        if found is None:
            raise UserError(_("There is no method version {version}.").format(version=version))
        return found

    async def _current(self) -> MethodRecord:
        method = await self.method_now()
        if method is None:
            raise UserError(_("The Meetlat is not set up yet: organizers first add criteria and a method (/meetlat_uitleg)."))
        return method

    # -- items -----------------------------------------------------------------------------------

    async def item(self, item_id: int, *, approved: bool = True) -> ItemRecord:
        found = await self._repo.item(item_id)
        if found is None or (approved and found.status is not ItemStatus.APPROVED):
            raise UserError(_("There is no item with number {id} in the Meetlat.").format(id=item_id))
        return found

    async def find(self, text: str) -> ItemRecord:
        """An item by number or by (part of) its name; one match or a clear refusal."""
        text = " ".join(text.split())
        if text.isascii() and text.isdigit() and len(text) <= 12:
            return await self.item(int(text))
        found = await self._repo.search(text, (ItemStatus.APPROVED,))
        if not found:
            raise UserError(_("No item in the Meetlat matches “{text}”. Propose it with /meetlat_voorstel.").format(text=text[:60]))
        exact = [item for item in found if item.name.casefold() == text.casefold()]
        if len(found) > 1 and not exact:
            raise UserError(
                _("Several items match: {names}. Use the number.").format(names=", ".join(f"{i.id} {i.name}" for i in found[:5]))
            )
        return exact[0] if exact else found[0]

    async def search(self, text: str) -> list[ItemRecord]:
        return await self._repo.search(text, (ItemStatus.APPROVED,))

    async def items(self) -> list[ItemRecord]:
        return await self._repo.items()

    async def proposals(self) -> list[ItemRecord]:
        return await self._repo.items((ItemStatus.PROPOSED,))

    async def propose(self, new: NewItem, member_id: int | None, *, organizer: bool, by: str) -> ItemRecord:
        """Organizers add an item at once; a member's proposal waits for an organizer."""
        if await self._repo.item_by_name(new.name) is not None:
            raise UserError(_("“{name}” is in the Meetlat already (or was proposed).").format(name=new.name))
        try:
            item = await self._repo.add_item(
                new,
                status=ItemStatus.APPROVED if organizer else ItemStatus.PROPOSED,
                proposed_by=member_id,
                decided_by=by if organizer else None,
            )
        except NameTaken:
            raise UserError(_("“{name}” is in the Meetlat already (or was proposed).").format(name=new.name)) from None
        if not organizer:
            await self._tell_organizers("proposal", item.id)
        return item

    async def decide(self, item_id: int, approve: bool, by: str) -> ItemRecord:
        item = await self.item(item_id, approved=False)
        status = ItemStatus.APPROVED if approve else ItemStatus.REJECTED
        if not await self._repo.decide_item(item_id, status, by):
            raise UserError(_("That proposal was decided already."))
        self._forget_scores(item_id)
        if item.proposed_by is not None:
            await tell(self._broadcaster, DECIDED_TEMPLATE, {"item": item_id}, [item.proposed_by], f"Meetlat: {item.name}")
        return await self.item(item_id, approved=False)

    async def set_sponsor(self, item_id: int, organization_id: int | None) -> str | None:
        item = await self.item(item_id)
        name = None
        if organization_id is not None:
            sponsors = {number: sponsor for number, sponsor, _count in await self._members.sponsors()}
            if organization_id not in sponsors:
                raise UserError(_("There is no sponsor with number {id}.").format(id=organization_id))
            name = sponsors[organization_id]
        await self._repo.update_item(item.id, organization_id=organization_id)
        self._forget_scores(item.id)
        return name

    async def add_contact(self, item_id: int, member_id: int) -> bool:
        item = await self.item(item_id)
        if member_id not in await self._members.voters([member_id]):
            raise UserError(_("There is no member with number {id}.").format(id=member_id))
        return await self._repo.add_contact(item.id, member_id)

    async def speaks_for(self, item: ItemRecord, member_id: int) -> bool:
        """A contact of the item, or a representative of the sponsor it is."""
        if member_id in await self._repo.contacts(item.id):
            return True
        voter = (await self._members.voters([member_id])).get(member_id)
        return voter is not None and item.organization_id is not None and voter.organization_id == item.organization_id

    async def contacts_of(self, item: ItemRecord) -> list[int]:
        return await self._repo.contacts(item.id)

    # -- rating ----------------------------------------------------------------------------------

    async def rater(self, member_id: int) -> Voter:
        """The member, when they may rate (registered, verified where that is required)."""
        voter = (await self._members.voters([member_id])).get(member_id)
        if voter is None:
            raise UserError(_("You are not registered yet. Use /registreer to sign up."))
        if self.options.verified_only and not voter.verified:
            raise UserError(_("Only verified members rate in the Meetlat. Confirm your e-mail address first (/registreer)."))
        return voter

    async def rating_criteria(self) -> list[CriterionRecord]:
        """The criteria asked: those of the method now and of a version that is coming."""
        method = await self._current()
        coming = await self.method_next()
        wanted = set(method.criteria) | set(coming.criteria if coming else ())
        return [c for c in await self._repo.criteria() if c.id in wanted]

    async def own_rating(self, item_id: int, member_id: int) -> RatingRecord | None:
        return await self._repo.rating(item_id, member_id)

    async def rate(self, item_id: int, member_id: int, given: RatingInput) -> tuple[SavedRating, Counted]:
        """Save the member's one current rating (a change replaces it) and look for a burst."""
        item = await self.item(item_id)
        voter = await self.rater(member_id)
        asked = {c.id for c in await self.rating_criteria()}
        if any(c not in asked or not 1 <= v <= 5 for c, v in given.scores.items()):
            raise UserError(_("That rating does not fit the Meetlat's criteria; please start again with /meetlat."))
        if given.note is not None and len(given.note) > MAX_NOTE:
            raise UserError(_("A note is at most {n} characters.").format(n=MAX_NOTE))
        if not given.used:
            given = RatingInput(used=False, works_there=given.works_there)
        now = utcnow()
        saved = await self._repo.save_rating(item.id, member_id, given, now)
        self._forget_scores(item.id)
        if not saved.changed:
            await self._look_for_burst(item, now)
        return saved, self._counts(item, voter, given)

    def _counts(self, item: ItemRecord, voter: Voter, given: RatingInput) -> Counted:
        if not given.used:
            return Counted(False, "not_used")
        if given.works_there:
            return Counted(False, "works_there")
        if item.organization_id is not None and voter.organization_id == item.organization_id:
            return Counted(False, "sponsor_self")
        return Counted(True)  # unverified members do not get this far (``rater``)

    async def _look_for_burst(self, item: ItemRecord, now: datetime) -> None:
        rules = self.options.burst
        start = now - rules.window
        arrivals = await self._repo.arrivals(item.id, start)
        ongoing = any(status in (FlagStatus.OPEN.value, FlagStatus.HELD.value) for _m, _at, status in arrivals)
        voters = await self._members.voters(member for member, _at, _status in arrivals)
        joined = {member: getattr(voters.get(member), "joined_at", None) for member, _at, _status in arrivals}
        unflagged = [Arrival(at, joined[member]) for member, at, status in arrivals if status is None]
        earlier = await self._repo.count_first_rated(item.id, start - rules.baseline, start)
        burst = find_burst(unflagged, earlier, now, rules)
        if burst is None and not ongoing:
            return
        every = [Arrival(at, joined[member]) for member, at, _status in arrivals]
        flag, new = await self._repo.flag_burst(
            item.id,
            burst.window_start if burst else start,
            burst.ratings if burst else 0,
            sum(1 for arrival in every if arrival.is_new(rules)),
            burst.expected if burst else 0.0,
            recent=start,
        )
        if new:
            log.warning("Meetlat: a burst of %d ratings for item %d is flagged (%d)", flag.ratings, item.id, flag.id)
            await self._tell_organizers("flag", flag.id)

    # -- scores ----------------------------------------------------------------------------------

    async def _counted(self, rows: Sequence[RatingRow], *, with_held: bool = False) -> list[CountedRating]:
        items = {item.id: item for item in await self._repo.items()}
        voters = await self._members.voters({row.member_id for row in rows})
        counted = []
        for row in rows:
            item, voter = items.get(row.item_id), voters.get(row.member_id)
            if item is None or voter is None or not row.used or row.works_there or (row.held and not with_held):
                continue
            if self.options.verified_only and not voter.verified:
                continue
            if item.organization_id is not None and voter.organization_id == item.organization_id:
                continue
            counted.append(CountedRating(row.item_id, voter.voice_key, row.rated_at, row.scores))
        return counted

    async def _item_stats(self, method: MethodRecord, now: datetime, *, with_held: bool = False) -> dict[int, ItemStats]:
        """Every rated item's statistics under a method: read from every counted rating
        once, kept for :data:`SCORES_KEPT`; an item whose ratings changed here is read again
        alone. What is kept under another key (with or without held ratings) did not see
        the change and is dropped, to be read again when asked for."""
        params = params_of(method)
        since = now - timedelta(days=params.window_days)
        key = (method.version, with_held)
        kept = self._stats.get(key)
        if kept is None or abs(now - kept[0]) >= SCORES_KEPT:
            rows = await self._repo.rating_rows(since)
            kept = (now, counted_per_item(await self._counted(rows, with_held=with_held), method.criteria, params, now))
        elif self._stale_items:
            counted = await self._counted(await self._repo.rating_rows(since, self._stale_items), with_held=with_held)
            for item_id in self._stale_items:
                kept[1].pop(item_id, None)
            kept[1].update(counted_per_item(counted, method.criteria, params, now))
        else:
            return kept[1]
        self._stats = {key: kept}
        self._stale_items.clear()
        return kept[1]

    async def _scores(self, method: MethodRecord, now: datetime, *, with_held: bool = False) -> dict[int, ItemScore]:
        """Every item's scores under a method: the kept statistics, shrunk toward the mean
        of all items (cheap)."""
        return shrink(await self._item_stats(method, now, with_held=with_held), method.criteria, params_of(method))

    async def standing(self, item_id: int) -> Standing:
        item = await self.item(item_id)
        method = await self._current()
        now = utcnow()
        scores = await self._scores(method, now)
        score = scores.get(item.id) or empty_score(item.id, method.criteria, {})
        marks = await self._repo.marks(item_id=item.id)
        criteria = {c.id: c for c in await self._repo.criteria()}
        return Standing(item, method, score, marks[0] if marks else None, criteria)

    async def standings(self, *, kind: ItemKind | None = None, sector: str | None = None) -> list[Standing]:
        """Published items (enough raters) by overall score, best first, with their marks."""
        method = await self._current()
        now = utcnow()
        scores = await self._scores(method, now)
        marks = {mark.item_id: mark for mark in await self._repo.marks()}
        criteria = {c.id: c for c in await self._repo.criteria()}
        listed = []
        for item in await self._repo.items():
            score = scores.get(item.id)
            if score is None or not score.published:
                continue
            if kind is not None and item.kind is not kind:
                continue
            if sector is not None and (item.sector or "").casefold() != sector.casefold():
                continue
            listed.append(Standing(item, method, score, marks.get(item.id), criteria))
        listed.sort(key=lambda s: (-(s.score.overall or 0.0), s.item.name.casefold()))
        return listed

    # -- marks -----------------------------------------------------------------------------------

    async def refresh_marks(self) -> int:
        """Daily and after a change that matters: expire old marks, award earned ones.

        A mark holds for its validity (12 months) once awarded; an item that earns a higher
        level gets it at once; one that earns none keeps its mark until it expires."""
        now = utcnow()
        changed = len(await self._repo.expire_marks(now))
        method = await self.method_now(now)
        if method is None:
            return changed
        params = params_of(method)
        scores = await self._scores(method, now)
        active = {mark.item_id: mark for mark in await self._repo.marks()}
        for item in await self._repo.items():
            earned = mark_for(scores.get(item.id), params, evidence_checked=item.evidence_checked_at is not None)
            if earned is None:
                continue
            held = active.get(item.id)
            if held is not None and (held.level == earned.value or held.level == Mark.PLUS.value):
                continue
            mark = await self._repo.award(item.id, earned.value, method.version, now, now + timedelta(days=params.validity_days), snapshot(scores[item.id]))
            if mark is not None:
                changed += 1
                contacts = await self._repo.contacts(item.id)
                await tell(self._broadcaster, MARK_TEMPLATE, {"item": item.id}, contacts, f"Meetlat: {item.name}")
        return changed

    async def check_evidence(self, item_id: int, checked: bool, by: str) -> ItemRecord:
        item = await self.item(item_id)
        await self._repo.update_item(item.id, evidence_checked_by=by if checked else None, evidence_checked_at=utcnow() if checked else None)
        await self.refresh_marks()
        return await self.item(item_id)

    async def notes(self, item_id: int) -> list[str]:
        return await self._repo.notes((await self.item(item_id)).id)

    async def withdraw(self, item_id: int, reason: str) -> MarkRecord:
        item = await self.item(item_id)
        reason = " ".join(reason.split())
        if not 5 <= len(reason) <= 500:
            raise UserError(_("Give the reason in 5 to 500 characters."))
        mark = await self._repo.withdraw_mark(item.id, reason, utcnow())
        if mark is None:
            raise UserError(_("{name} holds no mark now.").format(name=item.name))
        return mark

    # -- flags -----------------------------------------------------------------------------------

    async def flags(self) -> list[FlagRecord]:
        return await self._repo.flags()

    async def flag_view(self, flag_id: int) -> FlagView:
        flag = await self._repo.flag(flag_id)
        if flag is None:
            raise UserError(_("There is no flag with number {id}.").format(id=flag_id))
        return (await self.flag_views([flag]))[0]

    async def flag_views(self, flags: Sequence[FlagRecord]) -> list[FlagView]:
        """Each flag's item scored with its ratings and without them (the other items as
        they are kept: only the flagged item's ratings are read)."""
        method = await self._current()
        now = utcnow()
        params = params_of(method)
        since = now - timedelta(days=params.window_days)
        every = await self._item_stats(method, now, with_held=True)
        with_all = shrink(every, method.criteria, params)
        views = []
        for flag in flags:
            item = await self.item(flag.item_id)
            rest = [row for row in await self._repo.rating_rows(since, [item.id]) if row.flag_id != flag.id]
            without = {item_id: stats for item_id, stats in every.items() if item_id != item.id}
            without.update(counted_per_item(await self._counted(rest, with_held=True), method.criteria, params, now))
            views.append(FlagView(flag, item, with_all.get(item.id), shrink(without, method.criteria, params).get(item.id)))
        return views

    async def decide_flag(self, flag_id: int, hold: bool, by: str) -> FlagRecord:
        flag = await self._repo.flag(flag_id)
        if flag is None:
            raise UserError(_("There is no flag with number {id}.").format(id=flag_id))
        await self._repo.decide_flag(flag_id, FlagStatus.HELD if hold else FlagStatus.CLEARED, by)
        self._forget_scores(flag.item_id)
        decided = await self._repo.flag(flag_id)
        assert decided is not None
        return decided

    # -- replies and appeals ---------------------------------------------------------------------

    async def reply(self, item_id: int, member_id: int, text: str) -> ItemRecord:
        item = await self.item(item_id)
        if not await self.speaks_for(item, member_id):
            raise UserError(_("Only the contacts of {name} can reply for it. Ask an organizer to add you.").format(name=item.name))
        text = text.strip()
        if not 2 <= len(text) <= MAX_REPLY:
            raise UserError(_("A reply is 2 to {n} characters.").format(n=MAX_REPLY))
        await self._repo.update_item(item.id, reply=text, reply_at=utcnow())
        return await self.item(item_id)

    async def appeal(self, item_id: int, member_id: int, text: str) -> AppealRecord:
        item = await self.item(item_id)
        if not await self.speaks_for(item, member_id):
            raise UserError(_("Only the contacts of {name} can appeal for it. Ask an organizer to add you.").format(name=item.name))
        text = text.strip()
        if not 10 <= len(text) <= MAX_REPLY:
            raise UserError(_("An appeal is 10 to {n} characters: say what is wrong and why.").format(n=MAX_REPLY))
        appeal = await self._repo.add_appeal(item.id, member_id, text)
        await self._tell_organizers("appeal", appeal.id)
        return appeal

    async def appeals(self) -> list[AppealRecord]:
        return await self._repo.appeals()

    async def appeal_of(self, appeal_id: int) -> AppealRecord:
        found = await self._repo.appeal(appeal_id)
        if found is None:
            raise UserError(_("There is no appeal with number {id}.").format(id=appeal_id))
        return found

    async def rule(self, appeal_id: int, upheld: bool, outcome: str, by: str) -> AppealRecord:
        appeal = await self.appeal_of(appeal_id)
        outcome = outcome.strip()
        if not 5 <= len(outcome) <= MAX_REPLY:
            raise UserError(_("Explain the outcome in 5 to {n} characters.").format(n=MAX_REPLY))
        if not await self._repo.decide_appeal(appeal.id, AppealStatus.UPHELD if upheld else AppealStatus.REJECTED, outcome, by):
            raise UserError(_("Appeal {id} was decided already.").format(id=appeal_id))
        if appeal.member_id is not None:
            await tell(self._broadcaster, RULING_TEMPLATE, {"appeal": appeal.id}, [appeal.member_id], f"Meetlat: bezwaar {appeal.id}")
        return await self.appeal_of(appeal_id)

    # -- publishing ------------------------------------------------------------------------------

    async def publish(self, kind: ItemKind | None, sector: str | None, by: str) -> int:
        if not self.options.announcement_chats:
            raise UserError(_("No announcement chats are set (ANNOUNCEMENT_CHATS)."))
        await self.refresh_marks()
        if not await self.standings(kind=kind, sector=sector):
            minimum = params_of(await self._current()).min_raters
            raise UserError(_("Nothing to publish yet: no item has enough raters ({n} or more).").format(n=minimum))
        await self._broadcaster.broadcast(
            Broadcast(
                title="Meetlat: ranglijst",
                template=RANKING_TEMPLATE,
                params={"kind": kind.value if kind else None, "sector": sector},
                topic=None,
                chats=list(self.options.announcement_chats),
                created_by=by,
            )
        )
        return len(self.options.announcement_chats)

    # -- messages --------------------------------------------------------------------------------

    async def _tell_organizers(self, what: str, number: int) -> None:
        if self.options.organizer_chats:
            await self._broadcaster.broadcast(
                Broadcast(
                    title=f"Meetlat: {what} {number}",
                    template=ORGANIZERS_TEMPLATE,
                    params={"what": what, "id": number},
                    topic=None,
                    chats=list(self.options.organizer_chats),
                )
            )

    # -- AVG/GDPR --------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._repo.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._repo.erase(member_id)
        self._forget_scores()


def snapshot(score: ItemScore) -> dict[str, Any]:
    """What a mark was awarded on, kept with it."""
    return {
        "raters": score.raters,
        "overall": score.overall,
        "criteria": {str(c.criterion_id): {"score": c.score, "n": c.n, "spread": c.spread} for c in score.criteria},
    }

