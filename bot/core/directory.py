"""What the core needs to know about members, implemented by the members module."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.core.types import Caller, Identity


@dataclass(frozen=True)
class Contact:
    """How to reach a member: their language, reachable accounts (best first) and their
    confirmed e-mail address."""

    language: str
    accounts: tuple[tuple[str, str], ...]
    email: str | None


class MemberDirectory(Protocol):
    async def caller(self, identity: Identity) -> Caller:
        """Resolve a platform account to a caller: member, role and language."""
        ...

    async def contact_points(self, member_id: int) -> tuple[str | None, list[tuple[str, str]]]:
        """The member's language and reachable accounts as (platform, user id), best first."""
        ...

    async def reach(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        """Contacts of many members at once (members no longer there are left out): what a
        broadcast needs per batch, in a few queries instead of a few per member."""
        ...

    async def email_of(self, member_id: int) -> str | None:
        """The member's confirmed e-mail address, for the e-mail channel (None if none)."""
        ...

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        """An account blocked the bot or closed its DMs: stop trying it."""
        ...
