"""The members of the Tweede Kamer from its open data: the Gegevensmagazijn's OData v4 API.

Three entity sets are read, each page by page (the server sends at most a page of rows
and an ``@odata.nextLink`` to the next one; no ``$top`` is sent, which would cut the
whole answer short):

- ``FractieZetelPersoon`` (a seat in a parliamentary party, with ``Van`` and
  ``TotEnMet``), expanded with its ``Persoon`` (only the name fields) and
  ``FractieZetel`` → ``Fractie`` (``Afkorting``, ``NaamNL``). Who holds a current seat is a
  current member: this decides who is loaded.
- ``CommissieZetelVastPersoon`` (a permanent committee seat), expanded with
  ``CommissieZetel`` → ``Commissie`` (``NaamNL``): the committees of each member.
- ``PersoonContactinformatie`` with ``Soort`` 'E-mail': the ``Waarde`` is the address;
  of several, the lowest ``Gewicht`` (the order the Kamer gives them) counts.

Rows are current when ``TotEnMet`` is null (or not yet past) and ``Verwijderd`` is not
true. The query asks the server for exactly those, and every row is checked again here,
so a row the server sends anyway (an old seat, a deleted contact) never counts.

Everything is bounded: a timeout per request and one for the whole refresh, a number of
tries with a doubling pause on 429, 5xx, timeouts and dropped connections (``Retry-After``
is honoured up to the longest pause), at most so many pages and bytes per page and in
total, no redirects and no next page on another server. Every failure becomes one
:class:`OpenDataError` whose message an operator can read; nothing is stored by this
module (the caller stores the whole answer or nothing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from bot.core.bounds import parse_int
from bot.core.clock import utcnow
from cogs.campaigns.target_csv import clean_email
from storage.records.campaigns import NewTarget, TargetKind

__all__ = [
    "DEFAULT_URL",
    "Limits",
    "OpenDataError",
    "TkOpenData",
    "members_from",
]

log = logging.getLogger(__name__)

DEFAULT_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"
SOURCE = "tk"
USER_AGENT = "Werkbot (De Werkvereniging; campaign targets)"

SEATS = "FractieZetelPersoon"
COMMITTEE_SEATS = "CommissieZetelVastPersoon"
CONTACTS = "PersoonContactinformatie"

QUERIES: dict[str, dict[str, str]] = {
    SEATS: {
        "$filter": "Verwijderd eq false and TotEnMet eq null",
        "$expand": (
            "Persoon($select=Id,Roepnaam,Voornamen,Initialen,Tussenvoegsel,Achternaam,Verwijderd),"
            "FractieZetel($expand=Fractie($select=Id,Afkorting,NaamNL,Verwijderd))"
        ),
    },
    COMMITTEE_SEATS: {
        "$filter": "Verwijderd eq false and TotEnMet eq null",
        "$expand": "CommissieZetel($expand=Commissie($select=Id,NaamNL,NaamWebNL,Afkorting,Verwijderd))",
    },
    CONTACTS: {
        "$filter": "Soort eq 'E-mail' and Verwijderd eq false",
        "$select": "Id,Persoon_Id,Soort,Waarde,Gewicht,Verwijderd",
    },
}
"""What is asked of each entity set (the field names of the Gegevensmagazijn's model)."""

MAX_NAME = 200
MAX_PARTY = 100
MAX_COMMITTEE = 200
MAX_ID = 100


class OpenDataError(Exception):
    """The open data could not be read; ``message`` says why, in one line for an operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    """How long and how much a refresh may take."""

    request_timeout: float = 30.0
    """Seconds for one request, from connecting to the last byte."""
    connect_timeout: float = 10.0
    attempts: int = 4
    """Tries per page (429, 5xx, timeouts and dropped connections are tried again)."""
    first_pause: float = 1.0
    """Seconds before the second try; doubling after that."""
    longest_pause: float = 30.0
    max_pages: int = 50
    """Per entity set: with a few hundred rows a page, far more than 150 seats need."""
    max_page_bytes: int = 16_000_000
    max_total_bytes: int = 64_000_000
    deadline: float = 600.0
    """Seconds for the whole refresh, tries and pauses included."""


_SAFE = "-_.!~*'()"
"""What ``encodeURIComponent`` leaves as it is."""


def _query(params: Mapping[str, str]) -> str:
    """A query string as browsers write it (``encodeURIComponent``: spaces as %20)."""
    return "&".join(f"{key}={quote(value, safe=_SAFE)}" for key, value in params.items())


def _next_url(current: URL, link: str) -> URL:
    """The next page as the server wrote it (kept byte for byte when it is plain ASCII)."""
    plain = link.isascii() and link.isprintable() and " " not in link
    return current.join(URL(link, encoded=plain))


def _origin(url: URL) -> tuple[str, str | None, int | None]:
    return (url.scheme, url.host, url.port)


def _odata_message(body: bytes) -> str:
    """The ``error.message`` of an OData error answer, short and on one line ("" without)."""
    try:
        found = json.loads(body[:20_000])
        message = found["error"]["message"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return ""
    if not isinstance(message, str):
        return ""
    return _plain(message)[:200]


def _pause_from(header: str | None, fallback: float, longest: float) -> float:
    """Seconds to wait: the server's ``Retry-After`` (in seconds) when it gives one."""
    seconds = parse_int(header, low=0, high=86_400) if header is not None else None
    return min(float(seconds if seconds is not None else fallback), longest)


class TkOpenData:
    """Reads the current members of the Tweede Kamer from ``base_url`` (``TK_ODATA_URL``)."""

    def __init__(self, base_url: str = DEFAULT_URL, *, limits: Limits | None = None) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.limits = limits or Limits()
        try:
            base = URL(self.base_url)
        except ValueError:
            base = URL()
        if base.scheme not in ("http", "https") or not base.host:
            raise OpenDataError(
                f"TK_ODATA_URL must be an http(s) address like {DEFAULT_URL}, "
                f"not {_plain(self.base_url)[:200]!r}"
            )
        self._base = base

    async def members(self) -> list[NewTarget]:
        """The current members, by name; OpenDataError when the data cannot be read."""
        limits = self.limits
        timeout = aiohttp.ClientTimeout(
            total=limits.request_timeout, sock_connect=limits.connect_timeout
        )
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        try:
            async with asyncio.timeout(limits.deadline):
                async with aiohttp.ClientSession(
                    timeout=timeout, headers=headers, connector=aiohttp.TCPConnector(limit=2)
                ) as session:
                    reader = _Reader(self.base_url, self._base, limits, session)
                    seats = await reader.collect(SEATS)
                    committee_seats = await reader.collect(COMMITTEE_SEATS)
                    contacts = await reader.collect(CONTACTS)
        except TimeoutError:
            raise OpenDataError(
                f"the Tweede Kamer's open data ({self.base_url}) did not finish within "
                f"{limits.deadline:g} seconds; try again later"
            ) from None
        return members_from(seats, committee_seats, contacts, now=utcnow())


class _Reader:
    """One refresh's requests: the session, and the bytes read so far."""

    def __init__(
        self, base_url: str, base: URL, limits: Limits, session: aiohttp.ClientSession
    ) -> None:
        self._base_url = base_url
        self._base = base
        self._limits = limits
        self._session = session
        self._total = 0

    def _where(self, entity: str) -> str:
        return f"the Tweede Kamer's open data ({self._base_url}/{entity})"

    async def collect(self, entity: str) -> list[dict[str, Any]]:
        """Every row of one entity set, following ``@odata.nextLink`` within the limits."""
        limits = self._limits
        url: URL | None = URL(
            f"{self._base_url}/{entity}?{_query(QUERIES[entity])}", encoded=True
        )
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        pages = 0
        while url is not None:
            pages += 1
            if pages > limits.max_pages:
                raise OpenDataError(
                    f"{self._where(entity)}: more than {limits.max_pages} pages; stopped (is TK_ODATA_URL "
                    "the Gegevensmagazijn?)"
                )
            seen.add(str(url))
            page = _page(self._where(entity), await self._get(entity, url))
            rows.extend(row for row in page["value"] if isinstance(row, dict))
            link = page.get("@odata.nextLink")
            if link is None:
                break
            if not isinstance(link, str) or not link.strip():
                raise OpenDataError(f"{self._where(entity)}: the link to the next page is not a link")
            try:
                url = _next_url(url, link.strip())
            except ValueError:
                raise OpenDataError(f"{self._where(entity)}: the link to the next page is not a link") from None
            if _origin(url) != _origin(self._base):
                raise OpenDataError(
                    f"{self._where(entity)}: the next page is on another server ({url.host}); not followed"
                )
            if str(url) in seen:
                raise OpenDataError(f"{self._where(entity)}: the next page is one already read; stopped")
        log.debug("%s: %d rows in %d pages", entity, len(rows), pages)
        return rows

    async def _get(self, entity: str, url: URL) -> bytes:
        """One page's body; tried again on 429, 5xx, timeouts and dropped connections."""
        limits = self._limits
        where = self._where(entity)
        attempts = max(1, limits.attempts)
        pause = limits.first_pause
        problem = "did not answer"
        for attempt in range(1, attempts + 1):
            wait = min(pause, limits.longest_pause)
            try:
                async with self._session.get(url, allow_redirects=False) as response:
                    status = response.status
                    if status == 200:
                        return await self._body(entity, response)
                    if status == 429 or 500 <= status <= 599:
                        problem = f"answered HTTP {status}"
                        wait = _pause_from(
                            response.headers.get("Retry-After"), pause, limits.longest_pause
                        )
                    elif 300 <= status <= 399:
                        location = _plain(response.headers.get("Location", "?"))[:200]
                        raise OpenDataError(
                            f"{where} answered with a redirect (HTTP {status}) to {location}; "
                            "set TK_ODATA_URL to the address it should be"
                        )
                    else:
                        detail = _odata_message(await response.content.read(20_000))
                        raise OpenDataError(
                            f"{where} answered HTTP {status}" + (f": {detail}" if detail else "")
                        )
            except TimeoutError:
                problem = f"did not answer within {limits.request_timeout:g} seconds"
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as error:
                reason = _plain(str(error))[:200] or type(error).__name__
                problem = f"could not be reached ({reason})"
            except aiohttp.ClientError as error:
                reason = _plain(str(error))[:200] or type(error).__name__
                raise OpenDataError(f"{where} could not be asked: {reason}") from None
            if attempt < attempts:
                log.info("%s %s; trying again in %.1f s", where, problem, wait)
                await asyncio.sleep(wait)
                pause = min(pause * 2, limits.longest_pause)
        tries = "once" if attempts == 1 else f"{attempts} times"
        raise OpenDataError(f"{where} {problem} (tried {tries}); try again later")

    async def _body(self, entity: str, response: aiohttp.ClientResponse) -> bytes:
        limits = self._limits
        kind = response.headers.get("Content-Type", "")
        if "json" not in kind.lower():
            raise OpenDataError(
                f"{self._where(entity)}: the answer is not JSON ({_plain(kind)[:80] or 'no Content-Type'}); "
                "is TK_ODATA_URL the Gegevensmagazijn's OData address?"
            )
        length = response.content_length
        if length is not None and length > limits.max_page_bytes:
            raise OpenDataError(
                f"{self._where(entity)}: a page of {length:,} bytes is more than {limits.max_page_bytes:,} "
                "bytes; stopped"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(65_536):
            size += len(chunk)
            self._total += len(chunk)
            if size > limits.max_page_bytes:
                raise OpenDataError(
                    f"{self._where(entity)}: a page is more than {limits.max_page_bytes:,} bytes; stopped"
                )
            if self._total > limits.max_total_bytes:
                raise OpenDataError(
                    f"the Tweede Kamer's open data ({self._base_url}) sent more than "
                    f"{limits.max_total_bytes:,} bytes in all; stopped"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _page(where: str, body: bytes) -> dict[str, Any]:
    try:
        page = json.loads(body)
    except (ValueError, RecursionError):
        raise OpenDataError(f"{where}: the answer is not valid JSON") from None
    if not isinstance(page, dict) or not isinstance(page.get("value"), list):
        raise OpenDataError(f"{where}: the answer is not an OData list (no 'value')")
    return page


# -- from rows to targets ------------------------------------------------------------------------


def _plain(value: str) -> str:
    """One line: control characters, line breaks and direction overrides become spaces."""
    cleaned = "".join(
        " "
        if unicodedata.category(char) in ("Cc", "Cs")
        or char in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        else char
        for char in value
    )
    return " ".join(cleaned.split())


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = _plain(value)
    return cleaned[:limit] if cleaned else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _current(row: Mapping[str, Any], now: datetime) -> bool:
    """Not deleted, started, and not ended (``TotEnMet`` is the last day, inclusive)."""
    if row.get("Verwijderd") is True:
        return False
    end = row.get("TotEnMet")
    if end is not None:
        moment = _moment(end)
        if moment is None or moment + timedelta(days=1) <= now:
            return False
    start = _moment(row.get("Van"))
    return start is None or start <= now


def _alive(entity: object) -> Mapping[str, Any] | None:
    """An expanded entity that is there and not deleted."""
    if isinstance(entity, Mapping) and entity.get("Verwijderd") is not True:
        return entity
    return None


def _id(value: object) -> str | None:
    text = _text(value, MAX_ID + 1)
    return text if text is not None and len(text) <= MAX_ID and " " not in text else None


def _name(person: Mapping[str, Any]) -> str | None:
    """"Roepnaam Tussenvoegsel Achternaam" (the first given name or the initials without a
    Roepnaam)."""
    first = _text(person.get("Roepnaam"), MAX_NAME)
    if first is None:
        given = _text(person.get("Voornamen"), MAX_NAME)
        first = given.split()[0] if given else _text(person.get("Initialen"), MAX_NAME)
    last = _text(person.get("Achternaam"), MAX_NAME)
    if last is None:
        return None
    parts = [first, _text(person.get("Tussenvoegsel"), MAX_NAME), last]
    return " ".join(part for part in parts if part)[:MAX_NAME]


def _party(seat: Mapping[str, Any]) -> str | None:
    fractie = _alive((_alive(seat.get("FractieZetel")) or {}).get("Fractie"))
    if fractie is None:
        return None
    return _text(fractie.get("Afkorting"), MAX_PARTY) or _text(fractie.get("NaamNL"), MAX_PARTY)


def _weight(row: Mapping[str, Any]) -> int:
    weight = row.get("Gewicht")
    return weight if isinstance(weight, int) and not isinstance(weight, bool) else 2**31


def members_from(
    seats: Iterable[Mapping[str, Any]],
    committee_seats: Iterable[Mapping[str, Any]],
    contacts: Iterable[Mapping[str, Any]],
    *,
    now: datetime,
) -> list[NewTarget]:
    """The current members from the rows of the three entity sets, by name.

    A member is someone with a current party seat (the most recent one when the data holds
    two); one without an e-mail address is kept (``email`` None). Rows that are deleted,
    ended, or that name nobody are left out.
    """
    people: dict[str, tuple[datetime, str, str | None]] = {}
    skipped = 0
    for seat in seats:
        person = _alive(seat.get("Persoon"))
        if not _current(seat, now) or person is None:
            continue
        person_id = _id(person.get("Id") or seat.get("Persoon_Id"))
        name = _name(person)
        if person_id is None or name is None:
            skipped += 1
            continue
        since = _moment(seat.get("Van")) or datetime.min.replace(tzinfo=now.tzinfo)
        known = people.get(person_id)
        if known is None or since >= known[0]:
            people[person_id] = (since, name, _party(seat))
    committees: dict[str, dict[str, str]] = {person_id: {} for person_id in people}
    for row in committee_seats:
        person_id = _id(row.get("Persoon_Id") or (_alive(row.get("Persoon")) or {}).get("Id"))
        if person_id is None or person_id not in committees or not _current(row, now):
            continue
        commissie = _alive((_alive(row.get("CommissieZetel")) or {}).get("Commissie"))
        if commissie is None:
            continue
        name = (
            _text(commissie.get("NaamNL"), MAX_COMMITTEE)
            or _text(commissie.get("NaamWebNL"), MAX_COMMITTEE)
            or _text(commissie.get("Afkorting"), MAX_COMMITTEE)
        )
        if name is not None:
            committees[person_id].setdefault(name.casefold(), name)
    emails: dict[str, tuple[int, str]] = {}
    refused = 0
    for contact in contacts:
        person_id = _id(contact.get("Persoon_Id"))
        soort = contact.get("Soort")
        if (
            person_id is None
            or person_id not in people
            or contact.get("Verwijderd") is True
            or not isinstance(soort, str)
            or soort.strip().casefold() != "e-mail"
            or not isinstance(contact.get("Waarde"), str)
        ):
            continue
        try:
            address = clean_email(contact["Waarde"])
        except ValueError:
            refused += 1
            continue
        weight = _weight(contact)
        if person_id not in emails or weight < emails[person_id][0]:
            emails[person_id] = (weight, address)
    if skipped or refused:
        log.warning(
            "Tweede Kamer open data: %d seats without a person's name, %d e-mail addresses "
            "that are not one address; left out",
            skipped,
            refused,
        )
    targets = [
        NewTarget(
            source=SOURCE,
            external_id=person_id,
            name=name,
            kind=TargetKind.MP,
            party=party,
            committees=tuple(sorted(committees[person_id].values(), key=str.casefold)),
            email=emails[person_id][1] if person_id in emails else None,
        )
        for person_id, (_since, name, party) in people.items()
    ]
    return sorted(targets, key=lambda target: (target.name.casefold(), target.external_id))

