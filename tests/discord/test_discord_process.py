"""``werkbot run`` with DISCORD_TOKEN set: the real process serves Discord and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.discord.fake import FakeDiscord
from tests.support.process import run_environment, start_werkbot


async def test_run_serves_discord_and_stops_cleanly_on_sigterm(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = run_environment(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_ID="1000",
    )
    process = await start_werkbot(env, tmp_path)
    try:
        await fake.wait_for(fake.identified, within=30, what="the process to IDENTIFY")
        assert fake.calls("PUT", r"^/applications/900/guilds/1000/commands$")
        interaction = await fake.command("help", 601)
        callback = await fake.wait_calls("POST", rf"^/interactions/{interaction}/[^/]+/callback")
        assert "/registreer" in callback[0].json["data"]["content"]

        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=20)
        assert process.returncode == 0, err.decode()[-2000:]
        assert "Traceback" not in err.decode()
        # The client said goodbye on the gateway (close code 1000), not a dropped connection.
        await fake.wait_for(lambda: fake.close_codes, what="the gateway to close")
        assert fake.close_codes == [1000]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
