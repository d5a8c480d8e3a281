"""``/healthz`` and ``/metrics`` of one process, for a load balancer and for Prometheus.

With several processes on one PostgreSQL each one must say for itself whether it can do
its work: the database answers, its platforms are connected, and whether it runs the
planned jobs (``leader``), waits to take them over (``follower``) or is alone
(``single``). The server knows none of those parts: it asks the callables in
:class:`HealthChecks`, which :func:`checks_for` builds from a running Werkbot. So the
composition root starts it with one line, and a test can hand in a check that really fails.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.core.adapter import PlatformAdapter
from bot.core.metrics import OUTBOX_PENDING, REGISTRY
from config import SettingsError
from storage import Database
from storage.repositories.outbox import OutboxRepository

if TYPE_CHECKING:
    from bot.app import Werkbot

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
"""Seconds a database question may take before the answer is "not reachable": a probe
must answer quickly, also (especially) when the database hangs."""


@dataclass(frozen=True)
class HealthChecks:
    """What the health server asks, each time it is asked."""

    database: Callable[[], Awaitable[bool]]
    """True when the database answers (bounded in time, never raises)."""
    platforms: Callable[[], Mapping[str, bool]]
    """Per platform: connected now."""
    role: Callable[[], str]
    """``leader``, ``follower`` or ``single``."""
    outbox_pending: Callable[[], Awaitable[int]]
    """Outbox messages waiting, over all processes (may raise: reported as unknown)."""


def database_check(db: Database, timeout: float = CHECK_TIMEOUT) -> Callable[[], Awaitable[bool]]:
    """A ``SELECT 1`` on a connection from the pool, within ``timeout`` seconds."""

    async def reachable() -> bool:
        try:
            async with asyncio.timeout(timeout):
                async with db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception as error:  # whatever it is, the answer is "not reachable"
            log.warning("health: the database does not answer: %r", error)
            return False
        return True

    return reachable


def checks_for(app: Werkbot, adapters: Sequence[PlatformAdapter]) -> HealthChecks:
    """The checks of a running Werkbot and the platform adapters of this process."""
    outbox = OutboxRepository(app.db)
    return HealthChecks(
        database=database_check(app.db),
        platforms=lambda: {adapter.platform: adapter.connected for adapter in adapters},
        role=lambda: app.leadership.role,
        outbox_pending=outbox.pending_count,
    )


class HealthServer:
    """``GET /healthz`` (JSON; 200 when the database answers and every platform is
    connected, else 503) and ``GET /metrics`` (Prometheus text) on ``host:port``.

    ``port`` None serves nothing (``HEALTH_PORT`` unset), so starting it is always one
    call; 0 takes a free port, which :attr:`port` holds once started.
    """

    def __init__(self, host: str, port: int | None, checks: HealthChecks) -> None:
        self.host = host
        self.port = port
        self._checks = checks
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; a port that cannot be had is a wrong setting, said in one line."""
        if self.port is None or self._runner is not None:
            return
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as error:
            await runner.cleanup()
            raise SettingsError(
                f"HEALTH_PORT: cannot listen on {self.host}:{self.port} ({error.strerror})"
            ) from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("health at http://%s:%d/healthz, metrics at /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        database = await self._checks.database()
        platforms = dict(self._checks.platforms())
        healthy = database and all(platforms.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "database": database,
            "platforms": platforms,
            "role": self._checks.role(),
            "pid": os.getpid(),
        }
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        """Counters as they are; the outbox backlog counted now (unknown, NaN, when the
        database cannot say: the other numbers are worth having all the same)."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                OUTBOX_PENDING.set(await self._checks.outbox_pending())
        except Exception as error:
            log.warning("metrics: the outbox could not be counted: %r", error)
            OUTBOX_PENDING.set(math.nan)
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
