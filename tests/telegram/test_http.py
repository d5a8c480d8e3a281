"""The aiohttp transport under python-telegram-bot, against a small server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram._http import AiohttpRequest


class Echo:
    """Answers every request with what it received."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.delay = 0.0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        entry: dict[str, Any] = {
            "method": request.method,
            "content_type": request.content_type,
            "agent": request.headers.get("User-Agent", ""),
            "fields": {},
            "files": {},
        }
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    entry["files"][part.name] = (part.filename, await part.read())  # type: ignore[union-attr]
                else:
                    entry["fields"][part.name] = await part.text()  # type: ignore[union-attr]
        elif request.method == "POST":
            entry["fields"] = dict(await request.post())
        self.received.append(entry)
        return web.json_response({"ok": True, "result": True}, status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
async def echo() -> AsyncIterator[Echo]:
    server = Echo()
    await server.start()
    yield server
    assert server.runner is not None
    await server.runner.cleanup()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connections=4, connect_timeout=1, read_timeout=1, write_timeout=1)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_form_fields_are_posted_as_ptb_encodes_them(
    echo: Echo, request_: AiohttpRequest
) -> None:
    data = RequestData(
        [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", "Hoi & dag €")]
    )
    status, body = await request_.do_request(f"{echo.url}/botT/sendMessage", "POST", data)
    assert status == 200 and b'"ok": true' in body
    [got] = echo.received
    assert got["content_type"] == "application/x-www-form-urlencoded"
    assert got["fields"] == {"chat_id": "42", "text": "Hoi & dag €"}
    assert got["agent"].startswith("python-telegram-bot")


async def test_files_go_as_multipart_with_the_fields(echo: Echo, request_: AiohttpRequest) -> None:
    document = InputFile(b"uitslag;n\n1;2\n", filename="uitslag.csv", attach=True)
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 7),
            RequestParameter.from_input("document", document),
        ]
    )
    status, _body = await request_.do_request(f"{echo.url}/botT/sendDocument", "POST", data)
    assert status == 200
    [got] = echo.received
    assert got["content_type"] == "multipart/form-data"
    assert got["fields"]["chat_id"] == "7"
    assert got["files"][document.attach_name] == ("uitslag.csv", b"uitslag;n\n1;2\n")


async def test_a_download_is_a_get(echo: Echo, request_: AiohttpRequest) -> None:
    status, _body = await request_.do_request(f"{echo.url}/file/botT/doc.csv", "GET")
    assert status == 200 and echo.received[0]["method"] == "GET"


async def test_a_slow_server_is_a_timeout(echo: Echo, request_: AiohttpRequest) -> None:
    echo.delay = 1.0
    with pytest.raises(TimedOut):
        await request_.do_request(f"{echo.url}/botT/getMe", "POST", read_timeout=0.1, write_timeout=0)


async def test_no_server_is_a_network_error(request_: AiohttpRequest) -> None:
    with socket.socket() as probe:  # a port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError):
        await request_.do_request(f"http://127.0.0.1:{port}/botT/getMe", "POST")


async def test_requests_need_initialize_and_shutdown_is_idempotent(echo: Echo) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(f"{echo.url}/botT/getMe", "POST")
    await request.initialize()
    await request.initialize()  # a second initialize keeps the one session
    status, _body = await request.do_request(f"{echo.url}/botT/getMe", "POST")
    assert status == 200
    await request.shutdown()
    await request.shutdown()


async def test_an_error_page_that_is_not_json_reaches_ptb_as_telegrams_json_error(
    request_: AiohttpRequest,
) -> None:
    """PTB logs an ERROR for every error body it cannot parse; a proxy's page is not one."""
    import json

    from telegram.error import InvalidToken

    async def proxy(request: web.Request) -> web.Response:
        status = int(request.match_info["status"])
        return web.Response(status=status, text="<html><h1>Bad Gateway</h1></html>")

    app = web.Application()
    app.router.add_route("*", "/{status}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        status, body = await request_.do_request(f"{url}/502", "GET")
        assert status == 502
        assert json.loads(body) == {
            "ok": False,
            "error_code": 502,
            "description": "Bad Gateway (502)",
        }
        with pytest.raises(InvalidToken, match="Not Found"):  # PTB's class for a 404
            await request_.retrieve(f"{url}/404")
    finally:
        await runner.cleanup()
