"""A small fake Discord on 127.0.0.1: the REST routes the client uses and a gateway.

The real discord.py client talks to it over HTTP and a websocket. It records every
request and every gateway frame it receives, so tests assert on what "Discord" got; a
test injects INTERACTION_CREATE and MESSAGE_CREATE events and REST faults (429, 5xx).
The guild has a text channel (:data:`CHANNEL_ID`) and an announcement channel
(:data:`NEWS_CHANNEL_ID`, type 5), where a message can be published to following servers
(``POST /channels/{id}/messages/{id}/crosspost``, kept in :attr:`FakeDiscord.published`);
publishing anywhere else is refused as Discord refuses it.
Bodies are sent with Content-Type exactly ``application/json``: discord.py decodes JSON
only then.

Like Discord it refuses a message that breaks Discord's limits (see :func:`form_errors`)
with a 400 ``{"code": 50035, "message": "Invalid Form Body", "errors": {...}}``, and an
empty message with ``{"code": 50006, "message": "Cannot send an empty message"}``.
Lengths are code points, as Discord counts them.

Guild scheduled events (``/guilds/{id}/scheduled-events``: create, read one or all, edit,
delete) are stored in :attr:`FakeDiscord.scheduled_events` as Discord returns them (times
in UTC ISO 8601), with Discord's refusals (see :func:`scheduled_event_errors`): a 400
"Invalid Form Body" for a name beyond 1-100, a description beyond 1000, an external event
without a location or one beyond 100, without an end, a start in the past
(``GUILD_SCHEDULED_EVENT_SCHEDULE_PAST``) or an end not after the start; a 400 with code
180000 "Cannot update a finished event" for any change to a completed or cancelled event;
a 400 on ``status`` for a transition Discord does not allow (only scheduled → active,
scheduled → cancelled, active → completed) and on ``scheduled_start_time`` for a start
sent to a running event; a 404 with code 10070 for an unknown event. A test plays a
moderator with :meth:`FakeDiscord.set_event_status` (start or end it in Discord) and
``DELETE``.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.waiting import wait_until

APP_ID = 900
BOT_ID = 901
GUILD_ID = 1000
CHANNEL_ID = 1001
NEWS_CHANNEL_ID = 1002
"""An announcement channel (type 5): what is posted there can be published."""
TEXT, NEWS = 0, 5  # channel types
CROSSPOSTED = 1 << 0  # message flag: published to following servers
TIMESTAMP = "2026-05-11T10:00:00+00:00"
EPHEMERAL = 1 << 6  # message flag: only the recipient sees it
MAX_CONTENT = 2000
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_URL = 512
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_INPUT_LENGTH = 4000
MESSAGE, UPDATE, MODAL = 4, 7, 9  # interaction callback types that carry a body
MAX_EVENT_NAME = 100
MAX_EVENT_DESCRIPTION = 1000
MAX_EVENT_LOCATION = 100
SCHEDULED, ACTIVE, COMPLETED, CANCELLED = 1, 2, 3, 4  # scheduled event status
EXTERNAL = 3  # scheduled event entity type: a place or a link, not a channel
GUILD_ONLY = 2  # scheduled event privacy level (the only one Discord has)
ALLOWED_TRANSITIONS = {(SCHEDULED, ACTIVE), (SCHEDULED, CANCELLED), (ACTIVE, COMPLETED)}
UNKNOWN_SCHEDULED_EVENT = 10070
FINISHED_EVENT = 180000


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(value: Any, limit: int) -> dict[str, Any] | None:
    if isinstance(value, str) and len(value) > limit:
        return _error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return None


def _length_between(value: Any, low: int, high: int) -> dict[str, Any] | None:
    if not isinstance(value, str | list) or not low <= len(value) <= high:
        return _error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
    return None


def _component_errors(rows: Any, *, modal: bool) -> dict[str, Any]:
    """Errors of a ``components`` array, keyed by index as Discord nests them."""
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        return _error("BASE_TYPE_BAD_LENGTH", f"Must be between 0 and {MAX_ROWS} in length.")
    errors: dict[str, Any] = {}
    for row_index, row in enumerate(rows):
        items = row.get("components") if isinstance(row, dict) else None
        bad_length = _length_between(items, 1, MAX_PER_ROW)
        if bad_length:
            errors[str(row_index)] = {"components": bad_length}
            continue
        row_errors: dict[str, Any] = {}
        for index, item in enumerate(items):
            item_errors: dict[str, Any] = {}
            label_limit = MAX_INPUT_LABEL if modal else MAX_LABEL
            if "label" in item and (found := _length_between(item["label"], 1, label_limit)):
                item_errors["label"] = found
            if "url" in item:
                if found := _length_between(item["url"], 1, MAX_URL):
                    item_errors["url"] = found
            elif found := _length_between(item.get("custom_id"), 1, MAX_CUSTOM_ID):
                item_errors["custom_id"] = found
            if modal and int(item.get("max_length") or 0) > MAX_INPUT_LENGTH:
                item_errors["max_length"] = _error(
                    "NUMBER_TYPE_MAX",
                    f"int value should be less than or equal to {MAX_INPUT_LENGTH}.",
                )
            if item_errors:
                row_errors[str(index)] = item_errors
        if row_errors:
            errors[str(row_index)] = {"components": row_errors}
    return errors


def form_errors(body: Any) -> dict[str, Any]:
    """What Discord says is wrong with a message body (content, components), by field.

    https://discord.com/developers/docs/resources/message#create-message: content up to
    2000 characters; https://discord.com/developers/docs/components/reference: up to 5
    action rows of up to 5 buttons, label up to 80, custom_id 1-100, url up to 512.
    """
    if not isinstance(body, dict):
        return {}
    errors: dict[str, Any] = {}
    if found := _too_long(body.get("content"), MAX_CONTENT):
        errors["content"] = found
    if "components" in body and body["components"] is not None:
        if found := _component_errors(body["components"], modal=False):
            errors["components"] = found
    return errors


def modal_errors(data: Any) -> dict[str, Any]:
    """What Discord says is wrong with a modal: title 1-45, fields labelled 1-45."""
    errors: dict[str, Any] = {}
    if found := _length_between(data.get("title"), 1, MAX_MODAL_TITLE):
        errors["title"] = found
    if found := _length_between(data.get("custom_id"), 1, MAX_CUSTOM_ID):
        errors["custom_id"] = found
    if found := _component_errors(data.get("components"), modal=True):
        errors["components"] = found
    return errors


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 time as Discord reads it (aware; a naive one counts as UTC), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def scheduled_event_errors(
    event: dict[str, Any], changed: dict[str, Any], current_status: int | None
) -> dict[str, Any]:
    """What Discord says is wrong with a scheduled event, by field: ``event`` is the event
    as it would be stored, ``changed`` the body sent, ``current_status`` the status before
    (None: being created).

    https://discord.com/developers/docs/resources/guild-scheduled-event: name 1-100,
    description up to 1000, an external event needs ``entity_metadata.location`` (1-100)
    and ``scheduled_end_time``; a start in the past is refused with
    ``GUILD_SCHEDULED_EVENT_SCHEDULE_PAST``, any start sent to a running event with
    ``GUILD_SCHEDULED_EVENT_SCHEDULE_INVALID_START_BY_STATUS``. The codes for an end
    before the start and for a status Discord does not allow are this fake's names.
    """
    errors: dict[str, Any] = {}
    if "name" in changed and (found := _length_between(changed["name"], 1, MAX_EVENT_NAME)):
        errors["name"] = found
    if found := _too_long(changed.get("description"), MAX_EVENT_DESCRIPTION):
        errors["description"] = found
    if event.get("privacy_level") != GUILD_ONLY:
        errors["privacy_level"] = _error(
            "BASE_TYPE_CHOICES", f"Value must be one of {{{GUILD_ONLY}}}."
        )
    if event.get("entity_type") == EXTERNAL:
        location = (event.get("entity_metadata") or {}).get("location")
        if location is None:
            errors["entity_metadata"] = {
                "location": _error("BASE_TYPE_REQUIRED", "This field is required")
            }
        elif found := _length_between(location, 1, MAX_EVENT_LOCATION):
            errors["entity_metadata"] = {"location": found}
        if event.get("channel_id") is not None:
            errors["channel_id"] = _error(
                "GUILD_SCHEDULED_EVENT_CHANNEL_ID_INVALID", "An external event has no channel."
            )
        if event.get("scheduled_end_time") is None:
            errors["scheduled_end_time"] = _error("BASE_TYPE_REQUIRED", "This field is required")
    start = _moment(event.get("scheduled_start_time"))
    end = _moment(event.get("scheduled_end_time"))
    if start is None:
        errors["scheduled_start_time"] = _error(
            "DATE_TIME_TYPE_PARSE", "Could not parse the date and time."
        )
    elif "scheduled_start_time" in changed:
        if current_status == ACTIVE:
            errors["scheduled_start_time"] = _error(
                "GUILD_SCHEDULED_EVENT_SCHEDULE_INVALID_START_BY_STATUS",
                "Cannot change the start time of an event that has started.",
            )
        elif start <= datetime.now(UTC):
            errors["scheduled_start_time"] = _error(
                "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past."
            )
    if event.get("scheduled_end_time") is not None and end is None:
        errors["scheduled_end_time"] = _error(
            "DATE_TIME_TYPE_PARSE", "Could not parse the date and time."
        )
    elif start is not None and end is not None and end <= start:
        errors["scheduled_end_time"] = _error(
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )
    if "status" in changed:
        wanted = changed["status"]
        if current_status is None or (current_status, wanted) not in ALLOWED_TRANSITIONS:
            errors["status"] = _error(
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                f"Cannot change the status from {current_status} to {wanted}.",
            )
    return errors


def is_empty_message(body: Any, files: dict[str, bytes]) -> bool:
    """Discord refuses a new message with no content, embeds, components, files or poll."""
    body = body if isinstance(body, dict) else {}
    return not (
        str(body.get("content") or "").strip()
        or body.get("embeds")
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or files
    )


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, bytes]
    at: float


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int = 1


@dataclass
class FakeDiscord:
    token: str = "fake-token"
    requests: list[Recorded] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)
    closed_dms: set[int] = field(default_factory=set)
    roles: dict[int, str] = field(default_factory=dict)
    refused: list[tuple[Recorded, dict[str, Any]]] = field(default_factory=list)
    """Requests answered with a 400 for breaking Discord's limits, with the answer."""
    gone: set[str] = field(default_factory=set)
    """Attachment file names whose download answers 404 (deleted before the bot read it)."""
    published: list[tuple[int, int]] = field(default_factory=list)
    """(channel id, message id) of every message published to following servers."""
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Guild scheduled events by id, as Discord returns them (deleted ones are gone)."""

    def __post_init__(self) -> None:
        self._ids = itertools.count(5_000_000)
        self._faults: list[Fault] = []
        self._history: list[dict[str, Any]] = []
        self._sequence = 0
        self._session = ""
        self._ws: web.WebSocketResponse | None = None
        self._live: web.WebSocketResponse | None = None
        self._dm_of: dict[int, int] = {}
        self._posted: dict[int, int] = {}
        """Channel id of every message created through REST, by message id."""
        self.files: dict[str, bytes] = {}
        self.connections = 0
        self.close_codes: list[int | None] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    # -- server ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def next_id(self) -> int:
        return next(self._ids)

    # -- faults and waiting ------------------------------------------------------------

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` matching requests get ``status`` instead of an answer."""
        self._faults.append(Fault(method, re.compile(pattern), status, body, headers or {}, times))

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.search(r.path)]

    async def wait_for(
        self, condition: Callable[[], Any], within: float = 5.0, what: str = "condition"
    ) -> Any:
        return await wait_until(condition, within, what)

    async def wait_calls(
        self, method: str, pattern: str, count: int = 1, within: float = 5.0
    ) -> list[Recorded]:
        return await self.wait_for(
            lambda: (found := self.calls(method, pattern)) and len(found) >= count and found,
            within,
            f"{count} x {method} {pattern}",
        )

    # -- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if key == "payload_json":
                    body = json.loads(str(value))
                elif hasattr(value, "file"):
                    files[value.filename] = value.file.read()  # type: ignore[union-attr]
        self.requests.append(
            Recorded(request.method, path, dict(request.query), body, files, time.monotonic())
        )
        needs_token = not path.startswith(("/interactions/", "/webhooks/"))
        if needs_token and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        for fault in self._faults:
            if fault.times > 0 and fault.method == request.method and fault.pattern.search(path):
                fault.times -= 1
                return _json(
                    fault.body or {"message": "fault", "code": 0}, fault.status, fault.headers
                )
        refusal = self._refusal(request.method, path, body, files)
        if refusal is not None:
            self.refused.append((self.requests[-1], refusal))
            return _json(refusal, 400)
        return await self._answer(request.method, path, body)

    @staticmethod
    def _refusal(
        method: str, path: str, body: Any, files: dict[str, bytes]
    ) -> dict[str, Any] | None:
        """Discord's 400 for a message or modal beyond its limits, or None."""
        creates = method == "POST" and (
            re.fullmatch(r"/channels/\d+/messages", path)
            or re.fullmatch(r"/webhooks/\d+/[^/]+", path)
        )
        edits = method == "PATCH" and re.fullmatch(r"/webhooks/\d+/[^/]+/messages/[^/]+", path)
        errors: dict[str, Any] = {}
        empty = False
        if creates or edits:
            errors = form_errors(body)
            empty = bool(creates) and is_empty_message(body, files)
        elif method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            kind = (body or {}).get("type")
            data = (body or {}).get("data") or {}
            if kind in (MESSAGE, UPDATE) and (found := form_errors(data)):
                errors = {"data": found}
            elif kind == MODAL and (found := modal_errors(data)):
                errors = {"data": found}
            empty = kind == MESSAGE and is_empty_message(data, files)
        if errors:
            return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
        if empty:
            return {"code": 50006, "message": "Cannot send an empty message"}
        return None

    async def _answer(self, method: str, path: str, body: Any) -> web.Response:
        if path == "/users/@me" and method == "GET":
            return _json(user_payload(BOT_ID, "werkbot", bot=True))
        if path == "/oauth2/applications/@me":
            return _json(
                {
                    "id": str(APP_ID),
                    "name": "Werkbot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user_payload(1, "owner"),
                    "verify_key": "0" * 64,
                    "flags": 0,
                }
            )
        if path == "/gateway/bot":
            return _json(
                {
                    "url": "wss://gateway.discord.gg",  # replaced by DISCORD_GATEWAY_URL
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if re.fullmatch(r"/applications/\d+(/guilds/\d+)?/commands", path) and method == "PUT":
            return _json(
                [
                    {
                        **command,
                        "id": str(self.next_id()),
                        "application_id": str(APP_ID),
                        "version": "1",
                    }
                    for command in body
                ]
            )
        match = re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", path)
        if match:
            return _json({"interaction": {"id": match.group(1), "type": body["type"]}})
        if re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", path):
            if method == "DELETE":
                return web.Response(status=204)
            return _json(self.message(CHANNEL_ID, body or {}))
        if re.fullmatch(r"/webhooks/\d+/[^/]+", path) and method == "POST":
            return _json(self.message(CHANNEL_ID, body or {}))
        if path == "/users/@me/channels" and method == "POST":
            user_id = int(body["recipient_id"])
            channel_id = self._dm_of.setdefault(user_id, self.next_id())
            return _json(
                {
                    "id": str(channel_id),
                    "type": 1,
                    "recipients": [user_payload(user_id, f"user{user_id}")],
                    "last_message_id": None,
                }
            )
        match = re.fullmatch(r"/channels/(\d+)/messages", path)
        if match and method == "POST":
            channel_id = int(match.group(1))
            if any(self._dm_of.get(user) == channel_id for user in self.closed_dms):
                return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
            created = self.message(channel_id, body or {})
            self._posted[int(created["id"])] = channel_id
            return _json(created)
        match = re.fullmatch(r"/channels/(\d+)/messages/(\d+)/crosspost", path)
        if match and method == "POST":
            return self._crosspost(int(match.group(1)), int(match.group(2)))
        match = re.fullmatch(r"/guilds/(\d+)/scheduled-events(?:/(\d+))?", path)
        if match:
            event_id = int(match.group(2)) if match.group(2) else None
            return self._scheduled_event(method, int(match.group(1)), event_id, body)
        match = re.fullmatch(r"/channels/(\d+)", path)
        if match and method == "GET":
            channel = next((c for c in self.guild()["channels"] if c["id"] == match.group(1)), None)
            if channel is None:
                return _json({"message": "Unknown Channel", "code": 10003}, 404)
            return _json(channel)
        return _json({"message": f"404: {method} {path} not faked", "code": 0}, 404)

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        data = None if name in self.gone else self.files.get(name)
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def _crosspost(self, channel_id: int, message_id: int) -> web.Response:
        """Publish a message of an announcement channel, with Discord's refusals
        (https://discord.com/developers/docs/resources/message#crosspost-message)."""
        if self._posted.get(message_id) != channel_id:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        if channel_id != NEWS_CHANNEL_ID:
            return _json(
                {"message": "Cannot execute action on this channel type", "code": 50024}, 400
            )
        if (channel_id, message_id) in self.published:
            return _json(
                {"message": "This message has already been crossposted.", "code": 40033}, 400
            )
        self.published.append((channel_id, message_id))
        message = self.message(channel_id, {"flags": CROSSPOSTED})
        message["id"] = str(message_id)
        return _json(message)

    def _scheduled_event(
        self, method: str, guild_id: int, event_id: int | None, body: Any
    ) -> web.Response:
        """Guild scheduled events: create, read one or all, edit, delete, with Discord's
        refusals (:func:`scheduled_event_errors`)."""
        if guild_id != GUILD_ID:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        if event_id is None:
            if method == "GET":
                return _json(list(self.scheduled_events.values()))
            if method == "POST":
                return self._save_scheduled_event(None, body if isinstance(body, dict) else {})
            return _json({"message": "405: Method Not Allowed", "code": 0}, 405)
        current = self.scheduled_events.get(event_id)
        if current is None:
            return _json(
                {"message": "Unknown Guild Scheduled Event", "code": UNKNOWN_SCHEDULED_EVENT},
                404,
            )
        if method == "GET":
            return _json(current)
        if method == "DELETE":
            del self.scheduled_events[event_id]
            return web.Response(status=204)
        if method == "PATCH":
            return self._save_scheduled_event(current, body if isinstance(body, dict) else {})
        return _json({"message": "405: Method Not Allowed", "code": 0}, 405)

    def _save_scheduled_event(
        self, current: dict[str, Any] | None, body: dict[str, Any]
    ) -> web.Response:
        if current is not None and current["status"] in (COMPLETED, CANCELLED):
            refusal = {"message": "Cannot update a finished event", "code": FINISHED_EVENT}
            self.refused.append((self.requests[-1], refusal))
            return _json(refusal, 400)
        event: dict[str, Any] = (
            dict(current)
            if current is not None
            else {
                "id": str(self.next_id()),
                "guild_id": str(GUILD_ID),
                "channel_id": None,
                "creator_id": str(BOT_ID),
                "creator": user_payload(BOT_ID, "werkbot", bot=True),
                "name": None,
                "description": None,
                "scheduled_start_time": None,
                "scheduled_end_time": None,
                "privacy_level": None,
                "status": SCHEDULED,
                "entity_type": None,
                "entity_id": None,
                "entity_metadata": None,
                "user_count": 0,
                "image": None,
                "recurrence_rule": None,
            }
        )
        for key in (
            "name",
            "description",
            "channel_id",
            "scheduled_start_time",
            "scheduled_end_time",
            "privacy_level",
            "entity_type",
            "entity_metadata",
            "status",
        ):
            if key in body:
                event[key] = body[key]
        errors = scheduled_event_errors(event, body, None if current is None else current["status"])
        if errors:
            refusal = {"code": 50035, "message": "Invalid Form Body", "errors": errors}
            self.refused.append((self.requests[-1], refusal))
            return _json(refusal, 400)
        for key in ("scheduled_start_time", "scheduled_end_time"):
            moment = _moment(event[key])
            event[key] = None if moment is None else moment.isoformat()
        self.scheduled_events[int(event["id"])] = event
        return _json(event)

    def set_event_status(self, event_id: int, status: int) -> None:
        """A moderator starts (``ACTIVE``) or ends (``COMPLETED``) the event in Discord."""
        self.scheduled_events[event_id]["status"] = status

    def scheduled_event_calls(self, method: str) -> list[Recorded]:
        """The bot's ``method`` requests on scheduled events (list or one), in order."""
        return self.calls(method, rf"^/guilds/{GUILD_ID}/scheduled-events(/\d+)?$")

    def posted(self, channel_id: int) -> list[Recorded]:
        """Messages the bot created in ``channel_id`` through REST, in order."""
        return self.calls("POST", rf"^/channels/{channel_id}/messages$")

    def dm_channel(self, user_id: int) -> int | None:
        return self._dm_of.get(user_id)

    # -- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self.connections += 1
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            self.frames.append(frame)
            op = frame.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws)
                self._live = ws
            elif op == 6:
                await self._resume(ws, frame["d"])
                self._live = ws
        self.close_codes.append(ws.close_code)
        if self._ws is ws:
            self._ws = None
        if self._live is ws:
            self._live = None
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._sequence += 1
        frame = {"op": 0, "t": event, "s": self._sequence, "d": data}
        self._history.append(frame)
        await ws.send_str(json.dumps(frame))

    async def _identify(self, ws: web.WebSocketResponse) -> None:
        self._session = f"session-{self.next_id()}"
        self._sequence = 0
        self._history.clear()
        await self._send(
            ws,
            "READY",
            {
                "v": 10,
                "user": user_payload(BOT_ID, "werkbot", bot=True),
                "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": self._session,
                "resume_gateway_url": self.gateway_url,
                "shard": [0, 1],
                "application": {"id": str(APP_ID), "flags": 0},
            },
        )
        await self._send(ws, "GUILD_CREATE", self.guild())

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("session_id") != self._session:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        for frame in self._history:
            if frame["s"] > int(data.get("seq") or 0):
                await ws.send_str(json.dumps(frame))
        self._sequence += 1
        await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._sequence, "d": {}}))

    async def disconnect(self, code: int = 4000) -> None:
        """Drop the gateway connection, as Discord does now and then."""
        assert self._ws is not None, "no gateway connection"
        ws, self._live = self._ws, None
        await ws.close(code=code)

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an event now, or keep it for the RESUME when nobody is connected."""
        ws = await self.wait_for(lambda: self._live, what="a live gateway session")
        await self._send(ws, event, data)

    def identified(self) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame.get("op") == 2]

    def resumed(self) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame.get("op") == 6]

    # -- payloads ----------------------------------------------------------------------

    def guild(self) -> dict[str, Any]:
        everyone = self.role(GUILD_ID, "@everyone")
        return {
            "id": str(GUILD_ID),
            "name": "De Werkvereniging",
            "icon": None,
            "owner_id": "1",
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "preferred_locale": "nl",
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [everyone, *(self.role(rid, name) for rid, name in self.roles.items())],
            "channels": [
                {
                    "id": str(CHANNEL_ID),
                    "type": TEXT,
                    "name": "algemeen",
                    "position": 0,
                    "permission_overwrites": [],
                    "guild_id": str(GUILD_ID),
                    "nsfw": False,
                    "parent_id": None,
                },
                {
                    "id": str(NEWS_CHANNEL_ID),
                    "type": NEWS,
                    "name": "aankondigingen",
                    "position": 1,
                    "permission_overwrites": [],
                    "guild_id": str(GUILD_ID),
                    "nsfw": False,
                    "parent_id": None,
                },
            ],
            "members": [],
            "member_count": 3,
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": TIMESTAMP,
        }

    @staticmethod
    def role(role_id: int, name: str) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "permissions": "0",
            "position": 0 if role_id == GUILD_ID else 1,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def message(
        self, channel_id: int, body: dict[str, Any], author_id: int = BOT_ID
    ) -> dict[str, Any]:
        return {
            "id": str(self.next_id()),
            "channel_id": str(channel_id),
            "author": user_payload(
                author_id,
                "werkbot" if author_id == BOT_ID else f"user{author_id}",
                bot=author_id == BOT_ID,
            ),
            "content": body.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            "components": body.get("components") or [],
        }

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user_id: int,
        *,
        roles: tuple[int, ...] = (),
        locale: str = "en-US",
        dm: bool = False,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        interaction_id = self.next_id()
        user = user_payload(user_id, f"user{user_id}")
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": f"token-{interaction_id}",
            "version": 1,
            "locale": locale,
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if dm:
            channel_id = self._dm_of.setdefault(user_id, self.next_id())
            payload["channel_id"] = str(channel_id)
            payload["channel"] = {"id": str(channel_id), "type": 1, "recipients": [user]}
            payload["user"] = user
            payload["context"] = 1
        else:
            payload["guild_id"] = str(GUILD_ID)
            payload["guild_locale"] = "nl"
            payload["channel_id"] = str(CHANNEL_ID)
            payload["channel"] = {
                "id": str(CHANNEL_ID),
                "type": 0,
                "name": "algemeen",
                "guild_id": str(GUILD_ID),
                "position": 0,
                "permission_overwrites": [],
            }
            payload["member"] = {
                "user": user,
                "roles": [str(role) for role in roles],
                "joined_at": TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "permissions": "0",
                "nick": None,
                "avatar": None,
                "premium_since": None,
            }
            payload["context"] = 0
        if message is not None:
            payload["message"] = message
        return payload

    async def command(
        self, name: str, user_id: int, options: dict[str, Any] | None = None, **kwargs: Any
    ) -> str:
        """A slash command used; returns the interaction id."""
        data = {
            "id": str(self.next_id()),
            "name": name,
            "type": 1,
            "options": [
                {"name": key, "type": 4 if isinstance(value, int) else 3, "value": value}
                for key, value in (options or {}).items()
            ],
        }
        payload = self._interaction(2, data, user_id, **kwargs)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def press(
        self, custom_id: str, user_id: int, *, ephemeral: bool = False, **kwargs: Any
    ) -> str:
        """A button pressed on a message the bot sent earlier (``ephemeral``: only they saw it)."""
        row = {
            "type": 1,
            "components": [{"type": 2, "style": 2, "label": "·", "custom_id": custom_id}],
        }
        body = {"components": [row], "flags": EPHEMERAL if ephemeral else 0}
        message = self.message(kwargs.pop("channel_id", CHANNEL_ID), body)
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, data, user_id, message=message, **kwargs)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def submit(
        self, custom_id: str, field_id: str, value: str, user_id: int, **kwargs: Any
    ) -> str:
        """A modal submitted with one text field."""
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": field_id, "value": value}]}
            ],
        }
        payload = self._interaction(5, data, user_id, **kwargs)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def direct_message(
        self, user_id: int, content: str, files: dict[str, bytes] | None = None
    ) -> None:
        """A user types in their direct messages with the bot."""
        channel_id = self._dm_of.setdefault(user_id, self.next_id())
        message = self.message(channel_id, {"content": content}, author_id=user_id)
        for name, data in (files or {}).items():
            self.files[name] = data
            message["attachments"].append(
                {
                    "id": str(self.next_id()),
                    "filename": name,
                    "size": len(data),
                    "url": f"http://127.0.0.1:{self.port}/files/{name}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/files/{name}",
                    "content_type": "text/plain",
                }
            )
        await self.dispatch("MESSAGE_CREATE", message)

    # -- what the bot said -------------------------------------------------------------

    def callbacks(self, interaction_id: str) -> list[Recorded]:
        return self.calls("POST", rf"^/interactions/{interaction_id}/")

    def answers(self, interaction_id: str) -> list[Recorded]:
        """Callback, edits and follow-ups of one interaction, in order."""
        token = f"token-{interaction_id}"
        return [
            r
            for r in self.requests
            if r.path.startswith(f"/interactions/{interaction_id}/")
            or (r.path.startswith("/webhooks/") and f"/{token}" in r.path)
        ]

    def texts(self, interaction_id: str) -> list[str]:
        out = []
        for record in self.answers(interaction_id):
            body = record.json or {}
            data = body.get("data", body) if "type" in body else body
            if isinstance(data, dict) and data.get("content"):
                out.append(data["content"])
        return out

    def dm_texts(self, user_id: int) -> list[str]:
        channel = self._dm_of.get(user_id)
        return [
            (r.json or {}).get("content", "")
            for r in self.calls("POST", rf"^/channels/{channel}/messages$")
        ]


def custom_ids(body: dict[str, Any]) -> list[str]:
    """The custom ids of every button in a message body (or an interaction callback)."""
    data = body.get("data", body) if "type" in body else body
    found = []
    for row in (data or {}).get("components", []):
        for component in row.get("components", []):
            if component.get("custom_id"):
                found.append(component["custom_id"])
    return found
