"""Who is organizer or admin: decided here, in one place, for every platform.

Organizers and admins are named in the settings, as accounts (``telegram:12345``) or as
platform role ids (a Discord role); opjutters are granted by organizers and stored. The
members module asks :meth:`RolePolicy.role_of` for a caller's role, and the composition
root asks :meth:`RolePolicy.privileged_on` which accounts of a platform get the longer
command menus, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.types import Role

GRANTABLE = {"opjutter": Role.OPJUTTER}
"""Roles an organizer can give a member (stored); the others come from the settings."""


@dataclass(frozen=True)
class RolePolicy:
    organizers: frozenset[str] = frozenset()
    """Accounts as ``platform:user id``."""
    admins: frozenset[str] = frozenset()
    organizer_platform_roles: frozenset[str] = frozenset()
    """Platform role ids (Discord roles) whose holders are organizers."""
    admin_platform_roles: frozenset[str] = frozenset()

    def role_of(
        self,
        accounts: Iterable[str],
        platform_roles: frozenset[str],
        granted: Iterable[str],
        *,
        is_member: bool,
    ) -> Role:
        """The role of a caller with these accounts (``platform:user id``), these platform
        role ids and these stored grants."""
        keys = set(accounts)
        if keys & self.admins or platform_roles & self.admin_platform_roles:
            return Role.ADMIN
        if keys & self.organizers or platform_roles & self.organizer_platform_roles:
            return Role.ORGANIZER
        stored = [GRANTABLE[name] for name in granted if name in GRANTABLE]
        if is_member and stored:
            return max(stored)
        return Role.MEMBER if is_member else Role.GUEST

    def privileged_on(self, platform: str) -> dict[str, Role]:
        """The user ids on ``platform`` named as organizer or admin, with their role."""
        found: dict[str, Role] = {}
        for accounts, role in ((self.organizers, Role.ORGANIZER), (self.admins, Role.ADMIN)):
            for account in accounts:
                name, _sep, user_id = account.partition(":")
                if name == platform and user_id:
                    found[user_id] = max(role, found.get(user_id, Role.GUEST))
        return found
