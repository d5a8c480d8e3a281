"""The letter of a "mail your MP" action: template, own words, mailto: link, SMTP."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage, Message
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.mail import SmtpMailer, compose
from cogs.campaigns.letter import (
    MAILTO_LIMIT,
    OWN_TEXT,
    PLACEHOLDERS,
    FilledLetter,
    check_addresses,
    check_template,
    compose_letter,
    crlf,
    fill_template,
    mailto_fits,
    mailto_link,
    parse_mailto,
    send_letter,
)
from tests.support.smtp import LocalSmtp

TEMPLATE = """\
Geachte {aan},

Ik ben {naam}, {werksituatie} uit {provincie}.
{eigen_tekst}
Met vriendelijke groet,
{naam}
"""

VALUES = {
    "naam": "Zoë de Vries",
    "werksituatie": "zelfstandige zonder personeel",
    "provincie": "Fryslân",
    "aan": "mevrouw IJsselmeer",
    "partij": "",
}

# Text as members type it, with everything a template engine or a URL might treat
# specially: placeholders, braces, format strings, shell/Template variables, emoji,
# line breaks of every kind.
PIECES = [
    *"{ } {naam} {{ }} {eigen_tekst} %s $x %0A + & = # ? ë ĳ € 🙂".split(),
    "\r",
    "\n",
    "\r\n",
    " ",
]
ANY_CHARACTER = st.characters(codec="utf-8")
TRICKY = st.lists(st.sampled_from(PIECES) | ANY_CHARACTER, max_size=60).map("".join) | st.text()

ONE_LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")))


def parsed(message: Message) -> EmailMessage:
    """A received mail read again with the modern policy (decoded headers, addresses)."""
    reread = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(reread, EmailMessage)
    return reread


# --- The template ----------------------------------------------------------------------


def test_fill_template_puts_in_the_values() -> None:
    letter = fill_template(TEMPLATE, VALUES).text
    assert letter == (
        "Geachte mevrouw IJsselmeer,\n\n"
        "Ik ben Zoë de Vries, zelfstandige zonder personeel uit Fryslân.\n"
        "Met vriendelijke groet,\nZoë de Vries\n"
    )
    assert fill_template("{partij}|{aan}", {"aan": "X"}).text == "|X"  # missing: empty


def test_double_braces_are_literal_braces() -> None:
    assert fill_template("{{naam}} is {naam}; {{}} }}{{", VALUES).text == (
        "{naam} is Zoë de Vries; {} }{"
    )
    assert check_template("{{naam}} {{ }}") == []


def test_values_are_filled_in_once_and_never_scanned_again() -> None:
    values = {"naam": "{aan} {{ {naam} {eigen_tekst} {naam.__class__}", "aan": "X"}
    filled = fill_template("{naam}/{aan}\n{eigen_tekst}\nEinde", values)
    assert filled.text == "{aan} {{ {naam} {eigen_tekst} {naam.__class__}/X\nEinde"
    # A name that looks like the own-text marker does not move the member's words.
    assert compose_letter(filled, "EIGEN") == (
        "{aan} {{ {naam} {eigen_tekst} {naam.__class__}/X\nEIGEN\nEinde"
    )


def test_unknown_placeholders_are_found_when_the_campaign_is_made() -> None:
    problems = check_template("Beste {aan}, {voornaam} {naam.__class__} {0} {} {aan}")
    assert len(problems) == 1
    for name in ("{voornaam}", "{naam.__class__}", "{0}", "{}"):
        assert name in problems[0]
    assert "{naam}" in problems[0]  # the known ones are listed to help
    assert check_template(TEMPLATE) == []
    # Sending never fails on them: they stay as written, no attribute is looked up.
    assert fill_template("{naam.__class__} {voornaam}", VALUES).text == (
        "{naam.__class__} {voornaam}"
    )


def test_single_braces_and_a_second_marker_are_problems() -> None:
    problems = check_template("Beste {aan},\nprijs: 5 }\n{ x\n{naam")
    assert [problem.split(":")[0] for problem in problems] == ["line 2", "line 3", "line 4"]
    assert "'}}'" in problems[0]
    assert check_template("{eigen_tekst}\n{eigen_tekst}") == [
        "{eigen_tekst} may appear only once (it appears 2 times)"
    ]
    assert fill_template("a\n{eigen_tekst}\nb {eigen_tekst} c", {}).text == "a\nb  c"


def test_own_words_go_on_the_marker_line_or_after_the_template() -> None:
    filled = fill_template(TEMPLATE, VALUES)
    assert compose_letter(filled, "Mijn opdrachten zijn {naam} gehalveerd.") == (
        "Geachte mevrouw IJsselmeer,\n\n"
        "Ik ben Zoë de Vries, zelfstandige zonder personeel uit Fryslân.\n"
        "Mijn opdrachten zijn {naam} gehalveerd.\n"
        "Met vriendelijke groet,\nZoë de Vries\n"
    )
    # An indented marker line is still a line of its own; CRLF templates keep CRLF.
    crlf_filled = fill_template("Beste {aan},\r\n   {eigen_tekst} \r\nGroet", VALUES)
    assert compose_letter(crlf_filled, "Hallo") == "Beste mevrouw IJsselmeer,\r\nHallo\r\nGroet"
    assert compose_letter(crlf_filled, "") == "Beste mevrouw IJsselmeer,\r\nGroet"
    # The marker in a sentence: the words go right there.
    inline = fill_template("Ik vind: {eigen_tekst}!", VALUES)
    assert compose_letter(inline, "dit moet anders") == "Ik vind: dit moet anders!"
    # As the last line, without a line break after it.
    assert compose_letter(fill_template("Groet\n{eigen_tekst}", {}), "PS") == "Groet\nPS"
    # No marker: after the template and a blank line.
    plain = fill_template("Beste {aan},\n\nGroet\n", VALUES)
    assert compose_letter(plain, "PS: {{x}}") == "Beste mevrouw IJsselmeer,\n\nGroet\n\nPS: {{x}}"
    assert compose_letter(plain, "") == plain.text
    assert compose_letter(FilledLetter(""), "alleen dit") == "alleen dit"


@given(own_text=TRICKY, name=TRICKY)
def test_a_members_own_words_appear_literally(own_text: str, name: str) -> None:
    for template in (TEMPLATE, "Beste {aan},\n\nGroet {naam}", "{eigen_tekst}", "x{eigen_tekst}y"):
        filled = fill_template(template, {**VALUES, "naam": name})
        letter = compose_letter(filled, own_text)
        assert own_text in letter
        if filled.after is None:
            assert letter.endswith(own_text)
        else:
            assert letter.startswith(filled.before + own_text)
            assert letter.endswith(filled.after)
    # The own words are never the template: a text in the naam value is inserted as is.
    assert fill_template("<{naam}>", {"naam": own_text}).text == f"<{own_text}>"


@given(
    template=st.lists(
        st.sampled_from(list("{}ab \n\r"))
        | st.sampled_from(
            [f"{{{name}}}" for name in (*PLACEHOLDERS, OWN_TEXT, "x", "naam.__class__", "0", "")]
        )
    ).map("".join)
    | st.text(),
    values=st.dictionaries(st.sampled_from([*PLACEHOLDERS, OWN_TEXT, "x"]) | st.text(), TRICKY),
)
def test_filling_never_raises(template: str, values: dict[str, str]) -> None:
    filled = fill_template(template, values)
    compose_letter(filled, "eigen")
    assert isinstance(check_template(template), list)
    if not check_template(template) and not values:
        # A checked template with no values is the template with its braces undone.
        expected = re.sub(r"\{[a-z_]+\}", "", template).replace("{{", "{").replace("}}", "}")
        if OWN_TEXT not in template and "{{" not in template and "}}" not in template:
            assert filled.text == expected


# --- mailto: ---------------------------------------------------------------------------


def test_mailto_encodes_per_rfc_6068() -> None:
    link = mailto_link(
        "kamerlid@tweedekamer.test, jan+post@example.org",
        "Zorg voor zzp'ers: één regeling",
        "Geachte ĳverige heer,\nkosten: 5 € & meer = te veel?\r\n#groet",
    )
    assert link == (
        "mailto:kamerlid@tweedekamer.test,jan%2Bpost@example.org"
        "?subject=Zorg%20voor%20zzp%27ers%3A%20%C3%A9%C3%A9n%20regeling"
        "&body=Geachte%20%C4%B3verige%20heer%2C%0D%0Akosten%3A%205%20%E2%82%AC%20%26%20meer"
        "%20%3D%20te%20veel%3F%0D%0A%23groet"
    )
    assert mailto_link(["a@b.nl"], "", "") == "mailto:a@b.nl"
    assert mailto_link("a@b.nl", "", "x") == "mailto:a@b.nl?body=x"


@given(subject=ONE_LINE, body=TRICKY)
def test_mailto_round_trips_dutch_text_and_line_breaks(subject: str, body: str) -> None:
    link = mailto_link(["kamerlid@tweedekamer.test", "griffie@example.org"], subject, body)
    assert link.isascii() and " " not in link and "\n" not in link and "\r" not in link
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and parts.fragment == ""
    assert [unquote(a) for a in parts.path.split(",")] == [
        "kamerlid@tweedekamer.test",
        "griffie@example.org",
    ]
    fields = dict(field.split("=", 1) for field in parts.query.split("&") if field)
    assert unquote(fields.get("subject", "")) == subject
    decoded = unquote(fields.get("body", ""))
    assert decoded == crlf(body)
    assert re.sub(r"\r\n?", "\n", decoded) == re.sub(r"\r\n?", "\n", body)
    back = parse_mailto(link)
    assert (back.subject, back.body) == (subject, crlf(body))


def test_mailto_refuses_addresses_and_subjects_that_could_add_fields() -> None:
    for bad in (
        "",
        "a@b.nl,",
        "geen-adres",
        "a b@c.nl",
        "Jan <jan@b.nl>",
        "a@b.nl?cc=x@y.nl",
        "a@b.nl&bcc=x@y.nl",
        "a@b.nl\r\nBcc: x@y.nl",
        "a@b.nl%0D%0Abcc:x@y.nl",
        "ë@b.nl",
        "a@-b.nl",
        "a..b@c.nl",
    ):
        with pytest.raises(ValueError):
            mailto_link(bad, "s", "b")
    for subject in ("regel\nBcc: x@y.nl", "a\rb", "a\u2028b", "a\x00b"):
        with pytest.raises(ValueError):
            mailto_link("a@b.nl", subject, "b")
    assert check_addresses(" a@b.nl ,c.d-e_f@g-h.example.org") == [
        "a@b.nl",
        "c.d-e_f@g-h.example.org",
    ]


def test_mailto_length_limit() -> None:
    assert MAILTO_LIMIT == 2000
    short = mailto_link("a@b.nl", "Onderwerp", "Korte brief")
    assert mailto_fits(short)
    long = mailto_link("a@b.nl", "Onderwerp", "ë" * 400)  # 6 characters each once encoded
    assert len(long) > MAILTO_LIMIT and not mailto_fits(long)
    assert mailto_fits("m" * MAILTO_LIMIT) and not mailto_fits("m" * (MAILTO_LIMIT + 1))


# --- SMTP ------------------------------------------------------------------------------


class RecordingMailer:
    development = False

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, dict[str, str] | None]] = []

    async def send(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        attachments: Sequence[Any] = (),
        headers: dict[str, str] | None = None,
        html: str | None = None,
    ) -> None:
        self.sent.append((to, subject, body, headers))


async def test_smtp_delivers_to_the_target_with_the_member_as_reply_to(smtp: LocalSmtp) -> None:
    mailer = SmtpMailer(
        "127.0.0.1", smtp.port, "Werkbot <bot@werkvereniging.test>", security="none"
    )
    own = "Ik schrijf {naam} en {{ }} en %s en $x letterlijk. 🙂\nTweede regel € ĳ."
    body = compose_letter(fill_template(TEMPLATE, VALUES), own)
    await send_letter(
        mailer,
        to="kamerlid@tweedekamer.test",
        subject="Zorg voor zzp'ers – één regeling",
        body=body,
        member_name="Zoë de Vries, FNV",
        member_email="zoe@example.org",
    )
    message = parsed((await asyncio.to_thread(smtp.inbox.wait_for, 1))[0])
    assert message["To"] == "kamerlid@tweedekamer.test"
    assert message["From"] == "Werkbot <bot@werkvereniging.test>"
    assert message["Subject"] == "Zorg voor zzp'ers – één regeling"
    assert message["Reply-To"].addresses == (
        Address(display_name="Zoë de Vries, FNV", addr_spec="zoe@example.org"),
    )
    content = message.get_content()
    assert content.rstrip("\n") == body.rstrip("\n")
    assert own in content  # the member's template syntax arrives as typed
    assert "Ik ben Zoë de Vries, zelfstandige zonder personeel uit Fryslân." in content


async def test_smtp_reply_to_keeps_quotes_and_several_targets(smtp: LocalSmtp) -> None:
    mailer = SmtpMailer("127.0.0.1", smtp.port, "bot@werkvereniging.test", security="none")
    await send_letter(
        mailer,
        to=["a@tweedekamer.test", "b@tweedekamer.test"],
        subject="Onderwerp",
        body="Brief",
        member_name='Piet "PJ" Jansen, <x@y.nl>',
        member_email="piet@example.org",
    )
    message = parsed((await asyncio.to_thread(smtp.inbox.wait_for, 1))[0])
    assert [a.addr_spec for a in message["To"].addresses] == [
        "a@tweedekamer.test",
        "b@tweedekamer.test",
    ]
    assert message["Reply-To"].addresses == (
        Address(display_name='Piet "PJ" Jansen, <x@y.nl>', addr_spec="piet@example.org"),
    )


@given(name=ONE_LINE)
def test_no_name_adds_a_second_reply_address(name: str) -> None:
    mailer = RecordingMailer()
    asyncio.run(
        send_letter(
            mailer,
            to="a@b.nl",
            subject="s",
            body="b",
            member_name=name,
            member_email="zoe@example.org",
        )
    )
    headers = mailer.sent[0][3]
    assert headers is not None
    raw = compose("bot@x.nl", "a@b.nl", "s", "b", headers=headers).as_bytes()
    reply_to = email.message_from_bytes(raw, policy=email.policy.default)["Reply-To"]
    assert [a.addr_spec for a in reply_to.addresses] == ["zoe@example.org"]


@pytest.mark.parametrize(
    "change",
    [
        {"member_name": "Zoë\r\nBcc: iedereen@example.org"},
        {"member_name": "Zoë\nx"},
        {"member_name": "Zoë\rx"},
        {"subject": "Onderwerp\r\nBcc: iedereen@example.org"},
        {"subject": "Onderwerp\n"},
        {"member_email": "zoe@example.org\r\nBcc: iedereen@example.org"},
        {"member_email": "zoe@example.org, ander@example.org"},
        {"member_email": "Zoë <zoe@example.org>"},
        {"to": "a@b.nl\r\nBcc: iedereen@example.org"},
        {"to": ""},
    ],
)
async def test_line_breaks_and_bad_addresses_are_refused(change: dict[str, str]) -> None:
    mailer = RecordingMailer()
    arguments = {
        "to": "kamerlid@tweedekamer.test",
        "subject": "Onderwerp",
        "body": "Brief\r\nmet regels",
        "member_name": "Zoë",
        "member_email": "zoe@example.org",
        **change,
    }
    with pytest.raises(ValueError):
        await send_letter(mailer, **arguments)
    assert mailer.sent == []
