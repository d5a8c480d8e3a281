"""The one scheduler of the process: APScheduler with its jobs stored in Werkbot's database."""

from scheduled.clock import Clock

__all__ = ["Clock"]
