"""Members: registration, identities on every platform, roles, sponsors, language, privacy."""

from cogs.members.cog import MembersCog
from cogs.members.service import MemberService, RolePolicy

__all__ = ["MemberService", "MembersCog", "RolePolicy"]
