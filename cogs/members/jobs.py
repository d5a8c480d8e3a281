"""The members module's planned work: expired link codes go in the daily housekeeping."""

from __future__ import annotations

from bot.core.commands import Registry
from cogs.members.service import MemberService

PURGE_CODES = "members.purge_codes"


def register_jobs(registry: Registry, service: MemberService) -> None:
    registry.housekeeping(PURGE_CODES, service.purge_expired_codes)
