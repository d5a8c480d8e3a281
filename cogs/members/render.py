"""The members module's texts and replies: pure functions of records, no I/O.

Everything a member reads from this module is built here, in the current language
(``_()``), so it can be read, tested and translated in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import N_, _
from bot.core.types import Button, Reply, Role
from cogs.members import actions
from cogs.members.actions import Verb
from cogs.members.service import Profile
from storage.vocabulary import MemberKind, Province, WorkSituation

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "console"}
ROLE_LABELS = {
    Role.GUEST: N_("guest"),
    Role.MEMBER: N_("member"),
    Role.OPJUTTER: N_("opjutter"),
    Role.ORGANIZER: N_("organizer"),
    Role.ADMIN: N_("admin"),
}


def label(value: WorkSituation | Province | MemberKind | None) -> str:
    """The shown name of a stored code, in the current language."""
    return "—" if value is None else _(value.label)


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def privacy_statement() -> str:
    return _(
        "Privacy: De Werkvereniging stores your name, e-mail address, work situation and "
        "province to let you take part and to show results per group. Survey results are "
        "only published as totals. We never sell or share your data. You can see "
        "everything we hold with /mijngegevens and erase it with /vergeetmij."
    )


def introduction() -> str:
    return _(
        "Hello! I am Werkbot, the bot of De Werkvereniging, the independent interest "
        "platform for Modern Werkenden: people who combine or alternate jobs, "
        "freelancing, study, care and volunteering. Through me you give your opinion in "
        "Jouw Stem, sign up for gatherings such as the Festival on 11 May, and hear news "
        "first."
    )


def welcome_back(name: str | None) -> Reply:
    return Reply(
        introduction()
        + "\n\n"
        + _("Welcome back, {name}! Type /hulp to see what you can do.").format(name=name)
    )


def first_contact() -> Reply:
    return Reply(
        introduction() + "\n\n" + privacy_statement(),
        (
            (
                Button(_("Register"), actions.encode(Verb.REGISTER)),
                Button(_("Help"), actions.encode(Verb.HELP)),
            ),
        ),
    )


def development_code(code: str) -> Reply:
    return Reply(
        _("Development mode (no mail server set): your code is {code}.").format(code=code),
        private=True,
    )


def welcome(name: str) -> Reply:
    return Reply(
        _(
            "Welcome, {name}! You are now a registered member of De Werkvereniging's "
            "Werkbot. Your voice counts in Jouw Stem. See /hulp for what you can do."
        ).format(name=name),
        private=True,
    )


def profile(found: Profile, role: Role, language: str) -> Reply:
    """What we hold, in short; /mijngegevens gives everything."""
    lines = [
        _("Your profile (member number {id})").format(id=found.member_id),
        _("Name: {value}").format(value=found.name),
        _("E-mail: {value}").format(value=found.email)
        + (" ✓" if found.verified else " " + _("(not confirmed yet: /registreer)")),
        _("Kind: {value}").format(value=label(found.kind))
        + (f" — {found.organization}" if found.organization else ""),
        _("Work situation: {value}").format(value=label(found.work_situation)),
        _("Province: {value}").format(value=label(found.province)),
        _("Language: {value}").format(value=found.language or language),
        _("Role: {value}").format(value=_(ROLE_LABELS[role])),
        _("Linked accounts: {value}").format(
            value=", ".join(platform_name(p) for p in found.accounts)
        ),
    ]
    return Reply("\n".join(lines), private=True)


def link_code(code: str) -> Reply:
    return Reply(
        _(
            "Your link code is {code}. On your other account (Telegram, Discord or the "
            "console), send: /koppel {code}\nThe code works once and expires in 10 "
            "minutes."
        ).format(code=code),
        private=True,
    )


def how_to_link() -> Reply:
    return Reply(
        _(
            "To link this account, first send /koppel on the account you registered "
            "with. Then send /koppel CODE here with the code you got. Not registered "
            "yet? Use /registreer."
        )
    )


def linked_here(platform: str, name: str) -> Reply:
    return Reply(
        _("Linked! This {platform} account now belongs to {name}.").format(
            platform=platform_name(platform), name=name
        ),
        private=True,
    )


def linked_elsewhere(platform: str) -> Reply:
    """Sent to the member's other accounts: someone linked a new one."""
    return Reply(
        _("Your {platform} account is now linked to your membership.").format(
            platform=platform_name(platform)
        )
    )


def forget_question(member_id: int) -> Reply:
    return Reply(
        _(
            "Do you want us to erase all your personal data? Your membership ends and "
            "this cannot be undone. Answers you gave stay only in anonymous totals."
        ),
        (
            (
                Button(_("Yes, erase everything"), actions.encode(Verb.FORGET, member_id)),
                Button(_("No, keep it"), actions.encode(Verb.KEEP)),
            ),
        ),
        private=True,
    )


def erased() -> Reply:
    return Reply(
        _(
            "All your personal data has been erased. Thank you for taking part. "
            "You are always welcome to register again with /registreer."
        ),
        replace=True,
    )


def member_list(found: Sequence[tuple[int, str, MemberKind, bool]]) -> Reply:
    if not found:
        return Reply(_("No members found."))
    lines = [_("Members (number, name, kind, e-mail confirmed):")]
    lines += [
        f"{member_id}. {name} — {label(kind)}{' ✓' if verified else ''}"
        for member_id, name, kind, verified in found
    ]
    return Reply("\n".join(lines), private=True)


def sponsor_list(found: Sequence[tuple[int, str, int]]) -> Reply:
    if not found:
        return Reply(_("No sponsors yet. Register one with /sponsor_nieuw <name>."))
    lines = [_("Sponsors (number, name, representatives):")]
    lines += [f"{sponsor_id}. {name} — {count}" for sponsor_id, name, count in found]
    return Reply("\n".join(lines))
