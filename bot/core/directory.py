"""What the core needs to know about members, implemented by the members module."""

from __future__ import annotations

from typing import Protocol

from bot.core.types import Caller, Identity


class MemberDirectory(Protocol):
    async def caller(self, identity: Identity) -> Caller:
        """Resolve a platform account to a caller: member, role and language."""
        ...

    async def contact_points(self, member_id: int) -> tuple[str | None, list[tuple[str, str]]]:
        """The member's language and reachable accounts as (platform, user id), best first."""
        ...

    async def email_of(self, member_id: int) -> str | None:
        """The member's confirmed e-mail address, for the e-mail channel (None if none)."""
        ...

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        """An account blocked the bot or closed its DMs: stop trying it."""
        ...
