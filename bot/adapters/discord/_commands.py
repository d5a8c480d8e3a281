"""Slash commands generated from the core's command declarations, synced only on change.

Why build the payload ourselves: every command is declared once in the core registry with
a Dutch name, an English alias and an English description (a message id), so the slash
command is the English alias with ``nl`` name and description localizations, and its
options follow the declared arguments. Discord rate-limits command sync, so a hash of
the payload is kept in a file and the sync is skipped when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from bot.core.commands import Arg, ArgKind, Command, Registry
from bot.core.i18n import translate
from bot.core.types import Role

log = logging.getLogger(__name__)

# Discord option types (https://discord.com/developers/docs/interactions/application-commands)
STRING, INTEGER = 3, 4
CHAT_INPUT = 1
GUILD, BOT_DM = 0, 1
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MAX_DESCRIPTION = 100


def _text(message: str, lang: str) -> str:
    text = translate(message, lang).strip() or message
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _described(payload: dict[str, Any], description: str) -> dict[str, Any]:
    payload["description"] = _text(description, "en")
    payload["description_localizations"] = {"nl": _text(description, "nl")}
    return payload


def option_payload(arg: Arg) -> dict[str, Any]:
    option: dict[str, Any] = {"name": arg.name, "required": arg.required}
    _described(option, arg.description)
    if arg.kind is ArgKind.INTEGER:
        option["type"] = INTEGER
        if arg.min_value is not None:
            option["min_value"] = arg.min_value
        if arg.max_value is not None:
            option["max_value"] = arg.max_value
    elif arg.kind is ArgKind.CHOICE:
        option["type"] = STRING
        option["choices"] = [{"name": choice, "value": choice} for choice in arg.choices[:25]]
    else:
        option["type"] = STRING
        option["max_length"] = min(arg.max_length, 6000)
    return option


def command_payload(command: Command) -> dict[str, Any]:
    """One slash command: ``/alias`` in English, ``/name`` in Dutch."""
    payload: dict[str, Any] = {
        "type": CHAT_INPUT,
        "name": command.alias,
        "name_localizations": {"nl": command.name},
        "options": [option_payload(arg) for arg in command.args if not arg.hidden][:25],
        "contexts": [GUILD, BOT_DM],
        "integration_types": [0],
        "nsfw": False,
    }
    _described(payload, command.description)
    # Hidden from ordinary members by default; a server admin can allow the organizers'
    # role under Server Settings → Integrations. The router checks the role regardless.
    if command.role >= Role.ADMIN:
        payload["default_member_permissions"] = str(ADMINISTRATOR)
    elif command.role >= Role.ORGANIZER:
        payload["default_member_permissions"] = str(MANAGE_GUILD)
    else:
        payload["default_member_permissions"] = None
    return payload


def commands_payload(registry: Registry) -> list[dict[str, Any]]:
    return [command_payload(command) for command in registry.commands[:100]]


def payload_hash(payload: list[dict[str, Any]], target: str) -> str:
    canonical = json.dumps({"target": target, "commands": payload}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class SyncState:
    """The hash of the command set last synced, in a small file under the data folder."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def unchanged(self, digest: str) -> bool:
        try:
            return self._path.read_text(encoding="utf-8").strip() == digest
        except OSError:
            return False

    def remember(self, digest: str) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._path.write_text(digest + "\n", encoding="utf-8")
        except OSError as error:
            log.warning("could not store the command hash in %s: %s", self._path, error)
