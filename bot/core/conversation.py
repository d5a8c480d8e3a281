"""Multi-step conversations as state machines stored in the database.

A flow asks a question, waits for typed text or a button, checks the answer and asks
again or moves on. The step and the answers so far live in ``conversation_states``, so
a restart in the middle continues where the member was, on any platform adapter.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import utcnow
from bot.core.context import Context
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Attachment, Button, Reply

log = logging.getLogger(__name__)

ACTION_PREFIX = "cv"


class StoredState(Protocol):
    """A conversation as the store keeps it."""

    @property
    def flow(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def version(self) -> int: ...


class ConversationStore(Protocol):
    """Where conversations are kept (``storage.repositories.conversations``): the core
    depends on this protocol, the composition root hands in the repository."""

    async def get(self, platform: str, user_id: str) -> StoredState | None: ...

    async def begin(
        self,
        platform: str,
        user_id: str,
        flow: str,
        step: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> str | None: ...

    async def advance(
        self,
        platform: str,
        user_id: str,
        expected_version: int,
        step: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> bool: ...

    async def end(
        self,
        platform: str,
        user_id: str,
        expected_version: int | None = None,
        *,
        scrub: bool = False,
    ) -> bool: ...

    async def scrub(self) -> None: ...

    async def for_accounts(self, accounts: list[tuple[str, str]]) -> list[dict[str, Any]]: ...

    async def erase_for(self, accounts: list[tuple[str, str]]) -> int: ...

    async def purge_expired(self) -> int: ...


@dataclass
class Outcome:
    """What an accepted answer leads to: the next step, or the end (``next_step=None``)."""

    next_step: str | None
    replies: list[Reply] = field(default_factory=list)


class Flow:
    """A conversation; subclasses define the steps.

    ``prompt`` builds the question of a step; ``accept`` checks an answer, stores what
    it needs in ``data`` (JSON-serialisable) and says where to go. Raise
    :class:`InvalidAnswer` to ask again.
    """

    name: str = ""
    first_step: str = ""
    lifetime: timedelta = timedelta(hours=24)
    personal: bool = False
    """The answers held in between are personal (a name, an e-mail address): when the
    conversation ends or is replaced, the database is scrubbed so nothing lingers."""

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        raise NotImplementedError

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        raise NotImplementedError

    async def accept_file(
        self, ctx: Context, step: str, data: dict[str, Any], attachment: Attachment
    ) -> Outcome:
        raise InvalidAnswer(_("Please answer with text or a button, not a file."))

    def button(self, step: str, label: str, value: str) -> Button:
        """A button that answers ``step`` with ``value`` (stale presses are recognised)."""
        return Button(label, f"{ACTION_PREFIX}:{self.name}:{step}:{value}")


class Conversations:
    """Runs flows for accounts; one at a time per account, serialised by a lock.

    The flows are the ones modules registered (``Registry.flow``); every bit of a
    conversation's state is in the store, none here.
    """

    def __init__(self, repository: ConversationStore, flows: Mapping[str, Flow]) -> None:
        self._repository = repository
        self._flows = flows
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, ctx: Context) -> asyncio.Lock:
        key = ctx.identity.key
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def current(self, ctx: Context) -> tuple[str, str] | None:
        """(flow, step) of the caller's live conversation, if any."""
        state = await self._repository.get(ctx.identity.platform, ctx.identity.user_id)
        return (state.flow, state.step) if state else None

    async def start(
        self,
        ctx: Context,
        flow_name: str,
        data: dict[str, Any] | None = None,
        step: str | None = None,
    ) -> list[Reply]:
        """Begin a flow (replacing any other) and ask its first question."""
        flow = self._flows[flow_name]
        first = step or flow.first_step
        payload = dict(data or {})
        async with self._lock(ctx):
            replaced = await self._repository.begin(
                ctx.identity.platform,
                ctx.identity.user_id,
                flow.name,
                first,
                payload,
                utcnow() + flow.lifetime,
            )
            if replaced is not None and self._is_personal(replaced):
                await self._repository.scrub()
            return [await flow.prompt(ctx, first, payload)]

    async def resume(self, ctx: Context) -> list[Reply] | None:
        """Ask the current question again (after a restart or a /start)."""
        state = await self._repository.get(ctx.identity.platform, ctx.identity.user_id)
        if state is None or state.flow not in self._flows:
            return None
        return [await self._flows[state.flow].prompt(ctx, state.step, dict(state.data))]

    async def cancel(self, ctx: Context) -> bool:
        async with self._lock(ctx):
            state = await self._repository.get(ctx.identity.platform, ctx.identity.user_id)
            # An expired row (state None) may still hold what a flow collected: scrub then too.
            personal = state is None or self._is_personal(state.flow)
            return await self._repository.end(
                ctx.identity.platform, ctx.identity.user_id, scrub=personal
            )

    def _is_personal(self, flow_name: str) -> bool:
        flow = self._flows.get(flow_name)
        return flow is not None and flow.personal

    async def handle_text(self, ctx: Context, text: str) -> list[Reply] | None:
        """Feed typed text to the caller's conversation; None when there is none."""
        return await self._answer(ctx, None, None, text, None)

    async def handle_file(self, ctx: Context, attachment: Attachment) -> list[Reply] | None:
        return await self._answer(ctx, None, None, None, attachment)

    async def handle_button(self, ctx: Context, parts: list[str]) -> list[Reply]:
        """A conversation button: ``cv:<flow>:<step>:<value>``."""
        if len(parts) < 3:
            raise UserError(_("This button no longer works."))
        flow_name, step, value = parts[0], parts[1], ":".join(parts[2:])
        replies = await self._answer(ctx, flow_name, step, value, None)
        if replies is None:
            raise UserError(_("This button belongs to a conversation that has ended."))
        return replies

    async def _answer(
        self,
        ctx: Context,
        flow_name: str | None,
        step_name: str | None,
        text: str | None,
        attachment: Attachment | None,
    ) -> list[Reply] | None:
        platform, user_id = ctx.identity.platform, ctx.identity.user_id
        async with self._lock(ctx):
            state = await self._repository.get(platform, user_id)
            if state is None or state.flow not in self._flows:
                return None
            if flow_name is not None and (state.flow != flow_name or state.step != step_name):
                raise UserError(_("This button is from an earlier question; it no longer works."))
            flow = self._flows[state.flow]
            data = dict(state.data)
            try:
                if attachment is not None:
                    outcome = await flow.accept_file(ctx, state.step, data, attachment)
                else:
                    outcome = await flow.accept(ctx, state.step, data, text or "")
            except InvalidAnswer as problem:
                again = await flow.prompt(ctx, state.step, dict(state.data))
                return [Reply(problem.message, refusal=True), again]
            if outcome.next_step is None:
                await self._repository.end(platform, user_id, state.version, scrub=flow.personal)
                return list(outcome.replies)
            moved = await self._repository.advance(
                platform,
                user_id,
                state.version,
                outcome.next_step,
                data,
                utcnow() + flow.lifetime,
            )
            if not moved:
                raise UserError(_("That was already answered."))
            return [*outcome.replies, await flow.prompt(ctx, outcome.next_step, data)]


AccountsOf = Callable[[int], Awaitable[list[tuple[str, str]]]]


class ConversationData:
    """The personal-data hook of conversations: what a member's accounts are answering now.

    A registration in progress holds a name and an e-mail address; the members module
    does not reach into this table, so conversations export and erase their own data.
    """

    name = "conversations"
    final = False

    def __init__(self, store: ConversationStore, accounts_of: AccountsOf) -> None:
        self._store = store
        self._accounts_of = accounts_of

    async def export(self, member_id: int) -> dict[str, Any]:
        return {"in_progress": await self._store.for_accounts(await self._accounts_of(member_id))}

    async def erase(self, member_id: int) -> None:
        await self._store.erase_for(await self._accounts_of(member_id))
