"""Receiving updates over a webhook, for deployments behind a reverse proxy.

Why aiohttp and not PTB's ``start_webhook``: that needs tornado, while aiohttp already
runs in this process; and it lets us check the secret token on every request ourselves.
The server only puts updates in the application's queue; handling is the same as with
long polling.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class WebhookOptions:
    url: str
    """The public URL Telegram posts to; its path is the path we listen on."""
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


class WebhookServer:
    def __init__(self, application: Application, options: WebhookOptions) -> None:
        self._application = application
        self._options = options
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self._options.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._options.listen, self._options.port)
        await site.start()
        log.info(
            "Telegram webhook listening on %s:%s%s",
            self._options.listen,
            self._options.port,
            self._options.path,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        """Checks the secret on every request: the URL alone is not a secret."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._options.secret.encode()):
            log.warning("webhook request from %s without the right secret", request.remote)
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self._application.bot)
        except Exception as error:
            log.warning("webhook request with an unreadable update: %s", error)
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        await self._application.update_queue.put(update)
        return web.Response()
