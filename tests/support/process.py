"""``werkbot run`` as a real process, for tests of start-up, signals and exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This environment without platform or mail settings, on a database in ``tmp_path``,
    plus ``settings``; traffic stays on loopback."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TELEGRAM_", "DISCORD_", "SMTP_"))
    }
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        DATA_DIR=str(tmp_path / "data"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    env.update(settings)
    return env


async def start_werkbot(env: dict[str, str], cwd: Path, *options: str) -> asyncio.subprocess.Process:
    """``python -m bot run [options]`` with pipes for stdout and stderr."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *options,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


class LoggedProcess:
    """A ``werkbot run`` whose log (stderr) is read as it comes: a full pipe would stop it,
    and tests look for what it logged (who leads, what it ran or sent)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        assert process.stderr is not None
        self._reader = asyncio.ensure_future(self._read(process.stderr))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            self.lines.append(line.decode(errors="replace").rstrip())

    def errors(self) -> list[str]:
        return [line for line in self.lines if " ERROR " in line or "Traceback" in line]

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within 30 s; the log read to its end."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            finally:
                if self.process.returncode is None:
                    self.process.kill()
                    await self.process.wait()
        await asyncio.wait_for(self._reader, 10)
