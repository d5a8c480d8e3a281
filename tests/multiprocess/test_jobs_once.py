"""Planned jobs run once when two ``werkbot run`` processes share one PostgreSQL.

Two real worker processes (``werkbot run --role worker``) on a fresh PostgreSQL database:
one takes the jobs lock and leads. A job planned (by a third process, as a command-line
import would) for a moment runs exactly once, in the leader. The leader is killed with
SIGKILL: its connection, and with it the lock, goes; the other process takes over within
a few leadership checks and runs the next job. The processes' own log lines say which
process ran what.
"""

from __future__ import annotations

import re
import signal
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import Werkbot
from bot.core.clock import utcnow
from config import Settings
from tests.support.process import LoggedProcess, run_environment, start_werkbot
from tests.support.waiting import wait_until

CHECK_SECONDS = "0.3"
"""Leadership checks this often in the test (a dead leader is replaced within a second)."""


class Worker(LoggedProcess):
    """A ``werkbot run --role worker`` process and what it logged so far."""

    @property
    def leads(self) -> bool:
        return any("runs the planned jobs (leader)" in line for line in self.lines)

    def ran(self, job_id: str) -> int:
        return sum(1 for line in self.lines if re.search(rf"job {re.escape(job_id)} \(", line))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.json()


async def metrics_text(port: int) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        return await response.text()


async def plan(settings: Settings, job_id: str, seconds: float) -> None:
    """Plan a harmless job (a matching round's question for a round that does not exist:
    it finds nothing to do) a few seconds ahead, from a process of its own that runs no
    jobs, as ``werkbot event import`` would."""
    app = Werkbot(settings)
    await app.start(background=False)
    try:
        await app.clock.plan(job_id, utcnow() + timedelta(seconds=seconds), "platform.ask", {"round": 999_999})
    finally:
        await app.stop()


async def test_two_processes_run_a_job_once_and_the_other_takes_over_after_a_kill(
    postgresql_url: str, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(database_url=postgresql_url)
    env = run_environment(tmp_path, DATABASE_URL=postgresql_url, LEADER_CHECK_SECONDS=CHECK_SECONDS, LOG_LEVEL="INFO")
    ports = [free_port(), free_port()]
    workers = [Worker(await start_werkbot({**env, "HEALTH_PORT": str(ports[0])}, tmp_path, "--role", "worker"))]
    await wait_until(lambda: workers[0].leads, 60, "the first process to lead")
    workers.append(Worker(await start_werkbot({**env, "HEALTH_PORT": str(ports[1])}, tmp_path, "--role", "worker")))
    try:
        await wait_until(lambda: any("Werkbot is running" in line for line in workers[1].lines), 60, "the second process to start")
        assert not workers[1].leads  # one leader
        assert any("as follower" in line for line in workers[1].lines)
        health = [await get(port, "/healthz") for port in ports]
        assert [(status, body["role"], body["database"]) for status, body in health] == [(200, "leader", True), (200, "follower", True)]

        # A job planned by a third process runs once, in the leader.
        await plan(settings, "test-once", 2)
        await wait_until(lambda: sum(w.ran("test-once") for w in workers) >= 1, 30, "the job to run")
        # A later job has run too: by then a second run of the first would have happened.
        await plan(settings, "test-later", 1.5)
        await wait_until(lambda: sum(w.ran("test-later") for w in workers) >= 1, 30, "the later job to run")
        assert [w.ran("test-once") for w in workers] == [1, 0]
        assert [w.ran("test-later") for w in workers] == [1, 0]
        leader_metrics = await metrics_text(ports[0])
        assert "werkbot_leader 1.0" in leader_metrics
        assert 'werkbot_job_runs_total{kind="platform.ask",outcome="ok"} 2.0' in leader_metrics
        assert "werkbot_leader 0.0" in await metrics_text(ports[1])

        # The leader dies without a word; the other process leads and runs the next job.
        workers[0].process.send_signal(signal.SIGKILL)
        await workers[0].process.wait()
        await wait_until(lambda: workers[1].leads, 30, "the second process to take over")
        await plan(settings, "test-after-kill", 1)
        await wait_until(lambda: workers[1].ran("test-after-kill") == 1, 30, "the next job to run")
        assert workers[0].ran("test-after-kill") == 0
        assert (await get(ports[1], "/healthz"))[1]["role"] == "leader"
    finally:
        for worker in workers:
            await worker.stop()
    errors = [line for worker in workers for line in worker.errors()]
    assert errors == []
