"""Campaign targets: the Tweede Kamer's open data, an organizer's CSV, and the repository.

The open data is served by a fake Gegevensmagazijn on 127.0.0.1 (a random port) that
answers in the shape of the real OData v4 API: ``value`` lists with ``@odata.context``,
pages linked by ``@odata.nextLink``, rows with ``Id``, ``*_Id`` keys, ``Van``/``TotEnMet``
and ``Verwijderd``, and the expanded ``Persoon``, ``FractieZetel`` → ``Fractie`` and
``CommissieZetel`` → ``Commissie``. Like a recording it sends every row it holds, whatever
the query says: old seats and deleted rows must be left out by the client itself. The
people and addresses are made up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cogs.campaigns.target_csv import (
    MAX_ROWS,
    DefinitionError,
    clean_email,
    derived_id,
    parse_target_csv,
)
from cogs.campaigns.targets import TargetService
from cogs.campaigns.tk_opendata import Limits, OpenDataError, TkOpenData, members_from
from storage import Database
from storage.records.campaigns import NewTarget, TargetKind, TargetMode, TargetRecord
from storage.repositories.targets import TargetRepository

ROOT = "/OData/v4/2.0"

JAN = "1c889902-6ede-427c-8682-000f683fffaa"
FATIMA = "2d990013-7fef-438d-9793-111a794aaabb"
PIETER = "3eaa1124-8a0a-449e-a8a4-222b8a5bbbcc"
SANNE = "4fbb2235-9b1b-45af-b9b5-333c9b6cccdd"  # left the Kamer: her seat has ended
KEES = "5acc3346-ac2c-46b0-8ac6-444dac7ddd00"  # a deleted row

VVD = {"Id": "f1000000-0000-0000-0000-000000000001", "Afkorting": "VVD", "NaamNL": "Volkspartij voor Vrijheid en Democratie", "Verwijderd": False}
GLPVDA = {"Id": "f1000000-0000-0000-0000-000000000002", "Afkorting": "GroenLinks-PvdA", "NaamNL": "GroenLinks-PvdA", "Verwijderd": False}
NSC = {"Id": "f1000000-0000-0000-0000-000000000003", "Afkorting": None, "NaamNL": "Nieuw Sociaal Contract", "Verwijderd": False}

SZW = {"Id": "c1000000-0000-0000-0000-000000000001", "NaamNL": "Vaste commissie voor Sociale Zaken en Werkgelegenheid", "NaamWebNL": "Sociale Zaken en Werkgelegenheid", "Afkorting": "SZW", "Verwijderd": False}
FIN = {"Id": "c1000000-0000-0000-0000-000000000002", "NaamNL": "Vaste commissie voor Financiën", "NaamWebNL": "Financiën", "Afkorting": "FIN", "Verwijderd": False}
DEF = {"Id": "c1000000-0000-0000-0000-000000000003", "NaamNL": "Vaste commissie voor Defensie", "NaamWebNL": "Defensie", "Afkorting": "DEF", "Verwijderd": False}
JV = {"Id": "c1000000-0000-0000-0000-000000000004", "NaamNL": "Vaste commissie voor Justitie en Veiligheid", "NaamWebNL": "Justitie en Veiligheid", "Afkorting": "J&V", "Verwijderd": False}

STAMP = {"GewijzigdOp": "2023-12-06T12:30:05+01:00", "ApiGewijzigdOp": "2023-12-06T13:51:23.4143455Z"}


def person(pid: str, roepnaam: str | None, tussenvoegsel: str | None, achternaam: str, *, voornamen: str = "", deleted: bool = False) -> dict[str, Any]:
    return {"Id": pid, "Roepnaam": roepnaam, "Voornamen": voornamen or roepnaam, "Initialen": None, "Tussenvoegsel": tussenvoegsel, "Achternaam": achternaam, "Verwijderd": deleted}


def seat(n: int, who: dict[str, Any], fractie: dict[str, Any], *, van: str = "2023-12-06T00:00:00+01:00", tot: str | None = None, deleted: bool = False) -> dict[str, Any]:
    zetel_id = f"a5fea518-fe51-4b51-8e87-{n:012d}"
    return {
        "Id": f"2788ce23-d15d-471d-9cfb-{n:012d}",
        "FractieZetel_Id": zetel_id,
        "Persoon_Id": who["Id"],
        "Functie": "Lid",
        "Van": van,
        "TotEnMet": tot,
        **STAMP,
        "Verwijderd": deleted,
        "Persoon": who,
        "FractieZetel": {"Id": zetel_id, "Gewicht": n, "Fractie_Id": fractie["Id"], **STAMP, "Verwijderd": False, "Fractie": fractie},
    }


def committee_seat(n: int, pid: str, commissie: dict[str, Any], *, tot: str | None = None, deleted: bool = False) -> dict[str, Any]:
    zetel_id = f"b6aaa518-fe51-4b51-8e87-{n:012d}"
    return {
        "Id": f"d7bb0000-0000-0000-0000-{n:012d}",
        "Functie": "Lid",
        "Van": "2023-12-19T00:00:00+01:00",
        "TotEnMet": tot,
        **STAMP,
        "Verwijderd": deleted,
        "CommissieZetel_Id": zetel_id,
        "Persoon_Id": pid,
        "CommissieZetel": {"Id": zetel_id, "Gewicht": n, **STAMP, "Verwijderd": False, "Commissie_Id": commissie["Id"], "Commissie": commissie},
    }


def contact(n: int, pid: str, soort: str, waarde: str, *, gewicht: int | None = 1, deleted: bool = False) -> dict[str, Any]:
    return {"Id": f"e8cc0000-0000-0000-0000-{n:012d}", "Soort": soort, "Waarde": waarde, **STAMP, "Verwijderd": deleted, "Persoon_Id": pid, "Gewicht": gewicht}


def recording() -> dict[str, list[list[dict[str, Any]]]]:
    """Pages per entity set, as the Gegevensmagazijn answered (two pages for two of them)."""
    jan = person(JAN, "Jan", None, "Jansen", voornamen="Johannes Petrus")
    fatima = person(FATIMA, "Fatima", "el", "Amrani")
    pieter = person(PIETER, "Pieter", "de", "Vries")
    sanne = person(SANNE, "Sanne", None, "Bakker")
    kees = person(KEES, "Kees", None, "Verwijderd")
    return {
        "FractieZetelPersoon": [
            [seat(1, jan, VVD), seat(2, sanne, VVD, van="2021-03-31T00:00:00+02:00", tot="2023-12-05T00:00:00+01:00")],
            [seat(3, fatima, GLPVDA), seat(4, pieter, NSC), seat(5, kees, NSC, deleted=True)],
        ],
        "CommissieZetelVastPersoon": [
            [committee_seat(1, JAN, SZW), committee_seat(2, JAN, FIN), committee_seat(3, JAN, DEF, tot="2022-01-01T00:00:00+01:00")],
            [committee_seat(4, FATIMA, SZW), committee_seat(5, FATIMA, JV, deleted=True), committee_seat(6, SANNE, SZW)],
        ],
        "PersoonContactinformatie": [
            [
                contact(1, JAN, "E-mail", "j.jansen@TK.example", gewicht=1),
                contact(2, JAN, "E-mail", "jan.tweede@tk.example", gewicht=2),
                contact(3, FATIMA, "E-mail", "f.elamrani@tk.example"),
                contact(4, FATIMA, "Website", "https://example.org/fatima"),
                contact(5, PIETER, "E-mail", "p.devries@tk.example", deleted=True),
                contact(6, SANNE, "E-mail", "s.bakker@tk.example"),
            ]
        ],
    }


class FakeGegevensmagazijn:
    """The OData API on 127.0.0.1: recorded pages, and failures on request."""

    def __init__(self) -> None:
        self.pages = recording()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.fail: dict[str, list[int]] = {}
        """Statuses to answer (in turn) before the real answer, per entity set."""
        self.hang = False
        self.next_links: dict[str, str] = {}
        """A nextLink to send instead of the real one, per entity set."""
        self.raw: dict[str, tuple[int, str, bytes]] = {}
        """An answer to send instead (status, Content-Type, body), per entity set."""
        self.release = asyncio.Event()
        self.server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url(ROOT))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        entity = request.match_info["entity"]
        self.requests.append((entity, dict(request.query)))
        if self.hang:
            await self.release.wait()
        if entity in self.raw:
            status, kind, raw = self.raw[entity]
            return web.Response(status=status, body=raw, headers={"Content-Type": kind, "Location": "https://elders.example/"})
        pending = self.fail.get(entity)
        if pending:
            status = pending.pop(0)
            return web.json_response({"error": {"code": str(status), "message": "Er ging iets mis"}}, status=status)
        if entity not in self.pages:
            return web.json_response({"error": {"code": "404", "message": f"Resource '{entity}' bestaat niet"}}, status=404)
        pages = self.pages[entity]
        index = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {"@odata.context": f"{self.url}/$metadata#{entity}", "value": pages[index] if index < len(pages) else []}
        if entity in self.next_links:
            body["@odata.nextLink"] = self.next_links[entity]
        elif index + 1 < len(pages):
            body["@odata.nextLink"] = f"{self.url}/{entity}?$skiptoken={index + 1}"
        return web.json_response(body)

    def count(self, entity: str) -> int:
        return sum(1 for name, _query in self.requests if name == entity)


@pytest.fixture
async def kamer() -> AsyncIterator[FakeGegevensmagazijn]:
    fake = FakeGegevensmagazijn()
    app = web.Application()
    app.router.add_get(ROOT + "/{entity}", fake.handle)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    try:
        yield fake
    finally:
        fake.release.set()
        await fake.server.close()


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    """One database is enough where only the open data's answers differ."""
    database = Database(sqlite_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


FAST = Limits(request_timeout=2.0, connect_timeout=1.0, attempts=3, first_pause=0.01, longest_pause=0.05, deadline=20.0)


def service(db: Database, kamer: FakeGegevensmagazijn, limits: Limits = FAST) -> TargetService:
    return TargetService(TargetRepository(db), kamer.url, opendata=TkOpenData(kamer.url, limits=limits))


async def snapshot(db: Database) -> list[TargetRecord]:
    repository = TargetRepository(db)
    return await repository.many(range(1, 10_000))


# -- the Tweede Kamer's open data -----------------------------------------------------------------


async def test_refresh_loads_the_members_with_party_committees_and_email(db: Database, kamer: FakeGegevensmagazijn) -> None:
    summary = await service(db, kamer).refresh_from_tk()

    assert (summary.source, summary.total, summary.added, summary.updated, summary.deactivated) == ("tk", 3, 3, 0, 0)
    assert summary.without_email == ("Pieter de Vries",)
    assert "Pieter de Vries" in summary.describe()
    members = {target.external_id: target for target in await TargetRepository(db).active()}
    assert set(members) == {JAN, FATIMA, PIETER}  # not Sanne (ended), not Kees (deleted)
    jan, fatima, pieter = members[JAN], members[FATIMA], members[PIETER]
    assert (jan.name, jan.kind, jan.party, jan.email, jan.source) == ("Jan Jansen", TargetKind.MP, "VVD", "j.jansen@tk.example", "tk")
    assert jan.committees == (
        "Vaste commissie voor Financiën",
        "Vaste commissie voor Sociale Zaken en Werkgelegenheid",
    )  # not Defensie: that seat ended
    assert (fatima.name, fatima.party, fatima.email) == ("Fatima el Amrani", "GroenLinks-PvdA", "f.elamrani@tk.example")
    assert fatima.committees == ("Vaste commissie voor Sociale Zaken en Werkgelegenheid",)  # J&V was deleted
    assert (pieter.party, pieter.email, pieter.committees) == ("Nieuw Sociaal Contract", None, ())
    # Both pages of the paged entity sets were read, and the query asked for current rows.
    assert kamer.count("FractieZetelPersoon") == 2 and kamer.count("CommissieZetelVastPersoon") == 2
    first = kamer.requests[0][1]
    assert first["$filter"] == "Verwijderd eq false and TotEnMet eq null"
    assert "FractieZetel($expand=Fractie" in first["$expand"] and "Persoon($select=" in first["$expand"]
    assert not any("$top" in query for _entity, query in kamer.requests)
    contacts = next(query for entity, query in kamer.requests if entity == "PersoonContactinformatie")
    assert contacts["$filter"] == "Soort eq 'E-mail' and Verwijderd eq false"


async def test_a_second_refresh_changes_nothing(db: Database, kamer: FakeGegevensmagazijn) -> None:
    targets = service(db, kamer)
    await targets.refresh_from_tk()
    before = await snapshot(db)

    again = await targets.refresh_from_tk()

    assert (again.total, again.added, again.updated, again.deactivated, again.unchanged) == (3, 0, 0, 0, 3)
    assert await snapshot(db) == before


async def test_a_member_gone_from_the_data_becomes_inactive_and_changes_are_taken(db: Database, kamer: FakeGegevensmagazijn) -> None:
    targets = service(db, kamer)
    await targets.refresh_from_tk()
    pieter = next(t for t in await targets.for_campaign(TargetMode.SPREAD, ()) if t.external_id == PIETER)
    # Pieter's seat ends; Fatima gets an address change and a new committee.
    page = kamer.pages["FractieZetelPersoon"][1]
    page[1] = {**page[1], "TotEnMet": "2024-01-31T00:00:00+01:00"}
    kamer.pages["PersoonContactinformatie"][0][2] = contact(3, FATIMA, "E-mail", "fatima@tk.example")
    kamer.pages["CommissieZetelVastPersoon"][1].append(committee_seat(7, FATIMA, FIN))

    summary = await targets.refresh_from_tk()

    assert (summary.total, summary.added, summary.updated, summary.deactivated) == (2, 0, 1, 1)
    gone = await targets.get(pieter.id)
    assert gone is not None and not gone.active and gone.name == "Pieter de Vries"  # kept, not deleted
    assert [t.external_id for t in await targets.for_campaign(TargetMode.SPREAD, ())] == [FATIMA, JAN]
    assert await targets.for_campaign(TargetMode.PARTY, ["nieuw sociaal contract"]) == []
    fatima = (await targets.for_campaign(TargetMode.COMMITTEE, ["vaste commissie voor financiën"]))[0]
    assert fatima.external_id == FATIMA or fatima.external_id == JAN
    assert [t.email for t in await targets.for_campaign(TargetMode.PARTY, ["groenlinks-pvda"])] == ["fatima@tk.example"]
    # Back in the Kamer: the same target again, active.
    page[1] = {**page[1], "TotEnMet": None}
    back = await targets.refresh_from_tk()
    assert (back.added, back.updated, back.deactivated) == (0, 1, 0)
    again = await targets.get(pieter.id)
    assert again is not None and again.active


async def test_a_server_error_is_tried_again(db: Database, kamer: FakeGegevensmagazijn) -> None:
    kamer.fail = {"FractieZetelPersoon": [500], "PersoonContactinformatie": [503, 429]}

    summary = await service(db, kamer).refresh_from_tk()

    assert summary.total == 3
    assert kamer.count("FractieZetelPersoon") == 3  # 500, then both pages
    assert kamer.count("PersoonContactinformatie") == 3


async def test_a_server_that_keeps_failing_is_a_clear_error_and_changes_nothing(db: Database, kamer: FakeGegevensmagazijn) -> None:
    await service(db, kamer).refresh_from_tk()
    before = await snapshot(db)
    kamer.fail = {"CommissieZetelVastPersoon": [500, 502, 503, 504]}

    with pytest.raises(OpenDataError) as error:
        await service(db, kamer).refresh_from_tk()

    assert "answered HTTP 503" in error.value.message and "3 times" in error.value.message
    assert "CommissieZetelVastPersoon" in error.value.message
    assert await snapshot(db) == before


async def test_a_server_that_never_answers_times_out_and_changes_nothing(db: Database, kamer: FakeGegevensmagazijn) -> None:
    await service(db, kamer).refresh_from_tk()
    before = await snapshot(db)
    kamer.hang = True
    slow = Limits(request_timeout=0.3, connect_timeout=0.3, attempts=2, first_pause=0.01, deadline=10.0)

    with pytest.raises(OpenDataError) as error:
        await service(db, kamer, slow).refresh_from_tk()

    assert error.value.message.startswith("the Tweede Kamer's open data (http://127.0.0.1:")
    assert "did not answer within 0.3 seconds (tried 2 times)" in error.value.message
    assert await snapshot(db) == before


async def test_the_whole_refresh_has_a_deadline(sqlite_db: Database, kamer: FakeGegevensmagazijn) -> None:
    kamer.hang = True
    patient = Limits(request_timeout=30.0, attempts=3, deadline=0.3)

    with pytest.raises(OpenDataError, match=r"did not finish within 0.3 seconds"):
        await service(sqlite_db, kamer, patient).refresh_from_tk()

    assert await snapshot(sqlite_db) == []


async def test_a_wrong_address_is_not_tried_again(sqlite_db: Database, kamer: FakeGegevensmagazijn) -> None:
    kamer.pages.pop("FractieZetelPersoon")

    with pytest.raises(OpenDataError, match=r"answered HTTP 404: Resource 'FractieZetelPersoon' bestaat niet"):
        await service(sqlite_db, kamer).refresh_from_tk()

    assert kamer.count("FractieZetelPersoon") == 1


async def test_a_next_page_on_another_server_is_not_followed(sqlite_db: Database, kamer: FakeGegevensmagazijn) -> None:
    kamer.next_links["FractieZetelPersoon"] = "http://10.11.12.13/OData/v4/2.0/FractieZetelPersoon?$skiptoken=1"

    with pytest.raises(OpenDataError, match=r"the next page is on another server \(10.11.12.13\); not followed"):
        await service(sqlite_db, kamer).refresh_from_tk()

    assert await snapshot(sqlite_db) == []


async def test_a_next_link_that_loops_or_never_ends_is_stopped(sqlite_db: Database, kamer: FakeGegevensmagazijn) -> None:
    kamer.next_links["PersoonContactinformatie"] = f"{kamer.url}/PersoonContactinformatie?$skiptoken=0"
    with pytest.raises(OpenDataError, match=r"already read"):
        await service(sqlite_db, kamer).refresh_from_tk()

    kamer.next_links.clear()
    few = Limits(first_pause=0.01, max_pages=1)
    with pytest.raises(OpenDataError, match=r"FractieZetelPersoon\): more than 1 pages"):
        await service(sqlite_db, kamer, few).refresh_from_tk()
    assert await snapshot(sqlite_db) == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((200, "text/html", b"<html>Onderhoud</html>"), r"FractieZetelPersoon\): the answer is not JSON \(text/html\)"),
        ((200, "application/json", b'{"value": [' * 100_000), r"FractieZetelPersoon\): the answer is not valid JSON"),
        ((200, "application/json", b'{"error": "geen lijst"}'), r"the answer is not an OData list"),
        ((301, "text/html", b""), r"answered with a redirect \(HTTP 301\) to https://elders.example/; set TK_ODATA_URL"),
    ],
)
async def test_an_answer_that_is_not_odata_is_a_clear_error(
    sqlite_db: Database, kamer: FakeGegevensmagazijn, answer: tuple[int, str, bytes], message: str
) -> None:
    kamer.raw["FractieZetelPersoon"] = answer

    with pytest.raises(OpenDataError, match=message):
        await service(sqlite_db, kamer).refresh_from_tk()

    assert kamer.count("FractieZetelPersoon") == 1 and await snapshot(sqlite_db) == []


async def test_too_many_bytes_are_refused(sqlite_db: Database, kamer: FakeGegevensmagazijn) -> None:
    small = Limits(first_pause=0.01, max_page_bytes=500)
    with pytest.raises(OpenDataError, match=r"FractieZetelPersoon\): a page of [0-9,]+ bytes is more than 500 bytes"):
        await service(sqlite_db, kamer, small).refresh_from_tk()
    little = Limits(first_pause=0.01, max_total_bytes=3_000)
    with pytest.raises(OpenDataError, match=r"sent more than 3,000 bytes in all; stopped"):
        await service(sqlite_db, kamer, little).refresh_from_tk()
    assert await snapshot(sqlite_db) == []


async def test_an_answer_without_members_changes_nothing(db: Database, kamer: FakeGegevensmagazijn) -> None:
    await service(db, kamer).refresh_from_tk()
    before = await snapshot(db)
    kamer.pages["FractieZetelPersoon"] = [[]]

    with pytest.raises(OpenDataError, match=r"names no current member$"):
        await service(db, kamer).refresh_from_tk()

    assert await snapshot(db) == before


def test_rows_become_members_as_the_kamer_means_them() -> None:
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    switcher = person(JAN, None, "van", "Dijk", voornamen="Johannes Petrus")
    placeholder = {"Id": FATIMA, "Verwijderd": False}  # a person Parlis knows only by id
    leaving = person(PIETER, "Pieter", None, "Vries")
    seats = [
        seat(1, switcher, VVD, van="2023-12-06T00:00:00+01:00"),
        seat(2, switcher, NSC, van="2024-02-01T00:00:00+01:00"),  # switched party
        seat(3, placeholder, VVD),
        seat(4, leaving, GLPVDA, tot="2024-06-01T00:00:00+02:00"),  # today is the last day
        seat(5, person(SANNE, "Sanne", None, "Bakker"), VVD, van="2024-07-01T00:00:00+02:00"),  # not yet
    ]
    contacts = [contact(1, JAN, "e-mail", "nog geen adres"), contact(2, PIETER, "E-mail", "p@tk.example", gewicht=None)]

    members = members_from(seats, [], contacts, now=now)

    assert [(m.name, m.party, m.email) for m in members] == [
        ("Johannes van Dijk", "Nieuw Sociaal Contract", None),
        ("Pieter Vries", "GroenLinks-PvdA", "p@tk.example"),
    ]


def test_a_bad_odata_url_is_refused() -> None:
    with pytest.raises(OpenDataError, match=r"TK_ODATA_URL must be an http\(s\) address"):
        TkOpenData("ftp://gegevensmagazijn.example/OData")


# -- an organizer's CSV ---------------------------------------------------------------------------

GOOD = (
    "\ufeffnaam;soort;partij;commissies;email;id\r\n"
    "Programmacommissie GroenLinks-PvdA;partij;GroenLinks-PvdA;;programma@Example.ORG;\r\n"
    '"Ministerie van Sociale Zaken; Werkgelegenheid";Ministerie;;;;szw\r\n'
    "Gemeente Utrecht;gemeente;;;info@gemeente.example;gm0344\r\n"
    "\r\n"
    "Jan Jansen;kamerlid;VVD;Sociale Zaken en Werkgelegenheid | Financiën;jan@example.org;\r\n"
    "Buurtcentrum De Pijp;;;;;\r\n"
).encode()


def test_a_good_file_is_read() -> None:
    targets = parse_target_csv(GOOD)

    assert [(t.name, t.kind, t.party, t.email) for t in targets] == [
        ("Programmacommissie GroenLinks-PvdA", TargetKind.PARTY, "GroenLinks-PvdA", "programma@example.org"),
        ("Ministerie van Sociale Zaken; Werkgelegenheid", TargetKind.MINISTRY, None, None),
        ("Gemeente Utrecht", TargetKind.MUNICIPALITY, None, "info@gemeente.example"),
        ("Jan Jansen", TargetKind.MP, "VVD", "jan@example.org"),
        ("Buurtcentrum De Pijp", TargetKind.OTHER, None, None),
    ]
    assert targets[3].committees == ("Sociale Zaken en Werkgelegenheid", "Financiën")
    assert [t.external_id for t in targets][1:3] == ["szw", "gm0344"]
    assert targets[0].external_id == derived_id("programmacommissie  groenlinks-pvda", TargetKind.PARTY)
    assert all(t.source == "csv" for t in targets)


def test_commas_and_excel_s_separator_line_are_understood() -> None:
    comma = b'naam,soort,email\n"Zaken, Economische",ministerie,ez@example.org\n'
    assert [(t.name, t.kind) for t in parse_target_csv(comma)] == [("Zaken, Economische", TargetKind.MINISTRY)]
    excel = b"sep=;\nNaam;E-mail\nGemeente Zwolle;info@zwolle.example\n"
    assert [(t.name, t.email) for t in parse_target_csv(excel)] == [("Gemeente Zwolle", "info@zwolle.example")]


async def test_an_import_is_stored_and_a_second_one_changes_nothing(db: Database) -> None:
    targets = TargetService(TargetRepository(db), "http://127.0.0.1:9/unused")

    first = await targets.import_csv(GOOD)
    again = await targets.import_csv(GOOD)

    assert (first.source, first.total, first.added, first.deactivated) == ("csv", 5, 5, 0)
    assert set(first.without_email) == {"Ministerie van Sociale Zaken; Werkgelegenheid", "Buurtcentrum De Pijp"}
    assert (again.added, again.updated, again.deactivated) == (0, 0, 0)
    shorter = GOOD.replace(b"Buurtcentrum De Pijp;;;;;\r\n", b"")
    third = await targets.import_csv(shorter)
    assert (third.total, third.deactivated) == (4, 1)
    assert await targets.count() == 4 and await targets.count(TargetKind.OTHER) == 0
    found = await targets.search("utrecht")
    assert [t.name for t in found] == ["Gemeente Utrecht"]
    assert [t.name for t in await targets.for_campaign(TargetMode.NAMED, [str(found[0].id), "nonsense", "999999"])] == ["Gemeente Utrecht"]
    assert await targets.for_campaign(TargetMode.NONE, ["Gemeente Utrecht"]) == []
    assert await targets.for_campaign("party", ["VVD"]) == [t for t in await targets.for_campaign(TargetMode.SPREAD, []) if t.name == "Jan Jansen"]


BAD_FILES: list[tuple[str, bytes, list[str]]] = [
    (
        "bad e-mail addresses",
        b'naam;email\nA;a@example.org\nB;b@example.org, c@example.org\nC;"c@example.org\r\nBcc: all@example.org"\nD;geen-adres\nE;Eve <e@example.org>\n',
        [
            "line 3: email must be one address, like naam@voorbeeld.nl",
            "line 4: email must be one line without control characters",
            "line 6: email is not an e-mail address like naam@voorbeeld.nl",
            "line 7: email must be one address, like naam@voorbeeld.nl",
        ],
    ),
    (
        "an unknown soort",
        b"naam;soort\nA;gemeente\nB;minister\n",
        ["line 3: soort 'minister' is not one of: kamerlid, partij, commissie, ministerie, gemeente, anders"],
    ),
    ("an empty naam", b"naam;soort\nA;partij\n  ;partij\n", ["line 3: naam is empty"]),
    ("no naam column", b"name;soort\nA;partij\n", ["line 1: unknown column 'name' (known: naam, soort, partij, commissies, email, id)"]),
    ("a column twice", b"naam;Naam\nA;B\n", ["line 1: the column 'naam' appears twice"]),
    (
        "the same id twice",
        b"naam;id\nA;x1\nB;x1\nC;\nC;\n",
        ["line 3: id 'x1' is also on line 2", "line 5: the same naam and soort as line 4 (give each row an id to keep both)"],
    ),
    (
        "a value without a column",
        b"naam;soort\nA;partij;extra\n",
        ["line 2: a value in column 3, which the first line does not name (does a value with a separator in it miss its quotes?)"],
    ),
    ("a quote left open", b'naam;soort\nA;partij\n"B;partij\n', ["line 3: not valid CSV: unexpected end of data"]),
    ("a control character", b"naam\nA\x07B\n", ["line 2: naam must be one line without control characters"]),
    ("binary garbage", bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00, 0x10]), ["line 1: the file is not UTF-8 text (save it as \"CSV UTF-8\")"]),
    ("garbage after text", b"naam\nA\n\xff\xfe\x00\n", ["line 3: the file is not UTF-8 text (save it as \"CSV UTF-8\")"]),
    ("a NUL in text", b"naam\nA\nB\x00C\n", ["line 3: the file holds binary data, not text"]),
    ("an empty file", b"\xef\xbb\xbf \r\n", ["line 1: the file is empty"]),
    ("only a header", b"naam;soort\n", ["line 1: the file has no rows under the first line"]),
    ("too long a naam", b"naam\n" + b"x" * 201 + b"\n", ["line 2: naam is longer than 200 characters"]),
]


@pytest.mark.parametrize(("what", "data", "problems"), BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_a_wrong_file_names_the_line(what: str, data: bytes, problems: list[str]) -> None:
    with pytest.raises(DefinitionError) as error:
        parse_target_csv(data)
    assert error.value.problems == problems


def test_too_many_rows_or_bytes_are_refused() -> None:
    rows = b"naam\n" + b"".join(f"Gemeente {n}\n".encode() for n in range(MAX_ROWS + 1))
    with pytest.raises(DefinitionError) as error:
        parse_target_csv(rows)
    assert error.value.problems == [f"line {MAX_ROWS + 2}: the file has more than 5,000 rows; split it in parts"]
    assert len(parse_target_csv(b"naam\n" + b"".join(f"Gemeente {n}\n".encode() for n in range(MAX_ROWS)))) == MAX_ROWS
    with pytest.raises(DefinitionError, match=r"line 1: the file is larger than 1,000,000 bytes"):
        parse_target_csv(b"naam\n" + b"x" * 1_000_000)


def test_many_problems_are_listed_up_to_a_limit() -> None:
    data = b"naam;soort\n" + b"".join(b"A%d;fout\n" % n for n in range(80))
    with pytest.raises(DefinitionError) as error:
        parse_target_csv(data)
    assert len(error.value.problems) == 51
    assert error.value.problems[-1] == "line 81: and 30 more problems"


async def test_a_wrong_file_changes_nothing(db: Database) -> None:
    targets = TargetService(TargetRepository(db), "http://127.0.0.1:9/unused")
    await targets.import_csv(GOOD)
    before = await snapshot(db)
    for _what, data, _problems in BAD_FILES:
        with pytest.raises(DefinitionError):
            await targets.import_csv(data)
    huge = b"naam\n" + b"".join(f"Gemeente {n}\n".encode() for n in range(MAX_ROWS + 1))
    with pytest.raises(DefinitionError):
        await targets.import_csv(huge)
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("naam@voorbeeld.nl", "naam@voorbeeld.nl"),
        ("  Naam.Achternaam+tag@Voorbeeld.NL ", "Naam.Achternaam+tag@voorbeeld.nl"),
        ("a@b", None),
        ("a@@b.nl", None),
        ("a@b.nl\nBcc: c@d.nl", None),
        ("a@b.nl\r", "a@b.nl"),
        ("a@b.nl\rBcc: c@d.nl", None),
        ("a@b.nl\u2028", "a@b.nl"),
        ("a@b.nl\u2028x@y.nl", None),
        (".a@b.nl", None),
        ("a@-b.nl", None),
        ("a" * 65 + "@b.nl", None),
        ("jöran@b.nl", None),
    ],
)
def test_an_email_address_is_one_address(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            clean_email(text)
    else:
        assert clean_email(text) == expected


# -- the repository (SQLite and PostgreSQL) -------------------------------------------------------


def mp(external_id: str, name: str, party: str | None, committees: tuple[str, ...] = (), email: str | None = None) -> NewTarget:
    return NewTarget("tk", external_id, name, TargetKind.MP, party, committees, email)


KAMER = [
    mp("p1", "Jan Jansen", "VVD", ("Vaste commissie voor Financiën",), "jan@tk.example"),
    mp("p2", "Ömer Öztürk", "GroenLinks-PvdA", ("Vaste commissie voor Sociale Zaken en Werkgelegenheid", "Vaste commissie voor Financiën")),
    mp("p3", "Anna de Wit", "vvd", (), "anna@tk.example"),
]


async def test_replace_source_adds_updates_and_deactivates(db: Database) -> None:
    repository = TargetRepository(db)
    assert await repository.replace_source("tk", KAMER) == (3, 0, 0)
    assert await repository.replace_source("tk", KAMER) == (0, 0, 0)
    other = NewTarget("csv", "gm0344", "Gemeente Utrecht", TargetKind.MUNICIPALITY)
    assert await repository.replace_source("csv", [other]) == (1, 0, 0)

    changed = [KAMER[0], mp("p2", "Ömer Öztürk", "GroenLinks-PvdA", (), "omer@tk.example"), mp("p4", "Nieuw Lid", "PVV")]
    assert await repository.replace_source("tk", changed) == (1, 1, 1)

    assert await repository.count() == 4  # p1, p2, p4, Utrecht
    assert await repository.count(active=False) == 5
    assert await repository.count(TargetKind.MUNICIPALITY) == 1  # another source is left alone
    assert await repository.search("anna") == []  # inactive targets are not offered
    everyone = await repository.many(range(1, 100))
    p3 = next(record for record in everyone if record.external_id == "p3")
    assert not p3.active and p3.party == "vvd"
    omer = next(record for record in everyone if record.external_id == "p2")
    assert (omer.committees, omer.email, omer.active) == ((), "omer@tk.example", True)
    assert await repository.replace_source("tk", changed, deactivate_missing=False) == (0, 0, 0)
    assert await repository.replace_source("tk", [*changed, KAMER[2]], deactivate_missing=False) == (0, 1, 0)
    with pytest.raises(ValueError):
        await repository.replace_source("csv", KAMER)


async def test_lookups_ignore_case_and_give_records(db: Database) -> None:
    repository = TargetRepository(db)
    await repository.replace_source("tk", KAMER)
    await repository.replace_source("csv", [NewTarget("csv", "x", "Vaste commissie SZW (secretariaat)", TargetKind.COMMITTEE, email="szw@example.org")])

    assert [r.name for r in await repository.by_parties(["VVD"])] == ["Anna de Wit", "Jan Jansen"]
    assert [r.name for r in await repository.by_parties(["groenlinks-pvda", "  "])] == ["Ömer Öztürk"]
    assert await repository.by_parties([]) == []
    assert [r.name for r in await repository.by_committees(["VASTE COMMISSIE VOOR FINANCIËN"])] == ["Jan Jansen", "Ömer Öztürk"]
    assert await repository.parties() == ["GroenLinks-PvdA", "VVD"]
    assert await repository.committees() == ["Vaste commissie voor Financiën", "Vaste commissie voor Sociale Zaken en Werkgelegenheid"]
    assert [r.name for r in await repository.search("öztürk")] == ["Ömer Öztürk"]
    assert [r.name for r in await repository.search("ÖMER")] == ["Ömer Öztürk"]
    assert [r.name for r in await repository.search("szw")] == ["Vaste commissie SZW (secretariaat)"]
    assert [r.name for r in await repository.search("sociale zaken")] == ["Ömer Öztürk"]
    assert [r.name for r in await repository.search("j", limit=1)] == ["Jan Jansen"]
    assert await repository.search("   ") == []
    assert [r.kind for r in await repository.active(TargetKind.COMMITTEE)] == [TargetKind.COMMITTEE]
    jan = (await repository.search("jan jansen"))[0]
    assert await repository.get(jan.id) == jan
    assert await repository.get(999_999) is None
    assert [r.id for r in await repository.many([jan.id, 999_999, jan.id])] == [jan.id]
    assert (jan.committees, jan.email) == (("Vaste commissie voor Financiën",), "jan@tk.example")


async def test_two_loads_at_once_end_as_one(db: Database) -> None:
    repository = TargetRepository(db)
    results = await asyncio.gather(*(repository.replace_source("tk", KAMER) for _ in range(4)))

    assert sorted(results) == [(0, 0, 0), (0, 0, 0), (0, 0, 0), (3, 0, 0)]
    assert await repository.count(active=False) == 3


async def test_a_large_list_loads_in_one_go(db: Database) -> None:
    repository = TargetRepository(db)
    many = [NewTarget("csv", f"g{n}", f"Gemeente {n}", TargetKind.MUNICIPALITY) for n in range(1200)]
    assert await repository.replace_source("csv", many) == (1200, 0, 0)
    assert await repository.replace_source("csv", many[:100]) == (0, 0, 1100)
    assert await repository.count() == 100
    assert await repository.replace_source("csv", many) == (0, 1100, 0)
