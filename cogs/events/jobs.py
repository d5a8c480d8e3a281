"""The events' planned work: reminders before the start, and offers that run out.

``events.remind`` (24 h and 2 h before; one job per event and moment, replanned when the
time changes) and ``events.offer_lapses`` (one per offer, at its end) are planned by the
service; ``events.offers`` is the daily safety net for an offer whose job was lost (a
crash between storing the offer and planning its end). The database stays the source of
truth: a claim after the offer's end is refused even when the job runs late.
"""

from __future__ import annotations

from bot.core.commands import Registry
from cogs.events.service import OFFER_LAPSES, REMIND, EventService

LOST_OFFERS = "events.offers"


def register_jobs(registry: Registry, service: EventService) -> None:
    registry.job(REMIND, service.remind)
    registry.job(OFFER_LAPSES, service.offer_lapses)
    registry.housekeeping(LOST_OFFERS, service.lapse_due_offers)
