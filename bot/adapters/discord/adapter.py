"""The Discord adapter: discord.py 2.x on the shared event loop, slash commands and buttons.

It translates and nothing more: an interaction or a direct message becomes a neutral
event, the router answers, and the replies become Discord messages. Every interaction is
acknowledged within Discord's 3-second deadline: a quick answer is the response itself;
a slow one is deferred first and followed up when the router is done.

A message sent on its own (:meth:`DiscordAdapter.send`, e.g. an announcement) to an
announcement channel is also published to the servers that follow that channel: that is
what an announcement channel is for, and Discord does not do it by itself for bots.

The adapter is also the core's ``EventMirror``: events become scheduled events in the
configured server (:mod:`bot.adapters.discord._events` says what is sent when).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.adapters._window import WindowLimiter, unasked
from bot.adapters.discord._commands import SyncState, commands_payload, payload_hash
from bot.adapters.discord._endpoints import (
    DEFAULT_API_BASE_URL,
    DEFAULT_GATEWAY_URL,
    apply_endpoints,
)
from bot.adapters.discord._events import ScheduledEvents
from bot.adapters.discord._views import (
    ANSWER_ID,
    ActionButton,
    AnswerButton,
    build_view,
    contents,
    modal_value,
)
from bot.core.adapter import PlatformStartError
from bot.core.cache import BoundedCache
from bot.core.commands import Registry
from bot.core.delivery import Unreachable
from bot.core.i18n import _, language
from bot.core.metrics import RATE_LIMITED, REPLIES
from bot.core.mirror import MirroredEvent
from bot.core.types import (
    Attachment,
    Button,
    ButtonPress,
    Chat,
    CommandCall,
    FileUpload,
    Identity,
    Incoming,
    Reply,
    TextMessage,
    buttons,
)

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_UPLOAD = 5 * 1024 * 1024
CANNOT_DM = 50007  # Discord's error code: cannot send messages to this user

Handle = Callable[[Incoming], Awaitable[list[Reply]]]
MarkUnreachable = Callable[[str, str], Awaitable[None]]


@dataclass(frozen=True)
class DiscordOptions:
    """What the adapter needs, as plain values: the composition root (``bot.platforms``)
    fills them from the settings, so the adapter never reads settings itself.

    No role ids: a member's Discord roles travel in :attr:`Identity.platform_roles` and
    the core's role policy decides what they mean.
    """

    token: str
    data_dir: Path = Path("data")
    guild_id: int | None = None
    events: bool = False
    """Mirror events as scheduled events in ``guild_id``: the composition root then
    attaches the adapter to the core's ``Mirrors`` (``bot.platforms.event_mirror``)."""
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    defer_after: float = 1.5
    """Seconds to wait for the router before deferring (Discord's deadline is 3 s)."""
    guild_ready_timeout: float = 2.0
    ready_timeout: float = 60.0
    stop_timeout: float = 10.0
    follow_up_attempts: int = 3
    remembered_users: int = 10_000
    """Users whose DM channel and locale are kept (least recently seen go first)."""
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None
    """The shards this process runs, of how many (``DISCORD_SHARD_IDS``/``DISCORD_SHARD_COUNT``):
    several processes split a large bot's gateway between them. None: as Discord advises."""
    receive: bool = True
    """False in a worker process: it logs in for REST (sending) without a gateway."""
    global_rate: float = 45.0
    """REST requests a second at most (Discord's global limit is 50; interaction responses
    do not count). discord.py keeps the per-route buckets but only reacts to a global 429;
    this keeps a broadcast from causing one."""


def intents() -> discord.Intents:
    """Only what the bot uses: guilds (roles, channels) and direct messages.

    Slash commands and buttons need no intent; message content is not needed because
    typed answers come in direct messages, where Discord always includes the content.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    return wanted


def global_window(rate: float) -> aiohttp.TraceConfig:
    """Every REST request waits for a place in one sliding window of ``rate`` a second,
    right before it goes out (an aiohttp trace hook, so also the retries discord.py makes
    after waiting for a route's bucket). Interaction responses and follow-ups (webhook
    endpoints) do not count towards Discord's global limit and never wait here.

    The same hooks count the 429 answers for ``/metrics``: discord.py waits and retries
    them itself, so this is the one place that sees each of them."""
    window = WindowLimiter(rate, 1.0)
    trace = aiohttp.TraceConfig()

    async def wait_for_window(
        _session: aiohttp.ClientSession,
        _context: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        path = params.url.path
        if "/interactions/" in path or "/webhooks/" in path:
            return
        async with window:
            return

    async def count_rate_limited(
        _session: aiohttp.ClientSession,
        _context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if params.response.status == 429:
            RATE_LIMITED.labels(PLATFORM).inc()

    trace.on_request_start.append(wait_for_window)
    trace.on_request_end.append(count_rate_limited)
    return trace


class WerkbotClient(discord.AutoShardedClient):
    """An auto-sharded client: one shard for a small server, as many as Discord advises."""

    def __init__(self, adapter: DiscordAdapter, options: DiscordOptions) -> None:
        # Werkbot never joins voice: the "PyNaCl is not installed" warnings are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(),
            guild_ready_timeout=options.guild_ready_timeout,
            allowed_mentions=discord.AllowedMentions.none(),
            enable_debug_events=False,
            http_trace=global_window(options.global_rate),
            **_shards(options),
        )
        self.adapter = adapter

    async def setup_hook(self) -> None:
        """Persistent buttons first, so presses on old messages work from the first event."""
        self.add_dynamic_items(ActionButton, AnswerButton)
        await self.adapter.sync_commands()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)


def _shards(options: DiscordOptions) -> dict[str, Any]:
    """The client's shard arguments: only those set (discord.py wants no None)."""
    chosen: dict[str, Any] = {}
    if options.shard_ids is not None:
        chosen["shard_ids"] = list(options.shard_ids)
    if options.shard_count is not None:
        chosen["shard_count"] = options.shard_count
    return chosen


def _file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename or "file")


class DiscordAdapter:
    platform = PLATFORM

    def __init__(
        self,
        handle: Handle,
        registry: Registry,
        options: DiscordOptions,
        *,
        on_unreachable: MarkUnreachable | None = None,
    ) -> None:
        self._handle = handle
        self._registry = registry
        self.options = options
        self._on_unreachable = on_unreachable
        self._client: WerkbotClient | None = None
        self._runner: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._publishing: set[asyncio.Task[None]] = set()
        """Messages being published to following servers (see :meth:`_publish_later`)."""
        self._announcement_channels: BoundedCache[int, bool] = BoundedCache(1_000)
        """Whether a channel the cache did not know is an announcement channel (fetched once)."""
        # Per-user memories, bounded: a bot that runs for months meets more users than it
        # should hold in memory, and losing an entry only costs one REST call (a DM
        # channel is opened again) or one message in the default language (a locale).
        self._dm_channels: BoundedCache[str, int] = BoundedCache(options.remembered_users)
        """DM channel id per user, so a direct message does not open the channel again."""
        self._locales: BoundedCache[str, str] = BoundedCache(options.remembered_users)
        """Last interaction locale per user: the language hint for their direct messages."""
        self.synced: bool = False
        self._scheduled_events = ScheduledEvents(lambda: self.client, options.guild_id)

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def client(self) -> WerkbotClient:
        if self._client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self._client

    async def start(self) -> None:
        """Log in, sync commands if they changed, connect; return once the gateway is ready."""
        self._client = WerkbotClient(self, self.options)
        apply_endpoints(self._client.http, self.options.api_base_url, self.options.gateway_url)
        if not self.options.receive:
            try:
                await self._client.login(self.options.token)  # REST only: no gateway, no events
            except discord.LoginFailure as refused:
                await self._client.close()
                raise PlatformStartError("DISCORD_TOKEN", f"DISCORD_TOKEN was refused by Discord: {refused}") from None
            log.info("Discord sends only (worker): another process receives")
            return
        self._runner = asyncio.create_task(self._client.start(self.options.token), name="discord")
        ready = asyncio.create_task(self._client.wait_until_ready())
        done, _pending = await asyncio.wait(
            {self._runner, ready},
            timeout=self.options.ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if self._runner in done:
            ready.cancel()
            error = self._runner.exception()
            await self._client.close()
            if isinstance(error, discord.LoginFailure):
                raise PlatformStartError(
                    "DISCORD_TOKEN", f"DISCORD_TOKEN was refused by Discord: {error}"
                ) from None
            raise RuntimeError(f"Discord client stopped while starting: {error!r}") from error
        if ready not in done:
            ready.cancel()
            log.warning(
                "Discord gateway not ready after %.0f s; still trying in the background",
                self.options.ready_timeout,
            )

    @property
    def connected(self) -> bool:
        """Every gateway shard of this process is connected and ready (a worker that only
        sends: logged in, not closed). Read by ``/healthz``."""
        client = self._client
        if client is None or client.is_closed():
            return False
        if not self.options.receive:
            return True
        return client.is_ready() and not any(s.is_closed() for s in client.shards.values())

    async def stop(self) -> None:
        """Let in-flight interactions finish (bounded), then close the connection."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=self.options.stop_timeout)
        if self._publishing:
            await asyncio.wait(set(self._publishing), timeout=self.options.stop_timeout)
            for task in [task for task in self._publishing if not task.done()]:
                # e.g. waiting out Discord's limit of 10 publications an hour
                log.warning("stopping: a message was not published to following servers")
                task.cancel()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._runner, timeout=self.options.stop_timeout)
        self._client = None
        self._runner = None

    async def sync_commands(self) -> None:
        """Sync the slash commands to the guild (development) or globally, only on change."""
        client = self.client
        application_id = client.application_id
        if application_id is None:
            log.warning("no Discord application id: slash commands not synced")
            return
        payload = commands_payload(self._registry)
        guild_id = self.options.guild_id
        target = f"{application_id}:guild:{guild_id}" if guild_id else f"{application_id}:global"
        digest = payload_hash(payload, target)
        state = SyncState(self.options.data_dir / "discord-commands.sha256")
        if state.unchanged(digest):
            log.info("Discord slash commands unchanged; not synced")
            return
        try:
            if guild_id:
                await client.http.bulk_upsert_guild_commands(application_id, guild_id, payload)
            else:
                await client.http.bulk_upsert_global_commands(application_id, payload)
        except discord.HTTPException as error:
            log.warning("Discord command sync failed (%s); keeping the old commands", error)
            return
        state.remember(digest)
        self.synced = True
        log.info("synced %d Discord slash commands (%s)", len(payload), target)

    # -- incoming ----------------------------------------------------------------------

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    def _identity(self, user: discord.abc.User, locale: str | None) -> Identity:
        if locale:
            self._locales.put(str(user.id), locale)
        else:
            locale = self._locales.get(str(user.id))
        roles: frozenset[str] = frozenset()
        if isinstance(user, discord.Member):
            roles = frozenset(str(role.id) for role in user.roles if not role.is_default())
        return Identity(
            PLATFORM,
            str(user.id),
            display_name=user.display_name,
            language_hint=locale,
            platform_roles=roles,
        )

    @staticmethod
    def _chat(interaction: discord.Interaction) -> Chat:
        if interaction.guild_id is None or interaction.channel_id is None:
            return Chat(PLATFORM, str(interaction.user.id), is_private=True)
        return Chat(PLATFORM, str(interaction.channel_id), is_private=False)

    async def _route(self, event: Incoming) -> list[Reply]:
        try:
            return await self._handle(event)
        except Exception:  # the router never raises; this is a last guard
            log.exception("router failed for a Discord event")
            return [
                Reply(
                    _(
                        "Something went wrong on our side. Nothing was changed; please try again later."
                    )
                )
            ]

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Slash commands and modal submissions; buttons arrive through ``on_button``."""
        self._track()
        identity = self._identity(interaction.user, interaction.locale.value)
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.type is discord.InteractionType.application_command:
            args = {
                str(option["name"]): option.get("value")
                for option in data.get("options", [])
                if isinstance(option, dict) and "name" in option
            }
            chat = self._chat(interaction)
            event: Incoming = CommandCall(identity, chat, name=str(data.get("name", "")), args=args)
            await self._answer(interaction, event, component=False)
        elif interaction.type is discord.InteractionType.modal_submit:
            if data.get("custom_id") != ANSWER_ID:
                # Not ours (any more): the router answers that it no longer works.
                stale = ButtonPress(
                    identity, self._chat(interaction), action=str(data.get("custom_id", ""))[:64]
                )
                await self._answer(interaction, stale, component=False)
                return
            # A modal is seen by its sender only: its text answers their private question.
            private = Chat(PLATFORM, identity.user_id, is_private=True)
            text = modal_value(data.get("components", [])) or ""
            await self._answer(
                interaction, TextMessage(identity, private, text=text), component=False
            )

    async def on_button(self, interaction: discord.Interaction, action: str) -> None:
        self._track()
        identity = self._identity(interaction.user, interaction.locale.value)
        message = interaction.message
        message_id = str(message.id) if message else None
        chat = self._chat(interaction)
        if message is not None and message.flags.ephemeral:
            # A button on an ephemeral message was seen by the member only: a private chat.
            chat = Chat(PLATFORM, identity.user_id, is_private=True)
        event = ButtonPress(identity, chat, action=action, message_id=message_id)
        await self._answer(interaction, event, component=True)

    async def on_message(self, message: discord.Message) -> None:
        """Typed answers and files in direct messages; chatter in servers is not for us."""
        if message.author.bot or message.guild is not None:
            return
        self._track()
        identity = self._identity(message.author, None)
        chat = Chat(PLATFORM, str(message.author.id), is_private=True)
        self._dm_channels.put(chat.chat_id, message.channel.id)
        events: list[Incoming] = []
        if message.content or not message.attachments:
            events.append(TextMessage(identity, chat, text=message.content))
        for item in message.attachments[:3]:
            if item.size > MAX_UPLOAD:
                with language(identity.language_hint):
                    await self._send_to(
                        message.channel, Reply(_("That file is too large (at most 5 MB)."))
                    )
                continue
            try:
                data = await item.read()
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
                # Deleted before we fetched it, or Discord's CDN failing: not worth an error.
                log.warning("could not fetch %r from Discord: %s", item.filename, error)
                with language(identity.language_hint):
                    text = _("I could not fetch that file from Discord. Please send it again.")
                await self._send_to(message.channel, Reply(text))
                continue
            attachment = Attachment(
                item.filename, data, item.content_type or "application/octet-stream"
            )
            events.append(FileUpload(identity, chat, attachment=attachment))
        for event in events:
            for reply in await self._route(event):
                try:
                    await self._send_to(message.channel, reply)
                except discord.Forbidden:
                    await self._unreachable(identity.user_id)
                    return

    # -- answering interactions --------------------------------------------------------

    async def _answer(
        self, interaction: discord.Interaction, event: Incoming, *, component: bool
    ) -> None:
        """Acknowledge within the deadline, then answer with every reply."""
        work = asyncio.ensure_future(self._route(event))
        done, _pending = await asyncio.wait({work}, timeout=self.options.defer_after)
        deferred = False
        ephemeral_defer = False
        if not done:
            deferred = True
            if component:
                await interaction.response.defer()
            else:
                command = (
                    self._registry.find(event.name) if isinstance(event, CommandCall) else None
                )
                ephemeral_defer = interaction.guild_id is not None and bool(
                    command is None or command.personal
                )
                await interaction.response.defer(ephemeral=ephemeral_defer, thinking=True)
        replies = await work
        moving = interaction.guild_id is not None and any(r.continue_privately for r in replies)
        if moving and not deferred:
            # Opening the direct message takes a few REST calls: acknowledge first.
            deferred = ephemeral_defer = True
            await interaction.response.defer(ephemeral=True, thinking=True)
        replies = await self._continue_privately(interaction, event, replies)
        await self._respond(interaction, event, replies, deferred, ephemeral_defer, component)

    async def _continue_privately(
        self, interaction: discord.Interaction, event: Incoming, replies: list[Reply]
    ) -> list[Reply]:
        """A personal command used in a server continues in a direct message.

        When the member's privacy settings block direct messages, the flow continues in
        the server instead, with ephemeral replies only they see (typed answers through
        a modal), so a member with closed DMs can still register and answer.
        """
        pointer = next((r for r in replies if r.continue_privately), None)
        if pointer is None or pointer.continue_privately is None or interaction.guild_id is None:
            return replies
        target = pointer.continue_privately
        identity = event.identity
        args: dict[str, Any] = {}
        if isinstance(event, CommandCall) and self._registry.find(event.name) is (
            self._registry.find(target)
        ):
            args = dict(event.args or {})
        # The member's private chat: the direct message, or else ephemeral replies (seen by
        # the member only, so just as private).
        private = Chat(PLATFORM, identity.user_id, is_private=True)
        channel: discord.PartialMessageable | None
        try:
            channel = await self._dm_channel(identity.user_id)
        except discord.Forbidden:
            channel = None
        # Routed once, whatever happens next: the command may start a conversation.
        opened = await self._route(CommandCall(identity, private, name=target, args=args))
        if channel is not None:
            sent = 0
            try:
                for reply in opened:
                    await self._send_to(channel, reply)
                    sent += 1
            except discord.Forbidden:
                channel = None
                opened = opened[sent:]
        if channel is None:
            await self._unreachable(identity.user_id)
            # The adapter's own texts follow the Discord client's language (the router's
            # language choice does not reach this task).
            with language(identity.language_hint):
                notice = _(
                    "I cannot send you a direct message: your privacy settings block "
                    "messages from me. So we continue here; only you can see these "
                    "messages. To get messages from me later, allow direct messages from "
                    "members of this server (server menu → Privacy settings)."
                )
            # Never edit the public message that carried the button: always new and private.
            here = [dataclasses.replace(reply, private=True, replace=False) for reply in opened]
            return [Reply(notice, private=True), *here]
        link = f"https://discord.com/channels/@me/{channel.id}"
        with language(identity.language_hint):
            label = _("Open the direct message")
        # The router's "let's continue in a private chat", in the caller's language.
        return [
            Reply(
                pointer.text,
                buttons(Button(label, url=link)),
                private=True,
                markup=pointer.markup,
            )
        ]

    async def _respond(
        self,
        interaction: discord.Interaction,
        event: Incoming,
        replies: list[Reply],
        deferred: bool,
        ephemeral_defer: bool,
        component: bool,
    ) -> None:
        in_server = interaction.guild_id is not None
        # An event routed as private (a modal, an ephemeral message's button) was seen by
        # the member only: every answer to it stays ephemeral, error messages included.
        private_event = event.chat.is_private
        if not replies:
            # Nothing to say (e.g. a flood of presses was dropped): still acknowledge.
            with language(event.identity.language_hint):
                done = _("Done.")
            if not deferred:
                if component:
                    await interaction.response.defer()
                else:
                    await interaction.response.send_message(done, ephemeral=True)
            elif not component:
                await interaction.edit_original_response(content=done)
            return
        first = True
        for index, reply in enumerate(replies):
            ephemeral = in_server and (reply.private or private_event)
            last = index == len(replies) - 1
            # In a server nobody can type an answer to the bot; a modal asks for it.
            answer = ephemeral and last and self._wants_text(reply)
            pieces = contents(reply)
            for number, text in enumerate(pieces):
                final = number == len(pieces) - 1
                view = build_view(reply, answer_button=answer) if final else None
                attachment = reply.attachment if final else None
                await self._send_interaction(
                    interaction,
                    text,
                    view,
                    attachment,
                    ephemeral=ephemeral,
                    replace=component and reply.replace and number == 0,
                    first=first,
                    deferred=deferred,
                    ephemeral_defer=ephemeral_defer,
                    component=component,
                )
                REPLIES.labels(PLATFORM).inc()
                first = False

    @staticmethod
    def _wants_text(reply: Reply) -> bool:
        """Does this private reply wait for typed text? Then a server chat needs a modal."""
        return reply.expects_text and reply.attachment is None

    async def _send_interaction(
        self,
        interaction: discord.Interaction,
        text: str,
        view: discord.ui.View | None,
        attachment: Attachment | None,
        *,
        ephemeral: bool,
        replace: bool,
        first: bool,
        deferred: bool,
        ephemeral_defer: bool,
        component: bool,
    ) -> None:
        """Send one piece of a reply (``text`` from :func:`contents`, never empty) the way
        this interaction allows: its response, an edit, or a follow-up."""

        def extra(file_key: str) -> dict[str, Any]:
            """Fresh keyword arguments per attempt: a sent discord.File is consumed.

            An edit always names its view, None too: otherwise Discord keeps the buttons
            of the message being replaced, and they no longer do anything.
            """
            values: dict[str, Any] = {}
            if view is not None or file_key == "attachments":
                values["view"] = view
            if attachment is not None:
                file = _file(attachment)
                values[file_key] = [file] if file_key == "attachments" else file
            return values

        if first and not deferred:
            if replace:
                await interaction.response.edit_message(content=text, **extra("attachments"))
            else:
                await interaction.response.send_message(text, ephemeral=ephemeral, **extra("file"))
            return
        # A deferred command, or a button deferred ephemerally, shows "thinking…".
        thinking = not component or ephemeral_defer
        if replace or (first and thinking and ephemeral == ephemeral_defer):
            # The message that carried the button, or the "thinking…" placeholder.
            await self._retrying(
                lambda: interaction.edit_original_response(content=text, **extra("attachments"))
            )
            return
        if first and thinking:
            # Deferred with another visibility than this reply needs: drop the placeholder.
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await self._retrying(
            lambda: interaction.followup.send(text, ephemeral=ephemeral, **extra("file"))
        )

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Answer an acknowledged interaction even through a timeout or a Discord fault.

        discord.py already retries 5xx and 429 itself; a timeout or a lost connection is
        retried here, a few times, while the 15-minute interaction token is still valid.
        """
        for attempt in range(self.options.follow_up_attempts):
            try:
                return await call()
            except (
                TimeoutError,
                aiohttp.ClientConnectionError,
                discord.DiscordServerError,
            ) as error:
                if attempt == self.options.follow_up_attempts - 1:
                    raise
                log.warning("Discord follow-up failed (%r); retrying", error)
                await asyncio.sleep(0.5 * (attempt + 1))
        return None

    # -- outgoing ----------------------------------------------------------------------

    async def _dm_channel(self, user_id: str) -> discord.PartialMessageable:
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            data = await self.client.http.start_private_message(int(user_id))
            channel_id = int(data["id"])
            self._dm_channels.put(user_id, channel_id)
        return self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def _send_to(
        self, channel: discord.abc.Messageable, reply: Reply, *, publish: bool = False
    ) -> discord.Message | None:
        """Send every piece of ``reply``; ``publish``: also to the servers that follow
        this announcement channel, each piece as it is sent."""
        pieces = contents(reply)
        sent: discord.Message | None = None
        for number, text in enumerate(pieces):
            final = number == len(pieces) - 1
            kwargs: dict[str, Any] = {}
            if final:
                view = build_view(reply)
                if view is not None:
                    kwargs["view"] = view
                if reply.attachment is not None:
                    kwargs["file"] = _file(reply.attachment)
            sent = await channel.send(text, **kwargs)
            REPLIES.labels(PLATFORM).inc()
            if publish:
                self._publish_later(sent)
        return sent

    async def _is_announcement_channel(self, channel_id: int) -> bool:
        """Is this an announcement (news) channel? The guild cache knows every channel the
        bot sees (the guilds intent); a channel it does not know is fetched once."""
        channel = self.client.get_channel(channel_id)
        if channel is not None:
            return isinstance(channel, discord.TextChannel) and channel.is_news()
        known = self._announcement_channels.get(channel_id)
        if known is None:
            try:
                fetched = await self.client.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden) as error:
                log.info("could not look up Discord channel %s: %s", channel_id, error)
                self._announcement_channels.put(
                    channel_id, False
                )  # the send will say what is wrong
                return False
            except discord.HTTPException as error:  # a passing fault: ask again next time
                log.info("could not look up Discord channel %s: %s", channel_id, error)
                return False
            known = isinstance(fetched, discord.TextChannel) and fetched.is_news()
            self._announcement_channels.put(channel_id, known)
        return known

    def _publish_later(self, message: discord.Message) -> None:
        """Publish in the background: Discord allows 10 publications an hour per channel,
        and discord.py waits out a rate limit, which must not hold up the next send. The
        message is already in the channel; a failed publication is logged, not retried
        (sending again would post it twice)."""

        async def publish() -> None:
            try:
                await message.publish()
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
                log.warning(
                    "Discord message %s was not published to following servers: %s",
                    message.id,
                    error,
                )

        task = asyncio.create_task(publish(), name=f"discord-publish-{message.id}")
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def _unreachable(self, user_id: str) -> None:
        log.info("Discord user %s does not accept direct messages", user_id)
        if self._on_unreachable is not None:
            await self._on_unreachable(PLATFORM, user_id)

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """A message nobody asked for: to a member's direct messages or to a channel (in an
        announcement channel also published to following servers); the id of the (last)
        message sent."""
        publish = False
        try:
            with unasked():  # answers to members go first
                if chat.is_private:
                    channel = await self._dm_channel(chat.chat_id)
                else:
                    channel = self.client.get_partial_messageable(int(chat.chat_id))
                    publish = await self._is_announcement_channel(int(chat.chat_id))
                sent = await self._send_to(channel, reply, publish=publish)
        except discord.Forbidden as error:
            if chat.is_private:
                raise Unreachable(f"discord:{chat.chat_id}") from error
            raise
        return None if sent is None else str(sent.id)

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> bool:
        """Change a message the bot sent (a progress report), when it still fits one."""
        pieces = contents(reply)
        if len(pieces) != 1 or reply.attachment is not None:
            return False
        try:
            if chat.is_private:
                channel = await self._dm_channel(chat.chat_id)
            else:
                channel = self.client.get_partial_messageable(int(chat.chat_id))
            view = build_view(reply)
            with unasked():
                await channel.get_partial_message(int(message_id)).edit(
                    content=pieces[0], view=view
                )
        except discord.HTTPException as error:
            log.info("could not edit Discord message %s: %s", message_id, error)
            return False
        return True

    # -- events mirrored as scheduled events (the core's EventMirror) ------------------

    async def mirror_event(self, event: MirroredEvent, mirror_id: str | None) -> str | None:
        """Create (``mirror_id`` None) or update the scheduled event that mirrors ``event``
        in the configured server; the id to keep (None: there is no copy, e.g. for an
        event that has already started). Raises ``MirrorUnavailable`` without a server
        (``guild_id``) or the permission to manage its events, ``ValueError`` for an
        event that does not end after it starts, and Discord's errors (logged and
        retried by the events module). The rules are in :mod:`bot.adapters.discord._events`.
        """
        return await self._scheduled_events.mirror(event, mirror_id)

    async def cancel_mirrored_event(self, mirror_id: str) -> None:
        """Set the scheduled event cancelled; Discord only cancels a *scheduled* one, so a
        running or completed copy is left as it is, and a missing one needs nothing."""
        await self._scheduled_events.cancel(mirror_id)

    # -- links the core asks for (bot.core.links) --------------------------------------------

    @staticmethod
    def account_link(user_id: str) -> str:
        """A Discord account as a mention (it links the member inside Discord)."""
        return f"Discord: <@{user_id}>"
