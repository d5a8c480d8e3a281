"""The rules of broadcasts: what members chose, who an announcement reaches, and the
organizers' view of every broadcast (progress, stop, cancel, failures).

Members receive a topic only when they chose it; nothing is on until they say so. The
sending itself is the engine's (``engine.py``); this service is what commands, flows and
other modules (through the core's ``Broadcaster`` protocol) talk to.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from bot.core.clock import utcnow
from bot.core.errors import UserError
from bot.core.files import announcement_file
from bot.core.i18n import _
from bot.core.outbox import Broadcast
from bot.core.types import Attachment, Chat
from cogs.broadcasts.engine import Engine
from storage.records.outbox import (
    BroadcastCounts,
    BroadcastRecord,
    BroadcastStatus,
    RecipientState,
)
from storage.repositories.notifications import NotificationRepository
from storage.repositories.outbox import OutboxRepository
from storage.vocabulary import Channel, Topic, known

log = logging.getLogger(__name__)



class Member(Protocol):
    @property
    def member_id(self) -> int: ...


class MemberFacts(Protocol):
    """What broadcasts need from the members module (its service): an audience."""

    async def audience(
        self,
        *,
        work_situations: frozenset[str] = frozenset(),
        provinces: frozenset[str] = frozenset(),
        kinds: frozenset[str] = frozenset(),
        verified_only: bool = False,
    ) -> Sequence[Member]: ...


class MemberChoices:
    """What members chose: topics (nothing unless chosen) and channel. The engine asks it
    whom a topic may reach and how; ``/meldingen`` changes it."""

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def subscribers(self, topic: str, among: Iterable[int]) -> set[int]:
        return await self._notifications.subscribers(topic, among)

    async def channels(self, member_ids: Iterable[int]) -> dict[int, str]:
        return await self._notifications.channels(member_ids)

    async def topics_of(self, member_id: int) -> set[Topic]:
        found = await self._notifications.topics_of(member_id)
        return {topic for topic in Topic if topic.value in found}

    async def set_topic(self, member_id: int, topic: Topic, wanted: bool) -> bool:
        return await self._notifications.set_topic(member_id, topic.value, wanted)

    async def channel_of(self, member_id: int) -> Channel:
        channel, _asked = await self._notifications.setting(member_id)
        return known(Channel, channel) or Channel.CHAT

    async def set_channel(self, member_id: int, channel: Channel) -> None:
        await self._notifications.set_channel(member_id, channel.value)

    async def ask_once(self, member_id: int) -> bool:
        """True the first time for a member (then registration asks about topics)."""
        return await self._notifications.mark_asked(member_id)

    async def export(self, member_id: int) -> dict[str, Any]:
        topics = await self._notifications.topics_of(member_id)
        channel, asked = await self._notifications.setting(member_id)
        return {
            "topics": {topic: since.isoformat() for topic, since in topics.items()},
            "channel": channel,
            "asked_about_topics_at": asked.isoformat() if asked else None,
        }

    async def erase(self, member_id: int) -> None:
        await self._notifications.erase(member_id)


class BroadcastService:
    def __init__(
        self,
        outbox: OutboxRepository,
        choices: MemberChoices,
        engine: Engine,
        members: MemberFacts,
        *,
        verified_only: bool,
        announcement_chats: Sequence[Chat] = (),
    ) -> None:
        self._outbox = outbox
        self.choices = choices
        self._engine = engine
        self._members = members
        self._verified_only = verified_only
        self.announcement_chats = list(announcement_chats)

    # -- sending (the core's Broadcaster) --------------------------------------------------------

    async def broadcast(self, spec: Broadcast) -> int:
        return await self._engine.broadcast(spec)

    async def broadcast_many(self, specs: Sequence[Broadcast]) -> list[int]:
        return await self._engine.broadcast_many(specs)

    async def audience(
        self,
        topic: Topic,
        *,
        work_situations: frozenset[str] = frozenset(),
        provinces: frozenset[str] = frozenset(),
        kinds: frozenset[str] = frozenset(),
    ) -> list[int]:
        """Members of a segment (all by default) who chose ``topic``."""
        members = await self._members.audience(
            work_situations=work_situations,
            provinces=provinces,
            kinds=kinds,
            verified_only=self._verified_only,
        )
        ids = [member.member_id for member in members]
        chosen = await self.choices.subscribers(topic.value, ids)
        return [member_id for member_id in ids if member_id in chosen]

    async def store_file(self, attachment: Attachment) -> int:
        """Keep a file for an announcement, checked and typed by its bytes."""
        checked = announcement_file(attachment)
        return await self._outbox.add_file(checked.filename, checked.mime_type[:100], checked.data)

    async def file(self, file_id: int) -> Attachment | None:
        found = await self._outbox.file(file_id)
        return None if found is None else Attachment(found[0], found[2], found[1])

    # -- organizers ------------------------------------------------------------------------------

    async def get(self, broadcast_id: int) -> BroadcastRecord:
        found = await self._outbox.get(broadcast_id)
        if found is None:
            raise UserError(_("There is no broadcast with number {id}.").format(id=broadcast_id))
        return found

    async def recent(self, limit: int = 20) -> list[BroadcastRecord]:
        return await self._outbox.broadcasts(limit=limit)

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        return await self._outbox.counts(broadcast_id)

    async def stop(self, broadcast_id: int) -> BroadcastRecord:
        """Stop a running broadcast: what was sent stays sent, nothing more goes out."""
        broadcast = await self.get(broadcast_id)
        if not await self._outbox.set_status(
            broadcast_id, (BroadcastStatus.RUNNING,), BroadcastStatus.STOPPED,
            finished_at=utcnow(),
        ):
            raise UserError(
                _("Broadcast {id} is not running ({status}).").format(
                    id=broadcast_id, status=broadcast.status
                )
            )
        await self._outbox.skip_open(broadcast_id)
        self._engine.forget(broadcast_id)
        await self._engine.report(broadcast_id)
        return await self.get(broadcast_id)

    async def cancel(self, broadcast_id: int) -> BroadcastRecord:
        """Cancel a planned broadcast before it starts."""
        broadcast = await self.get(broadcast_id)
        if not await self._outbox.set_status(
            broadcast_id, (BroadcastStatus.PLANNED,), BroadcastStatus.CANCELLED,
            finished_at=utcnow(),
        ):
            raise UserError(
                _("Broadcast {id} is not planned ({status}); stop a running one instead.").format(
                    id=broadcast_id, status=broadcast.status
                )
            )
        await self._outbox.skip_open(broadcast_id)
        return await self.get(broadcast_id)

    async def failures_csv(self, broadcast_id: int) -> bytes:
        """Who could not be reached and why: member numbers only, no other personal data."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["member", "chat", "platform", "state", "attempts", "error"])
        for row in await self._outbox.failures(broadcast_id):
            writer.writerow(
                [
                    row.member_id or "",
                    row.chat or "",
                    row.platform or "",
                    row.state,
                    row.attempts,
                    row.error or "",
                ]
            )
        return buffer.getvalue().encode("utf-8-sig")

    # -- AVG/GDPR ------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        return {
            **await self.choices.export(member_id),
            "broadcasts_received": await self._outbox.received_by(member_id),
        }

    async def erase(self, member_id: int) -> None:
        await self.choices.erase(member_id)
        await self._outbox.forget_member(member_id)


__all__ = ["BroadcastService", "RecipientState"]
