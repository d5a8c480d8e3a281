"""The Meetlat through the console chat and the real core, on a real SQLite file.

Rating with buttons (one current rating per member and item, history kept), who counts
(users only, no conflict of interest, never a sponsor rating itself, a sponsor one voice),
nothing published under 5 raters, the scores against hand-computed values, the marks and
their thresholds, a burst flagged and held, proposals, replies and appeals, method
versions announced before they apply, exports and publishing, and erasure.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.app import Werkbot
from bot.core.types import Reply
from cogs.meetlat.actions import OrganizerVerb, encode_organizer
from cogs.meetlat.service import MeetlatService
from config import Settings
from storage.records.meetlat import FlagStatus, ItemStatus, MarkStatus
from storage.repositories.meetlat import MeetlatRepository
from storage.vocabulary import Topic
from tests.meetlat.conftest import item, meetlat_of, rate_all, raters, with_method
from tests.support.chat import RecordingChat, text_of
from tests.support.outbox import sent
from tests.surveys.conftest import make_member

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ORGANIZER = "olga"


@pytest.fixture
async def app(make_settings: Callable[..., Settings]) -> Werkbot:  # type: ignore[misc]
    bot = Werkbot(
        make_settings(
            organizers=f"console:{ORGANIZER}",
            announcement_chats="console:nieuws",
            organizer_chats="console:organisatoren",
        )
    )
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def delivered_to(chat: RecordingChat, target: str) -> list[Reply]:
    return [reply for where, reply in chat.delivered if where.chat_id == target]


async def rate_in_chat(chat: RecordingChat, user: str, name: str, answers: list[str], note: str | None = None) -> str:
    """``/meetlat <name>``, Yes (used), No (works there), then one button per criterion
    (``"1"``…``"5"`` or ``"Skip"``), then the note or No note."""
    await chat.say(user, f"/meetlat {name}")
    await chat.press(user, 1)
    await chat.press(user, 2)
    for answer in answers:
        labels = [button.label for button in chat.latest_buttons[user]]
        await chat.press(user, labels.index(answer) + 1)
    if note is None:
        return text_of(await chat.press(user, 1))
    return text_of(await chat.say(user, note))


async def setup(app: Werkbot) -> tuple[MeetlatService, list[int]]:
    app.clock._running().pause()
    return meetlat_of(app), await with_method(app)


@time_machine.travel(NOW)
async def test_a_member_rates_with_buttons_and_a_second_rating_replaces_the_first(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    broodfonds = await item(app)
    anna = await make_member(app, "anna")

    saved = await rate_in_chat(chat, "anna", "brood", ["4", "Skip", "5"], note="Binnen een week geregeld.")
    assert "is saved" in saved and "counts" in saved
    first = await service.own_rating(broodfonds.id, anna)
    assert first is not None and first.scores == {criteria[0]: 4, criteria[2]: 5} and first.note == "Binnen een week geregeld."

    asked = text_of(await chat.say("anna", "/meetlat Broodfonds"))
    assert "You rated it before" in asked
    await chat.press("anna", 1)  # used
    flexibility = text_of(await chat.press("anna", 2))  # does not work there
    assert "Flexibility" in flexibility and "(before: 4)" in flexibility
    transparency = text_of(await chat.press("anna", 2))  # Flexibility: 2
    assert "Transparency" in transparency and "(before" not in transparency  # skipped the first time
    autonomy = text_of(await chat.press("anna", 3))  # Transparency: 3
    assert "(before: 5)" in autonomy
    await chat.press("anna", 5)  # Autonomy: 5
    changed = text_of(await chat.press("anna", 1))  # No note
    assert "is changed" in changed and "history" in changed

    now = await service.own_rating(broodfonds.id, anna)
    assert now is not None and now.id == first.id and now.note is None
    assert now.scores == {criteria[0]: 2, criteria[1]: 3, criteria[2]: 5}
    export = await service.export(anna)
    assert len(export["ratings"]) == 1 and len(export["earlier_ratings"]) == 1
    assert export["earlier_ratings"][0]["note"] == "Binnen een week geregeld."
    rows = await MeetlatRepository(app.db).rating_rows(NOW - timedelta(days=1))
    assert len(rows) == 1  # one current rating per member and item


@time_machine.travel(NOW)
async def test_only_users_rate_and_nothing_is_saved_for_a_no(app: Werkbot, chat: RecordingChat) -> None:
    service, _criteria = await setup(app)
    broodfonds = await item(app)
    anna = await make_member(app, "anna")
    await chat.say("anna", "/meetlat Broodfonds")
    answer = text_of(await chat.press("anna", 2))  # No, not used
    assert "only users rate" in answer and "Nothing was saved" in answer
    assert await service.own_rating(broodfonds.id, anna) is None


@time_machine.travel(NOW)
async def test_an_unverified_member_and_a_guest_cannot_rate(app: Werkbot, chat: RecordingChat) -> None:
    await setup(app)
    await item(app)
    await make_member(app, "vera", verified=False)
    assert "Only verified members rate" in text_of(await chat.say("vera", "/meetlat Broodfonds"))
    assert "registreer" in text_of(await chat.say("gast", "/meetlat Broodfonds")).lower()


@time_machine.travel(NOW)
async def test_a_member_who_works_there_is_kept_but_not_counted(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    broodfonds = await item(app)
    await rate_all(app, broodfonds.id, await raters(app, 5), {criteria[0]: 4, criteria[1]: 4, criteria[2]: 4})
    await make_member(app, "werker")
    await chat.say("werker", "/meetlat Broodfonds")
    await chat.press("werker", 1)
    answer = text_of(await chat.press("werker", 1))  # Yes, I work there
    assert "does not count" in answer and "work for Broodfonds" in answer
    standing = await service.standing(broodfonds.id)
    assert standing.score.raters == 5
    assert standing.score.criteria[0].mean == 4


@time_machine.travel(NOW)
async def test_a_sponsor_rating_itself_never_counts_and_a_sponsor_is_one_voice(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    sponsor = await app.members.service.create_sponsor("Zorgpunt")
    other_sponsor = await app.members.service.create_sponsor("Flexbureau")
    zorgpunt = await item(app, "Zorgpunt Thuiszorg")
    rep = await make_member(app, "rep")
    early_rep = await make_member(app, "early")
    await rate_all(app, zorgpunt.id, [early_rep], {criteria[0]: 5, criteria[1]: 5, criteria[2]: 5})  # before the item was a sponsor's
    await rate_all(app, zorgpunt.id, await raters(app, 5), {criteria[0]: 2, criteria[1]: 2, criteria[2]: 2})

    assert "sponsor Zorgpunt" in text_of(await chat.say(ORGANIZER, f"/meetlat_sponsor {zorgpunt.id} {sponsor}"))
    await app.members.service.add_representative(sponsor, rep)
    await app.members.service.add_representative(sponsor, early_rep)
    refused = text_of(await chat.say("rep", "/meetlat Zorgpunt Thuiszorg"))
    assert "never counts" in refused
    assert await service.own_rating(zorgpunt.id, rep) is None
    standing = await service.standing(zorgpunt.id)
    assert standing.score.raters == 5 and standing.score.criteria[0].mean == 2  # early_rep's 5 is out

    # Two representatives of another sponsor rate: one voice, the latest.
    flex = [await make_member(app, "flex1"), await make_member(app, "flex2")]
    for member_id in flex:
        await app.members.service.add_representative(other_sponsor, member_id)
    with time_machine.travel(NOW + timedelta(minutes=1)):
        await rate_all(app, zorgpunt.id, [flex[0]], {criteria[0]: 1})
    with time_machine.travel(NOW + timedelta(minutes=2)):
        await rate_all(app, zorgpunt.id, [flex[1]], {criteria[0]: 5})
        standing = await service.standing(zorgpunt.id)
    assert standing.score.raters == 6
    assert standing.score.criteria[0].n == 6 and standing.score.criteria[0].mean == pytest.approx((2 * 5 + 5) / 6)


@time_machine.travel(NOW)
async def test_nothing_is_published_under_five_raters(app: Werkbot, chat: RecordingChat) -> None:
    _service, criteria = await setup(app)
    broodfonds = await item(app)
    await rate_all(app, broodfonds.id, await raters(app, 4), {criteria[0]: 5, criteria[1]: 1, criteria[2]: 3})
    replies = await chat.say("anna", f"/meetlat_score {broodfonds.id}")
    text = text_of(replies)
    assert "No score yet" in text and "5.00" not in text and "Overall" not in text
    card = replies[-1].attachment
    assert card is not None and card.data.startswith(b"\x89PNG") and card.mime_type == "image/png"
    assert "Broodfonds" not in text_of(await chat.say("anna", "/meetlat_ranglijst"))
    assert "Nothing to export" in text_of(await chat.say(ORGANIZER, "/meetlat_export"))

    await rate_all(app, broodfonds.id, await raters(app, 1, prefix="fifth"), {criteria[0]: 5, criteria[1]: 1, criteria[2]: 3})
    published = await chat.say("anna", "/meetlat_score Broodfonds")
    text = text_of(published)
    assert "Method v1 · 5 raters" in text and "Flexibility: 5.00 (n=5, ±0.00)" in text
    assert published[-1].attachment is not None and published[-1].attachment.data != card.data


@time_machine.travel(NOW)
async def test_the_published_scores_are_the_hand_computed_shrunk_scores(app: Werkbot, chat: RecordingChat) -> None:
    _service, criteria = await setup(app)
    good, poor = await item(app, "Goedzo"), await item(app, "Matig")
    flex = criteria[0]
    for n, value in enumerate([5, 5, 4, 4, 5, 3]):
        await rate_all(app, good.id, [await make_member(app, f"g{n}")], {flex: value})
    for n, value in enumerate([2, 3, 2, 2, 3]):
        await rate_all(app, poor.id, [await make_member(app, f"p{n}")], {flex: value})
    # C = (26/6 + 12/5) / 2 = 101/30 = 3.3667
    # S(good) = (6·26/6 + 5·C) / 11 = (26 + 101/6) / 11 = 257/66 = 3.894
    # S(poor) = (5·12/5 + 5·C) / 10 = (12 + 101/6) / 10 = 173/60 = 2.883
    good_text = text_of(await chat.say("anna", "/meetlat_score Goedzo"))
    poor_text = text_of(await chat.say("anna", "/meetlat_score Matig"))
    assert "Flexibility: 3.89 (n=6, ±0.82)" in good_text
    assert "Flexibility: 2.88 (n=5, ±0.55)" in poor_text
    assert "Transparency: – (n=0)" in good_text
    ranking = text_of(await chat.say("anna", "/meetlat_ranglijst"))
    assert ranking.index("Goedzo") < ranking.index("Matig")


@time_machine.travel(NOW)
async def test_marks_basis_at_ten_raters_plus_after_the_evidence_and_expiry_after_a_year(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    high, thin = await item(app, "Hoog"), await item(app, "Dun")
    await rate_all(app, high.id, await raters(app, 10, prefix="h"), {c: 5 for c in criteria}, note="Goed geregeld")
    await rate_all(app, thin.id, await raters(app, 9, prefix="t"), {c: 5 for c in criteria})
    assert await service.refresh_marks() == 1
    await service.check_evidence(thin.id, True, "test")  # Plus needs Basis: n = 9 gives none
    assert (await service.standing(thin.id)).mark is None
    mark = (await service.standing(high.id)).mark
    assert mark is not None and mark.level == "basis" and mark.method_version == 1
    assert mark.valid_until == mark.awarded_at + timedelta(days=365)
    assert mark.snapshot["raters"] == 10

    card = text_of(await chat.say(ORGANIZER, f"/meetlat_beheer {high.id}"))
    assert "Goed geregeld" in card and "Evidence not checked" in card
    after = text_of(await chat.press(ORGANIZER, encode_organizer(OrganizerVerb.EVIDENCE_OK, high.id)))
    assert "Sociaal Keurmerk Plus" in after
    marks = await MeetlatRepository(app.db).marks(statuses=list(MarkStatus), item_id=high.id)
    assert [(m.level, m.status) for m in marks] == [("basis", MarkStatus.REPLACED), ("plus", MarkStatus.ACTIVE)]
    assert await service.refresh_marks() == 0  # awarding again changes nothing

    with time_machine.travel(NOW + timedelta(days=366)):
        await service.refresh_marks()
        # The ratings are a year old and still count (24 months): Plus again, a new year.
        renewed = await MeetlatRepository(app.db).marks(statuses=list(MarkStatus), item_id=high.id)
    assert [m.status for m in renewed] == [MarkStatus.REPLACED, MarkStatus.EXPIRED, MarkStatus.ACTIVE]
    with time_machine.travel(NOW + timedelta(days=366 * 2 + 1)):
        await service.refresh_marks()  # the ratings are past 24 months: no mark any more
        assert await MeetlatRepository(app.db).marks(item_id=high.id) == []
        gone = await service.standing(high.id)
        assert gone.mark is None and not gone.score.published


@time_machine.travel(NOW)
async def test_a_burst_is_flagged_for_organizers_who_can_hold_it_out_seeing_only_aggregates(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    target = await item(app, "Klikfabriek", sector="platformwerk")
    with time_machine.travel(NOW - timedelta(days=20)):  # accounts older than two weeks
        honest = await raters(app, 6, prefix="oud")
        await rate_all(app, target.id, honest, {c: 2 for c in criteria})
    assert await service.flags() == []
    trolls = await raters(app, 12, prefix="nieuw")
    await rate_all(app, target.id, trolls, {c: 5 for c in criteria})
    flags = await service.flags()
    assert len(flags) == 1 and flags[0].ratings == 12 and flags[0].new_accounts == 12
    await sent(app)
    notices = delivered_to(chat, "organisatoren")  # a group chat: in Dutch
    assert len(notices) == 1 and "signaal (1)" in notices[0].text and "/meetlat_beheer" in notices[0].text

    counted = await service.standing(target.id)
    assert counted.score.raters == 18  # counted until an organizer decides
    overview = await chat.say(ORGANIZER, "/meetlat_beheer")
    text = text_of(overview)
    assert "12 new ratings" in text and "12 from accounts younger than two weeks" in text
    for user in ("nieuw0", "Lid nieuw0", "oud0", "Lid oud0"):  # aggregates only, never who
        assert user not in text
    labels = [b.label for b in chat.latest_buttons[ORGANIZER]]
    held = text_of(await chat.press(ORGANIZER, labels.index("Hold out of the score") + 1))
    assert "held out of the score" in held
    standing = await service.standing(target.id)
    assert standing.score.raters == 6 and standing.score.criteria[0].mean == 2
    view = await service.flag_view(flags[0].id)
    assert view.with_flagged is not None and view.with_flagged.raters == 18
    assert view.without_flagged is not None and view.without_flagged.raters == 6
    await chat.press(ORGANIZER, labels.index("Count them") + 1)
    cleared = await MeetlatRepository(app.db).flag(flags[0].id)
    assert cleared is not None and cleared.status is FlagStatus.CLEARED
    assert (await service.standing(target.id)).score.raters == 18


@time_machine.travel(NOW)
async def test_a_member_proposes_an_item_and_an_organizer_approves_it_before_it_can_be_rated(app: Werkbot, chat: RecordingChat) -> None:
    service, _criteria = await setup(app)
    anna = await make_member(app, "anna")
    await chat.say("anna", "/meetlat_voorstel")
    await chat.say("anna", "Factuurfabriek")
    await chat.press("anna", 3)  # tool
    await chat.say("anna", "https://factuurfabriek.example")
    await chat.say("anna", "Administratie")
    done = text_of(await chat.press("anna", 1))
    assert "is proposed" in done
    proposal = (await service.proposals())[0]
    assert proposal.status is ItemStatus.PROPOSED and proposal.sector == "administratie" and proposal.proposed_by == anna
    assert "No item in the Meetlat matches" in text_of(await chat.say("anna", "/meetlat Factuurfabriek"))
    await sent(app)
    assert "nieuw voorstel (1)" in text_of(delivered_to(chat, "organisatoren"))

    overview = await chat.say(ORGANIZER, "/meetlat_beheer")
    assert "Proposal" in text_of(overview)
    labels = [b.label for b in chat.latest_buttons[ORGANIZER]]
    approved = text_of(await chat.press(ORGANIZER, labels.index("Approve") + 1))
    assert "is in the Meetlat now" in approved
    twice = text_of(await chat.press(ORGANIZER, labels.index("Approve") + 1))
    assert "decided already" in twice
    await sent(app)
    assert "Your proposal Factuurfabriek is in the Meetlat" in text_of(delivered_to(chat, "anna"))
    assert "Have you used it yourself" in text_of(await chat.say("anna", "/meetlat Factuurfabriek"))
    # The same name again, in other letters and spacing, is refused when it is proposed.
    await chat.say(ORGANIZER, "/meetlat_voorstel")
    await chat.say(ORGANIZER, "factuurFABRIEK ")
    for _step in ("kind", "website", "sector"):
        await chat.press(ORGANIZER, 1)
    assert "is in the Meetlat already" in text_of(await chat.press(ORGANIZER, 1))
    assert len(await service.items()) == 1


@time_machine.travel(NOW)
async def test_the_organization_replies_and_appeals_and_an_organizer_records_the_outcome(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    bureau = await item(app, "Flexbureau", sector="uitzenden")
    await rate_all(app, bureau.id, await raters(app, 5), {c: 2 for c in criteria})
    contact = await make_member(app, "bureau")
    assert "Only the contacts" in text_of(await chat.say("bureau", f"/meetlat_reactie {bureau.id} Wij herkennen dit niet."))
    await chat.say(ORGANIZER, f"/meetlat_contact {bureau.id} {contact}")
    await chat.say("bureau", f"/meetlat_reactie {bureau.id} We werken aan snellere betalingen.")
    assert "Reply of Flexbureau: “We werken aan snellere betalingen.”" in text_of(await chat.say("anna", "/meetlat_score Flexbureau"))

    filed = text_of(await chat.say("bureau", f"/meetlat_bezwaar {bureau.id} De beoordelingen gaan over 2024, voor onze nieuwe werkwijze."))
    assert "appeal is number 1" in filed
    assert "De beoordelingen gaan over 2024" in text_of(await chat.say(ORGANIZER, "/meetlat_beheer"))
    ruled = text_of(await chat.say(ORGANIZER, "/meetlat_uitspraak 1 afgewezen De ratings vallen binnen de 24 maanden."))
    assert "recorded" in ruled
    assert "decided already" in text_of(await chat.say(ORGANIZER, "/meetlat_uitspraak 1 toegewezen Toch wel."))
    await sent(app)
    assert "Your appeal 1 about Flexbureau is rejected: De ratings vallen binnen de 24 maanden." in text_of(delivered_to(chat, "bureau"))
    assert (await service.appeal_of(1)).outcome == "De ratings vallen binnen de 24 maanden."


@time_machine.travel(NOW)
async def test_a_new_method_is_announced_before_it_applies_and_scores_name_their_version(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    nieuws = await make_member(app, "lezer")
    await app.broadcasts.service.choices.set_topic(nieuws, Topic.NIEUWS, True)
    broodfonds = await item(app)
    await rate_all(app, broodfonds.id, await raters(app, 5), {criteria[0]: 4, criteria[1]: 2, criteria[2]: 4})

    soon = text_of(await chat.say(ORGANIZER, "/meetlat_methode_nieuw 2026-12-05 Transparantie telt niet meer mee, te weinig antwoorden."))
    assert "announced first" in soon and "14 days" in soon
    await chat.say(ORGANIZER, "/meetlat_criterium transparantie uit")
    stored = text_of(await chat.say(ORGANIZER, "/meetlat_methode_nieuw 2027-01-01 Transparantie telt niet meer mee, te weinig antwoorden."))
    assert "Method v2 is stored" in stored
    await sent(app)
    assert "methode v2 geldt vanaf 01-01-2027" in text_of(delivered_to(chat, "nieuws"))  # in Dutch
    assert "method v2 applies from 01-01-2027" in text_of(delivered_to(chat, "lezer"))
    explained = text_of(await chat.say("anna", "/meetlat_uitleg"))
    assert "method v1" in explained and "Announced: method v2" in explained

    now_text = text_of(await chat.say("anna", "/meetlat_score Broodfonds"))
    assert "Method v1" in now_text and "Transparency" in now_text
    with time_machine.travel(datetime(2027, 1, 2, tzinfo=UTC)):
        later = text_of(await chat.say("anna", "/meetlat_score Broodfonds"))
        assert "Method v2" in later and "Transparency" not in later and "Overall: 4.00" in later
        assert (await service.method_now()).version == 2  # type: ignore[union-attr]


@time_machine.travel(NOW)
async def test_exports_and_publishing_carry_only_published_scores_with_the_method(app: Werkbot, chat: RecordingChat) -> None:
    _service, criteria = await setup(app)
    shown, hidden = await item(app, "=HYPERLINK(1)", sector="zorg"), await item(app, "Nieuwkomer", sector="zorg")
    await rate_all(app, shown.id, await raters(app, 10), {c: 4 for c in criteria})
    await rate_all(app, hidden.id, await raters(app, 2, prefix="x"), {c: 1 for c in criteria})
    replies = await chat.say(ORGANIZER, "/meetlat_export zorg")
    # The prior is the mean of both items (4 and 1): S = (10·4 + 5·2.5) / 15 = 3.5.
    files = {reply.attachment.filename: reply.attachment.data for reply in replies if reply.attachment}
    table = list(csv.DictReader(io.StringIO(files["meetlat-v1.csv"].decode("utf-8-sig"))))
    assert len(table) == 1 and table[0]["item"] == "'=HYPERLINK(1)" and table[0]["method_version"] == "1"
    assert table[0]["raters"] == "10" and table[0]["flexibiliteit_n"] == "10" and table[0]["overall"] == "3.5"
    data = json.loads(files["meetlat-v1.json"])
    assert data["method"]["version"] == 1 and data["method"]["prior_weight"] == 5
    assert [entry["name"] for entry in data["items"]] == ["=HYPERLINK(1)"]
    assert "Nieuwkomer" not in files["meetlat-v1.json"].decode()

    published = text_of(await chat.say(ORGANIZER, "/meetlat_publiceer"))
    assert "published in 1 announcement chat." in published
    await sent(app)
    ranking = text_of(delivered_to(chat, "nieuws"))
    assert "=HYPERLINK(1)" in ranking and "Sociaal Keurmerk Basis" in ranking and "Nieuwkomer" not in ranking
    assert "Nothing to publish" in text_of(await chat.say(ORGANIZER, "/meetlat_publiceer tools"))
    refused = await chat.say("anna", "/meetlat_publiceer")
    assert refused[0].refusal and "Only organizers may use /meetlat_publiceer" in text_of(refused)


@time_machine.travel(NOW)
async def test_erasing_a_member_removes_their_ratings_from_the_scores(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    broodfonds = await item(app)
    await rate_all(app, broodfonds.id, await raters(app, 5), {criteria[0]: 2})
    await make_member(app, "anna")
    await rate_in_chat(chat, "anna", "Broodfonds", ["5", "Skip", "Skip"], note="Mijn eigen ervaring.")
    before = await service.standing(broodfonds.id)
    assert before.score.raters == 6 and before.score.criteria[0].mean == pytest.approx(15 / 6)

    await chat.say("anna", "/vergeetmij")
    assert "erased" in text_of(await chat.press("anna", 1))
    after = await service.standing(broodfonds.id)
    assert after.score.raters == 5 and after.score.criteria[0].mean == 2
    assert "Mijn eigen ervaring." not in await service.notes(broodfonds.id)


@time_machine.travel(NOW)
async def test_scores_kept_between_views_equal_scores_computed_from_every_rating(app: Werkbot, chat: RecordingChat) -> None:
    service, criteria = await setup(app)
    items = [await item(app, f"Item {n}") for n in range(4)]
    people = await raters(app, 8)
    await rate_all(app, items[0].id, people, {criteria[0]: 4, criteria[1]: 2})
    await service.standings()  # computed from every rating, then kept
    for n, member_id in enumerate(people):  # each rating changes one item: read again alone
        await rate_all(app, items[1 + n % 3].id, [member_id], {criteria[0]: 1 + n % 5, criteria[2]: 5})
        await rate_all(app, items[0].id, [member_id], {criteria[0]: 5 - n % 5})
        kept = [(await service.standing(i.id)).score for i in items]
        service._forget_scores()
        computed = [(await service.standing(i.id)).score for i in items]
        assert kept == computed
    assert [score.raters for score in computed] == [8, 3, 3, 2]
