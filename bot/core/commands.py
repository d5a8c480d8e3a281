"""Declaring commands and button actions once, for every platform.

A cog declares a :class:`Command` with a Dutch name, an English alias, descriptions (an
English message id translated through the catalogs), the role it needs and typed
arguments limited to what both Discord and Telegram can express. Adapters read the
:class:`Registry` to build slash commands and command menus; the router uses it to find
handlers.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Union

from bot.core.privacy import PersonalDataHook
from bot.core.types import Attachment, Reply, Role

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.conversation import Flow
    from bot.core.delivery import Outbound
    from bot.core.outbox import Template

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

Answer = Union[Reply, "Outbound"]
"""A handler answers with replies (to this chat) and may tell others (``Outbound``), which
the core delivers once the handler is done."""
Replies = Answer | Sequence[Answer] | None
CommandHandler = Callable[["Context"], Awaitable[Replies]]
ActionHandler = Callable[["Context", list[str]], Awaitable[Replies]]
UploadHandler = Callable[["Context", Attachment], Awaitable[Replies]]
JobHandler = Callable[[dict[str, Any]], Awaitable[Sequence["Outbound"] | None]]


def continue_privately(command_name: str) -> Reply:
    """The answer to a personal command (or button) used in a group: go to a private chat."""
    from bot.core.i18n import _

    return Reply(
        _("That is personal; let's continue in a private chat."),
        private=True,
        continue_privately=command_name,
    )


def as_list(replies: Replies) -> list[Answer]:
    """A handler may return one reply, several, or none; callers want a list."""
    if replies is None:
        return []
    if isinstance(replies, Sequence):
        return list(replies)
    return [replies]


class ArgKind(Enum):
    TEXT = "text"
    INTEGER = "integer"
    CHOICE = "choice"


@dataclass(frozen=True)
class Arg:
    """One argument. ``rest`` makes a text argument take the rest of the line."""

    name: str
    description: str
    kind: ArgKind = ArgKind.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 500
    rest: bool = False
    hidden: bool = False
    """Filled in by links, not by people (a deep-link payload): left out of help and of
    the options a platform shows."""

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"argument name {self.name!r} must be lower-case a-z, 0-9, _")
        if self.kind is ArgKind.CHOICE and not self.choices:
            raise ValueError(f"choice argument {self.name!r} needs choices")


@dataclass(frozen=True)
class Command:
    """A command as every platform shows it: ``/name`` (Dutch) and ``/alias`` (English)."""

    name: str
    alias: str
    description: str
    handler: CommandHandler
    role: Role = Role.MEMBER
    args: tuple[Arg, ...] = ()
    personal: bool = False
    """Runs in the private chat: a personal flow or personal data."""

    def __post_init__(self) -> None:
        for value in (self.name, self.alias):
            if not NAME_PATTERN.match(value):
                raise ValueError(f"command name {value!r} must match {NAME_PATTERN.pattern}")
        seen_optional = False
        for index, arg in enumerate(self.args):
            if arg.rest and index != len(self.args) - 1:
                raise ValueError(f"{self.name}: only the last argument may take the rest")
            if not arg.required:
                seen_optional = True
            elif seen_optional:
                raise ValueError(f"{self.name}: required argument after an optional one")

    @property
    def names(self) -> tuple[str, str]:
        return (self.name, self.alias)


@dataclass(frozen=True)
class Action:
    """A button action: the part of the action string before the first ``:``."""

    prefix: str
    handler: ActionHandler
    role: Role = Role.GUEST


JOB_KIND = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
"""Job kinds are ``<module>.<verb>`` (``surveys.open``): unique across modules by design."""

DemoLoader = Callable[[], Awaitable[list[str]]]
Onboarding = Callable[["Context", int], Awaitable[list[Reply]]]
"""A question for a member who just registered (which topics?); no replies: nothing to ask."""
Purge = Callable[[], Awaitable[int]]
DeepLinkHandler = Callable[["Context", str], Awaitable[Replies]]
"""``/start <prefix>-<rest>`` (a link or a QR code that opens the bot): called with ``rest``."""
DEEP_LINK_PREFIX = re.compile(r"^[a-z]{1,8}$")


@dataclass
class Registry:
    """Everything the modules declared: commands, actions, flows, uploads, jobs, daily
    housekeeping, personal-data hooks and demo content."""

    commands: list[Command] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    upload_handlers: list[UploadHandler] = field(default_factory=list)
    job_handlers: dict[str, JobHandler] = field(default_factory=dict)
    renamed_jobs: dict[str, str] = field(default_factory=dict)
    purges: dict[str, Purge] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    onboarding: list[Onboarding] = field(default_factory=list)
    personal_data: list[PersonalDataHook] = field(default_factory=list)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    deep_links: dict[str, DeepLinkHandler] = field(default_factory=dict)
    _by_name: dict[str, Command] = field(default_factory=dict)

    def command(self, command: Command) -> Command:
        for name in command.names:
            if name in self._by_name and self._by_name[name] is not command:
                raise ValueError(f"command name /{name} is declared twice")
        self.commands.append(command)
        for name in command.names:
            self._by_name[name] = command
        return command

    def add_commands(self, commands: Iterable[Command]) -> None:
        for command in commands:
            self.command(command)

    def action(self, action: Action) -> None:
        if ":" in action.prefix or action.prefix in self.actions:
            raise ValueError(f"action prefix {action.prefix!r} is invalid or declared twice")
        self.actions[action.prefix] = action

    def flow(self, flow: Flow) -> None:
        """A conversation flow; its name is the second part of its buttons (``cv:<name>:…``)."""
        if not flow.name or ":" in flow.name or flow.name in self.flows:
            raise ValueError(f"flow name {flow.name!r} is invalid or registered twice")
        self.flows[flow.name] = flow

    def upload(self, handler: UploadHandler) -> None:
        self.upload_handlers.append(handler)

    def job(self, kind: str, handler: JobHandler) -> None:
        if not JOB_KIND.match(kind) or kind in self.job_handlers:
            raise ValueError(f"job kind {kind!r} is not <module>.<verb> or declared twice")
        self.job_handlers[kind] = handler

    def job_renamed(self, old: str, new: str) -> None:
        """A kind that jobs already stored in a database still carry: run it as ``new``."""
        self.renamed_jobs[old] = new

    def job_handler(self, kind: str) -> JobHandler | None:
        return self.job_handlers.get(self.renamed_jobs.get(kind, kind))

    def housekeeping(self, name: str, purge: Purge) -> None:
        """A daily clean-up (expired codes, abandoned conversations): returns rows removed."""
        if not JOB_KIND.match(name) or name in self.purges:
            raise ValueError(f"housekeeping {name!r} is not <module>.<what> or declared twice")
        self.purges[name] = purge

    def template(self, name: str, render: Template) -> None:
        """A message the outbox can store and render later: ``<module>.<what>``."""
        if not JOB_KIND.match(name) or name in self.templates:
            raise ValueError(f"template {name!r} is not <module>.<what> or declared twice")
        self.templates[name] = render

    def onboard(self, step: Onboarding) -> None:
        """Ask something right after registration (the members module runs these)."""
        self.onboarding.append(step)

    def personal_data_hook(self, hook: PersonalDataHook) -> None:
        if any(known.name == hook.name for known in self.personal_data):
            raise ValueError(f"a personal-data hook named {hook.name!r} is registered twice")
        self.personal_data.append(hook)

    def deep_link(self, prefix: str, handler: DeepLinkHandler) -> None:
        """Links that open the bot with ``/start <prefix>-<rest>`` (Telegram start payloads
        allow letters, digits, ``_`` and ``-``): the check-in QR code uses ``ci-<code>``."""
        if not DEEP_LINK_PREFIX.match(prefix) or prefix in self.deep_links:
            raise ValueError(f"deep link prefix {prefix!r} is invalid or declared twice")
        self.deep_links[prefix] = handler

    def deep_link_for(self, payload: str) -> tuple[DeepLinkHandler, str] | None:
        prefix, dash, rest = payload.partition("-")
        handler = self.deep_links.get(prefix) if dash else None
        return None if handler is None else (handler, rest)

    def demo(self, loader: DemoLoader) -> None:
        self.demo_loaders.append(loader)

    def find(self, name: str) -> Command | None:
        return self._by_name.get(name.lower())

    def visible_to(self, role: Role) -> list[Command]:
        """The commands a caller with ``role`` may use, in declaration order."""
        return [command for command in self.commands if command.role <= role]
