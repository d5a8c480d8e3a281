"""Receiving updates over a webhook, for deployments behind a reverse proxy.

Why aiohttp and not PTB's ``start_webhook``: that needs tornado, while aiohttp already
runs in this process; and it lets us check the secret token on every request ourselves.
The server only puts updates in the application's queue; handling is the same as with
long polling.

Several processes behind one reverse proxy (``peers``): the proxy spreads Telegram's
requests over the processes without looking inside (the user id is in the JSON body), so
two updates of one user could land in two processes and be handled out of order. Each
process therefore owns a fixed share of the users, ``user id % len(peers)`` (the update's
user, else its chat; an update with neither is handled wherever it lands), a static
partition that needs no cluster protocol, only the same list in the same order everywhere.
After checking the secret and reading the update, a process hands an update it does not
own to its owner: the raw body, with the same secret and ``X-Werkbot-Forwarded: 1``, to
the owner's webhook path, and answers Telegram with the owner's status. A forwarded
update is always handled where it arrives, so it is never forwarded twice. Within the
owner, ``PerUserOrder`` keeps each user's updates in order, as with one process.

When the owner cannot take it (connection refused, a timeout, a 5xx answer) the update is
handled here and a warning is logged: nothing is lost, only that user's order is no longer
guaranteed while the owner is down (and right after, while its first updates and ours may
overlap). For ``peer_retry_after`` seconds after such a failure that owner's updates are
handled here without trying, so a process that is gone does not cost every update a
timeout. A timeout can also mean the owner took the update and answered late: then it is
handled twice. We chose that over losing it (Telegram's own delivery is at-least-once too).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORWARDED_HEADER = "X-Werkbot-Forwarded"
"""Set on an update one process hands to its owner: the owner handles it, never forwards."""
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class WebhookOptions:
    url: str
    """The public URL Telegram posts to; its path is the path we listen on."""
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    peers: tuple[str, ...] = ()
    """Internal base URLs of every process receiving this webhook, in the same order in
    each of them (this one included); empty: this process handles every update."""
    peer_index: int = 0
    """This process's place in ``peers``."""
    forward_timeout: float = 5.0
    """Seconds an owner has to take a forwarded update before it is handled here."""
    peer_retry_after: float = 10.0
    """Seconds an owner that failed is not tried again (its updates are handled here)."""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    def owner(self, update: Update) -> int:
        """The index in ``peers`` of the process that handles ``update``: by its user, else
        its chat (the key ``PerUserOrder`` keeps in order); this one when it has neither."""
        if len(self.peers) < 2:
            return self.peer_index
        if update.effective_user is not None:
            key = update.effective_user.id
        elif update.effective_chat is not None:
            key = update.effective_chat.id
        else:
            return self.peer_index
        return key % len(self.peers)


class WebhookServer:
    def __init__(self, application: Application, options: WebhookOptions) -> None:
        self._application = application
        self._options = options
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._down_until: dict[int, float] = {}
        """Owners that failed, with the loop time until which they are not tried."""

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
        if len(self._options.peers) > 1:
            # One session for the server's life; never through HTTP(S)_PROXY: peers are internal.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._options.forward_timeout)
            )
            log.info(
                "Telegram webhook: process %d of %d; other users' updates go to their process",
                self._options.peer_index,
                len(self._options.peers),
            )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()  # lets requests in flight (and their forwards) finish
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _receive(self, request: web.Request) -> web.Response:
        """Checks the secret on every request: the URL alone is not a secret."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._options.secret.encode()):
            log.warning("webhook request from %s without the right secret", request.remote)
            return web.Response(status=403)
        try:
            body = await request.read()
            update = Update.de_json(json.loads(body), self._application.bot)
        except Exception as error:
            log.warning("webhook request with an unreadable update: %s", error)
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        if FORWARDED_HEADER not in request.headers:
            owner = self._options.owner(update)
            if owner != self._options.peer_index:
                status = await self._forward(owner, body, update.update_id)
                if status is not None:
                    return web.Response(status=status)
        await self._application.update_queue.put(update)
        return web.Response()

    async def _forward(self, owner: int, body: bytes, update_id: int) -> int | None:
        """Hand the update to its owner; its status, or None when it must be handled here."""
        session = self._session
        if session is None:  # not started: cannot happen while requests come in
            return None
        loop_time = asyncio.get_running_loop().time
        if self._down_until.get(owner, 0.0) > loop_time():
            log.debug("update %s handled here: process %d failed recently", update_id, owner)
            return None
        url = self._options.peers[owner] + self._options.path
        headers = {
            SECRET_HEADER: self._options.secret,
            FORWARDED_HEADER: "1",
            "Content-Type": "application/json",
        }
        try:
            async with session.post(url, data=body, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        else:
            if status < 500:
                if self._down_until.pop(owner, None) is not None:
                    log.info("Telegram webhook: process %d (%s) takes updates again", owner, url)
                if status >= 300:
                    log.warning(
                        "Telegram webhook: process %d (%s) refused update %s with %d "
                        "(are TELEGRAM_WEBHOOK_URL and _SECRET the same in every process?)",
                        owner,
                        url,
                        update_id,
                        status,
                    )
                return status
            reason = f"HTTP {status}"
        if owner not in self._down_until:
            log.warning(
                "Telegram webhook: process %d (%s) cannot take updates (%s); its users' "
                "updates are handled here meanwhile, their order no longer guaranteed",
                owner,
                url,
                reason,
            )
        self._down_until[owner] = loop_time() + self._options.peer_retry_after
        return None
