"""A small fake Telegram Bot API server on 127.0.0.1 (aiohttp).

The real python-telegram-bot talks to it over HTTP exactly as it would to
api.telegram.org (through ``TELEGRAM_API_BASE_URL``). It keeps every call it received,
serves ``getUpdates`` long polling from a queue the test fills, stores the messages the
bot sent (so a test can press their buttons), serves files for ``getFile``, and injects
faults on request: an error status (429 with ``retry_after``, 403, 5xx), a dropped
connection, or a slow answer (also on a file download: method ``downloadFile``).

Like the real Telegram it refuses what breaks Telegram's limits, with Telegram's own
descriptions (see :func:`limit_violation`): texts are measured in UTF-16 code units, as
Telegram measures them, after trimming surrounding whitespace. A text sent with
``parse_mode=HTML`` is parsed as Telegram parses it (:func:`parse_html`): an unknown or
unbalanced tag is refused with "Bad Request: can't parse entities: …", and the limits
count the text that remains after the tags; the stored message holds that text and its
entities, as Telegram's would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.smtp import free_port
from tests.support.waiting import wait_until

TOKEN = "123456:TEST-token_for-the-fake-api"
BOT_ID = 123456
BOT_USERNAME = "werkbot_test_bot"
MAX_TEXT = 4096  # UTF-16 code units, https://core.telegram.org/bots/api#sendmessage
MAX_CAPTION = 1024  # UTF-16 code units, https://core.telegram.org/bots/api#sendphoto
MAX_CALLBACK_DATA = 64  # bytes, https://core.telegram.org/bots/api#inlinekeyboardbutton
MAX_ENTITIES = 100  # formatted; the rest is dropped silently (tdlib/telegram-bot-api#820)
MAX_MARKED_UP = 9500  # UTF-16 units of HTML: ENTITIES_TOO_LONG (tdlib/telegram-bot-api#165)
_CHAT_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
}
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
}


@dataclass
class Call:
    """One request the bot made: method, form fields (raw strings) and uploaded files."""

    method: str
    params: dict[str, str]
    files: dict[str, tuple[str, bytes]]
    at: float
    status: int = 200

    def json(self, name: str) -> Any:
        raw = self.params.get(name)
        return None if raw is None else json.loads(raw)

    @property
    def chat_id(self) -> str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def shown(self) -> str:
        """What a member sees of the text: after Telegram's parsing of the HTML, if any."""
        if self.params.get("parse_mode") == "HTML":
            return parse_html(self.text)[0].strip()
        return self.text.strip()

    @property
    def entities(self) -> list[dict[str, Any]]:
        """The formatting Telegram made of the HTML (bold, italic, text_link, …)."""
        if self.params.get("parse_mode") == "HTML":
            return parse_html(self.text)[1]
        return []

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.json("reply_markup")
        return (markup or {}).get("inline_keyboard", [])

    @property
    def actions(self) -> list[str]:
        return [b["callback_data"] for row in self.keyboard for b in row if "callback_data" in b]

    @property
    def urls(self) -> list[str]:
        return [b["url"] for row in self.keyboard for b in row if "url" in b]

    @property
    def ok(self) -> bool:
        return self.status == 200


def utf16_length(text: str) -> int:
    """Telegram's length of a text: UTF-16 code units (written here again, on purpose, so
    the fake does not trust the adapter's own measuring)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _keyboard_violation(raw_markup: str) -> str | None:
    unparsable = "Bad Request: can't parse reply keyboard markup JSON object"
    try:
        markup = json.loads(raw_markup)
    except ValueError:
        return unparsable
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if rows is None:
        return None  # another kind of keyboard: not used by Werkbot
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return unparsable
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            return "Bad Request: BUTTON_TEXT_INVALID"
        if "url" in button:
            if not str(button["url"]).startswith(("https://", "http://", "tg://")):
                return "Bad Request: BUTTON_URL_INVALID"
            continue
        data = button.get("callback_data")
        if not data:  # what Telegram says for an empty callback_data too
            return (
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        if len(str(data).encode("utf-8", "surrogatepass")) > MAX_CALLBACK_DATA:
            return "Bad Request: BUTTON_DATA_INVALID"
    return None


class EntityError(ValueError):
    """Telegram could not parse the HTML of a text."""


_SUPPORTED_TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHARACTER_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's reading of ``parse_mode=HTML`` (https://core.telegram.org/bots/api#html-style,
    modelled on tdlib's ``parse_html``): the text that remains, and its entities with
    offsets and lengths in UTF-16 units. Raises :class:`EntityError` with Telegram's
    wording for an unsupported, unclosed or unmatched tag. Only ``&lt;``, ``&gt;``,
    ``&amp;``, ``&quot;`` and numeric references are entities; another ``&`` is text."""
    shown: list[str] = []
    units = 0
    open_tags: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    index, end = 0, len(text)

    def byte_offset(position: int) -> int:
        return len(text[:position].encode("utf-8", "surrogatepass"))

    while index < end:
        char = text[index]
        if char == "&":
            reference = _CHARACTER_REFERENCE.match(text, index)
            if reference is not None:
                named, decimal, hexadecimal = reference.groups()
                code = int(decimal) if decimal else int(hexadecimal, 16) if hexadecimal else 0
                char = _NAMED[named] if named else chr(code) if 0 < code <= 0x10FFFF else ""
                index = reference.end() - 1
        elif char == "<":
            start = index
            closing = text.startswith("</", index)
            name_start = index + (2 if closing else 1)
            name_end = name_start
            while name_end < end and not text[name_end].isspace() and text[name_end] != ">":
                name_end += 1
            tag = text[name_start:name_end].lower()
            close = text.find(">", name_end)
            if closing:
                if close < 0:
                    raise EntityError(f"Unclosed end tag at byte offset {byte_offset(start)}")
                if not open_tags:
                    raise EntityError(f"Unexpected end tag at byte offset {byte_offset(start)}")
                expected, began, attributes = open_tags.pop()
                if tag and tag != expected:
                    raise EntityError(
                        f"Unmatched end tag at byte offset {byte_offset(start)}, "
                        f'expected "</{expected}>", found "</{tag}>"'
                    )
                if units > began:
                    entity: dict[str, Any] = {
                        "type": _SUPPORTED_TAGS[expected],
                        "offset": began,
                        "length": units - began,
                    }
                    if expected == "a":
                        entity["url"] = attributes.get("href", "")
                    entities.append(entity)
            else:
                if close < 0:
                    raise EntityError(f"Unclosed start tag at byte offset {byte_offset(start)}")
                if tag not in _SUPPORTED_TAGS:
                    raise EntityError(
                        f'Unsupported start tag "{tag}" at byte offset {byte_offset(start)}'
                    )
                attributes = {}
                rest = text[name_end:close]
                position = 0
                while rest[position:].strip():
                    found = _ATTRIBUTE.match(rest, position)
                    if found is None:
                        raise EntityError(
                            f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                        )
                    key = found.group(1).lower()
                    value = next(v for v in found.groups()[1:] if v is not None)
                    attributes[key] = re.sub(
                        r"&(lt|gt|amp|quot);", lambda m: _NAMED[m.group(1)], value
                    )
                    position = found.end()
                open_tags.append((tag, units, attributes))
            index = close + 1
            continue
        shown.append(char)
        units += utf16_length(char)
        index += 1
    if open_tags:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    plain = "".join(shown)
    lead = utf16_length(plain[: len(plain) - len(plain.lstrip())])
    total = utf16_length(plain.strip())
    trimmed = []
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        begin = max(entity["offset"] - lead, 0)
        finish = min(entity["offset"] + entity["length"] - lead, total)
        if finish > begin:
            trimmed.append({**entity, "offset": begin, "length": finish - begin})
    return plain.strip(), trimmed


def _shown(params: dict[str, str], key: str) -> str:
    """The text of ``key`` as Telegram measures it: after entity parsing and trimming."""
    raw = params.get(key, "")
    if params.get("parse_mode") == "HTML":
        return parse_html(raw)[0]
    return raw.strip()


def limit_violation(method: str, params: dict[str, str]) -> str | None:
    """Telegram's description of the first limit this call breaks, or None.

    The limits of the Bot API (https://core.telegram.org/bots/api): message text 1-4096
    and caption 0-1024 UTF-16 units after entity parsing (plain text: after trimming),
    callback_data 1-64 bytes, a label on every button, and a chat for every message.
    With ``parse_mode=HTML`` the text must parse first.
    """
    if method in _CHAT_METHODS and not params.get("chat_id", "").strip():
        if method.startswith("send") or "inline_message_id" not in params:
            return "Bad Request: chat_id is empty"
    mode = params.get("parse_mode")
    if mode is not None and mode != "HTML":
        return f"Bad Request: unsupported parse_mode {mode!r} (the fake knows HTML)"
    if mode == "HTML":
        raw = params.get("text", params.get("caption", ""))
        if utf16_length(raw) > MAX_MARKED_UP:
            return "Bad Request: ENTITIES_TOO_LONG"
    try:
        if method in ("sendMessage", "editMessageText"):
            text = _shown(params, "text")
            if not text:
                return "Bad Request: message text is empty"
            if utf16_length(text) > MAX_TEXT:
                # Telegram words it differently for the two methods.
                if method == "sendMessage":
                    return "Bad Request: message is too long"
                return "Bad Request: MESSAGE_TOO_LONG"
        if method in ("sendDocument", "sendPhoto", "editMessageCaption"):
            if utf16_length(_shown(params, "caption")) > MAX_CAPTION:
                return "Bad Request: message caption is too long"
    except EntityError as error:
        return f"Bad Request: can't parse entities: {error}"
    if "reply_markup" in params:
        return _keyboard_violation(params["reply_markup"])
    return None


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class Fault:
    method: str
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    chat_id: str | None = None
    drop: bool = False
    delay: float = 0.0
    times: int = 1


def user(user_id: int, first_name: str = "Alice", language: str | None = "en") -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language:
        data["language_code"] = language
    return data


def private_chat(who: dict[str, Any]) -> dict[str, Any]:
    return {"id": who["id"], "type": "private", "first_name": who["first_name"]}


def group_chat(chat_id: int = -1001234567890, title: str = "Werkvereniging") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": title}


@dataclass
class FakeBotApi:
    token: str = TOKEN
    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    """Chat ids whose user blocked the bot: every send there gets 403."""
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    messages: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    confirmed_offset: int = 0

    def __post_init__(self) -> None:
        self.port = free_port()
        self._updates: deque[dict[str, Any]] = deque()  # oldest first, ids ascending
        self._arrived = asyncio.Event()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._chats: dict[str, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Werkbot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # -- server ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self._closing = True
        self._arrived.set()  # release long polls at once
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what the test does -------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._ids)
        update["update_id"] = update_id
        self._updates.append(update)
        self._arrived.set()
        return update_id

    def _remember_chat(self, chat: dict[str, Any]) -> None:
        self._chats[str(chat["id"])] = chat

    def message(self, sender: dict[str, Any], text: str, chat: dict[str, Any] | None = None) -> int:
        """The user sends ``text`` (in their private chat unless ``chat`` is given)."""
        chat = chat or private_chat(sender)
        self._remember_chat(chat)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push({"message": message})

    def document(
        self,
        sender: dict[str, Any],
        filename: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        """The user uploads a file in their private chat."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (f"documents/{filename}", data)
        chat = private_chat(sender)
        self._remember_chat(chat)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": filename,
                "mime_type": mime_type,
                "file_size": len(data),
            },
        }
        if caption:
            message["caption"] = caption
        return self.push({"message": message})

    def photo(self, sender: dict[str, Any], data: bytes) -> int:
        """The user sends a photo in their private chat (Telegram offers several sizes)."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (f"photos/{file_id}.jpg", data)
        chat = private_chat(sender)
        self._remember_chat(chat)
        sizes = [
            {"file_id": "thumb", "file_unique_id": "uthumb", "width": 90, "height": 90},
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 800,
                "height": 600,
                "file_size": len(data),
            },
        ]
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "photo": sizes,
        }
        return self.push({"message": message})

    def press(self, sender: dict[str, Any], sent: Call | dict[str, Any], data: str) -> str:
        """The user presses the button with callback ``data`` on a message the bot sent."""
        if isinstance(sent, Call):
            message = self.messages[(str(sent.chat_id), int(sent.params["message_id"]))]
        else:
            message = sent
        query_id = f"q{next(self._ids)}"
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": sender,
                    "chat_instance": "ci-1",
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def fail(self, method: str, status: int, description: str, **options: Any) -> Fault:
        fault = Fault(method, status, description, **options)
        self.faults.append(fault)
        return fault

    def drop(self, method: str, times: int = 1) -> Fault:
        fault = Fault(method, drop=True, times=times)
        self.faults.append(fault)
        return fault

    def delay(self, method: str, seconds: float, times: int = 1) -> Fault:
        fault = Fault(method, status=200, delay=seconds, times=times)
        self.faults.append(fault)
        return fault

    # -- what the test asserts on -------------------------------------------------------

    def sent(
        self,
        chat_id: int | str | None = None,
        *,
        method: str | tuple[str, ...] = ("sendMessage", "sendDocument", "sendPhoto"),
        containing: str | None = None,
        after: int = 0,
    ) -> list[Call]:
        methods = (method,) if isinstance(method, str) else method
        return [
            call
            for call in self.calls[after:]
            if call.method in methods
            and call.ok
            and (chat_id is None or call.chat_id == str(chat_id))
            and (containing is None or containing in call.text)
        ]

    def attempts(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        """Every call of ``method`` (to ``chat_id``), whether it succeeded or not."""
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or call.chat_id == str(chat_id))
        ]

    async def wait_for(
        self, check: Callable[[], Any], within: float = 10.0, what: str = "condition"
    ) -> Any:
        """Poll ``check`` until it returns something truthy; fail after ``within`` seconds."""

        def last_calls() -> str:
            return f"last calls: {[(c.method, c.chat_id, c.text[:60]) for c in self.calls[-8:]]}"

        return await wait_until(check, within, what, last_calls)

    async def reply(
        self, chat_id: int | str, containing: str = "", after: int = 0, **options: Any
    ) -> Call:
        """Wait for a message to ``chat_id`` containing ``containing``; return the first."""
        found = await self.wait_for(
            lambda: self.sent(chat_id, containing=containing, after=after, **options),
            what=f"a message to {chat_id} containing {containing!r}",
        )
        return found[0]

    # -- the Bot API ---------------------------------------------------------------------

    async def _read(
        self, request: web.Request
    ) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
        params: dict[str, str] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                for key, value in (await request.json()).items():
                    params[key] = value if isinstance(value, str) else json.dumps(value)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.file.read())
                    else:
                        params[key] = str(value)
        return params, files

    def _fault_for(self, method: str, params: dict[str, str]) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.times > 0:
                if fault.chat_id is not None and fault.chat_id != params.get("chat_id"):
                    continue
                fault.times -= 1
                return fault
        return None

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params, files = await self._read(request)
        call = Call(method, params, files, time.monotonic())
        self.calls.append(call)
        fault = self._fault_for(method, params)
        if fault is not None:
            if fault.drop:
                call.status = 0
                assert request.transport is not None
                request.transport.abort()
                return web.Response()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status != 200:
                call.status = fault.status
                return self._error(fault.status, fault.description, fault.retry_after)
        chat_id = params.get("chat_id")
        if chat_id in self.blocked and method.startswith(("send", "edit")):
            call.status = 403
            return self._error(403, "Forbidden: bot was blocked by the user")
        violation = limit_violation(method, params)
        if violation is not None:
            call.status = 400
            return self._error(400, violation)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 400
            return self._error(400, f"Bad Request: the fake has no method {method}")
        try:
            result = await handler(params, files)
        except ApiError as error:
            call.status = error.status
            return self._error(error.status, error.description)
        if method in ("sendMessage", "sendDocument", "sendPhoto"):
            call.params["message_id"] = str(result["message_id"])
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        call = Call("downloadFile", {"path": path}, {}, time.monotonic())
        self.calls.append(call)
        fault = self._fault_for("downloadFile", {})
        if fault is not None and fault.status != 200:
            # As a proxy or CDN in between would answer: plain text, not Telegram's JSON.
            call.status = fault.status
            return web.Response(status=fault.status, text=fault.description)
        for stored_path, data in self.files.values():
            if stored_path == path:
                return web.Response(body=data)
        call.status = 404
        return self._error(404, "Not Found")

    # -- methods -------------------------------------------------------------------------

    async def _m_getMe(self, params: dict[str, str], files: dict) -> Any:
        return self.bot_user

    async def _m_deleteWebhook(self, params: dict[str, str], files: dict) -> Any:
        return True

    async def _m_setWebhook(self, params: dict[str, str], files: dict) -> Any:
        return True

    async def _m_setMyCommands(self, params: dict[str, str], files: dict) -> Any:
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, str], files: dict) -> Any:
        return True

    async def _m_getUpdates(self, params: dict[str, str], files: dict) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()  # confirmed: Telegram forgets them
        deadline = time.monotonic() + timeout
        while not self._updates and not self._closing:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                break
        # As Telegram: at most ``limit`` updates per call (1-100, default 100).
        limit = min(100, max(1, int(params.get("limit") or 100)))
        return list(itertools.islice(self._updates, limit))

    def _chat(self, chat_id: str) -> dict[str, Any]:
        known = self._chats.get(chat_id)
        if known:
            return known
        if int(chat_id) < 0:
            return group_chat(int(chat_id))
        return {"id": int(chat_id), "type": "private", "first_name": "User"}

    def _store(self, params: dict[str, str], extra: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **extra,
        }
        if "reply_markup" in params:
            message["reply_markup"] = json.loads(params["reply_markup"])
        self.messages[(chat_id, message["message_id"])] = message
        return message

    @staticmethod
    def _content(params: dict[str, str], key: str) -> dict[str, Any]:
        """A message's text (or caption) as Telegram stores it: HTML parsed into text and
        entities."""
        if params.get("parse_mode") != "HTML":
            return {key: params[key]}
        text, entities = parse_html(params[key])
        entities = entities[:MAX_ENTITIES]  # as Telegram: the rest is not formatted
        content: dict[str, Any] = {key: text}
        if entities:
            content["entities" if key == "text" else "caption_entities"] = entities
        return content

    async def _m_sendMessage(self, params: dict[str, str], files: dict) -> Any:
        return self._store(params, self._content(params, "text"))

    def _upload(self, kind: str, params: dict[str, str], files: dict) -> dict[str, Any]:
        name, data = files[kind]
        file_id = f"sent-{len(self.files) + 1}"
        self.files[file_id] = (f"{kind}s/{name}", data)
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data)}

    async def _m_sendDocument(self, params: dict[str, str], files: dict) -> Any:
        document = self._upload("document", params, files)
        document["file_name"] = files["document"][0]
        extra: dict[str, Any] = {"document": document}
        if "caption" in params:
            extra.update(self._content(params, "caption"))
        return self._store(params, extra)

    async def _m_sendPhoto(self, params: dict[str, str], files: dict) -> Any:
        photo = self._upload("photo", params, files) | {"width": 640, "height": 480}
        extra: dict[str, Any] = {"photo": [photo]}
        if "caption" in params:
            extra.update(self._content(params, "caption"))
        return self._store(params, extra)

    def _edited(self, params: dict[str, str], changes: dict[str, Any]) -> Any:
        key = (params["chat_id"], int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        message.update(changes)
        if "reply_markup" in params:
            message["reply_markup"] = json.loads(params["reply_markup"])
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_editMessageText(self, params: dict[str, str], files: dict) -> Any:
        message = self.messages.get((params["chat_id"], int(params["message_id"])))
        if message is not None:
            message.pop("entities", None)
        changes = {**self._content(params, "text"), "edit_date": int(time.time())}
        return self._edited(params, changes)

    async def _m_editMessageReplyMarkup(self, params: dict[str, str], files: dict) -> Any:
        return self._edited(params, {"edit_date": int(time.time())})

    async def _m_getFile(self, params: dict[str, str], files: dict) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }
