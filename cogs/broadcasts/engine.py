"""The outbox engine: stores every broadcast first, sends it in the background, resumes.

A broadcast is one row per recipient in the database (``storage/models/outbox.py``); the
engine claims due rows in batches, renders each message in the recipient's language (the
template is looked up by name: a closure cannot be stored), sends it through the platform
adapter (one copy per member: the first platform that reaches them, or e-mail when they
chose it or no chat reaches them) and records what happened.

Why not a loop in the handler: a restart in the middle of 10,000 messages must not drop
the rest, and the organizer must see how far it got. After a crash, rows still
``pending`` are sent; rows left ``sending`` go back to ``pending`` when their lease runs
out. A recipient gets a second copy only if their message was sent and its outcome not yet
written at the crash: at most ``Limits.workers`` (8) at any moment.

Interactive replies never wait behind a broadcast: the engine keeps at most a few sends per
platform in flight (``Limits.in_flight``), so the adapters' own rate limiters always have
room for a reply to a member's command.

Several processes share one bot token, and the platform's limit is the token's: before a
broadcast message goes out, the engine takes its slot in the token's shared budget
(``Limits.budgets``, kept in the database: :class:`SharedBudget`), so the processes together
stay under a rate set below the platform's limit. Replies stay outside that budget (they
never wait behind a broadcast); the distance to the platform's limit is their room.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Protocol

from bot.core.clock import utcnow
from bot.core.delivery import Delivery, Editor, Sender, Unreachable, WholeSender
from bot.core.directory import Contact, MemberDirectory
from bot.core.i18n import DEFAULT_LANGUAGE, current_language, language
from bot.core.outbox import Broadcast, Template
from bot.core.types import Chat, Identity, Reply
from cogs.broadcasts import render
from storage.records.outbox import (
    BroadcastCounts,
    BroadcastRecord,
    BroadcastStatus,
    Claimed,
    Delivered,
    NewBroadcast,
    RecipientState,
)
from storage.repositories.outbox import OutboxRepository
from storage.vocabulary import Channel, Topic, known

log = logging.getLogger(__name__)

EMAIL = "email"


class Choices(Protocol):
    """Members' topics and channel (the broadcasts service)."""

    async def subscribers(self, topic: str, among: Iterable[int]) -> set[int]: ...

    async def channels(self, member_ids: Iterable[int]) -> dict[int, str]: ...


class SharedBudget(Protocol):
    """Send slots shared by every process on the database (``storage.repositories.send_budget``)."""

    async def take(self, key: str, cost: float) -> float:
        """Reserve ``cost`` seconds of ``key``'s schedule; the seconds to wait before sending."""
        ...


@dataclass(frozen=True)
class Budget:
    """One platform's share of its bot token's rate limit, for broadcasts of all processes."""

    key: str
    """Names the token without containing it (see :func:`token_budgets`)."""
    per_second: float


def token_budgets(
    tokens: Mapping[str, str | None], per_second: Mapping[str, float]
) -> dict[str, Budget]:
    """A budget for every platform with a token and a rate above 0, keyed by the platform and
    a short hash of the token: processes with the same token share one budget, and the
    token itself is never stored."""
    budgets = {}
    for platform, token in tokens.items():
        rate = per_second.get(platform, 0.0)
        if token and rate > 0:
            digest = hashlib.sha256(token.encode()).hexdigest()[:16]
            budgets[platform] = Budget(f"{platform}:{digest}", rate)
    return budgets


@dataclass(frozen=True)
class Limits:
    """How the engine paces itself; the adapters keep the platforms' own limits."""

    batch_size: int = 200
    """Rows claimed at once (held by their lease; unsent ones are sent after a crash)."""
    in_flight: Mapping[str, int] = field(
        default_factory=lambda: {"telegram": 4, "discord": 4, "console": 8, EMAIL: 4}
    )
    lease: timedelta = timedelta(seconds=60)
    """How long a claimed row is kept from other senders; after a crash, the rows that were
    in flight are sent again once it has run out."""
    workers: int = 8
    """Recipients handled at once (each waits for its platform's ``in_flight`` turn); also
    the most messages sent and not yet recorded, so the most a crash can send twice."""
    max_attempts: int = 5
    retry_base: float = 30.0
    """Seconds before a row that failed for now is tried again, doubling per attempt."""
    idle_poll: float = 1.0
    """Seconds between looks at the database when there is nothing to send."""
    progress_every: float = 5.0
    """Seconds between two edits of a running broadcast's progress message."""
    budgets: Mapping[str, Budget] = field(default_factory=dict)
    """Per platform, the shared send budget its broadcast messages take from (none: only the
    adapter's own limits, which count this process alone)."""
    own_rate: Mapping[str, float] = field(
        default_factory=lambda: {"telegram": 29.0, "discord": 22.0}
    )
    """Messages a second this process takes shared slots for at most: a little under what
    its adapter lets out (Telegram's 30 a second; the Discord adapter's 45 requests, two for
    a first DM), so it never holds slots that its adapter would then send late, bunched
    with other processes' sends. Matters only when a budget is above one process's limit."""

    def claim_size(self) -> int:
        """Rows claimed at once: at most what a quarter of the lease sends at the slowest
        shared budget, so a batch is sent before its lease runs out even when three other
        processes take from the same budget (else another process would send it again)."""
        rates = [budget.per_second for budget in self.budgets.values()]
        if not rates:
            return self.batch_size
        fits = int(min(rates) * self.lease.total_seconds() / 4)
        return max(1, min(self.batch_size, fits))


class Engine:
    def __init__(
        self,
        store: OutboxRepository,
        templates: Mapping[str, Template],
        delivery: Delivery,
        directory: MemberDirectory,
        choices: Choices,
        *,
        limits: Limits | None = None,
        budget: SharedBudget | None = None,
    ) -> None:
        self._store = store
        self._budget = budget
        self._templates = templates
        self._delivery = delivery
        self._directory = directory
        self._choices = choices
        self.limits = limits or Limits()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._gates: dict[str, asyncio.Semaphore] = {}
        self._pacers: dict[str, asyncio.Lock] = {}
        self._paced_until: dict[str, float] = {}
        self._broadcasts: dict[int, BroadcastRecord] = {}
        self._reported: dict[int, tuple[float, int]] = {}
        self._renders: dict[tuple[int, str], list[Reply]] = {}
        self._last_progress = 0.0
        self._last_release = float("-inf")
        self.sent = 0
        """Messages this process sent (all platforms), since it started."""

    # -- storing ---------------------------------------------------------------------------

    async def broadcast(self, spec: Broadcast) -> int:
        """Store a broadcast and wake the engine; members without the topic are left out."""
        return (await self.broadcast_many([spec]))[0]

    async def broadcast_many(self, specs: Sequence[Broadcast]) -> list[int]:
        """Several broadcasts in one transaction (e.g. a round's introductions, one per
        reader), then one wake-up."""
        news = [await self._prepare(spec) for spec in specs]
        ids = await self._store.create_many(news)
        for broadcast_id, new, spec in zip(ids, news, specs, strict=True):
            log.info(
                "broadcast %s %r: %d members, %d chats%s",
                broadcast_id,
                new.title,
                len(new.members),
                len(new.chats),
                f", planned at {spec.planned_at.isoformat()}" if spec.planned_at else "",
            )
        self.wake()
        return ids

    async def _prepare(self, spec: Broadcast) -> NewBroadcast:
        if spec.template not in self._templates:
            raise ValueError(f"no message template {spec.template!r} is registered")
        members = list(dict.fromkeys(spec.members))  # one copy each, in the given order
        if spec.topic is not None and members:
            chosen = await self._choices.subscribers(spec.topic, members)
            members = [member for member in members if member in chosen]
        return NewBroadcast(
            title=spec.title,
            template=spec.template,
            params=spec.params,
            topic=spec.topic,
            created_by=spec.created_by,
            members=tuple(members),
            chats=tuple((chat.platform, chat.chat_id) for chat in spec.chats),
            planned_at=spec.planned_at,
            report_to=(
                (spec.report_to.platform, spec.report_to.chat_id) if spec.report_to else None
            ),
            report_language=current_language() if spec.report_to else None,
        )

    def wake(self) -> None:
        self._wake.set()

    def forget(self, broadcast_id: int) -> None:
        """A broadcast changed state elsewhere (stopped): drop what is cached of it."""
        self._broadcasts.pop(broadcast_id, None)

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Record the messages in flight, give back the rest of the batch, then end; what
        is left waits in the database for the next start."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            try:
                await self._task
            finally:
                self._task = None
                log.info("the outbox stopped; this process sent %d messages", self.sent)

    async def _release_expired(self) -> None:
        """Rows whose sender died (a crash, a killed process) go back to the queue once
        their lease has run out; looked for now and then, not only at start."""
        now = time.monotonic()
        if now - self._last_release < self.limits.lease.total_seconds() / 2:
            return
        self._last_release = now
        released = await self._store.release_expired()
        if released:
            log.warning("%d messages in flight when a sender stopped are sent again", released)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                worked = await self.step()
            except Exception:
                log.exception("an outbox round failed; trying again shortly")
                worked = False
            if not worked and not self._stopping:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.limits.idle_poll)
                except TimeoutError:
                    pass

    async def step(self) -> bool:
        """One round: start planned broadcasts that are due, send one batch, report progress.
        True when there was something to send."""
        await self._release_expired()
        now = utcnow()
        for broadcast_id in await self._store.due_planned(now):
            if await self._store.set_status(
                broadcast_id, (BroadcastStatus.PLANNED,), BroadcastStatus.RUNNING, started_at=now
            ):
                log.info("planned broadcast %s starts", broadcast_id)
        rows = await self._store.claim(self.limits.claim_size(), self.limits.lease)
        if rows:
            await self._send_batch(rows)
            await self._progress(force=False)
        else:
            await self._progress(force=True)  # idle: finish what is done, now
        return bool(rows)

    async def _send_batch(self, rows: list[Claimed]) -> None:
        """Send a claimed batch with a few workers; a worker takes its next recipient only
        once the outcome of the last one is written (group commit: one write covers every
        outcome that came in meanwhile). So at any moment at most ``workers`` messages are
        sent and not yet recorded: after a crash only those recipients get a second copy.
        """
        queue = list(reversed(rows))
        self._renders.clear()  # rendered anew each batch: a template may read changing data
        members = [row.member_id for row in rows if row.member_id is not None]
        contacts = await self._directory.reach(members) if members else {}
        channels = await self._choices.channels(members) if members else {}
        waiting: list[tuple[Delivered, asyncio.Future[None]]] = []
        arrived = asyncio.Event()
        loop = asyncio.get_running_loop()

        async def work() -> None:
            while queue and not self._stopping:
                row = queue.pop()
                outcome = replace(
                    await self._deliver(row, contacts, channels), claim=row.lease_until
                )
                written: asyncio.Future[None] = loop.create_future()
                waiting.append((outcome, written))
                arrived.set()
                await written

        workers = [
            asyncio.ensure_future(work()) for _n in range(min(len(rows), self.limits.workers))
        ]
        try:
            while not all(worker.done() for worker in workers) or waiting:
                if not waiting:
                    arrived.clear()
                    waiter = asyncio.ensure_future(arrived.wait())
                    try:
                        await asyncio.wait(
                            [waiter, *workers], return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        waiter.cancel()
                    continue
                batch, waiting[:] = list(waiting), []
                try:
                    await self._store.record([outcome for outcome, _written in batch])
                finally:
                    for _outcome, written in batch:
                        if not written.done():
                            written.set_result(None)
                await self._progress(force=False)
        finally:
            for worker in workers:
                worker.cancel()
            if queue:  # stopping: what was claimed and not sent goes back, untouched
                await self._store.release([(row.id, row.lease_until) for row in queue])

    # -- one recipient -----------------------------------------------------------------------

    def _gate(self, platform: str) -> asyncio.Semaphore:
        gate = self._gates.get(platform)
        if gate is None:
            size = self.limits.in_flight.get(platform, 4)
            gate = self._gates[platform] = asyncio.Semaphore(size)
        return gate

    async def _broadcast(self, broadcast_id: int) -> BroadcastRecord | None:
        found = self._broadcasts.get(broadcast_id)
        if found is None:
            found = await self._store.get(broadcast_id)
            if found is not None:
                self._broadcasts[broadcast_id] = found
        return found

    async def _rendered(self, broadcast: BroadcastRecord, lang: str) -> list[Reply]:
        """:meth:`render`, once per broadcast and language within a batch (the message is
        the same for every recipient who reads that language)."""
        key = (broadcast.id, lang)
        found = self._renders.get(key)
        if found is None:
            found = self._renders[key] = await self.render(broadcast, lang)
        return found

    async def render(self, broadcast: BroadcastRecord, lang: str) -> list[Reply]:
        """The message as a recipient with ``lang`` gets it (also the organizer's preview)."""
        with language(lang):
            rendered = await self._templates[broadcast.template](dict(broadcast.params))
            replies = [rendered] if isinstance(rendered, Reply) else list(rendered)
            topic = known(Topic, broadcast.topic) if broadcast.topic else None
            if topic is not None and replies:
                last = replies[-1]
                replies[-1] = replace(last, text=f"{last.text}\n\n{render.stop_line(topic)}")
        return replies

    async def _deliver(
        self, row: Claimed, contacts: Mapping[int, Contact], channels: Mapping[int, str]
    ) -> Delivered:
        """Send to one recipient; never raises (every outcome is a Delivered). ``contacts``
        and ``channels`` were looked up for the whole batch at once."""
        broadcast = await self._broadcast(row.broadcast_id)
        if broadcast is None or broadcast.template not in self._templates:
            return Delivered(row.id, RecipientState.FAILED, error="no such broadcast or template")
        try:
            if row.chat is not None:
                return await self._to_chat(row, broadcast, row.chat)
            if row.member_id is not None:
                return await self._to_member(
                    row,
                    broadcast,
                    contacts.get(row.member_id),
                    channels.get(row.member_id, Channel.CHAT),
                )
            return Delivered(row.id, RecipientState.SKIPPED, error="no recipient")
        except Exception as error:  # refused for now (a timeout after the adapter's retries)
            if row.attempts >= self.limits.max_attempts:
                log.warning("broadcast %s: a message failed for good: %r", broadcast.id, error)
                return Delivered(row.id, RecipientState.FAILED, error=repr(error))
            delay = self.limits.retry_base * 2 ** (row.attempts - 1)
            return Delivered(
                row.id,
                RecipientState.PENDING,
                error=repr(error),
                retry_at=utcnow() + timedelta(seconds=delay),
            )

    async def _send(
        self, sender: Sender, chat: Chat, replies: list[Reply], lang: str
    ) -> str | None:
        message_id = None
        async with self._gate(sender.platform):
            await self._pace(sender.platform, len(replies))
            with language(lang):
                if isinstance(sender, WholeSender):
                    message_id = await sender.send_all(chat, replies)
                else:
                    for reply in replies:
                        message_id = await sender.send(chat, reply)
        self.sent += 1
        return message_id

    async def _pace(self, platform: str, messages: int) -> None:
        """Wait for this send's slot in the platform's shared budget, if it has one.

        A slot is taken once the send holds its turn in flight, and one at a time per
        platform, no faster than ``Limits.own_rate``: a send that went out later than its
        slot would bunch with the next processes' sends and overfill a second."""
        budget = self.limits.budgets.get(platform)
        if budget is None or self._budget is None or messages <= 0:
            return
        loop = asyncio.get_running_loop()
        pacer = self._pacers.setdefault(platform, asyncio.Lock())
        async with pacer:
            ahead = self._paced_until.get(platform, 0.0) - loop.time()
            if ahead > 0:
                await asyncio.sleep(ahead)
            wait = await self._budget.take(budget.key, messages / budget.per_second)
            if wait > 0:
                await asyncio.sleep(wait)
            own = self.limits.own_rate.get(platform)
            if own:
                self._paced_until[platform] = loop.time() + messages / own

    async def _to_chat(
        self, row: Claimed, broadcast: BroadcastRecord, target: tuple[str, str]
    ) -> Delivered:
        platform, chat_id = target
        sender = self._delivery.sender(platform)
        if sender is None:
            raise RuntimeError(f"no {platform} adapter is running")
        replies = await self._rendered(broadcast, DEFAULT_LANGUAGE)
        chat = Chat(platform, chat_id, is_private=False)
        message_id = await self._send(sender, chat, replies, DEFAULT_LANGUAGE)
        return Delivered(row.id, RecipientState.SENT, platform=platform, message_id=message_id)

    async def _to_member(
        self, row: Claimed, broadcast: BroadcastRecord, contact: Contact | None, channel: str
    ) -> Delivered:
        if contact is None:  # erased meanwhile
            return Delivered(row.id, RecipientState.SKIPPED, error="no longer a member")
        routes: list[tuple[str, str]] = list(contact.accounts)
        if contact.email is not None:
            if channel == Channel.EMAIL:
                routes.insert(0, (EMAIL, contact.email))
            else:
                routes.append((EMAIL, contact.email))  # only when no chat reaches them
        replies: list[Reply] | None = None
        missing_adapter = False
        for platform, address in routes:
            sender = self._delivery.sender(platform)
            if sender is None:
                missing_adapter = missing_adapter or platform != EMAIL
                continue
            if replies is None:
                replies = await self._rendered(broadcast, contact.language)
            try:
                message_id = await self._send(
                    sender, Chat(platform, address), replies, contact.language
                )
            except Unreachable:
                log.info("member %s is unreachable on %s", row.member_id, platform)
                if platform != EMAIL:
                    await self._directory.mark_unreachable(platform, address)
                continue
            return Delivered(row.id, RecipientState.SENT, platform=platform, message_id=message_id)
        if missing_adapter:  # the adapter of their platform is not running (yet): later
            raise RuntimeError("no adapter for the member's platform is running")
        return Delivered(row.id, RecipientState.UNREACHABLE, error="no channel reaches the member")

    # -- progress ----------------------------------------------------------------------------

    async def _progress(self, *, force: bool) -> None:
        """Now and then (every ``progress_every`` seconds, or ``force``), edit each running
        broadcast's progress message and finish the ones that are done."""
        now = time.monotonic()
        if not force and now - self._last_progress < self.limits.progress_every:
            return
        self._last_progress = now
        for broadcast_id in await self._store.open_broadcasts():
            counts = await self._store.counts(broadcast_id)
            if counts.open == 0:
                if await self._store.set_status(
                    broadcast_id,
                    (BroadcastStatus.RUNNING,),
                    BroadcastStatus.DONE,
                    finished_at=utcnow(),
                ):
                    self._broadcasts.pop(broadcast_id, None)
                    await self.report(broadcast_id, counts=counts)
                    self._reported.pop(broadcast_id, None)
                continue
            last = self._reported.get(broadcast_id)
            if last is None or now - last[0] >= self.limits.progress_every:
                done = counts.total - counts.open
                rate = None
                if last is not None and now > last[0]:
                    rate = (done - last[1]) / (now - last[0])
                self._reported[broadcast_id] = (now, done)
                await self.report(broadcast_id, counts=counts, rate=rate)

    async def report(
        self,
        broadcast_id: int,
        *,
        counts: BroadcastCounts | None = None,
        rate: float | None = None,
    ) -> None:
        """Show where a broadcast stands in its report chat: edited in place where the
        platform can, else as a new message."""
        broadcast = await self._store.get(broadcast_id)
        if broadcast is None or broadcast.report_to is None:
            return
        counts = counts or await self._store.counts(broadcast_id)
        platform, chat_id = broadcast.report_to
        sender = self._delivery.sender(platform)
        if sender is None:
            return
        chat = Chat(platform, chat_id)
        lang = broadcast.report_language
        if lang is None:
            lang = (await self._directory.caller(Identity(platform, chat_id))).language
        with language(lang):
            reply = render.progress(broadcast, counts, rate)
        try:
            message_id = broadcast.report_message
            if message_id is not None and isinstance(sender, Editor):
                if await sender.edit(chat, message_id, reply):
                    return
            await self._store.set_report_message(broadcast_id, await sender.send(chat, reply))
        except Exception as error:  # a report that cannot be shown must not stop sending
            log.warning("the progress of broadcast %s was not shown: %r", broadcast_id, error)
