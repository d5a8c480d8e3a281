"""The router: one neutral event in, neutral replies out.

It applies the rules every platform shares: flood control, the caller's role and
language, argument checking, conversations, and turning every failure into a short
message in the caller's language. Nothing it returns is ever a traceback.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable
from typing import Any

from bot.core.arguments import check_typed, parse_text
from bot.core.commands import Command, Registry, Replies, as_list, continue_privately
from bot.core.context import Context
from bot.core.conversation import ACTION_PREFIX, Conversations
from bot.core.delivery import Delivery, Outbound
from bot.core.directory import MemberDirectory
from bot.core.errors import UserError
from bot.core.i18n import N_, _, set_language
from bot.core.metrics import ANSWER_SECONDS, UPDATES
from bot.core.ratelimit import RateLimiter, Verdict
from bot.core.types import (
    ButtonPress,
    Caller,
    CommandCall,
    FileUpload,
    Incoming,
    Reply,
    Role,
    TextMessage,
)

log = logging.getLogger(__name__)

ROLE_NAMES = {
    Role.GUEST: N_("everyone"),
    Role.MEMBER: N_("registered members"),
    Role.OPJUTTER: N_("opjutters"),
    Role.ORGANIZER: N_("organizers"),
    Role.ADMIN: N_("admins"),
}


def looks_binary(text: str) -> bool:
    """Control characters other than line breaks and tabs, or a lone surrogate (no text
    can be stored with one: PostgreSQL refuses it), mean this is not a typed message."""
    return (
        any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\r\t" for ch in text)
        or "\ufffd" in text
    )


def _no_commits() -> int:
    return 0


def failure_reply(changed: bool) -> Reply:
    """The answer when a handler fails: honest about whether something was saved first."""
    if changed:
        return Reply(
            _(
                "Something went wrong on our side while finishing this. Part of it may "
                "already be saved: please check before you try again."
            )
        )
    return Reply(
        _("Something went wrong on our side. Nothing was changed; please try again later.")
    )


class Router:
    def __init__(
        self,
        registry: Registry,
        directory: MemberDirectory,
        conversations: Conversations,
        limiter: RateLimiter,
        delivery: Delivery,
        *,
        max_length: int = 2000,
        commits: Callable[[], int] = _no_commits,
    ) -> None:
        """``commits`` counts the database commits of the current task, so that a failure
        after a write is never answered with "nothing was changed"."""
        self.registry = registry
        self._directory = directory
        self._conversations = conversations
        self._limiter = limiter
        self._delivery = delivery
        self._max_length = max_length
        self._commits = commits
        self._metrics: dict[str, tuple[Any, Any]] = {}

    async def handle(self, event: Incoming) -> list[Reply]:
        """Handle one event from any adapter and return what to answer in that chat.

        Counted per platform for ``/metrics``, with the time it took: the answer path."""
        platform = event.identity.platform
        counted = self._metrics.get(platform)
        if counted is None:  # the labelled series, looked up once per platform (hot path)
            counted = self._metrics[platform] = (UPDATES.labels(platform), ANSWER_SECONDS.labels(platform))
        updates, answer_seconds = counted
        updates.inc()
        started = time.perf_counter()
        try:
            return await self._handle(event)
        finally:
            answer_seconds.observe(time.perf_counter() - started)

    async def _handle(self, event: Incoming) -> list[Reply]:
        verdict = self._limiter.check(event.identity.key)
        if verdict is Verdict.DROP:
            return []
        try:
            caller = await self._directory.caller(event.identity)
        except Exception:
            log.exception("could not resolve %s", event.identity.key)
            set_language(event.identity.language_hint)
            return [failure_reply(changed=False)]
        set_language(caller.language)
        if verdict is Verdict.WARN:
            return [Reply(_("You are sending messages very quickly. Please slow down a little."))]
        before = self._commits()
        try:
            return await self._dispatch(event, caller)
        except UserError as problem:
            return [Reply(problem.message, refusal=True)]
        except Exception:
            log.exception("handler failed for %s from %s", type(event).__name__, event.identity.key)
            return [failure_reply(changed=self._commits() != before)]

    async def _dispatch(self, event: Incoming, caller: Caller) -> list[Reply]:
        if isinstance(event, CommandCall):
            return await self._command(event, caller, event.name, event.raw_args, event.args)
        if isinstance(event, ButtonPress):
            return await self._button(event, caller)
        if isinstance(event, FileUpload):
            return await self._upload(event, caller)
        if isinstance(event, TextMessage):
            return await self._text(event, caller)
        raise TypeError(f"unknown event {event!r}")

    def _check_text(self, text: str) -> None:
        if looks_binary(text):
            raise UserError(_("I can only read typed text."))
        if len(text) > self._max_length:
            raise UserError(
                _("That message is too long (at most {count} characters).").format(
                    count=self._max_length
                )
            )

    async def _text(self, event: TextMessage, caller: Caller) -> list[Reply]:
        text = event.text or ""
        self._check_text(text)
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _sep, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0]
            return await self._command(event, caller, name, rest, None)
        if not event.chat.is_private:
            return []  # chatter in a group is not for the bot, nor an answer to a private question
        ctx = Context(event.identity, event.chat, caller)
        replies = await self._conversations.handle_text(ctx, stripped)
        if replies is not None:
            return replies
        if not stripped:
            return []
        return [Reply(_("I only understand commands. Type /hulp to see what I can do."))]

    async def _command(
        self,
        event: Incoming,
        caller: Caller,
        name: str,
        raw: str | None,
        typed: dict | None,
    ) -> list[Reply]:
        command = self.registry.find(name)
        if command is None:
            return [
                Reply(
                    _("I don't know the command /{name}. Type /hulp for the list.").format(
                        name=name[:32]
                    )
                )
            ]
        if raw is not None:
            self._check_text(raw)
        self._check_role(command, caller)
        if command.personal and not event.chat.is_private:
            return [continue_privately(command.name)]
        args = check_typed(command, typed) if typed is not None else parse_text(command, raw)
        ctx = Context(event.identity, event.chat, caller, args, command)
        return await self._answer(await command.handler(ctx))

    async def _answer(self, result: Replies) -> list[Reply]:
        """The replies for this chat; messages for others go out through the delivery."""
        replies: list[Reply] = []
        others: list[Outbound] = []
        for item in as_list(result):
            if isinstance(item, Reply):
                replies.append(item)
            else:
                others.append(item)
        if others:
            await self._delivery.deliver_all(others)
        return replies

    def _check_role(self, command: Command, caller: Caller) -> None:
        if caller.role >= command.role:
            return
        if command.role is Role.MEMBER:
            raise UserError(_("This is for registered members. Use /registreer to sign up."))
        who = _(ROLE_NAMES[command.role])
        raise UserError(_("Only {who} may use /{name}.").format(who=who, name=command.name))

    async def _button(self, event: ButtonPress, caller: Caller) -> list[Reply]:
        prefix, _sep, rest = event.action.partition(":")
        parts = rest.split(":") if rest else []
        ctx = Context(event.identity, event.chat, caller)
        if prefix == ACTION_PREFIX:
            return await self._conversations.handle_button(ctx, parts)
        action = self.registry.actions.get(prefix)
        if action is None:
            return [Reply(_("This button no longer works."))]
        if caller.role < action.role:
            raise UserError(_("This button is not for you."))
        return await self._answer(await action.handler(ctx, parts))

    async def _upload(self, event: FileUpload, caller: Caller) -> list[Reply]:
        ctx = Context(event.identity, event.chat, caller, upload=event.attachment)
        replies = await self._conversations.handle_file(ctx, event.attachment)
        if replies is not None:
            return replies
        for handler in self.registry.upload_handlers:
            result = await handler(ctx, event.attachment)
            if result is not None:
                return await self._answer(result)
        return [Reply(_("I don't know what to do with this file."))]
