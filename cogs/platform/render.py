"""The platform's texts for rounds, introductions, search and statistics: pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.clock import when
from bot.core.i18n import _, ngettext
from bot.core.types import Button, Reply
from cogs.platform import actions
from cogs.platform.actions import Verb
from cogs.platform.matching import RoundPlan
from cogs.platform.service import ContactCard, Match, RoundStats
from storage.records.platform import (
    GroupRecord,
    Met,
    ProfileKind,
    ProfileRecord,
    RequestRecord,
    RoundRecord,
    RoundStatus,
)


def reason_text(reason: str) -> str:
    """Why someone was left out of a round, as they read it."""
    return {
        "alone": _("Nobody else took part this time."),
        "no_allowed_partner": _(
            "Everyone else this time was someone you met recently, cannot meet in the same way "
            "(online or in person), or is on a never-list."
        ),
        "odd_one_out": _("The number of participants was odd and no group of three fitted."),
    }.get(reason, _("No fitting match this time."))


def status_name(status: RoundStatus) -> str:
    return {
        RoundStatus.PLANNED: _("planned"),
        RoundStatus.ASKING: _("asking who joins"),
        RoundStatus.MATCHED: _("matched"),
        RoundStatus.CLOSED: _("closed"),
        RoundStatus.CANCELLED: _("cancelled"),
    }[status]


def planned(round_: RoundRecord) -> Reply:
    repeat = (
        " " + _("It repeats every {n} weeks.").format(n=round_.repeat_weeks) if round_.repeat_weeks else ""
    )
    return Reply(
        _(
            "Round {id} is planned: pairs are made on {when}; everyone with a profile is asked a "
            "day before.{repeat} Try it first with /ronde_proef {id}."
        ).format(id=round_.id, when=when(round_.match_at), repeat=repeat),
        private=True,
    )


def rounds(listed: Sequence[RoundRecord]) -> Reply:
    if not listed:
        return Reply(_("No rounds yet. Plan one with /ronde_nieuw."), private=True)
    lines = [_("Rounds:")]
    lines.extend(
        f"{round_.id}. {when(round_.match_at)} — {status_name(round_.status)}" for round_ in listed
    )
    return Reply("\n".join(lines), private=True)


def ask(round_: RoundRecord) -> Reply:
    return Reply(
        _(
            "🤝 Platform Vernieuwen Doen We Samen: a new round of introductions starts on {when}. "
            "Shall we pair you with someone whose offer fits what you look for (and the other "
            "way round)?"
        ).format(when=when(round_.match_at)),
        (
            (
                Button(_("Count me in"), actions.encode(Verb.JOIN, round_.id)),
                Button(_("Not this time"), actions.encode(Verb.SKIP, round_.id)),
            ),
        ),
    )


def answered(round_: RoundRecord, joins: bool) -> Reply:
    if joins:
        return Reply(_("You are in. On {when} you hear whom you meet.").format(when=when(round_.match_at)))
    return Reply(_("Fine; you skip this round. Till next time!"))


def _labels(codes: Sequence[str], labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(code, code) for code in codes)


def profile_summary(profile: ProfileRecord, name: str, labels: Mapping[str, str]) -> str:
    lines = [f"👤 {name}" if profile.kind is ProfileKind.PERSON else f"🏢 {name}"]
    if profile.what:
        lines.append(profile.what)
    if profile.offers:
        lines.append(_("Offers: {tags}").format(tags=_labels(profile.offers, labels)))
    if profile.offer_text:
        lines.append(profile.offer_text)
    if profile.needs:
        lines.append(_("Looks for: {tags}").format(tags=_labels(profile.needs, labels)))
    if profile.need_text:
        lines.append(profile.need_text)
    if profile.website:
        lines.append(profile.website)
    return "\n".join(lines)


def common(mine: ProfileRecord, other: ProfileRecord, labels: Mapping[str, str]) -> list[str]:
    """What two profiles have for each other, from the reader's side."""
    lines = []
    gives = [code for code in other.offers if code in mine.needs]
    takes = [code for code in mine.offers if code in other.needs]
    if gives:
        lines.append(_("You look for {tags}; they offer it.").format(tags=_labels(gives, labels)))
    if takes:
        lines.append(_("They look for {tags}; you offer it.").format(tags=_labels(takes, labels)))
    return lines


def intro(
    group: GroupRecord,
    reader: ProfileRecord,
    profiles: Mapping[int, ProfileRecord],
    names: Mapping[int, str],
    labels: Mapping[str, str],
) -> Reply:
    """The introduction as ``reader``'s contacts get it: the others, what they share, a
    first question, and [Ik wil kennismaken]."""
    others = [profiles[member.profile_id] for member in group.members if member.profile_id != reader.id]
    head = (
        _("🤝 You have been introduced to:")
        if len(others) == 1
        else _("🤝 You are in a group of three with:")
    )
    parts = [head]
    for other in others:
        parts.append(profile_summary(other, names.get(other.id, "?"), labels))
        shared = common(reader, other, labels)
        if shared:
            parts.append("\n".join(shared))
    parts.append(_("A first question to talk about: {question}").format(question=group.question))
    parts.append(
        _(
            "Your contact details are shared only when everyone presses “I want to meet”. Not a "
            "good match? Press nothing; nobody is told."
        )
    )
    return Reply(
        "\n\n".join(parts),
        (
            (Button(_("I want to meet"), actions.encode(Verb.WANT, group.id)),),
            tuple(
                Button(_("Never pair me with {name}").format(name=names.get(other.id, "?"))[:60], actions.encode(Verb.NEVER, other.id))
                for other in others
            ),
        ),
    )


def want_noted(everyone: bool) -> Reply:
    if everyone:
        return Reply(_("Everyone wants to meet: you get each other's contact details now."))
    return Reply(_("Noted. When the other side wants to meet too, you both get the contact details."))


def details(cards: Sequence[ContactCard], question: str) -> Reply:
    if not cards:
        return Reply(_("The contact details are no longer available."))
    lines = [_("🤝 Contact details, shared because everyone agreed:")]
    for card in cards:
        reach = [card.email] if card.email else []
        reach.extend(card.accounts)
        lines.append(f"• {card.name}: " + (", ".join(reach) or _("no details known")))
    if question:
        lines.append(_("A first question to talk about: {question}").format(question=question))
    return Reply("\n".join(lines))


def left_out(reason: str) -> Reply:
    return Reply(
        _("🤝 No introduction for you this round. {reason} You are welcome in the next one.").format(
            reason=reason_text(reason)
        )
    )


def nudge() -> Reply:
    return Reply(
        _("🤝 Halfway through the round: have you found a moment to talk? A short call is enough.")
    )


def feedback(group: GroupRecord) -> Reply:
    return Reply(
        _("🤝 The round is over. Did you talk to each other?"),
        (
            (
                Button(_("Yes"), actions.encode(Verb.MET_YES, group.id)),
                Button(_("Planned"), actions.encode(Verb.MET_PLANNED, group.id)),
                Button(_("No"), actions.encode(Verb.MET_NO, group.id)),
            ),
        ),
    )


def met_noted() -> Reply:
    return Reply(_("Thank you! That helps us make better introductions."))


def paused(profile_id: int) -> Reply:
    return Reply(
        _(
            "🤝 We did not hear from you for three rounds, so your platform profile is paused. "
            "Want to take part again?"
        ),
        ((Button(_("Take part again"), actions.encode(Verb.REJOIN, profile_id)),),),
    )


def search_results(found: Sequence[Match], names: Mapping[int, str], labels: Mapping[str, str]) -> Reply:
    if not found:
        return Reply(_("Nobody fits that yet. Try other words, or look at the tags with /platform."))
    lines = [_("Best matches:")]
    rows = []
    for number, match in enumerate(found, start=1):
        name = names.get(match.profile.id, "?")
        reason = (
            _("offers {tags}").format(tags=_labels(match.shared, labels))
            if match.shared
            else _("their description fits your words")
        )
        lines.append(f"{number}. {name} — {reason}")
        rows.append((Button(_("Ask {name} to meet").format(name=name)[:60], actions.encode(Verb.REQUEST, match.profile.id)),))
    lines.append(_("A request reaches them; details are shared only when they accept."))
    return Reply("\n".join(lines), tuple(rows))


def requested(name: str) -> Reply:
    return Reply(_("Your request went to {name}. You hear when they answer.").format(name=name))


def request(req: RequestRecord, asker: ProfileRecord, names: Mapping[int, str], labels: Mapping[str, str]) -> Reply:
    return Reply(
        _("🤝 {name} would like to meet you through the Platform Vernieuwen Doen We Samen:").format(
            name=names.get(asker.id, "?")
        )
        + "\n\n"
        + profile_summary(asker, names.get(asker.id, "?"), labels)
        + "\n\n"
        + _("If you accept, you both get each other's contact details."),
        (
            (
                Button(_("Accept"), actions.encode(Verb.ACCEPT, req.id)),
                Button(_("Decline"), actions.encode(Verb.DECLINE, req.id)),
            ),
        ),
    )


def request_answered(accepted: bool) -> Reply:
    if accepted:
        return Reply(_("Accepted: you both get each other's contact details."))
    return Reply(_("Declined; they hear it politely."))


def declined(name: str) -> Reply:
    return Reply(_("{name} cannot meet right now. Try someone else with /zoek.").format(name=name))


def dry_run(plan: RoundPlan, names: Mapping[int, str], labels: Mapping[str, str], seed: int) -> Reply:
    lines = [
        _("Dry run (seed {seed}): nothing is stored or sent.").format(seed=seed),
        ngettext("{n} group", "{n} groups", len(plan.groups)).format(n=len(plan.groups))
        + ", "
        + _("total score {score}").format(score=f"{plan.total_score:.1f}"),
    ]
    for group in plan.groups[:40]:
        who = " + ".join(names.get(member, str(member)) for member in group.ids)
        shared = f" — {_labels(group.shared, labels)}" if group.shared else ""
        lines.append(f"• {who}: {group.score:.1f}{shared}")
    if len(plan.groups) > 40:
        lines.append(_("… and {n} more.").format(n=len(plan.groups) - 40))
    for left in plan.left_out:
        lines.append(_("Left out: {name} — {reason}").format(name=names.get(left.id, str(left.id)), reason=reason_text(left.reason)))
    return Reply("\n".join(lines), private=True)


def stats(report: RoundStats, offered: Sequence[tuple[str, int]], sought: Sequence[tuple[str, int]]) -> Reply:
    round_ = report.round
    lines = [
        _("Round {id} ({when}) — {status}").format(id=round_.id, when=when(round_.match_at), status=status_name(round_.status)),
        _("Participants: {n}").format(n=report.participants),
        _("Groups: {n} (of which trios: {trios}); left out: {left}").format(
            n=report.groups, trios=report.trios, left=report.left_out
        ),
        ngettext(
            "Did they meet? yes {yes}, planned {planned}, no {no} ({answered} group answered; met rate {rate}%)",
            "Did they meet? yes {yes}, planned {planned}, no {no} ({answered} groups answered; met rate {rate}%)",
            report.answered,
        ).format(
            yes=report.met.get(Met.YES, 0),
            planned=report.met.get(Met.PLANNED, 0),
            no=report.met.get(Met.NO, 0),
            answered=report.answered,
            rate=round(100 * report.met_rate),
        ),
    ]
    if offered:
        lines.append(_("Offered most: {tags}").format(tags=", ".join(f"{label} ({n})" for label, n in offered)))
    if sought:
        lines.append(_("Sought most: {tags}").format(tags=", ".join(f"{label} ({n})" for label, n in sought)))
    return Reply("\n".join(lines), private=True)
