"""Platform adapters built from the settings: the composition root's half for the edge.

Adapters take plain option objects and never read the settings themselves (they import
nothing from ``config``), so this module is where settings become adapter options, next
to ``bot/app.py``, which does the same for storage, core and cogs. Who gets the longer
Telegram menus comes from the core's role policy (``app.roles``), the same object that
decides callers' roles, so a menu can never offer what the router would refuse or hide
what it would allow.

The platform libraries are imported only when their adapter is built: the console chat
and ``werkbot migrate`` need neither python-telegram-bot nor discord.py.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.adapter import PlatformAdapter
from bot.core.links import Links
from bot.core.mirror import EventMirror
from bot.core.types import Role
from config import Settings, SettingsError

if TYPE_CHECKING:
    from bot.adapters.discord import DiscordAdapter, DiscordOptions
    from bot.adapters.telegram import TelegramAdapter, TelegramOptions
    from bot.app import Werkbot

log = logging.getLogger(__name__)


def telegram_options(settings: Settings, privileged: Mapping[str, Role]) -> TelegramOptions:
    """The Telegram adapter's options; ``privileged`` are the Telegram user ids of
    organizers and admins (``app.roles.privileged_on("telegram")``), for their menus."""
    from bot.adapters.telegram import TelegramOptions, WebhookOptions

    if not settings.telegram_token:
        raise SettingsError("TELEGRAM_TOKEN is not set")
    webhook = None
    if settings.telegram_webhook_url:
        webhook = WebhookOptions(
            url=settings.telegram_webhook_url,
            # Unset: a fresh secret per start, so only this process's setWebhook knows it
            # (never with peers: the settings require one secret for all processes).
            secret=settings.telegram_webhook_secret or secrets.token_urlsafe(32),
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            peers=tuple(settings.telegram_webhook_peers),
            peer_index=settings.telegram_webhook_peer_index,
        )
    return TelegramOptions(
        token=settings.telegram_token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_file_url,
        local_mode=settings.telegram_local_mode,
        poll_timeout=settings.telegram_poll_timeout,
        webhook=webhook,
        privileged=dict(privileged),
    )


def discord_options(settings: Settings, *, receive: bool = True) -> DiscordOptions:
    """The Discord adapter's options. Role ids are not among them: members' Discord roles
    reach the core with each event, and the core's role policy (built from
    ``DISCORD_ORGANIZER_ROLE_IDS`` / ``DISCORD_ADMIN_ROLE_IDS``) decides what they mean."""
    from bot.adapters.discord import DiscordOptions

    if not settings.discord_token:
        raise SettingsError("DISCORD_TOKEN is not set")
    if settings.discord_events and settings.discord_guild_id is None:
        log.warning(
            "DISCORD_EVENTS is on but DISCORD_GUILD_ID is unset: events are not mirrored "
            "on Discord (each attempt is logged)"
        )
    return DiscordOptions(
        token=settings.discord_token,
        data_dir=Path(settings.data_dir),
        guild_id=settings.discord_guild_id,
        events=settings.discord_events,
        api_base_url=settings.discord_api_base_url,
        gateway_url=settings.discord_gateway_url,
        shard_ids=tuple(settings.discord_shard_ids) or None,
        shard_count=settings.discord_shard_count,
        receive=receive,
    )


def telegram_adapter(app: Werkbot, *, receive: bool = True) -> TelegramAdapter:
    """The Telegram adapter wired to this process's router and command registry
    (``receive=False``: a worker's, that only sends)."""
    from dataclasses import replace

    from bot.adapters.telegram import TelegramAdapter

    options = replace(telegram_options(app.settings, app.roles.privileged_on("telegram")), receive=receive)
    return TelegramAdapter(app.router.handle, app.registry, options)


def discord_adapter(app: Werkbot, *, receive: bool = True) -> DiscordAdapter:
    """The Discord adapter wired to this process's router, registry and member service
    (which learns who closed their direct messages)."""
    from bot.adapters.discord import DiscordAdapter

    return DiscordAdapter(
        app.router.handle,
        app.registry,
        discord_options(app.settings, receive=receive),
        on_unreachable=app.members.service.mark_unreachable,
    )


def attach_links(links: Links, adapter: PlatformAdapter) -> None:
    """The started adapter's link makers into the core's ``Links`` (check-in QR codes open
    the Telegram bot; introductions name Telegram and Discord accounts)."""
    if adapter.platform == "telegram":
        from bot.adapters.telegram import TelegramAdapter

        if isinstance(adapter, TelegramAdapter):
            links.attach("telegram", start=adapter.start_link, account=adapter.account_link)
    elif adapter.platform == "discord":
        from bot.adapters.discord import DiscordAdapter

        if isinstance(adapter, DiscordAdapter):
            links.attach("discord", account=adapter.account_link)


def event_mirror(adapter: PlatformAdapter) -> EventMirror | None:
    """``adapter`` as the core's event mirror when it mirrors events (the Discord adapter
    with ``DISCORD_EVENTS`` on), else None. The caller attaches it to ``app.mirrors``
    once the adapter is started and detaches it before it stops."""
    if adapter.platform != "discord":
        return None
    from bot.adapters.discord import DiscordAdapter

    if isinstance(adapter, DiscordAdapter) and adapter.options.events:
        return adapter
    return None


def platform_adapters(app: Werkbot, *, receive: bool = True) -> list[PlatformAdapter]:
    """An adapter for every platform whose token is set (``receive=False``: a worker's,
    sending through the platform without taking its updates)."""
    adapters: list[PlatformAdapter] = []
    for platform in app.settings.platform_tokens:
        if platform == "telegram":
            adapters.append(telegram_adapter(app, receive=receive))
        elif platform == "discord":
            adapters.append(discord_adapter(app, receive=receive))
        else:
            raise SettingsError(
                f"{platform.upper()}_TOKEN is set, but this version of Werkbot has no "
                f"{platform} adapter yet; unset it to use the console."
            )
    return adapters
