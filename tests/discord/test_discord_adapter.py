"""The Discord adapter end-to-end: the real discord.py client against a fake Discord.

Every assertion is on what the fake Discord received (REST calls, gateway frames), so a
test fails when the bot would not have answered on real Discord.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.core.adapter import PlatformStartError
from bot.core.commands import Command
from bot.core.context import Context
from bot.core.delivery import Outbound, Unreachable
from bot.core.types import Attachment, Chat, Identity, Reply, Role
from tests.discord.fake import CHANNEL_ID, FakeDiscord, custom_ids
from tests.support.chat import RecordingChat, text_of

EPHEMERAL = 64


def _flags(body: dict) -> int:
    data = body.get("data", body) if "type" in body else body
    return int((data or {}).get("flags") or 0)


def _echo_command(registry) -> None:
    """A test command that shows what the core got: language, role and platform roles."""

    async def echo(ctx: Context) -> Reply:
        roles = ",".join(sorted(ctx.identity.platform_roles)) or "-"
        return Reply(f"lang={ctx.language} role={ctx.caller.role.label} roles={roles}")

    registry.command(Command("echo", "echo", "Echo", echo, role=Role.GUEST))


async def test_command_sync_names_localizations_options_and_hash(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    settings = make_settings(discord_guild_id=1000)
    async with werkbot_on_discord(settings=settings) as (_app, adapter):
        assert adapter.synced
        synced = fake.calls("PUT", r"^/applications/900/guilds/1000/commands$")
        assert len(synced) == 1
        commands = {command["name"]: command for command in synced[0].json}
        assert {"start", "register", "link", "language", "help", "members"} <= set(commands)
        register = commands["register"]
        assert register["name_localizations"] == {"nl": "registreer"}
        assert register["description"] == "Sign up as a member"
        assert set(register["description_localizations"]) == {"nl"}
        assert register["default_member_permissions"] is None
        language = commands["language"]["options"][0]
        assert language["name"] == "taal" and language["type"] == 3 and language["required"]
        assert [choice["value"] for choice in language["choices"]] == ["nl", "en"]
        grant = commands["opjutter_grant"]
        assert grant["name_localizations"] == {"nl": "opjutter_geef"}
        assert grant["options"][0] == {
            **grant["options"][0],
            "name": "lid",
            "type": 4,
            "min_value": 1,
        }
        # A deep-link payload is filled in by links, never typed: no option for it.
        assert commands["start"]["options"] == []
        # Organizer commands are hidden from members by default permissions.
        assert commands["members"]["default_member_permissions"] == "32"
        assert commands["members"]["options"][0]["required"] is False
    # A restart with the same command set does not sync again (Discord rate-limits sync).
    async with werkbot_on_discord(settings=settings) as (_app, adapter):
        assert not adapter.synced
        assert len(fake.calls("PUT", r"/commands$")) == 1
    # Without a guild id the commands go global, once.
    async with werkbot_on_discord(settings=make_settings()) as (_app, adapter):
        assert adapter.synced
        assert len(fake.calls("PUT", r"^/applications/900/commands$")) == 1


async def test_identify_with_minimal_intents_and_sharding(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord():
        identify = fake.identified()[0]["d"]
        assert identify["token"] == fake.token
        assert identify["shard"] == [0, 1]  # auto-sharded: the shard count came from Discord
        guilds, dm_messages, message_content = 1 << 0, 1 << 12, 1 << 15
        assert identify["intents"] == guilds | dm_messages
        assert not identify["intents"] & message_content
        assert fake.calls("GET", r"^/gateway/bot$")


async def test_start_answers_with_persistent_buttons(fake: FakeDiscord, werkbot_on_discord) -> None:
    async with werkbot_on_discord():
        interaction = await fake.command("start", 501)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback"))[
            0
        ]
        assert callback.json["type"] == 4  # answered at once, no defer needed
        assert "Werkbot" in callback.json["data"]["content"]
        assert custom_ids(callback.json) == ["mb:register", "mb:help"]


async def test_button_works_after_a_restart(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    settings = make_settings()
    async with werkbot_on_discord(settings=settings):
        interaction = await fake.command("start", 501)
        await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback")
        button = custom_ids(fake.callbacks(interaction)[0].json)[1]
    assert button == "mb:help"
    # A new process: the view registered at start takes the press on the old message.
    async with werkbot_on_discord(settings=settings):
        pressed = await fake.press(button, 501)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback"))[0]
        assert callback.json["type"] == 4
        assert "/hulp" in callback.json["data"]["content"]
        # A stale or garbage button gets a short answer, never silence.
        garbage = await fake.press("zz:nothing:here", 501)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{garbage}/[^/]+/callback"))[0]
        assert "no longer works" in callback.json["data"]["content"]


async def test_forbidden_command_and_organizer_by_role_or_account(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    fake.roles[777] = "Organisatoren"
    settings = make_settings(organizers="discord:222", discord_organizer_role_ids="777")
    async with werkbot_on_discord(settings=settings) as (app, _adapter):
        _echo_command(app.registry)
        refused = await fake.command("members", 503)
        body = (await fake.wait_calls("POST", rf"^/interactions/{refused}/[^/]+/callback"))[0].json
        assert "Only organizers may use /leden" in body["data"]["content"]

        by_role = await fake.command("members", 504, roles=(777,))
        body = (await fake.wait_calls("POST", rf"^/interactions/{by_role}/[^/]+/callback"))[0].json
        assert "No members found" in body["data"]["content"]

        by_account = await fake.command("members", 222)
        body = (await fake.wait_calls("POST", rf"^/interactions/{by_account}/[^/]+/callback"))[
            0
        ].json
        assert "No members found" in body["data"]["content"]

        echoed = await fake.command("echo", 504, roles=(777,), locale="nl")
        body = (await fake.wait_calls("POST", rf"^/interactions/{echoed}/[^/]+/callback"))[0].json
        assert body["data"]["content"] == "lang=nl role=organizer roles=777"


async def test_interaction_locale_is_the_language_hint(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord() as (app, _adapter):
        _echo_command(app.registry)
        english = await fake.command("echo", 505, locale="en-GB")
        dutch = await fake.command("echo", 506, locale="nl")
        await fake.wait_calls("POST", r"^/interactions/\d+/[^/]+/callback", 2)
        assert fake.callbacks(english)[0].json["data"]["content"].startswith("lang=en ")
        assert fake.callbacks(dutch)[0].json["data"]["content"].startswith("lang=nl ")


async def test_slow_handler_is_deferred_within_the_deadline(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    release = asyncio.Event()

    async def slow(ctx: Context) -> Reply:
        await release.wait()
        return Reply("finally done")

    async with werkbot_on_discord(defer_after=0.2) as (app, _adapter):
        app.registry.command(Command("traag", "slow", "Slow", slow, role=Role.GUEST))
        sent = time.monotonic()
        interaction = await fake.command("slow", 507)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback"))[
            0
        ]
        assert callback.json["type"] == 5  # deferred: "Werkbot is thinking…"
        assert callback.at - sent < 3.0
        assert not release.is_set()
        release.set()
        edit = (
            await fake.wait_calls("PATCH", rf"/webhooks/900/token-{interaction}/messages/@original")
        )[0]
        assert edit.json["content"] == "finally done"


async def test_follow_up_survives_a_server_error_and_a_gateway_resume(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    release = asyncio.Event()

    async def slow(ctx: Context) -> Reply:
        await release.wait()
        return Reply("your vote is counted", private=True)

    async with werkbot_on_discord(defer_after=0.1) as (app, _adapter):
        app.registry.command(Command("traag", "slow", "Slow", slow, role=Role.GUEST))
        interaction = await fake.command("slow", 508)
        await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback")
        session = fake.identified()[0]
        assert session

        # The gateway drops; the client RESUMEs the same session and gets later events.
        await fake.disconnect(4000)
        resume = (await fake.wait_for(fake.resumed, what="a RESUME"))[0]["d"]
        assert resume["token"] == fake.token and resume["session_id"].startswith("session-")
        assert resume["seq"] >= 2  # READY and GUILD_CREATE were seen
        assert len(fake.identified()) == 1  # resumed, not a new session
        after = await fake.command("help", 509)
        body = (await fake.wait_calls("POST", rf"^/interactions/{after}/[^/]+/callback"))[0].json
        assert "/registreer" in body["data"]["content"]

        # Discord answers the acknowledged interaction's follow-up with a 500 once.
        fake.fail("POST", rf"^/webhooks/900/token-{interaction}$", 500)
        release.set()
        posts = await fake.wait_calls("POST", rf"^/webhooks/900/token-{interaction}$", 2, within=8)
        assert posts[-1].json["content"] == "your vote is counted"
        assert _flags(posts[-1].json) & EPHEMERAL  # private: only the voter sees it
        # The public "thinking…" placeholder made way for the private answer.
        assert fake.calls("DELETE", rf"^/webhooks/900/token-{interaction}/messages/@original$")


async def test_rate_limited_rest_call_is_retried_after_retry_after(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord() as (app, _adapter):
        fake.fail(
            "POST",
            rf"^/channels/{CHANNEL_ID}/messages$",
            429,
            {"message": "You are being rate limited.", "retry_after": 0.3, "global": False},
            headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},
        )
        delivered = await app.delivery.deliver(
            Outbound(
                chat=Chat("discord", str(CHANNEL_ID), is_private=False),
                render=lambda: Reply("The Festival is on 11 May!"),
            )
        )
        assert delivered
        posts = fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
        assert len(posts) == 2
        assert posts[1].at - posts[0].at >= 0.3
        assert posts[1].json["content"] == "The Festival is on 11 May!"


async def test_registration_in_direct_messages_and_data_export(
    fake: FakeDiscord, werkbot_on_discord, make_settings, smtp
) -> None:
    async with werkbot_on_discord(settings=make_settings(**smtp.settings())) as (app, _a):
        # /register in the server is personal: the flow continues in a direct message.
        interaction = await fake.command("register", 510)
        callback = await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback")
        assert callback[0].json["type"] == 5  # acknowledged first: opening a DM takes calls
        assert _flags(callback[0].json) & EPHEMERAL
        original = rf"^/webhooks/900/token-{interaction}/messages/@original$"
        pointer = (await fake.wait_calls("PATCH", original))[0].json
        dm = fake.dm_channel(510)
        assert dm is not None
        assert f"https://discord.com/channels/@me/{dm}" in str(pointer["components"])
        await fake.wait_for(lambda: any("step 1 of 6" in t for t in fake.dm_texts(510)))

        await fake.direct_message(510, "Alice Jansen")
        await fake.wait_for(lambda: any("step 2 of 6" in t for t in fake.dm_texts(510)))
        await fake.direct_message(510, "alice@example.nl")
        await fake.wait_for(lambda: any("step 3 of 6" in t for t in fake.dm_texts(510)))
        work = custom_ids(fake.calls("POST", rf"^/channels/{dm}/messages$")[-1].json)
        assert work and all(c.startswith("cv:registration:work:") for c in work)

        pressed = await fake.press(work[0], 510, dm=True)
        province = await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback")
        assert not _flags(province[0].json) & EPHEMERAL  # a DM needs no ephemeral
        assert "step 4 of 6" in province[0].json["data"]["content"]
        pressed = await fake.press(custom_ids(province[0].json)[0], 510, dm=True)
        consent = await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback")
        yes = next(c for c in custom_ids(consent[0].json) if c.endswith(":yes"))
        pressed = await fake.press(yes, 510, dm=True)
        await fake.wait_for(lambda: any("step 6 of 6" in t for t in fake.texts(pressed)))

        mail = await asyncio.to_thread(smtp.inbox.wait_for, 1)
        code = re.search(r"\b(\d{6})\b", mail[0]["Subject"] + mail[0].get_payload()).group(1)
        await fake.direct_message(510, code)
        await fake.wait_for(lambda: any("Welcome, Alice Jansen" in t for t in fake.dm_texts(510)))
        caller = await app.members.service.caller(Identity("discord", "510"))
        assert caller.is_member and caller.verified

        # The AVG/GDPR export goes out as a file attachment.
        export = await fake.command("mydata", 510, dm=True)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{export}/[^/]+/callback"))[0]
        ((name, data),) = callback.files.items()
        assert name.startswith("werkbot-mijngegevens-") and b"Alice Jansen" in data


async def test_register_button_in_a_server_continues_in_a_direct_message(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    settings = make_settings(require_verification=False)
    async with werkbot_on_discord(settings=settings):
        pressed = await fake.press("mb:register", 511)
        body = (await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback"))[0].json
        assert body["type"] == 5 and _flags(body) & EPHEMERAL  # only the presser sees it
        original = rf"^/webhooks/900/token-{pressed}/messages/@original$"
        pointer = (await fake.wait_calls("PATCH", original))[0].json
        dm = fake.dm_channel(511)
        assert dm is not None
        assert f"https://discord.com/channels/@me/{dm}" in str(pointer["components"])
        question = await fake.wait_for(
            lambda: [t for t in fake.dm_texts(511) if "step 1 of 5" in t], what="step 1 in DM"
        )
        assert "What is your name?" in question[0]
        # The registration itself never shows in the channel.
        assert not any("step 1" in text for text in fake.texts(pressed))
        assert not fake.calls("POST", rf"^/webhooks/900/token-{pressed}$")


async def test_register_button_with_closed_direct_messages_continues_ephemerally(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    settings = make_settings(require_verification=False)
    fake.closed_dms.add(514)
    async with werkbot_on_discord(settings=settings) as (app, _adapter):
        pressed = await fake.press("mb:register", 514)
        body = (await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback"))[0].json
        assert body["type"] == 5 and _flags(body) & EPHEMERAL
        original = rf"^/webhooks/900/token-{pressed}/messages/@original$"
        notice = (await fake.wait_calls("PATCH", original))[0].json
        assert "cannot send you a direct message" in notice["content"]
        assert fake.calls("POST", rf"^/channels/{fake.dm_channel(514)}/messages$")  # refused
        followups = await fake.wait_calls("POST", rf"^/webhooks/900/token-{pressed}$", 2)
        assert all(_flags(post.json) & EPHEMERAL for post in followups)
        question = followups[-1].json
        assert "step 1 of 5" in question["content"]
        assert custom_ids(question) == ["werkbot.answer"]  # nobody can type here: a modal

        opened = await fake.press("werkbot.answer", 514, ephemeral=True)
        modal = (await fake.wait_calls("POST", rf"^/interactions/{opened}/[^/]+/callback"))[0].json
        assert modal["type"] == 9  # a modal
        field = modal["data"]["components"][0]["components"][0]["custom_id"]

        submitted = await fake.submit(modal["data"]["custom_id"], field, "Bram Smit", 514)
        body = (await fake.wait_calls("POST", rf"^/interactions/{submitted}/[^/]+/callback"))[
            0
        ].json
        assert _flags(body) & EPHEMERAL
        assert "step 2 of 5" in body["data"]["content"]
        assert custom_ids(body) == ["werkbot.answer"]
        identity = Identity("discord", "514")
        context = Context(identity, Chat("discord", "514"), await app.members.service.caller(identity))
        assert await app.conversations.current(context) == ("registration", "email")

        # A wrong answer is told only to the member, and the question comes again.
        wrong = await fake.submit(modal["data"]["custom_id"], field, "not an address", 514)
        body = (await fake.wait_calls("POST", rf"^/interactions/{wrong}/[^/]+/callback"))[0].json
        assert _flags(body) & EPHEMERAL and "e-mail" in body["data"]["content"]
        again = (await fake.wait_calls("POST", rf"^/webhooks/900/token-{wrong}$"))[0].json
        assert _flags(again) & EPHEMERAL and custom_ids(again) == ["werkbot.answer"]

        submitted = await fake.submit(modal["data"]["custom_id"], field, "bram@example.nl", 514)
        body = (await fake.wait_calls("POST", rf"^/interactions/{submitted}/[^/]+/callback"))[
            0
        ].json
        assert "step 3 of 5" in body["data"]["content"]
        work = custom_ids(body)
        assert work and all(c.startswith("cv:registration:work:") for c in work)
        # The core's buttons on the ephemeral question keep working there.
        chosen = await fake.press(work[0], 514, ephemeral=True)
        body = (await fake.wait_calls("POST", rf"^/interactions/{chosen}/[^/]+/callback"))[0].json
        assert _flags(body) & EPHEMERAL and "step 4 of 5" in body["data"]["content"]
        assert await app.conversations.current(context) == ("registration", "province")
        # Only the first, refused direct message was tried: the account is unreachable.
        dm_posts = rf"^/channels/{fake.dm_channel(514)}/messages$"
        assert len(fake.calls("POST", dm_posts)) == 1
        # A personal button on an ephemeral message runs right there: no new DM attempt.
        again = await fake.press("mb:register", 514, ephemeral=True)
        body = (await fake.wait_calls("POST", rf"^/interactions/{again}/[^/]+/callback"))[0].json
        assert body["type"] == 4 and _flags(body) & EPHEMERAL
        assert "step 4 of 5" in body["data"]["content"]
        assert len(fake.calls("POST", dm_posts)) == 1


async def test_link_a_console_membership_to_discord(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    settings = make_settings(require_verification=False)
    async with werkbot_on_discord(settings=settings) as (app, _adapter):
        console = RecordingChat(app.router)
        await console.say("carla", "/registreer")
        await console.say("carla", "Carla de Boer")
        await console.say("carla", "carla@example.nl")
        await console.press("carla", 1)
        await console.press("carla", 1)
        await console.press("carla", 1)
        code = re.search(
            r"\b([A-Z0-9]{4}-?[A-Z0-9]{4})\b", text_of(await console.say("carla", "/koppel"))
        )
        assert code, "no link code"

        linked = await fake.command("link", 512, {"code": code.group(1)}, dm=True)
        body = (await fake.wait_calls("POST", rf"^/interactions/{linked}/[^/]+/callback"))[0].json
        assert "Carla de Boer" in body["data"]["content"]
        caller = await app.members.service.caller(Identity("discord", "512"))
        assert caller.is_member and caller.name == "Carla de Boer"
        # The member hears on Discord (the preferred platform) that the link was made.
        # (In Carla's language: she registered on the console without a language hint.)
        notice = await fake.wait_for(lambda: fake.dm_texts(512), what="the linked notice")
        assert re.search(r"Discord.*(now linked|nu gekoppeld)", notice[0])


async def test_closed_direct_messages_mark_the_account_unreachable(
    fake: FakeDiscord, werkbot_on_discord, make_settings
) -> None:
    settings = make_settings(require_verification=False)
    async with werkbot_on_discord(settings=settings) as (app, _adapter):
        console = RecordingChat(app.router)
        await console.say("dirk", "/registreer")
        await console.say("dirk", "Dirk Visser")
        await console.say("dirk", "dirk@example.nl")
        for _ in range(3):
            await console.press("dirk", 1)
        code = re.search(
            r"\b([A-Z0-9]{4}-?[A-Z0-9]{4})\b", text_of(await console.say("dirk", "/koppel"))
        )
        linked = await fake.command("link", 513, {"code": code.group(1)}, dm=True)
        await fake.wait_calls("POST", rf"^/interactions/{linked}/[^/]+/callback")
        member_id = (await app.members.service.caller(Identity("discord", "513"))).member_id
        _lang, before = await app.members.service.contact_points(member_id)
        assert ("discord", "513") in before

        fake.closed_dms.add(513)
        asked = await fake.command("profile", 513)
        body = (await fake.wait_calls("POST", rf"^/interactions/{asked}/[^/]+/callback"))[0].json
        assert _flags(body) & EPHEMERAL  # only the member sees the answer in the channel
        original = rf"^/webhooks/900/token-{asked}/messages/@original$"
        told = (await fake.wait_calls("PATCH", original))[0].json
        assert "cannot send you a direct message" in told["content"]
        # ...and the profile follows right there, where only Dirk sees it.
        profile = (await fake.wait_calls("POST", rf"^/webhooks/900/token-{asked}$"))[0].json
        assert _flags(profile) & EPHEMERAL and "Dirk Visser" in profile["content"]
        _lang, after = await app.members.service.contact_points(member_id)
        assert ("discord", "513") not in after and ("console", "dirk") in after


async def test_send_files_and_images_and_closed_dms_raise_unreachable(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    async with werkbot_on_discord() as (_app, adapter):
        chart = Attachment("uitslag.png", png, "image/png")
        await adapter.send(Chat("discord", "520"), Reply("The results", attachment=chart))
        dm = fake.dm_channel(520)
        (post,) = fake.calls("POST", rf"^/channels/{dm}/messages$")
        assert post.json["content"] == "The results"
        assert post.files == {"uitslag.png": png}

        invite = Attachment(
            "festival.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"
        )
        await adapter.send(
            Chat("discord", str(CHANNEL_ID), is_private=False), Reply("📅", attachment=invite)
        )
        (post,) = fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
        assert list(post.files) == ["festival.ics"]

        fake.closed_dms.add(521)
        with pytest.raises(Unreachable):
            await adapter.send(Chat("discord", "521"), Reply("Reminder: Jouw Stem closes tomorrow"))


async def test_direct_message_file_and_garbage_options(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord():
        await fake.direct_message(530, "", files={"notes.txt": b"hello"})
        answer = await fake.wait_for(lambda: fake.dm_texts(530), what="an answer to the file")
        assert "file" in answer[0] or "bestand" in answer[0]

        await fake.direct_message(530, "just chatting")
        await fake.wait_for(lambda: len(fake.dm_texts(530)) == 2, what="an answer to text")
        assert "/hulp" in fake.dm_texts(530)[1]

        wrong = await fake.command("language", 530, {"taal": "fr"})
        body = (await fake.wait_calls("POST", rf"^/interactions/{wrong}/[^/]+/callback"))[0].json
        assert "'fr' is not one of: nl, en" in body["data"]["content"]
        unknown = await fake.command("oldcommand", 530)
        body = (await fake.wait_calls("POST", rf"^/interactions/{unknown}/[^/]+/callback"))[0].json
        assert "/oldcommand" in body["data"]["content"]


async def test_a_refused_token_is_a_clear_settings_error(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    with pytest.raises(PlatformStartError, match="DISCORD_TOKEN"):
        async with werkbot_on_discord(token="wrong-token"):
            pass  # pragma: no cover - never started
    assert not fake.identified()


async def test_stale_modal_and_unknown_components_are_still_answered(
    fake: FakeDiscord, werkbot_on_discord
) -> None:
    async with werkbot_on_discord():
        stale = await fake.submit("old-form", "field", "hello", 540)
        body = (await fake.wait_calls("POST", rf"^/interactions/{stale}/[^/]+/callback"))[0].json
        assert "no longer works" in body["data"]["content"]
        odd = await fake.press("werkbot.somethingelse", 540)
        body = (await fake.wait_calls("POST", rf"^/interactions/{odd}/[^/]+/callback"))[0].json
        assert "no longer works" in body["data"]["content"]
