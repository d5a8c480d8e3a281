"""``python -m bench``: every benchmark, printing its figures (median of several runs).

Jouw Stem's answer path, tally and Telegram run (``bench.surveys``, about ten minutes),
then the outbox engine (``bench.broadcasts``, about twenty minutes), then 10,000 members
signing up at once for an event's 500 places on SQLite and PostgreSQL (``bench.events``,
about twenty minutes), then a matching round of the Platform for 2,000 participants against
a greedy pairing (``bench.platform``, about two minutes), then the Meetlat's scores over
50,000 ratings (``bench.meetlat``, about two minutes). Each part also runs alone:
``python -m bench.surveys``, ``python -m bench.broadcasts``, ``python -m bench.events``,
``python -m bench.platform``, ``python -m bench.meetlat``.
"""

from __future__ import annotations

import sys

from bench import broadcasts, events, meetlat, platform, surveys


def main() -> int:
    return surveys.main([]) or broadcasts.main([]) or events.main([]) or platform.main([]) or meetlat.main([])


if __name__ == "__main__":
    sys.exit(main())
