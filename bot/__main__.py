"""``werkbot``: run the bot, open the console chat, migrate, or load demo content."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import collector
from bot.adapters.console import ConsoleAdapter
from bot.app import Werkbot
from bot.core.adapter import PlatformAdapter, PlatformStartError
from bot.core.errors import UserError
from bot.health import HealthServer, checks_for
from bot.loop import event_loop_factory
from bot.platforms import attach_links, event_mirror, platform_adapters
from config import Settings, SettingsError, load_settings

log = logging.getLogger("werkbot")


def _console(app: Werkbot, user: str | None) -> ConsoleAdapter:
    console = ConsoleAdapter(
        app.router.handle, user=user or app.settings.console_user, files=app.console_files
    )
    app.delivery.attach(console)
    return console


async def _chat_in_console(app: Werkbot, user: str | None) -> None:
    console = _console(app, user)
    collector.settle()  # start-up is over: keep what it built out of later collections
    await console.run()


async def _serve(app: Werkbot, adapters: list[PlatformAdapter]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on every OS
            pass
    started: list[PlatformAdapter] = []
    # /healthz and /metrics (HEALTH_PORT): up before the adapters, so a process still
    # starting answers 503; off when the port is unset.
    health = HealthServer(app.settings.health_host, app.settings.health_port, checks_for(app, adapters))
    await health.start()
    try:
        for adapter in adapters:
            app.delivery.attach(adapter)
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter started", adapter.platform)
            attach_links(app.links, adapter)  # check-in QR codes, account links
            mirror = event_mirror(adapter)
            if mirror is not None:
                app.mirrors.attach(mirror)
                log.info("%s mirrors events", adapter.platform)
        collector.settle()  # start-up is over: keep what it built out of later collections
        log.info("Werkbot is running in process %d as %s", os.getpid(), app.leadership.role)
        await stop.wait()
        log.info("stopping")
    finally:
        await app.stop_sending()
        for adapter in reversed(started):
            app.mirrors.detach(adapter.platform)  # no mirroring through a stopping adapter
            try:
                await adapter.stop()
            except Exception:
                log.exception("%s adapter did not stop cleanly", adapter.platform)
        await health.stop()


async def _load_file(path: Path, load: Callable[[bytes], Awaitable[str]], what: str) -> int:
    """Read ``path`` and hand it to ``load`` (which returns what to print); a file that
    cannot be read or is refused prints why, line by line, and nothing is stored."""
    from bot.core.yamlfile import DefinitionError

    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        print(f"werkbot: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    try:
        print(await load(data))
    except DefinitionError as problem:
        print(f"{path}: nothing was {what}:", file=sys.stderr)
        for line in problem.problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    except UserError as problem:
        print(f"{path}: nothing was {what}: {problem.message}", file=sys.stderr)
        return 1
    return 0


async def _survey_import(app: Werkbot, path: Path) -> int:
    """``werkbot survey import FILE``: a survey from YAML, created as a draft."""
    from cogs.surveys.render import created

    async def load(data: bytes) -> str:
        return created(await app.surveys.service.import_file(data, "cli"))

    return await _load_file(path, load, "created")


async def _event_import(app: Werkbot, path: Path) -> int:
    """``werkbot event import FILE``: an event from YAML (reminders planned; the Discord
    copy follows at the event's next change, as this process has no Discord)."""
    from cogs.events.render import created

    async def load(data: bytes) -> str:
        return created(await app.events.service.import_file(data, "cli")).text

    return await _load_file(path, load, "created")


async def _targets(app: Werkbot, args: argparse.Namespace) -> int:
    """``werkbot targets refresh`` (the MPs from the Tweede Kamer's open data) and
    ``werkbot targets import FILE.csv`` (anyone else)."""
    from cogs.campaigns.targets import OpenDataError

    targets = app.campaigns.service.targets
    if args.targets_command == "refresh":
        try:
            summary = await targets.refresh_from_tk()
        except OpenDataError as error:
            print(f"werkbot: nothing was changed: {error.message}", file=sys.stderr)
            return 1
        print(summary.describe())
        return 0

    async def load(data: bytes) -> str:
        return (await targets.import_csv(data)).describe()

    return await _load_file(Path(args.file), load, "loaded")


async def _main(args: argparse.Namespace, settings: Settings) -> int:
    app = Werkbot(settings)
    try:
        if args.command == "survey":
            await app.db.migrate()
            return await _survey_import(app, Path(args.file))
        if args.command == "event":
            await app.start(background=False)  # the clock plans the reminders; the bot runs them
            return await _event_import(app, Path(args.file))
        if args.command == "targets":
            await app.db.migrate()
            return await _targets(app, args)
        if args.command == "migrate":
            await app.db.migrate()
            print("database is up to date")
            return 0
        await app.start(background=args.command != "demo")
        if args.command == "demo" or getattr(args, "demo", False):
            created = await app.load_demo()
            message = ", ".join(created) if created else "demo content was already there"
            print(f"demo: {message}", file=sys.stderr)
            if args.command == "demo":
                return 0
        if args.command == "console":
            await _chat_in_console(app, args.user)
            return 0
        if getattr(args, "role", "all") == "worker":
            # Jobs (when this process leads) and the outbox, sending through every platform
            # whose token is set without taking its updates: the other processes receive.
            await _serve(app, platform_adapters(app, receive=False))
            return 0
        adapters = platform_adapters(app)
        if not adapters:
            log.warning("no platform token set: starting the console chat")
            await _chat_in_console(app, getattr(args, "user", None))
            return 0
        await _serve(app, adapters)
        return 0
    finally:
        await app.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="werkbot", description="Werkbot of De Werkvereniging")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start every adapter whose token is set (else the console)")
    run.add_argument("--demo", action="store_true", help="load demo content first")
    run.add_argument("--user", help="console user name when the console starts")
    run.add_argument(
        "--role",
        choices=("all", "worker"),
        default="all",
        help="all: receive from the platforms too (default); worker: only planned jobs and the "
        "outbox, sending without receiving, never the console",
    )
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--user", help="console user name (default: CONSOLE_USER or console)")
    console.add_argument("--demo", action="store_true", help="load demo content first")
    sub.add_parser("migrate", help="bring the database up to date and exit")
    sub.add_parser("demo", help="load demo content and exit")
    survey = sub.add_parser("survey", help="Jouw Stem surveys")
    survey_sub = survey.add_subparsers(dest="survey_command", required=True)
    survey_import = survey_sub.add_parser("import", help="create a survey from a YAML file")
    survey_import.add_argument("file", help="the survey file (schema: docs/surveys.md)")
    event = sub.add_parser("event", help="events (the Festival, gatherings)")
    event_sub = event.add_subparsers(dest="event_command", required=True)
    event_import = event_sub.add_parser("import", help="create an event from a YAML file")
    event_import.add_argument("file", help="the event file (format: README, Events)")
    targets = sub.add_parser("targets", help="addressees of campaigns (MPs and others)")
    targets_sub = targets.add_subparsers(dest="targets_command", required=True)
    targets_sub.add_parser(
        "refresh", help="load the members of the Tweede Kamer from its open data (TK_ODATA_URL)"
    )
    targets_import = targets_sub.add_parser("import", help="load other addressees from a CSV file")
    targets_import.add_argument("file", help="CSV: naam;soort;partij;commissies;email;id")
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "run"
        args.demo = False
        args.user = None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"werkbot: {error}", file=sys.stderr)
        return 2
    level = settings.log_level
    if args.command == "console" and level == "INFO":
        level = "WARNING"  # keep the chat readable; LOG_LEVEL=DEBUG shows everything
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    collector.tune()
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(_main(args, settings))
    except (SettingsError, PlatformStartError) as error:
        # A wrong setting, or one the platform refused (a token, an API URL): one line
        # that names it, not a traceback.
        print(f"werkbot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
