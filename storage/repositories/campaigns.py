"""The campaigns' queries: campaigns, members' actions, counts; records out.

A member's place in a campaign is one row in ``campaign_actions`` (unique per campaign and
member), so pressing [Doe mee] twice, or a prompt job that runs twice, never makes two. A
target is handed out ("spread") in one transaction that first locks the campaign's row, so
two members pressing at the same moment get different MPs when the shares are equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models.campaigns import Campaign, CampaignAction, OpjutterName
from storage.records.campaigns import (
    ActionRecord,
    ActionState,
    CampaignKind,
    CampaignRecord,
    CampaignStatus,
    NewCampaign,
    TargetMode,
)
from storage.types import lock_rows, stored_id, table_of, utcnow

_campaigns = table_of(Campaign)
_actions = table_of(CampaignAction)
_names = table_of(OpjutterName)

FINAL = (ActionState.DONE.value, ActionState.DECLINED.value)
"""States a member does not leave by pressing an old button."""


def _campaign(row: Any) -> CampaignRecord:
    return CampaignRecord(
        id=int(row.id),
        title=row.title,
        why=row.why,
        kind=CampaignKind(row.kind),
        status=CampaignStatus(row.status),
        link=row.link,
        subject=row.subject,
        template=row.template,
        deadline=row.deadline,
        audience={str(k): [str(v) for v in vs] for k, vs in dict(row.audience or {}).items()},
        goal=row.goal,
        target_mode=TargetMode(row.target_mode),
        target_names=tuple(str(name) for name in row.target_names or ()),
        allow_smtp=bool(row.allow_smtp),
        opjutter_id=row.opjutter_id,
        created_by=row.created_by,
        launched_at=row.launched_at,
        created_at=row.created_at,
    )


def _action(row: Any) -> ActionRecord:
    return ActionRecord(
        id=int(row.id),
        campaign_id=int(row.campaign_id),
        member_id=row.member_id,
        state=ActionState(row.state),
        target_id=row.target_id,
        own_text=row.own_text,
        sent_via=row.sent_via,
        prompted_at=row.prompted_at,
        opened_at=row.opened_at,
        later_at=row.later_at,
        nudged_at=row.nudged_at,
        done_at=row.done_at,
        declined_at=row.declined_at,
    )


async def _lock(conn: AsyncConnection, campaign_id: int) -> bool:
    """Take the campaign for this transaction (a row lock on PostgreSQL, the write lock on
    SQLite); False when there is no such campaign."""
    return bool(await lock_rows(conn, _campaigns, _campaigns.c.id == campaign_id))


class CampaignRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- campaigns -----------------------------------------------------------------------------

    async def create(self, new: NewCampaign) -> CampaignRecord:
        now = utcnow()
        async with self._db.begin() as conn:
            campaign_id = stored_id(
                (
                    await conn.execute(
                        insert(_campaigns)
                        .values(
                            title=new.title,
                            why=new.why,
                            kind=new.kind.value,
                            status=CampaignStatus.DRAFT.value,
                            link=new.link,
                            subject=new.subject,
                            template=new.template,
                            deadline=new.deadline,
                            audience=new.audience,
                            goal=new.goal,
                            target_mode=new.target_mode.value,
                            target_names=list(new.target_names),
                            allow_smtp=new.allow_smtp,
                            opjutter_id=new.opjutter_id,
                            created_by=new.created_by,
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(_campaigns.c.id)
                    )
                ).scalar_one()
            )
        found = await self.get(campaign_id)
        assert found is not None  # just written
        return found

    async def get(self, campaign_id: int) -> CampaignRecord | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(_campaigns).where(_campaigns.c.id == campaign_id))
            ).first()
        return None if row is None else _campaign(row)

    async def campaigns(
        self, statuses: Sequence[CampaignStatus] = (), *, limit: int = 50
    ) -> list[CampaignRecord]:
        """Newest first."""
        query = select(_campaigns).order_by(_campaigns.c.id.desc()).limit(limit)
        if statuses:
            query = query.where(_campaigns.c.status.in_([status.value for status in statuses]))
        async with self._db.engine.connect() as conn:
            return [_campaign(row) for row in await conn.execute(query)]

    async def set_status(
        self,
        campaign_id: int,
        status: CampaignStatus,
        *,
        expected: Sequence[CampaignStatus],
        launched_at: datetime | None = None,
    ) -> CampaignRecord | None:
        """Move a campaign on when it is in one of the ``expected`` states (a second press of
        the same button changes nothing); the campaign, None when it was not."""
        values: dict[str, Any] = {"status": status.value, "updated_at": utcnow()}
        if launched_at is not None:
            values["launched_at"] = func.coalesce(_campaigns.c.launched_at, launched_at)
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_campaigns)
                .where(
                    _campaigns.c.id == campaign_id,
                    _campaigns.c.status.in_([state.value for state in expected]),
                )
                .values(**values)
            )
            if not result.rowcount:
                return None
        return await self.get(campaign_id)

    # -- actions -------------------------------------------------------------------------------

    async def prompted_members(self, campaign_id: int) -> set[int]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_actions.c.member_id).where(
                    _actions.c.campaign_id == campaign_id, _actions.c.member_id.is_not(None)
                )
            )
            return {int(row.member_id) for row in rows}

    async def prompts_since(self, member_ids: Iterable[int], since: datetime) -> Counter[int]:
        """How many campaign prompts each member got since ``since`` (the weekly cap)."""
        ids = list(member_ids)
        counts: Counter[int] = Counter()
        async with self._db.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = await conn.execute(
                    select(_actions.c.member_id, func.count())
                    .where(_actions.c.member_id.in_(chunk), _actions.c.prompted_at >= since)
                    .group_by(_actions.c.member_id)
                )
                counts.update({int(row[0]): int(row[1]) for row in rows})
        return counts

    async def add_prompts(
        self, campaign_id: int, members: Sequence[tuple[int, dict[str, str | None]]], now: datetime
    ) -> list[int]:
        """Record that these members are prompted (with their segment at that moment); the
        ones that were new (a member prompted before is left as they were)."""
        added: list[int] = []
        async with self._db.begin() as conn:
            if not await _lock(conn, campaign_id):
                return []
            known = {
                int(row.member_id)
                for row in await conn.execute(
                    select(_actions.c.member_id).where(_actions.c.campaign_id == campaign_id)
                )
                if row.member_id is not None
            }
            fresh = [(member_id, segment) for member_id, segment in members if member_id not in known]
            rows = [
                {
                    "campaign_id": campaign_id,
                    "member_id": member_id,
                    "state": ActionState.PROMPTED.value,
                    "prompted_at": now,
                    "updated_at": now,
                    "work_situation": segment.get("work_situation"),
                    "province": segment.get("province"),
                    "member_kind": segment.get("kind"),
                }
                for member_id, segment in fresh
            ]
            if rows:
                await conn.execute(insert(_actions), rows)
                added = [member_id for member_id, _segment in fresh]
        return added

    async def action_of(self, campaign_id: int, member_id: int) -> ActionRecord | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(_actions).where(
                        _actions.c.campaign_id == campaign_id, _actions.c.member_id == member_id
                    )
                )
            ).first()
        return None if row is None else _action(row)

    async def action(self, action_id: int) -> ActionRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_actions).where(_actions.c.id == action_id))).first()
        return None if row is None else _action(row)

    async def move(
        self,
        action_id: int,
        member_id: int,
        state: ActionState,
        *,
        allowed_from: Sequence[ActionState],
        sent_via: str | None = None,
    ) -> ActionRecord | None:
        """Move the member's action to ``state`` when it is in one of ``allowed_from``; the
        action after, None when it was not (someone else's, or an old button)."""
        now = utcnow()
        stamp = {
            ActionState.OPENED: "opened_at",
            ActionState.LATER: "later_at",
            ActionState.DONE: "done_at",
            ActionState.DECLINED: "declined_at",
        }.get(state)
        values: dict[str, Any] = {"state": state.value, "updated_at": now}
        if stamp is not None:
            values[stamp] = now
        if sent_via is not None:
            values["sent_via"] = sent_via
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_actions)
                .where(
                    _actions.c.id == action_id,
                    _actions.c.member_id == member_id,
                    _actions.c.state.in_([allowed.value for allowed in allowed_from]),
                )
                .values(**values)
            )
            if not result.rowcount:
                return None
        return await self.action(action_id)

    async def save_own_text(self, action_id: int, member_id: int, text: str | None) -> bool:
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_actions)
                .where(_actions.c.id == action_id, _actions.c.member_id == member_id)
                .values(own_text=text, updated_at=utcnow())
            )
            return bool(result.rowcount)

    async def assign_target(self, action_id: int, candidates: Sequence[int]) -> int | None:
        """The action's target: kept when it has one, else the candidate with the fewest
        actions of this campaign so far (ties: the first in ``candidates``), so the mail is
        spread evenly. None without candidates."""
        if not candidates:
            return None
        async with self._db.begin() as conn:
            row = (
                await conn.execute(
                    select(_actions.c.campaign_id, _actions.c.target_id).where(
                        _actions.c.id == action_id
                    )
                )
            ).first()
            if row is None:
                return None
            if row.target_id is not None:
                return int(row.target_id)
            campaign_id = int(row.campaign_id)
            await _lock(conn, campaign_id)
            shares = {
                int(found.target_id): int(found.n)
                for found in await conn.execute(
                    select(_actions.c.target_id, func.count().label("n"))
                    .where(
                        _actions.c.campaign_id == campaign_id, _actions.c.target_id.is_not(None)
                    )
                    .group_by(_actions.c.target_id)
                )
            }
            order = {target: index for index, target in enumerate(candidates)}
            chosen = min(candidates, key=lambda target: (shares.get(target, 0), order[target]))
            await conn.execute(
                update(_actions)
                .where(_actions.c.id == action_id)
                .values(target_id=chosen, updated_at=utcnow())
            )
            return chosen

    async def mark_nudged(self, action_id: int, now: datetime) -> ActionRecord | None:
        """Once: an action still on "later" gets its one nudge; None when it moved on or was
        nudged already."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_actions)
                .where(
                    _actions.c.id == action_id,
                    _actions.c.state == ActionState.LATER.value,
                    _actions.c.nudged_at.is_(None),
                    _actions.c.member_id.is_not(None),
                )
                .values(nudged_at=now, updated_at=now)
            )
            if not result.rowcount:
                return None
        return await self.action(action_id)

    async def due_nudges(self, before: datetime) -> list[int]:
        """Actions put on "later" before ``before`` and not nudged (the daily safety net)."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_actions.c.id).where(
                    _actions.c.state == ActionState.LATER.value,
                    _actions.c.nudged_at.is_(None),
                    _actions.c.later_at <= before,
                )
            )
            return [int(row.id) for row in rows]

    # -- counts ------------------------------------------------------------------------------

    async def counts(self, campaign_id: int) -> Counter[ActionState]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_actions.c.state, func.count())
                .where(_actions.c.campaign_id == campaign_id)
                .group_by(_actions.c.state)
            )
            return Counter({ActionState(row[0]): int(row[1]) for row in rows})

    async def per_target(self, campaign_id: int) -> dict[int, tuple[int, int]]:
        """Target → (members given this target, members who did it)."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(
                    _actions.c.target_id,
                    func.count(),
                    func.sum(case((_actions.c.state == ActionState.DONE.value, 1), else_=0)),
                )
                .where(_actions.c.campaign_id == campaign_id, _actions.c.target_id.is_not(None))
                .group_by(_actions.c.target_id)
            )
            return {int(row[0]): (int(row[1]), int(row[2] or 0)) for row in rows}

    async def per_segment(self, campaign_id: int) -> dict[str, dict[str, tuple[int, int]]]:
        """Segment kind → code → (prompted, done); the segment as it was when prompted."""
        result: dict[str, dict[str, tuple[int, int]]] = {}
        async with self._db.engine.connect() as conn:
            rows = list(
                await conn.execute(
                    select(
                        _actions.c.work_situation,
                        _actions.c.province,
                        _actions.c.member_kind,
                        _actions.c.state,
                    ).where(_actions.c.campaign_id == campaign_id)
                )
            )
        for kind, index in (("work_situation", 0), ("province", 1), ("kind", 2)):
            tally: dict[str, list[int]] = {}
            for row in rows:
                code = str(row[index] or "-")
                entry = tally.setdefault(code, [0, 0])
                entry[0] += 1
                entry[1] += int(row[3] == ActionState.DONE.value)
            result[kind] = {code: (n[0], n[1]) for code, n in tally.items()}
        return result

    async def leaderboard(self) -> list[tuple[int, int, int]]:
        """(opjutter, actions done in their campaigns, campaigns launched), most actions first."""
        async with self._db.engine.connect() as conn:
            launched = {
                int(row[0]): int(row[1])
                for row in await conn.execute(
                    select(_campaigns.c.opjutter_id, func.count())
                    .where(
                        _campaigns.c.opjutter_id.is_not(None),
                        _campaigns.c.launched_at.is_not(None),
                    )
                    .group_by(_campaigns.c.opjutter_id)
                )
            }
            done = {
                int(row[0]): int(row[1])
                for row in await conn.execute(
                    select(_campaigns.c.opjutter_id, func.count())
                    .select_from(
                        _actions.join(_campaigns, _actions.c.campaign_id == _campaigns.c.id)
                    )
                    .where(
                        _campaigns.c.opjutter_id.is_not(None),
                        _actions.c.state == ActionState.DONE.value,
                    )
                    .group_by(_campaigns.c.opjutter_id)
                )
            }
        board = [(member, done.get(member, 0), count) for member, count in launched.items()]
        return sorted(board, key=lambda entry: (-entry[1], -entry[2], entry[0]))

    async def set_show_name(self, member_id: int, show: bool) -> None:
        async with self._db.begin() as conn:
            await conn.execute(delete(_names).where(_names.c.member_id == member_id))
            await conn.execute(
                insert(_names).values(member_id=member_id, show_name=show, updated_at=utcnow())
            )

    async def named_opjutters(self, member_ids: Iterable[int]) -> set[int]:
        ids = list(member_ids)
        if not ids:
            return set()
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_names.c.member_id).where(
                    _names.c.member_id.in_(ids), _names.c.show_name.is_(True)
                )
            )
            return {int(row.member_id) for row in rows}

    # -- AVG/GDPR ----------------------------------------------------------------------------

    async def actions_of_member(self, member_id: int) -> list[tuple[ActionRecord, str]]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_actions, _campaigns.c.title.label("campaign_title"))
                .select_from(
                    _actions.join(_campaigns, _actions.c.campaign_id == _campaigns.c.id)
                )
                .where(_actions.c.member_id == member_id)
                .order_by(_actions.c.id)
            )
            return [(_action(row), str(row.campaign_title)) for row in rows]

    async def show_name_of(self, member_id: int) -> bool | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(_names.c.show_name).where(_names.c.member_id == member_id))
            ).first()
        return None if row is None else bool(row.show_name)

    async def forget_member(self, member_id: int) -> int:
        """The member's actions lose the member and their own words (the counts stay); their
        leaderboard choice goes; campaigns they started no longer name them."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_actions)
                .where(_actions.c.member_id == member_id)
                .values(member_id=None, own_text=None, updated_at=utcnow())
            )
            await conn.execute(delete(_names).where(_names.c.member_id == member_id))
            await conn.execute(
                update(_campaigns)
                .where(_campaigns.c.opjutter_id == member_id)
                .values(opjutter_id=None, created_by=None)
            )
            return int(result.rowcount or 0)

