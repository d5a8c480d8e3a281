"""Who an audience covers: all members, or a segment by work situation, province and kind.

Surveys, events and campaigns all take an audience as ``{"work_situation": [...],
"province": [...], "kind": [...]}`` (codes of the shared vocabularies); an empty list or a
missing key means "everyone" for that part. A module asks the members module for a
member's facts (its own protocol, fulfilled by the members service) and decides here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class Segmented(Protocol):
    """A member as an audience sees them."""

    @property
    def member_id(self) -> int: ...

    @property
    def verified(self) -> bool: ...

    @property
    def kind(self) -> str: ...
    """A code of the shared vocabularies (``storage.vocabulary``: StrEnums, so plain str here)."""

    @property
    def work_situation(self) -> str | None: ...

    @property
    def province(self) -> str | None: ...


def covers(
    audience: Mapping[str, Sequence[str]], member: Segmented, *, verified_only: bool
) -> bool:
    """Whether ``audience`` includes ``member`` (unverified members only when allowed)."""
    if verified_only and not member.verified:
        return False
    for key, value in (
        ("work_situation", member.work_situation),
        ("province", member.province),
        ("kind", member.kind),
    ):
        wanted = audience.get(key)
        if wanted and (value is None or str(value) not in wanted):
            return False
    return True


def segment_of(member: Segmented) -> dict[str, str | None]:
    """The member's segment codes, as stored beside what they did (counts per group)."""
    return {
        "work_situation": None if member.work_situation is None else str(member.work_situation),
        "province": None if member.province is None else str(member.province),
        "kind": str(member.kind),
    }
