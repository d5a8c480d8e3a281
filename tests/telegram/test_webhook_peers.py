"""Webhook mode over several processes: each user's updates are handled by one of them.

Two real Werkbots (each its own SQLite file, real Telegram adapter in webhook mode) talk to
one fake Bot API server. The test POSTs updates to their webhook ports itself, as Telegram
behind a round-robin nginx would. Each process's peer URL points at a small recording
relay in front of it, so the test sees every forward: which update, with which headers,
how often. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Update

from bot.adapters.telegram import TelegramAdapter, WebhookOptions
from bot.adapters.telegram._webhook import FORWARDED_HEADER, SECRET_HEADER
from bot.app import Werkbot
from bot.core.types import Incoming, Reply
from bot.platforms import telegram_options
from config import Settings, SettingsError, load_settings
from tests.support.smtp import free_port
from tests.support.waiting import wait_until
from tests.telegram.conftest import FAST
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, group_chat, private_chat, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

SECRET = "one-Secret_for-every-process"
HOOK_URL = "https://bot.example.org/telegram/hook"
PATH = "/telegram/hook"
_update_ids = itertools.count(1)


def message_update(who: dict[str, Any], text: str) -> dict[str, Any]:
    """What Telegram posts for a text in ``who``'s private chat (as the fake server builds it)."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids) + 5000,
        "date": int(time.time()),
        "chat": private_chat(who),
        "from": who,
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(_update_ids), "message": message}


@dataclass
class Forward:
    update_id: int
    secret: str | None
    forwarded: str | None


class Relay:
    """A pass-through in front of one process's webhook: records every forward it carries.

    ``mode``: "pass" hands the request on; "fail" answers 503; "hang" never answers (until
    the relay stops), so the sender's timeout fires."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target = f"http://127.0.0.1:{target_port}"
        self.seen: list[Forward] = []
        self.mode = "pass"
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(
            Forward(
                json.loads(body)["update_id"],
                request.headers.get(SECRET_HEADER),
                request.headers.get(FORWARDED_HEADER),
            )
        )
        if self.mode == "fail":
            return web.Response(status=503)
        if self.mode == "hang":
            await self._release.wait()
            return web.Response(status=503)
        assert self._session is not None
        headers = {
            name: request.headers[name]
            for name in (SECRET_HEADER, FORWARDED_HEADER, "Content-Type")
            if name in request.headers
        }
        async with self._session.post(self.target + PATH, data=body, headers=headers) as answer:
            return web.Response(status=answer.status)

    def update_ids(self) -> list[int]:
        return [forward.update_id for forward in self.seen]


@dataclass
class Process:
    name: str
    index: int
    port: int
    app: Werkbot
    adapter: TelegramAdapter
    seen: list[tuple[str, str]] = field(default_factory=list)
    """(user id, text or command) of every event this process's router handled, in order."""

    @property
    def hook(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def handled(self, who: dict[str, Any]) -> list[str]:
        return [what for user_id, what in self.seen if user_id == str(who["id"])]


@dataclass
class Cluster:
    processes: list[Process]
    relays: list[Relay]
    api: FakeBotApi
    session: aiohttp.ClientSession

    @property
    def a(self) -> Process:
        return self.processes[0]

    @property
    def b(self) -> Process:
        return self.processes[1]

    async def post(
        self, process: Process, update: dict[str, Any], secret: str | None = SECRET
    ) -> int:
        """POST ``update`` to ``process``'s webhook port, as Telegram (through nginx) would."""
        headers = {} if secret is None else {SECRET_HEADER: secret}
        async with self.session.post(process.hook, json=update, headers=headers) as response:
            return response.status

    def handled(self, who: dict[str, Any]) -> list[str]:
        return [what for process in self.processes for what in process.handled(who)]


StartCluster = Callable[..., Awaitable[Cluster]]


@pytest.fixture
async def start_cluster(
    make_settings: Callable[..., Settings], api: FakeBotApi, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[StartCluster]:
    started: list[Process] = []
    relays: list[Relay] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(**webhook_options: Any) -> Cluster:
        ports = [free_port(), free_port()]
        for port in ports:
            relays.append(Relay(port))
        for relay in relays:
            await relay.start()
        peers = ",".join(relay.base_url for relay in relays)
        template = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
        for index, (name, port) in enumerate(zip("AB", ports, strict=True)):
            database = tmp_path / f"werkbot-{name}.db"
            shutil.copyfile(template, database)  # each process its own migrated database
            settings = make_settings(
                database_url=f"sqlite+aiosqlite:///{database}",
                data_dir=tmp_path / f"data-{name}",
                telegram_token=TOKEN,
                telegram_api_base_url=api.base_url,
                telegram_webhook_url=HOOK_URL,
                telegram_webhook_secret=SECRET,
                telegram_webhook_port=port,
                telegram_webhook_peers=peers,
                telegram_webhook_peer_index=index,
            )
            app = Werkbot(settings)
            await app.start()
            options = telegram_options(settings, app.roles.privileged_on("telegram"))
            assert options.webhook is not None
            options = replace(
                options, limits=FAST, webhook=replace(options.webhook, **webhook_options)
            )
            seen: list[tuple[str, str]] = []

            async def handle(
                event: Incoming, app: Werkbot = app, seen: list[tuple[str, str]] = seen
            ) -> list[Reply]:
                what = getattr(event, "text", "") or "/" + str(getattr(event, "name", ""))
                seen.append((event.identity.user_id, what))
                return await app.router.handle(event)

            adapter = TelegramAdapter(handle, app.registry, options)
            app.delivery.attach(adapter)
            process = Process(name, index, port, app, adapter, seen)
            started.append(process)
            await adapter.start()
        session = aiohttp.ClientSession()
        sessions.append(session)
        return Cluster(started, relays, api, session)

    yield start
    for session in sessions:
        await session.close()
    for process in reversed(started):
        try:
            await process.app.stop_sending()
            await process.adapter.stop()
        finally:
            await process.app.stop()
    for relay in relays:
        await relay.stop()


def even_and_odd(count: int) -> list[dict[str, Any]]:
    """Users with ids 1000, 1001, …: even ids belong to process A (index 0), odd to B."""
    return [user(1000 + n, f"User{n}", "en") for n in range(count)]


# -- routing ---------------------------------------------------------------------------------


async def test_each_user_is_handled_by_its_process_in_order(start_cluster: StartCluster) -> None:
    cluster = await start_cluster()
    api, a, b = cluster.api, cluster.a, cluster.b
    assert [call.params["secret_token"] for call in api.attempts("setWebhook")] == [SECRET] * 2

    # A wrong or missing secret is refused before anything is forwarded or handled.
    odd = user(1001, "Mallory", "en")
    for secret in (None, "wrong"):
        assert await cluster.post(a, message_update(odd, "/hulp"), secret=secret) == 403
    refused = message_update(odd, "/hulp")
    async with cluster.session.post(
        a.hook, json=refused, headers={SECRET_HEADER: "wrong", FORWARDED_HEADER: "1"}
    ) as response:
        assert response.status == 403
    assert cluster.relays[1].seen == [] and cluster.relays[0].seen == []
    assert a.seen == [] and b.seen == []

    # An update that was forwarded once is handled where it arrives, whatever that process
    # thinks of its owner (here: A's user at B), so a difference of views never loops.
    even = user(2000, "Gerrit", "en")
    async with cluster.session.post(
        b.hook,
        json=message_update(even, "/start"),
        headers={SECRET_HEADER: SECRET, FORWARDED_HEADER: "1"},
    ) as response:
        assert response.status == 200
    await api.reply(even["id"], "Werkbot")
    assert b.handled(even) == ["/start"] and a.handled(even) == []
    assert cluster.relays[1].seen == [] and cluster.relays[0].seen == []

    # Six users, four updates each, posted alternately to A and B (the first of each user
    # to a different one), all users at once; one user's updates one after the other, as
    # Telegram sends them. Without routing, a user's conversation would be split over two
    # databases and its steps answered out of order.
    users = even_and_odd(6)
    steps = ["/start", "/registreer", "Name {n}", "user{n}@example.org"]
    posted_to: dict[int, tuple[Process, int]] = {}  # update_id -> (process posted to, user id)

    async def converse(n: int, who: dict[str, Any]) -> None:
        for k, step in enumerate(steps):
            update = message_update(who, step.format(n=n))
            process = cluster.processes[(n + k) % 2]
            posted_to[update["update_id"]] = (process, who["id"])
            assert await cluster.post(process, update) == 200

    await asyncio.gather(*(converse(n, who) for n, who in enumerate(users)))

    for who in users:
        await api.reply(who["id"], "step 3 of 6")
    for n, who in enumerate(users):
        owner, other = (a, b) if who["id"] % 2 == 0 else (b, a)
        expected = [step.format(n=n) for step in steps]
        assert owner.handled(who) == expected, f"user {who['id']} at {owner.name}"
        assert other.handled(who) == []
        texts = [call.text for call in api.sent(who["id"])]
        step_replies = [text for text in texts if "step" in text]
        assert [text[text.index("step") :][:11] for text in step_replies] == [
            "step 1 of 6",
            "step 2 of 6",
            "step 3 of 6",
        ], texts
        assert f"user{n}@example.org" not in step_replies[1]  # the name came first

    # Every update posted to the process that does not own it was forwarded exactly once,
    # to its owner, with the secret and the forwarded mark; nothing went back the other way.
    for index, relay in enumerate(cluster.relays):
        expected_ids = sorted(
            update_id
            for update_id, (process, user_id) in posted_to.items()
            if user_id % 2 == index and process.index != index
        )
        assert sorted(relay.update_ids()) == expected_ids
        assert all(f.secret == SECRET and f.forwarded == "1" for f in relay.seen)
    assert len(cluster.relays[0].seen) + len(cluster.relays[1].seen) == len(users) * 2


async def test_an_update_without_user_or_chat_is_handled_where_it_lands(
    start_cluster: StartCluster,
) -> None:
    cluster = await start_cluster()
    # an update kind Werkbot does not ask for: no user, no chat; answered, not forwarded
    update = {"update_id": next(_update_ids), "poll": _poll()}
    assert await cluster.post(cluster.b, update) == 200
    assert await cluster.post(cluster.a, update) == 200
    assert cluster.relays[0].seen == [] and cluster.relays[1].seen == []


def _poll() -> dict[str, Any]:
    return {
        "id": "p1",
        "persistent_id": "p1",
        "question": "?",
        "options": [{"text": "a", "voter_count": 0, "persistent_id": "o1"}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": False,
        "members_only": False,
    }


# -- the owner cannot take it ----------------------------------------------------------------


@pytest.mark.parametrize("failure", ["refused", "503", "timeout"])
async def test_an_unreachable_owner_leaves_the_update_to_the_receiver(
    start_cluster: StartCluster, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    cluster = await start_cluster(forward_timeout=0.5, peer_retry_after=60)
    api, a, b = cluster.api, cluster.a, cluster.b
    relay = cluster.relays[1]  # in front of B, the owner of odd users
    if failure == "refused":
        await relay.stop()  # its port is closed: connection refused
    else:
        relay.mode = {"503": "fail", "timeout": "hang"}[failure]
    odd = user(1001, "Olga", "en")

    assert await cluster.post(a, message_update(odd, "/start")) == 200
    await api.reply(odd["id"], "Werkbot")
    assert a.handled(odd) == ["/start"] and b.handled(odd) == []
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "cannot take updates" in r.getMessage()
    ]
    assert len(warnings) == 1 and "process 1" in warnings[0].getMessage()

    # While the owner is down, its users' next updates stay here without trying again.
    tried = len(relay.seen)
    assert await cluster.post(a, message_update(odd, "/registreer")) == 200
    await api.reply(odd["id"], "step 1 of 6")
    assert a.handled(odd) == ["/start", "/registreer"] and b.handled(odd) == []
    assert len(relay.seen) == tried
    assert [r for r in caplog.records if "cannot take updates" in r.getMessage()] == warnings

    # Users A owns are not affected.
    even = user(1000, "Evert", "en")
    assert await cluster.post(b, message_update(even, "/start")) == 200
    await api.reply(even["id"], "Werkbot")
    assert a.handled(even) == ["/start"] and b.handled(even) == []


async def test_an_owner_that_is_back_takes_its_users_again(
    start_cluster: StartCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.telegram._webhook")
    cluster = await start_cluster(peer_retry_after=0)  # try the owner on every update
    api, a, b = cluster.api, cluster.a, cluster.b
    relay = cluster.relays[1]
    odd = user(1003, "Bram", "en")

    relay.mode = "fail"
    assert await cluster.post(a, message_update(odd, "/start")) == 200
    await api.reply(odd["id"], "Werkbot")
    assert a.handled(odd) == ["/start"]

    relay.mode = "pass"
    assert await cluster.post(a, message_update(odd, "/hulp")) == 200
    await wait_until(lambda: b.handled(odd), 10, "B handling its user again")
    assert a.handled(odd) == ["/start"] and b.handled(odd) == ["/hulp"]
    assert "process 1" in caplog.text and "takes updates again" in caplog.text


# -- who owns what, settings -----------------------------------------------------------------


def test_the_owner_is_the_user_else_the_chat_modulo_the_processes() -> None:
    three = WebhookOptions(
        url=HOOK_URL, secret=SECRET, peers=("http://a", "http://b", "http://c"), peer_index=2
    )
    by_user = Update.de_json(message_update(user(1001), "hi"), None)
    assert by_user is not None and three.owner(by_user) == 1001 % 3
    group = group_chat(-1001234567890)
    channel_post = {
        "update_id": 1,
        "channel_post": {"message_id": 1, "date": 0, "chat": group, "text": "x"},
    }
    by_chat = Update.de_json(channel_post, None)
    assert by_chat is not None and by_chat.effective_user is None
    assert three.owner(by_chat) == -1001234567890 % 3  # Python's modulo: 0, 1 or 2
    neither = Update.de_json({"update_id": 2, "poll": _poll()}, None)
    assert neither is not None and three.owner(neither) == 2  # this process
    alone = WebhookOptions(url=HOOK_URL, secret=SECRET)
    assert alone.owner(by_user) == 0


def test_peer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", HOOK_URL)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_PEERS", " http://werkbot-1:8443/ ,http://werkbot-2:8443")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_PEER_INDEX", "1")
    settings = load_settings()
    assert settings.telegram_webhook_peers == ["http://werkbot-1:8443", "http://werkbot-2:8443"]
    webhook = telegram_options(settings, {}).webhook
    assert webhook is not None
    assert webhook.peers == ("http://werkbot-1:8443", "http://werkbot-2:8443")
    assert webhook.peer_index == 1 and webhook.secret == SECRET

    with pytest.raises(SettingsError, match=r"TELEGRAM_WEBHOOK_PEER_INDEX is 2.*names 2 processes"):
        load_settings(telegram_webhook_peer_index=2)
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_PEER_INDEX"):
        load_settings(telegram_webhook_peer_index=-1)
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET must be set"):
        load_settings(telegram_webhook_secret="")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_PEERS needs TELEGRAM_WEBHOOK_URL"):
        load_settings(telegram_webhook_url="")
    with pytest.raises(SettingsError, match=r"TELEGRAM_WEBHOOK_PEERS.*http://"):
        load_settings(telegram_webhook_peers="werkbot-1:8443,http://werkbot-2:8443")
    with pytest.raises(SettingsError, match=r"TELEGRAM_WEBHOOK_PEERS.*once"):
        load_settings(telegram_webhook_peers="http://werkbot-1:8443,http://werkbot-1:8443/")

    # Off by default: no peers, index 0, and an unset secret is still allowed (one process).
    monkeypatch.delenv("TELEGRAM_WEBHOOK_PEERS")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_PEER_INDEX")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET")
    alone = load_settings()
    assert alone.telegram_webhook_peers == [] and alone.telegram_webhook_peer_index == 0
    webhook = telegram_options(alone, {}).webhook
    assert webhook is not None and webhook.peers == () and len(webhook.secret) >= 32
