"""``python -m bench``: every benchmark, printing its figures (median of several runs)."""

from __future__ import annotations

import sys

from bench.surveys import main

if __name__ == "__main__":
    sys.exit(main())
