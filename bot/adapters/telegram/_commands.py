"""The command menus Telegram shows, built from the commands the cogs declared.

Why per language and per scope: Telegram picks the menu by the user's app language, so
Dutch users see the Dutch names and English users the English aliases (both work when
typed). Members see what members may use; organizers and admins named in the settings
get a menu of their own in their private chat with the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from telegram import BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault

from bot.core.commands import Command, Registry
from bot.core.i18n import translate
from bot.core.types import Role

MAX_COMMANDS = 100
MAX_DESCRIPTION = 256


@dataclass(frozen=True)
class Menu:
    """One ``setMyCommands`` call."""

    commands: tuple[BotCommand, ...]
    scope: BotCommandScope
    language_code: str | None


def _description(command: Command, language: str) -> str:
    text = translate(command.description, language).strip() or command.name
    if len(text) < 3:
        text = text.ljust(3, ".")
    return text[:MAX_DESCRIPTION]


def menu(commands: list[Command], language: str) -> tuple[BotCommand, ...]:
    """Dutch menus list the Dutch names, English menus the English aliases."""
    listed = [
        BotCommand(
            command.alias if language == "en" else command.name, _description(command, language)
        )
        for command in commands
    ]
    return tuple(listed[:MAX_COMMANDS])


def menus(registry: Registry, privileged: Mapping[str, Role]) -> list[Menu]:
    """Every menu to publish: default scope (Dutch), ``nl``, ``en``, then per organizer chat."""
    public = registry.visible_to(Role.MEMBER)
    built = [
        Menu(menu(public, "nl"), BotCommandScopeDefault(), None),
        Menu(menu(public, "nl"), BotCommandScopeDefault(), "nl"),
        Menu(menu(public, "en"), BotCommandScopeDefault(), "en"),
    ]
    for user_id, role in sorted(privileged.items()):
        if role <= Role.MEMBER or not user_id.lstrip("-").isdigit():
            continue
        scope = BotCommandScopeChat(int(user_id))
        own = registry.visible_to(role)
        built += [
            Menu(menu(own, "nl"), scope, None),
            Menu(menu(own, "nl"), scope, "nl"),
            Menu(menu(own, "en"), scope, "en"),
        ]
    return built
