"""Buttons as persistent components, and the modal for a typed answer.

Why a :class:`discord.ui.DynamicItem`: the ``custom_id`` of every button is the core's
action string (``mb:register``, ``cv:registration:work:zzp``). One dynamic item whose
template matches any action is registered when the client starts, so a button sent
before a restart still works after it, without keeping a view per message in memory.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord
from discord import ui

from bot.core.i18n import _
from bot.core.types import Button, Reply

log = logging.getLogger(__name__)

ANSWER_ID = "werkbot.answer"
"""Adapter-local custom id: opens a modal for a typed answer (never a core action)."""
ANSWER_FIELD = "werkbot.answer.text"
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80


class ButtonHandler(Protocol):
    async def on_button(self, interaction: discord.Interaction, action: str) -> None: ...


class ActionButton(ui.DynamicItem[ui.Button], template=r"(?!werkbot\.answer$)(?P<action>.{1,100})"):
    """Any button whose custom_id is a core action; dispatched to the adapter."""

    def __init__(self, action: str, label: str = "…", row: int | None = None) -> None:
        super().__init__(
            ui.Button(label=_label(label), custom_id=action, style=discord.ButtonStyle.secondary),
            row=row,
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: ButtonHandler = interaction.client.adapter  # type: ignore[attr-defined]
        await handler.on_button(interaction, self.action)


class AnswerButton(ui.DynamicItem[ui.Button], template=r"werkbot\.answer"):
    """Opens a modal where a typed answer is needed but the chat is not a private one."""

    def __init__(self, row: int | None = None) -> None:
        super().__init__(
            ui.Button(
                label=_("Type your answer"),
                custom_id=ANSWER_ID,
                style=discord.ButtonStyle.primary,
                emoji="✏️",
            ),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(answer_modal("Werkbot"))


def _label(text: str) -> str:
    text = text.strip() or "…"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def build_view(reply: Reply, *, answer_button: bool = False) -> ui.View | None:
    """The buttons of a reply as a view that never times out, or None without buttons."""
    rows: list[tuple[Button, ...]] = [row[:MAX_PER_ROW] for row in reply.buttons[:MAX_ROWS]]
    if sum(map(len, rows)) < len(reply.all_buttons):
        log.warning("Discord shows at most 5 rows of 5 buttons; some were left out")
    if not rows and not answer_button:
        return None
    view = ui.View(timeout=None)
    for index, row in enumerate(rows):
        for button in row:
            if button.url:
                view.add_item(ui.Button(label=_label(button.label), url=button.url, row=index))
            else:
                view.add_item(ActionButton(button.action, button.label, row=index))
    if answer_button:
        view.add_item(AnswerButton(row=min(len(rows), MAX_ROWS - 1)))
    return view


def answer_modal(title: str) -> ui.Modal:
    """A modal with one text field; its submission is read from the raw interaction."""
    modal = ui.Modal(title=title[:45] or "Werkbot", custom_id=ANSWER_ID, timeout=None)
    modal.add_item(
        ui.TextInput(
            label=_("Your answer")[:45],
            custom_id=ANSWER_FIELD,
            style=discord.TextStyle.paragraph,
            max_length=2000,
        )
    )
    return modal


def modal_value(data: Any) -> str | None:
    """The typed value from a modal submission's components (any nesting)."""
    if isinstance(data, dict):
        if data.get("custom_id") == ANSWER_FIELD and isinstance(data.get("value"), str):
            return data["value"]
        for value in data.values():
            found = modal_value(value)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = modal_value(value)
            if found is not None:
                return found
    return None
