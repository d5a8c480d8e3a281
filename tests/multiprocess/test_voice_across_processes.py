"""A sponsor representative added through one process votes through the other as the
sponsor: the processes tell each other about changed members (LISTEN/NOTIFY).

Two real ``werkbot console`` processes (A and B) on one fresh PostgreSQL database. In B, a
representative of Sponsor BV answers poll 2 for the sponsor, and Sam answers poll 1 as
himself (B now caches Sam's voice as his own). In A, the organizer makes Sam a second
representative of Sponsor BV. In B, Sam opens poll 2: he is told the sponsor has taken part
already; one voice, not two. Without the notice, B's cache would have let him vote again.
Sam's vote on a third poll, in B, is the sponsor's: the first representative, in A, has
none left there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from bot.app import Werkbot
from config import Settings
from storage.db import Database
from tests.support.console import ConsoleProcess, console_env


async def prepare(settings: Settings) -> tuple[int, int, int, int, int]:
    """Sponsor BV with one representative, Sam, three open polls: their numbers."""
    app = Werkbot(settings)
    await app.start(background=False)
    try:
        members = app.members.service

        async def member(user: str) -> int:
            member_id = await members.register(
                "console", user, name=user.capitalize(), email=f"{user}@example.org", work_situation="zzp", province="utrecht", language="nl"
            )
            await members.verify(member_id, await members.send_code(member_id, force=True))
            return member_id

        sponsor = await members.create_sponsor("Sponsor BV")
        await members.add_representative(sponsor, await member("rep"))
        sam = await member("sam")
        first = await app.surveys.service.quick("Werk je thuis? | ja | nee", "test")
        second = await app.surveys.service.quick("Ben je zzp'er? | ja | nee", "test")
        third = await app.surveys.service.quick("Combineer je banen? | ja | nee", "test")
        return sponsor, sam, first.id, second.id, third.id
    finally:
        await app.stop()


async def voices_of(url: str, survey_id: int) -> int:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM survey_responses WHERE survey_id = :s"), {"s": survey_id})).scalar_one())
    finally:
        await db.dispose()


def answer(console: ConsoleProcess, user: str, survey_id: int) -> None:
    console.send(f"@{user} /stem {survey_id}")
    console.expect(rf"werkbot → {user}: .*\?")
    console.expect(r"\[1\] ja")
    console.send(f"@{user} [1]")
    console.expect(rf"werkbot → {user}: ")


async def test_a_representative_added_in_one_process_votes_as_the_sponsor_in_the_other(
    postgresql_url: str,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    settings = make_settings(database_url=postgresql_url)
    sponsor, sam, first, second, third = await prepare(settings)
    env = console_env(tmp_path, DATABASE_URL=postgresql_url, DATA_DIR=str(settings.data_dir), LOG_LEVEL="WARNING")
    a = ConsoleProcess(["console", "--user", "olga"], env, tmp_path)
    b = ConsoleProcess(["console", "--user", "sam"], env, tmp_path)
    try:
        answer(b, "rep", second)  # the sponsor's one voice on poll 2
        answer(b, "sam", first)  # B knows Sam's voice now: his own
        assert await voices_of(postgresql_url, second) == 1

        a.send(f"@olga /sponsor_lid {sponsor} {sam}")
        a.expect(r"werkbot → olga: .*Sponsor BV")

        b.send(f"@sam /stem {second}")
        told = b.expect(r"werkbot → sam: ")
        assert "al meegedaan" in told, told  # the sponsor has, through its other representative
        assert await voices_of(postgresql_url, second) == 1

        # Sam's vote on poll 3 counts as the sponsor's: its first representative, asking in
        # process A, has no vote left there.
        answer(b, "sam", third)
        a.send(f"@rep /stem {third}")
        assert "al meegedaan" in a.expect(r"werkbot → rep: ")
        assert await voices_of(postgresql_url, third) == 1
    finally:
        code_a, errors_a = await asyncio.to_thread(a.close)
        code_b, errors_b = await asyncio.to_thread(b.close)
    assert (code_a, code_b) == (0, 0), errors_a + errors_b
    assert "Traceback" not in errors_a + errors_b
