"""python-telegram-bot's HTTP requests over aiohttp instead of httpx.

python-telegram-bot lets an application bring its own HTTP client by subclassing
``telegram.request.BaseRequest``; everything above the transport (parameters, retries,
error mapping, rate limiting) stays PTB's own. Measured on the survey benchmark
(bench/telegram_surveys.py), each button press costs two Bot API calls (answer the
callback query, edit the message), and with httpx/httpcore those calls took most of the
process's CPU: the connection pool checks every pooled socket on every request. aiohttp's
client (already installed: discord.py is built on it) does the same work for a fraction.

An error answer that is not JSON (a proxy's HTML 502 page, a bare 404 from a file server)
is handed to PTB as the JSON error Telegram would have sent: PTB logs an ERROR with a
traceback for every error body it cannot parse, and the status alone says all there is.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_CONNECTIONS = 64


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool, per PTB request object."""

    __slots__ = ("_connect_timeout", "_connections", "_read_timeout", "_session", "_write_timeout")

    def __init__(
        self,
        *,
        connections: int = DEFAULT_CONNECTIONS,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
    ) -> None:
        self._connections = connections
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        # PTB passes a DefaultValue where the caller gave no timeout: use ours then.
        read = self._read_timeout if _is_default(read_timeout) else read_timeout
        write = self._write_timeout if _is_default(write_timeout) else write_timeout
        connect = self._connect_timeout if _is_default(connect_timeout) else connect_timeout
        pool = None if _is_default(pool_timeout) else pool_timeout
        # aiohttp has no separate write timeout: the read timeout starts once the request
        # is sent, so a slow upload is bounded by the two together.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None else connect + (pool or 0),
            sock_read=None if read is None else read + (write or 0),
        )
        try:
            async with session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                status, payload = response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        if not HTTPStatus.OK <= status <= 299 and not _is_json(payload):
            payload = _json_error(status)
        return status, payload


def _is_json(payload: bytes) -> bool:
    try:
        return isinstance(json.loads(payload), dict)
    except ValueError:  # includes UnicodeDecodeError
        return False


def _json_error(status: int) -> bytes:
    """The error as Telegram words its own: ``{"ok": false, "error_code", "description"}``."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown HTTP error"
    body = {"ok": False, "error_code": status, "description": f"{reason} ({status})"}
    return json.dumps(body).encode()


def _is_default(value: Any) -> bool:
    return isinstance(value, type(BaseRequest.DEFAULT_NONE))


def _body(request_data: RequestData | None) -> Any:
    """Form fields as PTB sends them: urlencoded, or multipart when files go along."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, *rest = part
        form.add_field(
            name,
            content,
            filename=filename,
            content_type=rest[0] if rest else "application/octet-stream",
        )
    return form
