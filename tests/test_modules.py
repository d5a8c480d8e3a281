"""Every module has the one shape: built by its ``build()``, one face, its own names.

The composition root builds each module through ``cogs.<name>.build``; here each one
registers into a registry of its own, so what it declares can be checked apart from the
others: at least one command, a personal-data hook with a name no other module uses, job
kinds and housekeeping named ``<module>.<verb>``, and flows, button prefixes and command
names that collide with nobody else's.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable

import pytest

import cogs
from bot.app import Werkbot
from bot.core.commands import Registry
from bot.core.module import Module
from config import Settings


def module_packages() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(cogs.__path__) if info.ispkg)


def declared(module: Module) -> Registry:
    registry = Registry()
    module.register(registry)
    return registry


def test_every_cog_package_offers_build_and_is_wired(
    make_settings: Callable[..., Settings],
) -> None:
    app = Werkbot(make_settings())
    wired = {module.name for module in app.modules}
    for name in module_packages():
        package = importlib.import_module(f"cogs.{name}")
        assert callable(getattr(package, "build", None)), f"cogs.{name} has no build()"
        assert "build" in getattr(package, "__all__", ()), f"cogs.{name}.__all__ lacks build"
        assert name in wired, f"bot/app.py does not build cogs.{name}"


def test_each_module_declares_commands_and_a_named_personal_data_hook(
    make_settings: Callable[..., Settings],
) -> None:
    app = Werkbot(make_settings())
    hook_names: list[str] = []
    commands: set[str] = set()
    prefixes: set[str] = set()
    flows: set[str] = set()
    for module in app.modules:
        assert re.fullmatch(r"[a-z]+", module.name)
        registry = declared(module)
        assert registry.commands, f"module {module.name} declares no command"
        assert len(registry.personal_data) == 1, f"module {module.name}: one personal-data hook"
        hook_names += [hook.name for hook in registry.personal_data]
        for kind in [*registry.job_handlers, *registry.purges]:
            assert kind.startswith(f"{module.name}."), f"{kind} is not {module.name}.<verb>"
        names = {name for command in registry.commands for name in command.names}
        assert not names & commands, f"module {module.name} reuses {names & commands}"
        commands |= names
        assert not set(registry.actions) & prefixes
        prefixes |= set(registry.actions)
        assert not set(registry.flows) & flows
        flows |= set(registry.flows)
    assert len(hook_names) == len(set(hook_names)), hook_names
    assert {"members", "surveys", "conversations"} <= set(hook_names)


async def test_modules_start_and_stop_in_the_app(make_settings: Callable[..., Settings]) -> None:
    app = Werkbot(make_settings())
    await app.start()
    try:
        names = [module.name for module in app.modules]
        assert names[0] == "core" and len(names) == len(set(names))
        assert {"members", "surveys"} <= set(names)
    finally:
        await app.stop()
    await app.stop()  # stopping twice is harmless


def test_a_second_hook_with_the_same_name_is_refused() -> None:
    registry = Registry()

    class Hook:
        name = "twice"
        final = False

        async def export(self, member_id: int) -> dict[str, object]:
            return {}

        async def erase(self, member_id: int) -> None:
            return None

    registry.personal_data_hook(Hook())
    with pytest.raises(ValueError, match="twice"):
        registry.personal_data_hook(Hook())
