"""The shared send budget: one row per bot token, read and moved by every Werkbot process.

A platform's rate limit belongs to the bot token, not to a process: with several processes
on one PostgreSQL, each taking its broadcast sends from the same row keeps their sum within
the limit (``storage/repositories/send_budget.py``). The key names the platform and a short
hash of the token (``telegram:3f2a…``): the token itself is never stored.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, String
from sqlmodel import Field, SQLModel


class SendBudget(SQLModel, table=True):
    __tablename__ = "send_budgets"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    next_at: float = Field(sa_column=Column(Float, nullable=False))
    """Seconds since 1970 (UTC) from which the next send may go: every send moves it on by
    its cost (messages / rate), so sends are spread evenly however many processes take."""
