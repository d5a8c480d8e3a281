"""``werkbot run`` as a real process, for tests of start-up, signals and exit codes."""

from __future__ import annotations

import asyncio
import os
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
