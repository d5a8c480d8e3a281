"""Neutral replies in Discord's shapes: message contents, persistent buttons, the modal.

Why a :class:`discord.ui.DynamicItem`: the ``custom_id`` of every button is the core's
action string (``mb:register``, ``cv:registration:work:zzp``). One dynamic item whose
template matches any action is registered when the client starts, so a button sent
before a restart still works after it, without keeping a view per message in memory.

What a reply becomes is decided here by pure functions (:func:`contents`,
:func:`build_view`, :func:`answer_modal`), and :func:`fits` checks those same results
against Discord's limits, so a test that calls ``fits`` checks exactly what is sent.
Discord counts code points (see ``_text``): 2,000 per message, 80 per button label.

A reply in Werkbot's markup (``Reply.markup``) becomes Discord markdown. Discord's limit
counts what is sent, markers and escapes included, so the text is cut on its spans and
each piece is rendered on its own: no piece breaks a ``**…**`` pair, every piece closes
the styles it opens and the next one opens them again.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord
from discord import ui

from bot.adapters._text import shorten, split, split_spans
from bot.core.i18n import _
from bot.core.markup import Span, parse, to_discord
from bot.core.types import Button, Reply

log = logging.getLogger(__name__)

ANSWER_ID = "werkbot.answer"
"""Adapter-local custom id: opens a modal for a typed answer (never a core action)."""
ANSWER_FIELD = "werkbot.answer.text"
MAX_CONTENT = 2000
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_URL = 512
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_INPUT_LENGTH = 4000
EMPTY = "…"
"""Stands in for an empty label, and for the content of a reply with no text, which
Discord would refuse as an empty message."""
ATTACHED = "📎"
"""The content of a message that carries only a file."""


class ButtonHandler(Protocol):
    async def on_button(self, interaction: discord.Interaction, action: str) -> None: ...


class ActionButton(
    ui.DynamicItem[ui.Button], template=r"(?s)(?!werkbot\.answer$)(?P<action>.{1,100})"
):
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
        handler: ButtonHandler = interaction.client.adapter  # type: ignore[attr-defined]  # our client subclass
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
    """A button label Discord takes: not empty, at most 80 characters (shortened with …)."""
    return shorten(text.strip() or EMPTY, MAX_LABEL)


def chunks(text: str) -> list[str]:
    """A text as message contents Discord takes: at most 2,000 characters each, cut at
    line breaks, else at spaces, never inside a character; none empty."""
    return split(text, MAX_CONTENT)


def _rendered_length(piece: list[Span]) -> int:
    return len(to_discord(piece))


def markdown_chunks(text: str) -> list[str]:
    """A text in Werkbot's markup as Discord markdown, in messages of at most 2,000
    characters as sent; none empty."""
    pieces: list[str] = []
    for piece in split_spans(parse(text), MAX_CONTENT, size=_rendered_length):
        rendered = to_discord(piece)
        if len(rendered) > MAX_CONTENT:
            # One character that cannot carry its link (a URL of ~2,000 characters):
            # shown without formatting rather than refused.
            rendered = to_discord([Span(span.text) for span in piece])
        pieces.append(rendered)
    return pieces


def plain_chunks(text: str) -> list[str]:
    """A plain text as Discord shows it as typed: its markdown characters escaped (a
    member's own words in a letter, ``**`` or ``_`` in a name), bare links left to link;
    in messages of at most 2,000 characters as sent."""
    pieces = split_spans([Span(text)], MAX_CONTENT, size=_rendered_length)
    return [to_discord(piece) for piece in pieces if piece]


def contents(reply: Reply) -> list[str]:
    """The contents of the messages ``reply`` becomes, in order; its buttons and its file
    go with the last one. A reply without text still needs content to carry them."""
    texts = markdown_chunks(reply.text) if reply.markup else plain_chunks(reply.text)
    return texts or [ATTACHED if reply.attachment is not None else EMPTY]


def _rows(reply: Reply, answer_button: bool) -> list[tuple[Button, ...]]:
    """The reply's rows as Discord shows them: a row wider than 5 continues on the next
    row, at most 5 rows, and room kept for the answer button."""
    rows = [
        row[start : start + MAX_PER_ROW]
        for row in reply.buttons
        for start in range(0, len(row), MAX_PER_ROW)
    ]
    rows = [row for row in rows if row][:MAX_ROWS]
    if answer_button and len(rows) == MAX_ROWS and len(rows[-1]) == MAX_PER_ROW:
        rows[-1] = rows[-1][:-1]
    return rows


def build_view(reply: Reply, *, answer_button: bool = False) -> ui.View | None:
    """The buttons of a reply as a view that never times out, or None without buttons."""
    rows = _rows(reply, answer_button)
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
    modal = ui.Modal(
        title=shorten(title.strip() or "Werkbot", MAX_MODAL_TITLE),
        custom_id=ANSWER_ID,
        timeout=None,
    )
    modal.add_item(
        ui.TextInput(
            label=shorten(_("Your answer"), MAX_INPUT_LABEL),
            custom_id=ANSWER_FIELD,
            style=discord.TextStyle.paragraph,
            max_length=2000,
        )
    )
    return modal


def modal_value(data: Any) -> str | None:
    """The typed value from a modal submission's components (any nesting)."""
    if isinstance(data, dict):
        value = data.get("value")
        if data.get("custom_id") == ANSWER_FIELD and isinstance(value, str):
            return value
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


def _component_problems(components: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    if len(components) > MAX_ROWS:
        problems.append(f"{where}: {len(components)} rows, at most {MAX_ROWS}")
    for row in components:
        items = row.get("components", [])
        if not 1 <= len(items) <= MAX_PER_ROW:
            problems.append(f"{where}: a row of {len(items)}, 1 to {MAX_PER_ROW}")
        for item in items:
            label = item.get("label")
            if label is not None and not 1 <= len(label) <= MAX_LABEL:
                problems.append(f"{where}: label {label!r} of {len(label)}, 1 to {MAX_LABEL}")
            if "url" in item:
                if not 1 <= len(item["url"]) <= MAX_URL:
                    problems.append(f"{where}: a link of {len(item['url'])}, 1 to {MAX_URL}")
            elif not 1 <= len(item.get("custom_id") or "") <= MAX_CUSTOM_ID:
                problems.append(f"{where}: custom_id {item.get('custom_id')!r}, 1 to 100")
    return problems


def fits(reply: Reply, *, answer_button: bool = False) -> list[str]:
    """What Discord would refuse, or what would not arrive, when ``reply`` is sent; an
    empty list when it fits. Checks what :func:`contents`, :func:`build_view` and
    :func:`answer_modal` make, which is exactly what the adapter sends. ``answer_button``
    as for an ephemeral question in a server (a modal takes the typed answer)."""
    if not reply.text.strip() and reply.attachment is None and not reply.all_buttons:
        return ["the reply has no text, file or buttons: nothing to say"]
    problems: list[str] = []
    pieces = contents(reply)
    for number, content in enumerate(pieces, start=1):
        if not content.strip() or len(content) > MAX_CONTENT:
            where = f"message {number} of {len(pieces)}"
            problems.append(f"{where}: content of {len(content)}, 1 to {MAX_CONTENT}")
    try:
        view = build_view(reply, answer_button=answer_button)
    except (TypeError, ValueError) as error:  # discord.py refused to build it
        return [*problems, f"the buttons cannot be built: {error}"]
    components = view.to_components() if view is not None else []
    shown = sum(len(row["components"]) for row in components) - int(answer_button)
    if shown < len(reply.all_buttons):
        problems.append(f"{len(reply.all_buttons) - shown} of the buttons would be left out")
    problems += _component_problems(components, "buttons")
    if answer_button:
        modal = answer_modal("Werkbot").to_dict()
        if not 1 <= len(modal["title"]) <= MAX_MODAL_TITLE:
            problems.append(f"modal title of {len(modal['title'])}, 1 to {MAX_MODAL_TITLE}")
        for row in modal["components"]:
            for item in row.get("components", []):
                if not 1 <= len(item.get("label", "")) <= MAX_INPUT_LABEL:
                    problems.append(f"modal field label {item.get('label')!r}, 1 to 45")
                if item.get("max_length", 0) > MAX_INPUT_LENGTH:
                    problems.append(f"modal field of {item['max_length']}, at most 4000")
    return problems
