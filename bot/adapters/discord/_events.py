"""Events mirrored as Discord scheduled events: the Discord half of the core's ``EventMirror``.

The bot's own list stays the truth; the scheduled event in the configured server
(``DiscordOptions.guild_id``) is a copy for members who look in Discord's own calendar.
Every copy is an *external* event (a place or a link, not a voice channel) seen by the
server's members only (privacy level ``guild_only``).

What is checked before anything is sent, so Discord never has to refuse it:

- the name is 1-100 characters, the description at most 1000 and the location 1-100
  (Discord counts code points, as ``len`` does): longer texts are shortened with "…";
  an empty title becomes ``#<event id>``, an empty location "—" (Discord requires one for
  an external event), an empty description is left out (cleared on an edit);
- the end comes after the start: otherwise nothing is sent and ``ValueError`` says so;
- the start lies in the future (see *Started events* below).

**Started events.** Discord refuses a start in the past (``GUILD_SCHEDULED_EVENT_SCHEDULE_PAST``)
and any start time on an event that is running, changed or not. So an event whose start
has passed (or lies within :data:`STARTED_MARGIN`, the time a request may take) is never
created: it is skipped with a log line (a calendar entry for something already under way
helps nobody and Discord would refuse it). A copy that exists is still edited, but only
its description and its end (when that end still lies ahead): what a member needs to know
once it has begun is what it is about and until when it runs; its name, place and start
stay as they were. The same holds when someone started the copy in Discord (status
*active*).

**Cancelling.** Discord only lets a *scheduled* event be cancelled. A copy that is
running or completed is left as it is (it happened, or is happening, in Discord's eyes);
one that is already cancelled or gone needs nothing.

**Copies Discord no longer has or no longer accepts changes to.** A copy deleted in
Discord (404, code 10070 "Unknown Guild Scheduled Event") is created anew when the event
still lies ahead, and its new id is returned; otherwise there is nothing to return
(None). A copy that is completed or cancelled in Discord cannot be changed any more
(Discord: "Cannot update a finished event"); while the bot's event still lies ahead it
gets a new copy (someone cancelling the copy by hand does not cancel the event: the bot's
list is the truth), and otherwise the old id stays.

Every call here is made by the bot on its own, so it runs inside
:func:`bot.adapters._window.unasked`: answers to members go first. Errors Discord gives
(a 5xx after discord.py's own retries, a refusal) are raised: the events module logs them
and tries again on the next change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord.utils import MISSING

from bot.adapters._text import shorten
from bot.adapters._window import unasked
from bot.core.clock import utcnow
from bot.core.mirror import MirroredEvent

log = logging.getLogger(__name__)

MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_LOCATION = 100
STARTED_MARGIN = timedelta(minutes=1)
"""An event that starts within this counts as started: the request must reach Discord
while the start still lies ahead."""
UNKNOWN_SCHEDULED_EVENT = 10070
NO_LOCATION = "—"


class MirrorUnavailable(RuntimeError):
    """Events cannot be mirrored with this configuration: no server configured, the bot
    not in it (or not connected yet), or not allowed to manage its events."""


@dataclass(frozen=True, slots=True)
class EventFields:
    """What a scheduled event shows, within Discord's limits."""

    name: str
    description: str | None
    location: str
    starts_at: datetime
    ends_at: datetime


def _utc(moment: datetime) -> datetime:
    """Aware UTC (a naive moment is taken as UTC, as the bot stores time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _one_line(text: str) -> str:
    """Lines joined with ", " and runs of spaces made one (a name and a place are one line)."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return ", ".join(line for line in lines if line)


def event_fields(event: MirroredEvent) -> EventFields:
    """``event`` as Discord accepts it; ``ValueError`` when it does not end after it starts."""
    starts_at, ends_at = _utc(event.starts_at), _utc(event.ends_at)
    if ends_at <= starts_at:
        raise ValueError(
            f"event {event.event_id} does not end after it starts "
            f"({starts_at.isoformat()} - {ends_at.isoformat()}); Discord would refuse it"
        )
    return EventFields(
        name=shorten(_one_line(event.title) or f"#{event.event_id}", MAX_NAME),
        description=shorten(event.description.strip(), MAX_DESCRIPTION) or None,
        location=shorten(_one_line(event.location) or NO_LOCATION, MAX_LOCATION),
        starts_at=starts_at,
        ends_at=ends_at,
    )


def _gone(error: discord.NotFound) -> bool:
    return error.code == UNKNOWN_SCHEDULED_EVENT


class ScheduledEvents:
    """Creates, edits and cancels the copies in one server, through discord.py 2's
    ``Guild.create_scheduled_event``, ``Guild.fetch_scheduled_event`` and
    ``ScheduledEvent.edit``. ``client`` gives the connected client (it raises when the
    adapter is not started)."""

    def __init__(self, client: Callable[[], discord.Client], guild_id: int | None) -> None:
        self._client = client
        self.guild_id = guild_id

    def _guild(self) -> discord.Guild:
        if self.guild_id is None:
            raise MirrorUnavailable(
                "Discord scheduled events need a server: set DISCORD_GUILD_ID "
                "(events are not mirrored without it)"
            )
        guild = self._client().get_guild(self.guild_id)
        if guild is None:
            raise MirrorUnavailable(
                f"the bot is not (yet) connected to Discord server {self.guild_id} "
                "(DISCORD_GUILD_ID): events are not mirrored"
            )
        return guild

    def _forbidden(self, error: discord.Forbidden) -> MirrorUnavailable:
        return MirrorUnavailable(
            f"Discord refused to manage scheduled events in server {self.guild_id}: give "
            f"the bot the Manage Events permission there ({error.text or error.status})"
        )

    async def mirror(self, event: MirroredEvent, mirror_id: str | None) -> str | None:
        """Create or update the copy of ``event``; the id to keep (None: no copy)."""
        guild = self._guild()
        if event.cancelled:
            if mirror_id is not None:
                await self.cancel(mirror_id)
            return mirror_id
        fields = event_fields(event)
        reason = f"Werkbot event {event.event_id}"
        try:
            with unasked():
                current = await self._fetch(guild, mirror_id)
                if current is not None and current.status in (
                    discord.EventStatus.scheduled,
                    discord.EventStatus.active,
                ):
                    if await self._update(current, fields, reason):
                        return str(current.id)
                    current = None  # deleted between reading and editing it
                started = fields.starts_at <= utcnow() + STARTED_MARGIN
                if started:
                    if current is None:
                        log.info(
                            "event %s has started (%s): no Discord scheduled event is created",
                            event.event_id,
                            fields.starts_at.isoformat(),
                        )
                        return None
                    log.info(
                        "event %s has started; its Discord scheduled event %s is %s and stays",
                        event.event_id,
                        mirror_id,
                        current.status.name,
                    )
                    return mirror_id
                created = await guild.create_scheduled_event(
                    name=fields.name,
                    description=fields.description or MISSING,
                    start_time=fields.starts_at,
                    end_time=fields.ends_at,
                    entity_type=discord.EntityType.external,
                    privacy_level=discord.PrivacyLevel.guild_only,
                    location=fields.location,
                    reason=reason,
                )
        except discord.Forbidden as error:
            raise self._forbidden(error) from error
        if mirror_id is not None:
            log.info(
                "event %s: Discord scheduled event %s was replaced by %s",
                event.event_id,
                mirror_id,
                created.id,
            )
        return str(created.id)

    async def cancel(self, mirror_id: str) -> None:
        """Mark the copy cancelled; a running, completed, cancelled or missing one is left."""
        guild = self._guild()
        try:
            with unasked():
                current = await self._fetch(guild, mirror_id)
                if current is None:
                    return
                if current.status is not discord.EventStatus.scheduled:
                    log.info(
                        "Discord scheduled event %s is %s: not cancelled (Discord only "
                        "cancels a scheduled event)",
                        mirror_id,
                        current.status.name,
                    )
                    return
                try:
                    await current.cancel(reason="Werkbot: the event was cancelled")
                except discord.NotFound as error:
                    if not _gone(error):
                        raise
                    log.info("Discord scheduled event %s is gone: nothing to cancel", mirror_id)
        except discord.Forbidden as error:
            raise self._forbidden(error) from error

    async def _fetch(
        self, guild: discord.Guild, mirror_id: str | None
    ) -> discord.ScheduledEvent | None:
        """The copy as Discord has it now; None when there is none (any more)."""
        if mirror_id is None:
            return None
        if not mirror_id.isdigit():
            log.warning("%r is not a Discord scheduled event id: ignored", mirror_id)
            return None
        try:
            return await guild.fetch_scheduled_event(int(mirror_id), with_counts=False)
        except discord.NotFound as error:
            if not _gone(error):
                raise
            log.info("Discord scheduled event %s is gone (deleted in Discord)", mirror_id)
            return None

    async def _update(
        self, current: discord.ScheduledEvent, fields: EventFields, reason: str
    ) -> bool:
        """Edit a scheduled or running copy; False when Discord no longer has it."""
        now = utcnow()
        # Discord clears a description sent as null; discord.py sends what it is given.
        description: Any = fields.description
        changes: dict[str, Any]
        running = current.status is discord.EventStatus.active
        if not running and fields.starts_at > now + STARTED_MARGIN:
            changes = {
                "name": fields.name,
                "description": description,
                "start_time": fields.starts_at,
                "end_time": fields.ends_at,
                "entity_type": discord.EntityType.external,
                "privacy_level": discord.PrivacyLevel.guild_only,
                "location": fields.location,
            }
        else:
            # Started: Discord refuses any start time now; only what it is about and
            # until when it runs are changed.
            changes = {"description": description}
            if fields.ends_at > max(now, current.start_time):
                changes["end_time"] = fields.ends_at
        try:
            await current.edit(**changes, reason=reason)
        except discord.NotFound as error:
            if not _gone(error):
                raise
            log.info("Discord scheduled event %s is gone (deleted in Discord)", current.id)
            return False
        return True
