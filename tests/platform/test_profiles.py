"""Profiles of the Platform Vernieuwen Doen We Samen through the real core: a member's own
profile with buttons (tags, sentences, province, online or in person), changing it from
its stored values, an organization profile, garbage answers and /stop.

Every refusal is a short message and the question is asked again; nothing is stored until
[Save], and a conversation that was stopped leaves nothing behind.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.app import Werkbot
from bot.core.clock import utcnow
from bot.core.context import Context
from bot.core.i18n import language
from bot.core.types import Chat, Identity, Reply
from cogs.platform import PlatformModule, actions
from cogs.platform.actions import Verb
from cogs.platform.flows import ORG_FLOW, PROFILE_FLOW, SHOWN_TAGS
from cogs.platform.profiles import MAX_TAGS, ProfileDraft, Profiles
from cogs.platform.render_profiles import my_profiles, profile_text
from storage.records.platform import OrgKind, ProfileKind, ProfileRecord, ProfileStatus
from storage.repositories.platform import PlatformRepository
from tests.support.chat import RecordingChat, text_of
from tests.surveys.conftest import make_member

TAGS = {
    "financiering": "Financiering",
    "netwerk": "Netwerk",
    "zzp-pensioen": "Pensioen voor zzp'ers",
    "scholing": "Scholing en leren",
}
SHORT = 300
"""A refusal is a sentence, whatever came in."""


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    return english_chat


def platform_of(app: Werkbot) -> PlatformModule:
    found = next(module for module in app.modules if module.name == "platform")
    assert isinstance(found, PlatformModule)
    return found


def profiles_of(app: Werkbot) -> Profiles:
    return Profiles(PlatformRepository(app.db))


async def with_tags(app: Werkbot, tags: dict[str, str] = TAGS) -> None:
    repository = PlatformRepository(app.db)
    for code, label in tags.items():
        await repository.put_tag(code, label)


async def context(app: Werkbot, user: str) -> Context:
    identity = Identity("console", user, display_name=user, language_hint="en")
    return Context(identity, Chat("console", user), await app.members.service.caller(identity))


async def start(
    app: Werkbot, chat: RecordingChat, user: str, flow: str, data: dict[str, object] | None = None
) -> list[Reply]:
    """Start a flow as a command or a button would (and remember its buttons in the chat)."""
    ctx = await context(app, user)
    with language("en"):
        replies = await app.conversations.start(ctx, flow, data)
    chat.latest_buttons[user] = replies[-1].all_buttons
    return replies


def action_of(chat: RecordingChat, user: str, label: str) -> str:
    """The action of the latest button whose label contains ``label``."""
    for button in chat.latest_buttons[user]:
        if label in button.label:
            return button.action
    labels = [button.label for button in chat.latest_buttons[user]]
    raise AssertionError(f"no button {label!r} in {labels}")


async def tap(chat: RecordingChat, user: str, label: str) -> list[Reply]:
    return await chat.press(user, action_of(chat, user, label))


def labels_of(reply: Reply) -> list[str]:
    return [button.label for button in reply.all_buttons]


def refused(replies: list[Reply]) -> str:
    """The refusal's text; it is short, and the question is asked again after it."""
    assert replies[0].refusal, text_of(replies)
    assert len(replies[0].text) < SHORT, replies[0].text
    assert len(replies) == 2 and (replies[1].buttons or replies[1].expects_text)
    return replies[0].text


async def conversation_rows(app: Werkbot) -> list[str]:
    async with app.db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT user_id, data FROM conversation_states"))
        return [f"{row.user_id} {row.data}" for row in rows]


async def fill_in_own_profile(chat: RecordingChat, user: str) -> list[Reply]:
    """From the first question to the summary: two offers, one need, a sentence, Utrecht, both."""
    await tap(chat, user, "Financiering")
    await tap(chat, user, "Netwerk")
    await tap(chat, user, "Continue")
    await tap(chat, user, "Pensioen")
    await tap(chat, user, "Continue")
    await chat.say(user, "Ik help met subsidieaanvragen en ken veel mensen in de regio.")
    await tap(chat, user, "Skip")
    await tap(chat, user, "Utrecht")
    return await tap(chat, user, "Both")


# -- a member's own profile ------------------------------------------------------------------------


async def test_platform_starts_the_profile_and_buttons_fill_it_in(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "anna")
    await with_tags(app)
    first = await chat.say("anna", "/platform")
    assert "What do you offer others?" in first[-1].text
    assert "/stop" in first[-1].text
    assert "☐ Financiering" in labels_of(first[-1])

    toggled = await tap(chat, "anna", "Financiering")
    assert "☑ Financiering" in labels_of(toggled[-1])
    assert toggled[-1].replace, "a toggle edits the message in place"
    assert "Chosen (1 of at most 8)" in toggled[-1].text
    untoggled = await tap(chat, "anna", "Financiering")
    assert "☐ Financiering" in labels_of(untoggled[-1])

    summary = await fill_in_own_profile(chat, "anna")
    shown = summary[-1].text
    for expected in (
        "Lid anna",
        "Financiering, Netwerk",
        "Pensioen voor zzp'ers",
        "subsidieaanvragen",
        "Utrecht",
        "online and in person",
    ):
        assert expected in shown
    assert await profiles_of(app).own(member_id) is None, "nothing is stored before Save"

    saved = await tap(chat, "anna", "Save")
    assert "saved" in text_of(saved)
    profile = await profiles_of(app).own(member_id)
    assert profile is not None
    assert profile.offers == ("financiering", "netwerk")
    assert profile.needs == ("zzp-pensioen",)
    assert profile.offer_text.startswith("Ik help met subsidieaanvragen")
    assert profile.need_text == ""
    assert profile.region == "utrecht"
    assert profile.online and profile.in_person
    assert await app.conversations.current(await context(app, "anna")) is None

    again = await chat.say("anna", "/platform")
    assert "Financiering" in again[-1].text and "Edit" in " ".join(labels_of(again[-1]))


async def test_a_toggle_twice_drops_the_tag_and_codes_can_be_typed(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "bram")
    await with_tags(app)
    await start(app, chat, "bram", PROFILE_FLOW)
    await tap(chat, "bram", "Netwerk")
    dropped = await tap(chat, "bram", "Netwerk")
    assert "☐ Netwerk" in labels_of(dropped[-1])
    typed = await chat.say("bram", "scholing, financiering")
    assert "☑ Scholing en leren" in labels_of(typed[-1])
    assert "☑ Financiering" in labels_of(typed[-1])
    by_label = await chat.say("bram", "pensioen voor ZZP'ers")
    assert "☑ Pensioen voor zzp'ers" in labels_of(by_label[-1])


async def test_changing_starts_from_the_stored_values(app: Werkbot, chat: RecordingChat) -> None:
    member_id = await make_member(app, "carla")
    await with_tags(app)
    await start(app, chat, "carla", PROFILE_FLOW)
    await fill_in_own_profile(chat, "carla")
    await tap(chat, "carla", "Save")
    before = await profiles_of(app).own(member_id)
    assert before is not None

    listed = await chat.say("carla", "/platform")
    first = await chat.press("carla", action_of(chat, "carla", "Edit"))
    assert listed[-1].buttons
    assert "☑ Financiering" in labels_of(first[-1]) and "☑ Netwerk" in labels_of(first[-1])
    assert "Chosen (2 of at most 8)" in first[-1].text
    await tap(chat, "carla", "Continue")
    needs = chat.latest_buttons["carla"]
    assert any(button.label == "☑ Pensioen voor zzp'ers" for button in needs)
    await tap(chat, "carla", "Continue")
    offer_text = await tap(chat, "carla", "Keep it")
    assert offer_text[-1].expects_text
    region = await tap(chat, "carla", "Skip")
    assert "☑ Utrecht" in labels_of(region[-1])
    mode = await tap(chat, "carla", "Limburg")
    assert "☑ Both" in labels_of(mode[-1])
    await tap(chat, "carla", "Online")
    await tap(chat, "carla", "Save")

    after = await profiles_of(app).own(member_id)
    assert after is not None and after.id == before.id
    assert after.offers == before.offers and after.needs == before.needs
    assert after.offer_text == before.offer_text
    assert after.region == "limburg"
    assert after.online and not after.in_person
    assert len(await profiles_of(app).of_member(member_id)) == 1


async def test_change_on_the_summary_goes_to_one_part_and_back(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "dirk")
    await with_tags(app)
    await start(app, chat, "dirk", PROFILE_FLOW)
    await fill_in_own_profile(chat, "dirk")
    await tap(chat, "dirk", "Change")
    await tap(chat, "dirk", "Province")
    summary = await tap(chat, "dirk", "Zeeland")
    assert "Zeeland" in summary[-1].text and "Save" in " ".join(labels_of(summary[-1]))
    await tap(chat, "dirk", "Change")
    await tap(chat, "dirk", "Offers (tags)")
    await tap(chat, "dirk", "Financiering")
    summary = await tap(chat, "dirk", "Continue")
    assert "Offers: Netwerk" in summary[-1].text
    await tap(chat, "dirk", "Save")
    profile = await profiles_of(app).own(member_id)
    assert profile is not None and profile.region == "zeeland" and profile.offers == ("netwerk",)


# -- an organization ---------------------------------------------------------------------------------


async def test_an_organization_profile_with_name_kind_and_website(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "eva")
    await with_tags(app)
    first = await start(app, chat, "eva", ORG_FLOW)
    assert "What is its name?" in first[-1].text and "/stop" in first[-1].text
    kinds = await chat.say("eva", "Buurtkracht Coöperatie")
    assert labels_of(kinds[-1]) == ["Initiative", "Company", "Agency"]
    await tap(chat, "eva", "Company")
    await chat.say("eva", "Wij verbinden zzp'ers in de wijk met opdrachtgevers.")
    offers = await chat.say("eva", "https://buurtkracht.example.org")
    assert "What does Buurtkracht Coöperatie offer others?" in offers[-1].text
    await tap(chat, "eva", "Netwerk")
    await tap(chat, "eva", "Continue")
    await tap(chat, "eva", "Financiering")
    await tap(chat, "eva", "Continue")
    await tap(chat, "eva", "Skip")
    await tap(chat, "eva", "Skip")
    await tap(chat, "eva", "None / online")
    summary = await tap(chat, "eva", "Online")
    shown = summary[-1].text
    for expected in (
        "Buurtkracht Coöperatie (company)",
        "opdrachtgevers",
        "https://buurtkracht.example.org",
        "Netwerk",
        "online",
    ):
        assert expected in shown
    await tap(chat, "eva", "Save")

    [organization] = [
        p for p in await profiles_of(app).of_member(member_id) if p.kind is ProfileKind.ORGANIZATION
    ]
    assert organization.name == "Buurtkracht Coöperatie"
    assert organization.org_kind is OrgKind.COMPANY
    assert organization.website == "https://buurtkracht.example.org"
    assert organization.what == "Wij verbinden zzp'ers in de wijk met opdrachtgevers."
    assert organization.contacts == (member_id,)
    assert organization.region is None and organization.online and not organization.in_person
    assert await profiles_of(app).own(member_id) is None, (
        "an organization is not a personal profile"
    )

    # Changing it starts from its values; Keep leaves a part as it is.
    name = await start(app, chat, "eva", ORG_FLOW, {"profile": organization.id})
    assert "Now: Buurtkracht Coöperatie" in name[-1].text
    kinds = await tap(chat, "eva", "Keep it")
    assert "☑ Company" in labels_of(kinds[-1])
    await tap(chat, "eva", "Agency")
    await tap(chat, "eva", "Keep it")
    website = chat.latest_buttons["eva"]
    assert [button.label for button in website] == ["Keep it", "No website"]
    await tap(chat, "eva", "No website")
    for _step in range(2):
        await tap(chat, "eva", "Continue")
    await tap(chat, "eva", "Skip")
    await tap(chat, "eva", "Skip")
    await tap(chat, "eva", "None / online")
    await tap(chat, "eva", "Online")
    await tap(chat, "eva", "Save")
    changed = await profiles_of(app).get(organization.id)
    assert changed.name == "Buurtkracht Coöperatie" and changed.org_kind is OrgKind.AGENCY
    assert changed.website is None and changed.offers == ("netwerk",)
    assert len(await profiles_of(app).of_member(member_id)) == 1


async def test_someone_else_cannot_change_an_organization(
    app: Werkbot, chat: RecordingChat
) -> None:
    owner = await make_member(app, "fenna")
    await make_member(app, "gijs")
    await with_tags(app)
    draft = ProfileDraft(offers=("netwerk",), needs=(), name="Het Initiatief")
    organization = await profiles_of(app).create_organization(owner, draft)
    pressed = await chat.press("gijs", actions.encode(Verb.EDIT, organization.id))
    assert pressed[0].refusal and "not yours" in pressed[0].text
    assert await app.conversations.current(await context(app, "gijs")) is None


# -- garbage -------------------------------------------------------------------------------------------


async def test_garbage_in_the_profile_is_asked_again_and_nothing_is_stored(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "hanna")
    many = {f"tag-{number:02d}": f"Onderwerp {number:02d}" for number in range(1, 11)}
    await with_tags(app, many)
    await start(app, chat, "hanna", PROFILE_FLOW)

    assert "Unknown tags: bestaat-niet." in refused(await chat.say("hanna", "bestaat-niet"))
    garbage = refused(await chat.say("hanna", "x" * 1500))
    assert "Unknown tags" in garbage and "x" * 40 not in garbage
    nine = " ".join(f"tag-{number:02d}" for number in range(1, 10))
    assert f"at most {MAX_TAGS} tags" in refused(await chat.say("hanna", nine))
    for number in range(1, 9):
        await tap(chat, "hanna", f"Onderwerp {number:02d}")
    assert f"at most {MAX_TAGS} tags" in refused(await tap(chat, "hanna", "Onderwerp 09"))
    needs = await tap(chat, "hanna", "Continue")
    assert "What do you look for?" in needs[-1].text
    sentences = await tap(chat, "hanna", "Continue")
    assert sentences[-1].expects_text, "offers were chosen, so no tag for needs is fine"
    await chat.say("hanna", "/stop")
    assert await profiles_of(app).of_member(member_id) == []


async def test_garbage_answers_are_refused_shortly(app: Werkbot, chat: RecordingChat) -> None:
    member_id = await make_member(app, "ivo")
    await with_tags(app)
    await start(app, chat, "ivo", PROFILE_FLOW)
    await tap(chat, "ivo", "Continue")
    assert "at least one tag" in refused(await tap(chat, "ivo", "Continue"))
    await tap(chat, "ivo", "Netwerk")
    await tap(chat, "ivo", "Continue")
    too_long = await chat.say("ivo", "Dit is te lang. " * 320)
    assert too_long[0].refusal and len(too_long[0].text) < SHORT
    assert "600 characters" in refused(await chat.say("ivo", "a" * 700))
    assert refused(await chat.say("ivo", "   "))
    await chat.say("ivo", "Een zin.")
    await tap(chat, "ivo", "Skip")
    assert "buttons" in refused(await chat.say("ivo", "Atlantis"))
    assert await chat.say("ivo", "Fryslân")
    assert "buttons" in refused(await chat.say("ivo", "sometimes"))
    summary = await tap(chat, "ivo", "Both")
    assert "Fryslân" in summary[-1].text
    assert "buttons" in refused(await chat.say("ivo", "ja hoor"))
    await tap(chat, "ivo", "Cancel")
    assert await profiles_of(app).own(member_id) is None


async def test_garbage_in_an_organization_is_asked_again(app: Werkbot, chat: RecordingChat) -> None:
    member_id = await make_member(app, "jet")
    await with_tags(app)
    await start(app, chat, "jet", ORG_FLOW)
    assert "120 characters" in refused(await chat.say("jet", "😀" * 200))
    assert "120 characters" in refused(await chat.say("jet", "👩‍👩‍👧‍👦" * 30))
    assert refused(await chat.say("jet", " \n "))
    await chat.say("jet", "De Werkplaats 🚀")
    assert "buttons" in refused(await chat.say("jet", "stichting"))
    await chat.say("jet", "bureau")
    assert "600 characters" in refused(await chat.say("jet", "Wij doen veel. " * 50))
    await chat.say("jet", "Wij bouwen werkplaatsen.")
    for website in (
        "www.example.nl",
        "http://example.nl",
        "javascript:alert(1)",
        "https://",
        "https://a b.nl",
    ):
        assert "web address" in refused(await chat.say("jet", website)), website
    offers = await chat.say("jet", "https://werkplaats.example.org")
    assert "What does De Werkplaats 🚀 offer others?" in offers[-1].text
    await chat.say("jet", "/stop")
    assert await profiles_of(app).of_member(member_id) == []


# -- /stop ------------------------------------------------------------------------------------------------


async def test_stop_leaves_nothing(app: Werkbot, chat: RecordingChat) -> None:
    member_id = await make_member(app, "kees")
    await with_tags(app)
    await chat.say("kees", "/platform")
    await tap(chat, "kees", "Netwerk")
    await tap(chat, "kees", "Continue")
    await tap(chat, "kees", "Continue")
    await chat.say("kees", "Mijn geheime plannen voor een broodfonds.")
    stopped = await chat.say("kees", "/stop")
    assert stopped
    assert await profiles_of(app).of_member(member_id) == []
    assert await app.conversations.current(await context(app, "kees")) is None
    assert not any("broodfonds" in row for row in await conversation_rows(app))
    late = await chat.press("kees", action_of(chat, "kees", "Skip"))
    assert late[0].refusal
    assert await profiles_of(app).of_member(member_id) == []


async def test_a_guest_cannot_start_a_profile(app: Werkbot, chat: RecordingChat) -> None:
    await with_tags(app)
    replies = await chat.say("nobody", "/platform")
    assert replies[0].refusal
    assert await conversation_rows(app) == []


# -- many and long tags ---------------------------------------------------------------------------------


async def test_more_tags_than_buttons_are_listed_and_can_be_typed(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "lotte")
    long_code = "a" * 20 + "-" + "b" * 19
    tags = {f"onderwerp-{number:02d}": f"Onderwerp {number:02d}" for number in range(1, 31)}
    tags[long_code] = "Aaa heel lang"
    await with_tags(app, tags)
    first = await start(app, chat, "lotte", PROFILE_FLOW)
    question = first[-1]
    assert len(question.all_buttons) == SHOWN_TAGS + 1
    assert len(question.buttons) <= 5 and all(len(row) <= 5 for row in question.buttons)
    assert question.expects_text
    assert "onderwerp-30 (Onderwerp 30)" in question.text
    assert all(len(button.action.encode()) <= 64 for button in question.all_buttons)

    hashed = await tap(chat, "lotte", "Aaa heel lang")
    assert "☑ Aaa heel lang" in labels_of(hashed[-1])
    typed = await chat.say("lotte", "onderwerp-30")
    assert "Chosen (2 of at most 8): Aaa heel lang, Onderwerp 30" in typed[-1].text
    await tap(chat, "lotte", "Continue")
    await tap(chat, "lotte", "Continue")
    await tap(chat, "lotte", "Skip")
    await tap(chat, "lotte", "Skip")
    await tap(chat, "lotte", "None / online")
    await tap(chat, "lotte", "Both")
    await tap(chat, "lotte", "Save")
    profile = await profiles_of(app).own(member_id)
    assert profile is not None and set(profile.offers) == {long_code, "onderwerp-30"}


# -- the texts --------------------------------------------------------------------------------------------


def record(**values: object) -> ProfileRecord:
    base: dict[str, object] = {
        "id": 7,
        "kind": ProfileKind.PERSON,
        "member_id": 1,
        "name": None,
        "org_kind": None,
        "what": None,
        "website": None,
        "offers": ("netwerk",),
        "needs": ("financiering",),
        "offer_text": "Ik ken iedereen.",
        "need_text": "",
        "region": "friesland",
        "online": False,
        "in_person": True,
        "status": ProfileStatus.ACTIVE,
        "snoozed_until": None,
        "silent_rounds": 0,
        "contacts": (1,),
    }
    base.update(values)
    return ProfileRecord(**base)  # type: ignore[arg-type]


def test_profile_text_shows_what_others_see() -> None:
    with language("en"):
        shown = profile_text(record(), TAGS, "Anna")
        assert shown.splitlines()[0] == "👤 Anna"
        assert "Offers: Netwerk" in shown and "Looks for: Financiering" in shown
        assert "Ik ken iedereen." in shown and "Fryslân · in person" in shown
        assert "Paused" not in shown
        paused = profile_text(record(status=ProfileStatus.PAUSED), TAGS, "Anna")
        assert "Paused" in paused
        later = utcnow() + timedelta(days=30)
        snoozed = profile_text(record(snoozed_until=later), TAGS, "Anna")
        assert "No introductions until" in snoozed
        passed = profile_text(record(snoozed_until=utcnow() - timedelta(days=1)), TAGS, "Anna")
        assert "No introductions until" not in passed
        organization = profile_text(
            record(
                kind=ProfileKind.ORGANIZATION,
                name="Zo",
                org_kind=OrgKind.INITIATIVE,
                website="https://zo.example.org",
                region=None,
                online=True,
            ),
            TAGS,
            "Zo",
        )
        assert organization.splitlines()[0] == "🏢 Zo (initiative)"
        assert (
            "https://zo.example.org" in organization and "📍 online and in person" in organization
        )
        draft = profile_text(ProfileDraft(offers=("unknown-code",), needs=()), TAGS, "Bram")
        assert "Offers: unknown-code" in draft and "Looks for" not in draft


def test_my_profiles_has_buttons_per_profile() -> None:
    with language("en"):
        own = record()
        organization = record(
            id=9, kind=ProfileKind.ORGANIZATION, name="Zo", status=ProfileStatus.PAUSED
        )
        reply = my_profiles([organization, own], TAGS, {7: "Anna", 9: "Zo"})
    assert reply.text.index("👤 Anna") < reply.text.index("🏢 Zo")
    rows = [
        [actions.decode(button.action.split(":")[1:]) for button in row]
        for row in reply.buttons[:2]
    ]
    assert [(pressed.verb, pressed.ids) for pressed in rows[0]] == [
        (Verb.EDIT, (7,)),
        (Verb.PAUSE, (7,)),
        (Verb.DELETE, (7,)),
    ]
    assert [(pressed.verb, pressed.ids) for pressed in rows[1]] == [
        (Verb.EDIT, (9,)),
        (Verb.RESUME, (9,)),
        (Verb.DELETE, (9,)),
    ]
    assert reply.buttons[0][0].label.endswith("Anna")
    assert reply.buttons[-1][-1].action == f"{actions.PREFIX}:{Verb.NEW_ORG.value}"
    assert all(len(row) <= 5 for row in reply.buttons) and len(reply.buttons) <= 5


async def test_new_organization_button_starts_the_flow(app: Werkbot, chat: RecordingChat) -> None:
    await make_member(app, "mila")
    await with_tags(app)
    replies = await chat.press("mila", actions.encode(Verb.NEW_ORG))
    assert "What is its name?" in replies[-1].text


async def test_the_keep_buttons_value_typed_on_a_new_organization_is_not_stored(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "mila")
    await with_tags(app)
    await chat.press("mila", actions.encode(Verb.NEW_ORG))
    await chat.say("mila", "Coöperatie De Zelfstandige")
    await chat.press("mila", "cv:platform_org:kind:initiatief")
    refused = await chat.say("mila", "!keep")
    assert "Please choose one of the buttons" in text_of(refused)
