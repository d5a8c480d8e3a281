"""Whom campaigns address: loading the targets, and finding them for a campaign.

Two sources fill ``campaign_targets``:

- ``werkbot targets refresh`` (:meth:`TargetService.refresh_from_tk`): the current members
  of the Tweede Kamer from its open data (``TK_ODATA_URL``, read by
  ``cogs/campaigns/tk_opendata.py``), with party, committees and e-mail address. The whole
  answer is read first and stored in one transaction: a refresh that fails half-way
  changes nothing. A member who left becomes inactive (never deleted).
- ``werkbot targets import FILE.csv`` (:meth:`TargetService.import_csv`): everyone else,
  from an organizer's CSV (``cogs/campaigns/target_csv.py``). The file is the whole list
  of such targets: a row that is no longer in it becomes inactive.

A target without an e-mail address is kept: the summary names them, and a campaign shows
them (a letter to copy, a number to call) instead of quietly leaving them out.

No chat here: the service takes and returns plain values, for the campaign service, the
commands and the command line alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.bounds import parse_id
from cogs.campaigns.target_csv import DefinitionError, parse_target_csv
from cogs.campaigns.tk_opendata import OpenDataError, TkOpenData
from storage.records.campaigns import NewTarget, TargetKind, TargetMode, TargetRecord
from storage.repositories.targets import TargetRepository

__all__ = ["DefinitionError", "OpenDataError", "TargetService", "TargetSummary"]

SHOWN_WITHOUT_EMAIL = 20
"""Names listed in :meth:`TargetSummary.describe` (the rest is counted)."""


@dataclass(frozen=True, slots=True)
class TargetSummary:
    """What a load did."""

    source: str
    """``tk`` or ``csv``."""
    total: int
    """Targets in the list that was loaded (all of them active now)."""
    added: int
    updated: int
    deactivated: int
    """Targets of this source that were not in the list and are inactive now."""
    without_email: tuple[str, ...]
    """Names of the loaded targets that have no e-mail address (kept, not skipped)."""

    @property
    def unchanged(self) -> int:
        return self.total - self.added - self.updated

    def describe(self) -> str:
        """One paragraph in English for the operator at the command line."""
        what = "members of the Tweede Kamer" if self.source == "tk" else "targets from the file"
        lines = [
            f"{self.total} {what}: {self.added} new, {self.updated} changed, "
            f"{self.unchanged} unchanged; {self.deactivated} no longer there (inactive now)."
        ]
        if self.without_email:
            shown = ", ".join(self.without_email[:SHOWN_WITHOUT_EMAIL])
            rest = len(self.without_email) - SHOWN_WITHOUT_EMAIL
            more = f" and {rest} more" if rest > 0 else ""
            lines.append(f"{len(self.without_email)} without an e-mail address: {shown}{more}.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


class TargetService:
    """Loads targets and finds them for campaigns; records out."""

    def __init__(
        self,
        repository: TargetRepository,
        odata_url: str,
        *,
        opendata: TkOpenData | None = None,
    ) -> None:
        self._repo = repository
        self._odata_url = odata_url
        self._opendata = opendata

    # -- loading -------------------------------------------------------------------------------

    async def refresh_from_tk(self) -> TargetSummary:
        """The current members of the Tweede Kamer, stored; OpenDataError (nothing stored)
        when the open data cannot be read or names nobody."""
        opendata = self._opendata or TkOpenData(self._odata_url)
        members = await opendata.members()
        if not members:
            raise OpenDataError(
                f"the Tweede Kamer's open data ({opendata.base_url}) names no current member"
            )
        return await self._store("tk", members)

    async def import_csv(self, data: bytes) -> TargetSummary:
        """An organizer's CSV file as the list of non-Kamer targets; DefinitionError with
        every problem ("line N: …") when any line is wrong (nothing stored then)."""
        return await self._store("csv", parse_target_csv(data))

    async def _store(self, source: str, targets: Sequence[NewTarget]) -> TargetSummary:
        added, updated, deactivated = await self._repo.replace_source(source, targets)
        return TargetSummary(
            source=source,
            total=len({target.external_id for target in targets}),
            added=added,
            updated=updated,
            deactivated=deactivated,
            without_email=tuple(target.name for target in targets if target.email is None),
        )

    # -- lookups -------------------------------------------------------------------------------

    async def for_campaign(
        self, mode: TargetMode | str, names: Iterable[str]
    ) -> list[TargetRecord]:
        """The active targets a campaign addresses, in a stable order (by name).

        ``party``: the members of parliament of these parties; ``committee``: those on
        these committees; ``named``: these target ids; ``spread``: every member of
        parliament; ``none``: nobody. Names are matched without regard to case.
        """
        mode = TargetMode(mode)
        wanted = [str(name) for name in names]
        if mode is TargetMode.PARTY:
            return await self._repo.by_parties(wanted)
        if mode is TargetMode.COMMITTEE:
            return await self._repo.by_committees(wanted)
        if mode is TargetMode.SPREAD:
            return await self._repo.active(TargetKind.MP)
        if mode is TargetMode.NAMED:
            ids = [target_id for target_id in map(parse_id, wanted) if target_id is not None]
            found = await self._repo.many(ids)
            return sorted(
                (record for record in found if record.active),
                key=lambda record: (record.name.casefold(), record.id),
            )
        return []

    async def get(self, target_id: int) -> TargetRecord | None:
        """The target, active or not (an old campaign may name one who left)."""
        return await self._repo.get(target_id)

    async def many(self, target_ids: Iterable[int]) -> list[TargetRecord]:
        """These targets, active or not, in the order asked (unknown ids left out)."""
        return await self._repo.many(target_ids)

    async def search(self, text: str, limit: int = 10) -> list[TargetRecord]:
        """Active targets by (part of) their name, party or committee."""
        return await self._repo.search(text, limit)

    async def parties(self) -> list[str]:
        """The parties of the active members of parliament."""
        return await self._repo.parties()

    async def committees(self) -> list[str]:
        """The committees of the active members of parliament."""
        return await self._repo.committees()

    async def count(self, kind: TargetKind | None = None) -> int:
        """How many active targets (of one kind)."""
        return await self._repo.count(kind)
