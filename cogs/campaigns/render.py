"""The campaigns' texts and replies: pure functions of records, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.clock import when
from bot.core.i18n import _, ngettext
from bot.core.types import Button, Reply
from cogs.campaigns import actions
from cogs.campaigns.actions import Verb
from cogs.campaigns.service import Letter, Status
from storage.records.campaigns import (
    ActionState,
    CampaignKind,
    CampaignRecord,
    CampaignStatus,
    TargetMode,
    TargetRecord,
)
from storage.vocabulary import SEGMENTS

MAX_LISTED = 20
MAX_TARGETS_SHOWN = 30


def kind_name(kind: CampaignKind) -> str:
    return {
        CampaignKind.MAIL: _("mail a politician or party"),
        CampaignKind.CALL: _("call"),
        CampaignKind.SHARE: _("share a message"),
        CampaignKind.SIGN: _("sign"),
        CampaignKind.ATTEND: _("be there"),
        CampaignKind.REACT: _("react to a consultation"),
    }[kind]


def status_name(status: CampaignStatus) -> str:
    return {
        CampaignStatus.DRAFT: _("draft"),
        CampaignStatus.LIVE: _("running"),
        CampaignStatus.PAUSED: _("paused"),
        CampaignStatus.STOPPED: _("stopped"),
    }[status]


def targets_text(campaign: CampaignRecord) -> str:
    names = ", ".join(campaign.target_names)
    return {
        TargetMode.NONE: "",
        TargetMode.SPREAD: _("To: the members of the Tweede Kamer, each member writes to the next one"),
        TargetMode.PARTY: _("To: the MPs of {names}").format(names=names),
        TargetMode.COMMITTEE: _("To: the members of the committee {names}").format(names=names),
        TargetMode.NAMED: _("To: {n} chosen addressees").format(n=len(campaign.target_names)),
    }[campaign.target_mode]


def card_text(campaign: CampaignRecord) -> str:
    parts = [
        f"📣 {campaign.title}",
        kind_name(campaign.kind).capitalize(),
        campaign.why,
        targets_text(campaign),
        _("Until {when}.").format(when=when(campaign.deadline)),
    ]
    if campaign.link and campaign.kind is not CampaignKind.MAIL:
        parts.append(campaign.link)
    return "\n".join(part for part in parts if part)


def prompt(campaign: CampaignRecord) -> Reply:
    """The card members get: what, why, the deadline, and three buttons."""
    return Reply(
        card_text(campaign),
        (
            (
                Button(_("Count me in"), actions.encode(Verb.JOIN, campaign.id)),
                Button(_("Later"), actions.encode(Verb.LATER, campaign.id)),
                Button(_("Not for me"), actions.encode(Verb.NO, campaign.id)),
            ),
        ),
    )


def nudge(campaign: CampaignRecord) -> Reply:
    card = prompt(campaign)
    return Reply(
        _("A few days ago you said “later”. Do you have a minute now?") + "\n\n" + card.text,
        card.buttons,
    )


def campaign_list(campaigns: Sequence[CampaignRecord], *, steering: bool) -> Reply:
    if not campaigns:
        text = _("No campaigns are running right now.")
        if steering:
            text += " " + _("Start one with /actie_nieuw.")
        return Reply(text)
    lines = [_("Campaigns (press one to see it):")]
    rows: list[tuple[Button, ...]] = []
    for campaign in campaigns[:MAX_LISTED]:
        state = "" if campaign.status is CampaignStatus.LIVE else f" ({status_name(campaign.status)})"
        lines.append(f"{campaign.id}. {campaign.title}{state} — {when(campaign.deadline)}")
        rows.append((Button(f"{campaign.id}. {campaign.title}"[:60], actions.encode(Verb.SHOW, campaign.id)),))
    return Reply("\n".join(lines), tuple(rows))


def steering_buttons(campaign: CampaignRecord) -> tuple[tuple[Button, ...], ...]:
    """What its opjutter or an organizer can do with a campaign now."""
    row: list[Button] = []
    if campaign.status is CampaignStatus.DRAFT:
        row.append(Button(_("Launch"), actions.encode(Verb.LAUNCH, campaign.id)))
    if campaign.status is CampaignStatus.LIVE:
        row.append(Button(_("Pause"), actions.encode(Verb.PAUSE, campaign.id)))
    if campaign.status is CampaignStatus.PAUSED:
        row.append(Button(_("Resume"), actions.encode(Verb.RESUME, campaign.id)))
    if campaign.status is not CampaignStatus.STOPPED:
        row.append(Button(_("Stop"), actions.encode(Verb.STOP, campaign.id)))
    row.append(Button(_("Status"), actions.encode(Verb.STATUS, campaign.id)))
    return (tuple(row),)


def created(campaign: CampaignRecord, example: Letter | None, cap: int) -> list[Reply]:
    """To its opjutter: the campaign as members will see it, then launch."""
    replies = [Reply(_("Campaign {id} is saved as a draft. Members will see:").format(id=campaign.id), private=True)]
    replies.append(Reply(card_text(campaign), private=True))
    if example is not None:
        replies.append(Reply(_("An example letter (with your own details):") + "\n\n" + letter_text(example), private=True))
    replies.append(
        Reply(
            _("Launch it now? Members who chose “acties” get the card, at most {cap} campaigns a week each.").format(cap=cap),
            steering_buttons(campaign),
            private=True,
        )
    )
    return replies


def launched(campaign: CampaignRecord, asked: int) -> Reply:
    return Reply(
        ngettext(
            "Campaign {id} is running: {n} member is asked now; others follow when their weekly limit allows.",
            "Campaign {id} is running: {n} members are asked now; others follow when their weekly limit allows.",
            asked,
        ).format(id=campaign.id, n=asked)
        + "\n"
        + _("Follow it with /actie_status {id}.").format(id=campaign.id),
        steering_buttons(campaign),
    )


def steered(campaign: CampaignRecord) -> Reply:
    return Reply(
        _("Campaign {id} is now {state}.").format(id=campaign.id, state=status_name(campaign.status)),
        steering_buttons(campaign),
    )


def target_line(target: TargetRecord) -> str:
    party = f" ({target.party})" if target.party else ""
    address = target.email or _("no e-mail address known")
    return f"{target.name}{party} <{address}>" if target.email else f"{target.name}{party} — {address}"


def letter_text(letter: Letter) -> str:
    lines = []
    if letter.target is not None:
        lines.append(_("To: {target}").format(target=target_line(letter.target)))
    lines.append(_("Subject: {subject}").format(subject=letter.subject))
    lines.append("")
    lines.append(letter.body)
    return "\n".join(lines)


def action_page(campaign: CampaignRecord, message: str) -> Reply:
    """A non-mail action: the text ready to paste, the link, and [Gedaan]."""
    parts = [card_text(campaign)]
    if message:
        parts.append(_("Ready to paste:") + "\n\n" + message)
    return Reply(
        "\n\n".join(parts),
        (
            (
                Button(_("Done"), actions.encode(Verb.DONE, campaign.id)),
                Button(_("Later"), actions.encode(Verb.LATER, campaign.id)),
            ),
        ),
    )


def thanks(campaign: CampaignRecord, new: bool) -> Reply:
    if not new:
        return Reply(_("You did this one already. Thank you!"))
    return Reply(
        _("Thank you! Your action for “{title}” is counted.").format(title=campaign.title)
    )


def later(campaign: CampaignRecord) -> Reply:
    return Reply(_("Fine; we remind you once in a few days."))


def declined(campaign: CampaignRecord) -> Reply:
    return Reply(_("Understood; you hear nothing more of “{title}”.").format(title=campaign.title))


def segment_label(kind: str, code: str) -> str:
    for member in SEGMENTS.get(kind, ()):
        if member.value == code:
            return _(member.label)
    return code


def status(report: Status) -> Reply:
    campaign = report.campaign
    counts = report.counts
    lines = [
        f"📣 {campaign.id}. {campaign.title} — {status_name(campaign.status)}, "
        + _("until {when}").format(when=when(campaign.deadline)),
        _("Asked: {n}").format(n=report.prompted),
        _("Opened: {n} · later: {later} · not for them: {no}").format(
            n=counts.get(ActionState.OPENED, 0),
            later=counts.get(ActionState.LATER, 0),
            no=counts.get(ActionState.DECLINED, 0),
        ),
    ]
    if campaign.goal:
        share = round(100 * report.done / campaign.goal)
        lines.append(_("Done: {n} of the goal {goal} ({share}%)").format(n=report.done, goal=campaign.goal, share=share))
    else:
        lines.append(_("Done: {n}").format(n=report.done))
    if report.targets:
        lines.append(_("Per addressee (given / done):"))
        for target, given, done in report.targets[:MAX_TARGETS_SHOWN]:
            name = target_line(target) if target else _("(removed)")
            lines.append(f"• {name}: {given} / {done}")
        if len(report.targets) > MAX_TARGETS_SHOWN:
            lines.append(_("… and {n} more.").format(n=len(report.targets) - MAX_TARGETS_SHOWN))
    titles = {
        "work_situation": _("By work situation (asked / done)"),
        "province": _("By province (asked / done)"),
        "kind": _("By kind of member (asked / done)"),
    }
    for kind, rows in report.segments.items():
        if not rows:
            continue
        shown = ", ".join(
            f"{segment_label(kind, code)} {asked}" + (f"/{done}" if done else "") for code, asked, done in rows
        )
        lines.append(f"{titles[kind]}: {shown}")
    lines.append(_("Groups smaller than 5 are shown as “< 5”."))
    return Reply("\n".join(lines), steering_buttons(campaign), private=True)


def leaderboard(board: Sequence[tuple[str | None, int, int]]) -> Reply:
    if not board:
        return Reply(_("No campaign has been launched yet."))
    lines = [_("Opjutters: actions their campaigns brought in")]
    for place, (name, done, count) in enumerate(board[:MAX_LISTED], start=1):
        shown = name or _("an opjutter")
        lines.append(
            f"{place}. {shown} — "
            + ngettext("{n} action", "{n} actions", done).format(n=done)
            + " ("
            + ngettext("{n} campaign", "{n} campaigns", count).format(n=count)
            + ")"
        )
    lines.append(_("Opjutters choose with /opjutters_naam aan whether their name is shown."))
    return Reply("\n".join(lines))
