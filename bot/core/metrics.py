"""What a process counts for ``/metrics`` (Prometheus text format), in one place.

The core and the adapters count through these objects; the composition root serves them
(``bot/health.py``). They are process-wide (Prometheus scrapes each process; the sums over
processes are the scraper's business), and counting costs a lock and an addition, so it
stays on the hot paths.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
"""Werkbot's own registry (not the library's global one: tests start many apps)."""

UPDATES = Counter(
    "werkbot_updates_handled",
    "Incoming updates (messages, commands, buttons, files) that reached the router",
    ["platform"],
    registry=REGISTRY,
)
REPLIES = Counter(
    "werkbot_replies_sent",
    "Messages the bot sent to chats (answers, deliveries, the outbox), counted by the adapters",
    ["platform"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "werkbot_platform_rate_limited",
    "HTTP 429 (Too Many Requests) answers from a platform's API; the call waits and is retried",
    ["platform"],
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "werkbot_job_runs",
    "Planned jobs run by this process (outcome: ok or error)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
OUTBOX_PENDING = Gauge(
    "werkbot_outbox_pending",
    "Outbox messages of running broadcasts not yet sent or in flight, all processes (counted at each scrape)",
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "werkbot_answer_seconds",
    "Time the router takes to handle one update and return its replies (the answer path)",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
LEADER = Gauge(
    "werkbot_leader",
    "1 when this process runs the planned jobs (leader or single), else 0",
    registry=REGISTRY,
)
