"""The letter of a "mail your MP" action: the template, the member's own words, and the
two ways out (a ``mailto:`` link the member sends from their own mail, or SMTP).

An organizer writes the template with placeholders in braces::

    Geachte {aan},

    Ik ben {naam}, {werksituatie} uit {provincie}.
    {eigen_tekst}
    Met vriendelijke groet,
    {naam}

The known placeholders are :data:`PLACEHOLDERS`; ``{eigen_tekst}`` marks where the
member's own sentences go (without it they come after the template, after a blank line);
``{{`` and ``}}`` are literal braces. :func:`check_template` lists what is wrong with a
template when the campaign is created; :func:`fill_template` never fails, so nothing is
refused at send time.

Safety rules:

* The template is filled in ONE pass over the organizer's text with a small explicit
  parser (no ``str.format``, so no ``{naam.__class__}``): a value that itself contains
  ``{naam}`` or ``{eigen_tekst}`` is inserted as it is and never looked at again.
* The member's own words never pass through the template engine: :func:`compose_letter`
  puts them in literally, at a position found in the organizer's template (not in the
  filled text, where a member's name could fake the marker).
* Addresses, subjects and names that go into headers are refused (ValueError) when they
  hold a line break or another control character, so nothing can add a header.

Pure functions plus one async :func:`send_letter`; no chat platform code here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from urllib.parse import quote, unquote, urlsplit

from bot.core.mail import Mailer

PLACEHOLDERS = ("naam", "werksituatie", "provincie", "aan", "partij")
"""The values an organizer may use: the member's name, work situation and province (as
their Dutch labels), the target's name and the target's party (may be empty)."""

OWN_TEXT = "eigen_tekst"
"""The placeholder that marks where the member's own sentences go (at most once)."""

MAILTO_LIMIT = 2000
"""Many mail clients (and some browsers) cut a ``mailto:`` URL at about 2,000 characters:
above it, offer the text to copy instead (see :func:`mailto_fits`)."""

# ``{{`` / ``}}`` (literal braces), ``{name}`` (a placeholder on one line), or a brace
# on its own (an error for check_template, kept as it is by fill_template).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\r\n]*)\}|[{}]")

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
_MAX_ADDRESS = 254

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


# --- The template ----------------------------------------------------------------------


@dataclass(frozen=True)
class FilledLetter:
    """A template with its values filled in, split where the member's own words go.

    ``before`` and ``after`` are the filled text on either side of ``{eigen_tekst}``;
    ``after`` is None when the template has no such marker. ``on_own_line`` says the
    marker stood alone on its line (that line is left out when the member adds nothing);
    ``line_end`` is the line ending that followed it there.
    """

    before: str
    after: str | None = None
    on_own_line: bool = False
    line_end: str = ""

    @property
    def text(self) -> str:
        """The letter without own words: what the member is shown first."""
        return compose_letter(self, "")

    def __str__(self) -> str:
        return self.text


def check_template(template: str) -> list[str]:
    """What is wrong with an organizer's template, one problem per item (empty: fine).

    Unknown placeholders are named, a brace on its own is pointed at by its line, and
    ``{eigen_tekst}`` may appear only once."""
    problems: list[str] = []
    unknown: list[str] = []
    own_text = 0
    for match in _TOKEN.finditer(template):
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            continue
        if name is None:
            line = template.count("\n", 0, match.start()) + 1
            problems.append(
                f"line {line}: a single {token!r} (write {token * 2!r} for a brace itself)"
            )
        elif name == OWN_TEXT:
            own_text += 1
        elif name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    if unknown:
        known = ", ".join(f"{{{known}}}" for known in (*PLACEHOLDERS, OWN_TEXT))
        names = ", ".join(f"{{{name}}}" for name in unknown)
        problems.insert(0, f"unknown placeholder(s): {names} (known: {known})")
    if own_text > 1:
        problems.append(f"{{{OWN_TEXT}}} may appear only once (it appears {own_text} times)")
    return problems


def fill_template(template: str, values: Mapping[str, str]) -> FilledLetter:
    """Fill the known placeholders with ``values`` (a missing one is empty), in one pass.

    Values go in as they are and are never scanned again. Never raises: what
    :func:`check_template` would refuse is kept as written (an unknown placeholder, a
    single brace), and a second ``{eigen_tekst}`` is left out."""
    pieces: list[str] = []
    split: int | None = None  # pieces[:split] come before the member's own words
    on_own_line = False
    line_end = ""
    position = 0
    for match in _TOKEN.finditer(template):
        start, end = match.span()
        literal = template[position:start]
        position = end
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            pieces.append(literal + token[0])
        elif name is None or (name not in PLACEHOLDERS and name != OWN_TEXT):
            pieces.append(literal + token)
        elif name in PLACEHOLDERS:
            pieces.append(literal)
            pieces.append(values.get(name, ""))
        elif split is not None:  # a second {eigen_tekst}
            pieces.append(literal)
        else:
            line_start = template.rfind("\n", 0, start) + 1
            newline = template.find("\n", end)
            line_stop = len(template) if newline == -1 else newline
            # Alone on its line: only blanks around it there (so no other token either).
            if not template[line_start:start].strip() and not template[end:line_stop].strip():
                # Leave out the marker's line: its indentation and what follows it.
                pieces.append(literal[: len(literal) - (start - line_start)])
                on_own_line = True
                if newline != -1:
                    line_end = "\r\n" if template[end:line_stop].endswith("\r") else "\n"
                    position = newline + 1
                else:
                    position = len(template)
            else:
                pieces.append(literal)
            split = len(pieces)
    pieces.append(template[position:])
    if split is None:
        return FilledLetter("".join(pieces))
    return FilledLetter("".join(pieces[:split]), "".join(pieces[split:]), on_own_line, line_end)


def compose_letter(filled: FilledLetter, own_text: str) -> str:
    """The letter with the member's own words in it, exactly as they were typed.

    They go where the template had ``{eigen_tekst}`` (on a line of their own if the
    marker had one), else after the filled template and a blank line. Nothing in
    ``own_text`` is interpreted: ``{naam}`` in it stays ``{naam}``."""
    if filled.after is None:
        if not own_text:
            return filled.before
        if not filled.before:
            return own_text
        return filled.before.rstrip("\r\n") + "\n\n" + own_text
    if not filled.on_own_line:
        return filled.before + own_text + filled.after
    if not own_text:
        return filled.before + filled.after
    ending = "" if own_text.endswith(("\n", "\r")) else filled.line_end
    return filled.before + own_text + ending + filled.after


# --- Addresses and headers -------------------------------------------------------------


def _one_line(value: str, what: str) -> str:
    """``value`` unchanged, or ValueError when it holds a line break or a control
    character (a way to add a header of one's own)."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise ValueError(f"the {what} may not contain {char!r}")
    return value


def check_addresses(to: str | Sequence[str]) -> list[str]:
    """The addresses in ``to`` (one, several separated by ``,``, or a sequence), each a
    plain ``name@domain`` (ASCII dot-atom, no display name); ValueError for anything
    else, and for none at all."""
    parts = to.split(",") if isinstance(to, str) else list(to)
    addresses = [part.strip(" ") for part in parts]
    if not addresses or addresses == [""]:
        raise ValueError("no address given")
    for address in addresses:
        if len(address) > _MAX_ADDRESS or not _ADDRESS.fullmatch(address):
            raise ValueError(f"not an address that can be used: {address!r}")
    return addresses


# --- mailto: (RFC 6068) ----------------------------------------------------------------


@dataclass(frozen=True)
class Mailto:
    """What a ``mailto:`` link holds, decoded. Line breaks in ``body`` are CRLF."""

    to: tuple[str, ...]
    subject: str = ""
    body: str = ""


def crlf(text: str) -> str:
    """``text`` with every line break (LF, CRLF, a lone CR) written as CRLF, as RFC 6068
    wants them in a body."""
    return _LINE_BREAKS.sub("\r\n", text)


def mailto_link(to: str | Sequence[str], subject: str, body: str) -> str:
    """A ``mailto:`` link (RFC 6068) with the target(s), subject and body filled in.

    Text is UTF-8 and percent-encoded, everything but the unreserved characters (so a
    space is ``%20``, never ``+``, and ``&``, ``=``, ``#`` cannot end a field); line
    breaks in the body become ``%0D%0A``. ValueError for an address that is not plain
    ``name@domain`` or a subject with a line break. See :func:`mailto_fits` for length."""
    addresses = check_addresses(to)
    _one_line(subject, "subject")
    link = "mailto:" + ",".join(quote(address, safe="@") for address in addresses)
    fields = []
    if subject:
        fields.append("subject=" + quote(subject, safe=""))
    if body:
        fields.append("body=" + quote(crlf(body), safe=""))
    return link + ("?" + "&".join(fields) if fields else "")


def mailto_fits(link: str) -> bool:
    """Whether mail clients take ``link`` whole; if not, offer the text to copy."""
    return len(link) <= MAILTO_LIMIT


def parse_mailto(link: str) -> Mailto:
    """Read a ``mailto:`` link back (ValueError if it is not one). Percent-decoding only:
    a ``+`` stays a plus. Header fields other than subject and body are ignored."""
    parts = urlsplit(link)
    if parts.scheme.lower() != "mailto":
        raise ValueError(f"not a mailto: link: {link[:40]!r}")
    to = tuple(unquote(address, errors="strict") for address in parts.path.split(",") if address)
    fields: dict[str, str] = {}
    for field in parts.query.split("&") if parts.query else ():
        name, _equals, value = field.partition("=")
        fields.setdefault(unquote(name).lower(), unquote(value, errors="strict"))
    return Mailto(to, fields.get("subject", ""), fields.get("body", ""))


# --- SMTP ------------------------------------------------------------------------------


async def send_letter(
    mailer: Mailer,
    *,
    to: str | Sequence[str],
    subject: str,
    body: str,
    member_name: str,
    member_email: str,
) -> None:
    """Send the letter through the bot's mail server, for a campaign that allows it and
    a member who confirmed. The mail comes from the bot's own address (so it is not
    taken for forged), with ``Reply-To`` the member's name and address, so the target's
    answer goes to the member. The body goes as it is.

    ValueError (nothing sent) for a target or member address that is not plain
    ``name@domain``, or a line break or control character in the subject or the name;
    :class:`bot.core.mail.MailError` when the mail server does not take it."""
    targets = check_addresses(to)
    _one_line(subject, "subject")
    _one_line(member_name, "name")
    replies = check_addresses(member_email)
    if len(replies) != 1:
        raise ValueError("the member's address must be one address")
    # Written as a quoted display name (non-ASCII as it is): the mail library encodes
    # it for the header, and a comma or quote in the name cannot become a second address.
    reply_to = str(Address(display_name=member_name, addr_spec=replies[0]))
    await mailer.send(", ".join(targets), subject, body, headers={"Reply-To": reply_to})
