"""The platform's planned work, on the clock (so a planned round runs after a restart).

Per round: ``platform.ask`` (a day before: [Doe mee] [Deze keer niet]), ``platform.match``
(pairs made and introduced, once), ``platform.nudge`` (halfway) and
``platform.feedback`` ("Hebben jullie elkaar gesproken?"; the round closes). A repeating
round plans the next one when it is matched.
"""

from __future__ import annotations

from bot.core.commands import Registry
from cogs.platform.service import ASK, FEEDBACK, MATCH, NUDGE, PlatformService


def register_jobs(registry: Registry, service: PlatformService) -> None:
    registry.job(ASK, service.ask)
    registry.job(MATCH, service.match)
    registry.job(NUDGE, service.nudge)
    registry.job(FEEDBACK, service.feedback)
