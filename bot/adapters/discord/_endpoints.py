"""The one place that points discord.py at another REST API or gateway.

Why: a large deployment puts an HTTP rate-limit proxy in front of Discord's REST API, and
the tests point the real client at a fake Discord on 127.0.0.1. discord.py has no
documented setting for either, so the two class attributes it reads are set here, and
the gateway URL that ``/gateway/bot`` reports is replaced by ours (a sharded client asks
that route where to connect).
"""

from __future__ import annotations

from typing import Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


def apply_endpoints(http: HTTPClient, api_base_url: str, gateway_url: str) -> None:
    """Use ``api_base_url`` for every REST call (interaction webhooks too) and ``gateway_url``."""
    Route.BASE = api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    original = http.get_bot_gateway

    async def get_bot_gateway() -> tuple[int, str, Any]:
        shards, _url, limits = await original()
        return shards, gateway_url, limits

    http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]  # discord.py has no setting
