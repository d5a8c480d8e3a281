"""The Meetlat's texts: scores, rankings, the method, and the organizers' cards. Pure.

Scores show two decimals (what is judged is what is shown: a 2.96 is not a 3), with n and
the spread per criterion, the method version, and nothing at all for an item with too
few raters. Organizers' cards show aggregates only.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.clock import utcnow, when
from bot.core.i18n import _, ngettext
from bot.core.types import Attachment, Button, Reply
from cogs.meetlat import actions
from cogs.meetlat.actions import OrganizerVerb, Verb
from cogs.meetlat.scorecard import Scorecard, ScorecardRow, scorecard_png
from cogs.meetlat.scoring import ItemScore, Mark
from cogs.meetlat.service import Counted, FlagView, Standing, params_of
from storage.records.meetlat import (
    AppealRecord,
    CriterionRecord,
    FlagStatus,
    ItemKind,
    ItemRecord,
    ItemStatus,
    MarkRecord,
    MethodRecord,
)

MAX_NOTES_SHOWN = 30


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def kind_name(kind: ItemKind) -> str:
    return {ItemKind.SERVICE: _("service"), ItemKind.COMPANY: _("company"), ItemKind.TOOL: _("tool")}[kind]


def mark_name(level: str) -> str:
    return _("Sociaal Keurmerk Plus") if level == Mark.PLUS.value else _("Sociaal Keurmerk Basis")


def item_line(item: ItemRecord) -> str:
    parts = [kind_name(item.kind)]
    if item.sector:
        parts.append(item.sector)
    if item.sponsor:
        parts.append(_("sponsor"))
    return " · ".join(parts)


def _mark_text(mark: MarkRecord | None) -> str | None:
    """The mark an item holds now (a ``Standing`` carries only an active one)."""
    if mark is None:
        return None
    return _("{mark}, valid until {until} (method v{version})").format(
        mark=mark_name(mark.level), until=when(mark.valid_until)[:10], version=mark.method_version
    )


def criterion_lines(score: ItemScore, criteria: dict[int, CriterionRecord]) -> list[str]:
    lines = []
    for c in score.criteria:
        name = criteria[c.criterion_id].name if c.criterion_id in criteria else str(c.criterion_id)
        if c.score is None:
            lines.append(_("• {name}: – (n=0)").format(name=name))
        else:
            lines.append(_("• {name}: {score} (n={n}, ±{spread})").format(name=name, score=number(c.score), n=c.n, spread=number(c.spread)))
    return lines


def standing(found: Standing) -> Reply:
    """``/meetlat_score``: the published scores, or why there are none yet."""
    item, score = found.item, found.score
    lines = [_("📏 Meetlat: {name}").format(name=item.name), item_line(item)]
    if not score.published:
        lines.append(
            _("No score yet: fewer than {n} members rated it. Rate it with the button below.").format(n=params_of(found.method).min_raters)
        )
    else:
        lines.append(
            ngettext("Method v{version} · {n} rater", "Method v{version} · {n} raters", score.raters).format(version=found.method.version, n=score.raters)
        )
        lines.append(_("Overall: {score}").format(score=number(score.overall)))
        lines += criterion_lines(score, found.criteria)
    mark = _mark_text(found.mark)
    if mark:
        lines.append("🏅 " + mark)
    if item.reply:
        lines.append(_("Reply of {name}: “{reply}”").format(name=item.name, reply=item.reply))
    buttons = ((Button(_("Rate it"), actions.encode(Verb.RATE, item.id)),),)
    return Reply("\n".join(lines), buttons)


def scorecard(found: Standing) -> Reply:
    """The scorecard image of an item (a placeholder without a published score)."""
    item, score, method = found.item, found.score, found.method
    rows = tuple(
        ScorecardRow(found.criteria[c.criterion_id].name if c.criterion_id in found.criteria else str(c.criterion_id), c.score, c.n, c.spread)
        for c in score.criteria
    )
    mark = found.mark
    today = when(utcnow())[:10]
    if score.published:
        footer = ngettext(
            "Meetlat method v{version} · {n} rater · {date} · n per criterion, ± spread",
            "Meetlat method v{version} · {n} raters · {date} · n per criterion, ± spread",
            score.raters,
        ).format(version=method.version, n=score.raters, date=today)
    else:
        footer = _("Meetlat method v{version} · {date}").format(version=method.version, date=today)
    card = Scorecard(
        title=item.name,
        subtitle=item_line(item),
        overall=score.overall if score.published else None,
        overall_label=_("Overall"),
        rows=rows,
        mark=mark_name(mark.level) if mark else None,
        footer=footer,
        placeholder=None if score.published else _("No score yet: fewer than {n} raters").format(n=params_of(method).min_raters),
    )
    return Reply(_("Scorecard of {name}").format(name=item.name), attachment=Attachment(f"meetlat-{item.id}.png", scorecard_png(card), "image/png"))


def ranking(listed: Sequence[Standing], heading: str) -> Reply:
    if not listed:
        return Reply(_("No item has enough raters yet, so there is no ranking."))
    method = listed[0].method
    lines = [heading, _("Method v{version}; only items with enough raters are shown.").format(version=method.version)]
    for position, found in enumerate(listed, start=1):
        mark = f" 🏅 {mark_name(found.mark.level)}" if found.mark is not None else ""
        lines.append(
            _("{position}. {name} ({what}): {score}, n={n}{mark}").format(
                position=position, name=found.item.name, what=item_line(found.item), score=number(found.score.overall), n=found.score.raters, mark=mark
            )
        )
    return Reply("\n".join(lines))


def ranking_heading(kind: ItemKind | None, sector: str | None) -> str:
    if kind is not None:
        return _("📏 Meetlat ranking: {what}").format(what=kind_name(kind))
    if sector:
        return _("📏 Meetlat ranking: sector {sector}").format(sector=sector)
    return _("📏 Meetlat ranking")


def method(current: MethodRecord | None, coming: MethodRecord | None, criteria: dict[int, CriterionRecord]) -> Reply:
    """``/meetlat_uitleg``: how scores are made, with the criteria of the version now."""
    if current is None:
        return Reply(
            _(
                "The Meetlat is not set up yet. Organizers add criteria (/meetlat_criterium) and a method "
                "(/meetlat_methode_nieuw)."
            )
        )
    params = params_of(current)
    lines = [
        _("📏 The Meetlat, method v{version} (since {since})").format(version=current.version, since=when(current.applies_from)[:10]),
        current.description,
        "",
        _("Criteria:"),
        *[f"• {criteria[c].name}: {criteria[c].explanation}" for c in current.criteria if c in criteria],
        "",
        _(
            "Members who used an item rate it 1–5 per criterion. Per criterion the score is "
            "S = (n·x̄ + m·C)/(n + m) with m = {m}: x̄ is the mean of the n ratings, C the mean of all items, "
            "so a few ratings cannot make an extreme score. Nothing is published below {min} raters. "
            "Only ratings of the last {months} months count, one per member (a sponsor is one voice); "
            "members who work for the item and sponsors rating themselves are not counted."
        ).format(m=params.prior_weight, min=params.min_raters, months=round(params.window_days / 30.4)),
        _(
            "Sociaal Keurmerk Basis: every criterion ≥ {basis} with n ≥ {n}. Plus: Basis, every criterion ≥ {plus} "
            "and the evidence checked by an organizer. A mark is valid {months} months."
        ).format(basis=f"{params.basis_min:.1f}", n=params.basis_n, plus=f"{params.plus_min:.1f}", months=round(params.validity_days / 30.4)),
    ]
    if coming is not None:
        lines += ["", _("Announced: method v{version} applies from {since}: {what}").format(version=coming.version, since=when(coming.applies_from), what=coming.description)]
    return Reply("\n".join(lines))


def method_announcement(method_: MethodRecord, criteria: dict[int, CriterionRecord]) -> Reply:
    names = ", ".join(criteria[c].name for c in method_.criteria if c in criteria)
    return Reply(
        _("📏 Meetlat: method v{version} applies from {since}.\n{what}\nCriteria: {names}.\nSee /meetlat_uitleg.").format(
            version=method_.version, since=when(method_.applies_from), what=method_.description, names=names
        )
    )


def search_results(found: Sequence[ItemRecord], text: str) -> Reply:
    if not found:
        return Reply(_("No item in the Meetlat matches “{text}”. Propose it with /meetlat_voorstel.").format(text=text[:60]))
    rows = tuple((Button(f"{item.name}"[:60], actions.encode(Verb.RATE, item.id)),) for item in found)
    return Reply(_("Which one do you want to rate?"), rows)


def pick_item(items: Sequence[ItemRecord]) -> Reply:
    if not items:
        return Reply(_("The Meetlat has no items yet. Propose one with /meetlat_voorstel."))
    rows = tuple((Button(item.name[:60], actions.encode(Verb.RATE, item.id)),) for item in items[:10])
    return Reply(_("Which item do you want to rate? Pick one, or search: /meetlat <name>."), rows)


def rated(item: ItemRecord, changed: bool, counted: Counted) -> Reply:
    first = _("Your rating of {name} is changed (the earlier one is kept in your history).") if changed else _("Your rating of {name} is saved.")
    reason = {
        None: _("It counts in the Meetlat."),
        "works_there": _("It does not count: you work for {name}."),
        "sponsor_self": _("It does not count: a sponsor's rating of itself never counts."),
        "not_used": _("It does not count: only users rate."),
    }[counted.reason]
    return Reply(first.format(name=item.name) + " " + reason.format(name=item.name), ((Button(_("See the scores"), actions.encode(Verb.SCORE, item.id)),),))


def proposed(item: ItemRecord) -> Reply:
    if item.status is ItemStatus.APPROVED:
        return Reply(_("{name} is in the Meetlat (number {id}); members can rate it now.").format(name=item.name, id=item.id))
    return Reply(_("Thank you: {name} is proposed. An organizer looks at it before it can be rated.").format(name=item.name))


def decided(item: ItemRecord) -> Reply:
    if item.status is ItemStatus.APPROVED:
        return Reply(
            _("Your proposal {name} is in the Meetlat: rate it yourself if you used it.").format(name=item.name),
            ((Button(_("Rate it"), actions.encode(Verb.RATE, item.id)),),),
        )
    return Reply(_("Your proposal {name} was not taken into the Meetlat.").format(name=item.name))


def mark_awarded(item: ItemRecord, mark: MarkRecord | None) -> Reply:
    if mark is None:
        return Reply(_("The mark of {name} changed; see /meetlat_score {id}.").format(name=item.name, id=item.id))
    return Reply(
        _("🏅 {name} earned the {mark}, valid until {until}. Reply or appeal with /meetlat_reactie and /meetlat_bezwaar.").format(
            name=item.name, mark=mark_name(mark.level), until=when(mark.valid_until)[:10]
        )
    )


def ruling(appeal: AppealRecord, item: ItemRecord) -> Reply:
    verdict = _("upheld") if appeal.status.value == "upheld" else _("rejected")
    return Reply(
        _("Your appeal {id} about {name} is {verdict}: {outcome}").format(id=appeal.id, name=item.name, verdict=verdict, outcome=appeal.outcome or "")
    )


# -- organizers ---------------------------------------------------------------------------------


def organizers_notice(what: str, number_: int) -> Reply:
    return Reply(
        {
            "proposal": _("Meetlat: a new proposal ({id}) waits for approval: /meetlat_beheer"),
            "flag": _("Meetlat: a burst of ratings is flagged ({id}); judge it with /meetlat_beheer"),
            "appeal": _("Meetlat: a new appeal ({id}); see /meetlat_beheer and decide with /meetlat_uitspraak"),
        }
        .get(what, _("Meetlat: something waits for you ({id}): /meetlat_beheer"))
        .format(id=number_)
    )


def proposal_card(item: ItemRecord) -> Reply:
    details = [item_line(item)]
    if item.website:
        details.append(item.website)
    return Reply(
        _("Proposal {id}: {name}").format(id=item.id, name=item.name) + "\n" + "\n".join(details),
        (
            (
                Button(_("Approve"), actions.encode_organizer(OrganizerVerb.APPROVE, item.id)),
                Button(_("Reject"), actions.encode_organizer(OrganizerVerb.REJECT, item.id)),
            ),
        ),
    )


def flag_card(view: FlagView, criteria: dict[int, CriterionRecord]) -> Reply:
    flag = view.flag
    state = {FlagStatus.OPEN: _("counted for now"), FlagStatus.HELD: _("held out of the score"), FlagStatus.CLEARED: _("counted")}[flag.status]
    lines = [
        _("Flag {id}: {name}: {n} new ratings since {since} ({new} from accounts younger than two weeks; {expected:.1f} at its usual pace). Now: {state}.").format(
            id=flag.id, name=view.item.name, n=flag.ratings, since=when(flag.window_start), new=flag.new_accounts, expected=flag.expected, state=state
        ),
        _("With them: overall {with_} (n={n1}); without them: overall {without} (n={n2}).").format(
            with_=number(view.with_flagged.overall if view.with_flagged else None),
            n1=view.with_flagged.raters if view.with_flagged else 0,
            without=number(view.without_flagged.overall if view.without_flagged else None),
            n2=view.without_flagged.raters if view.without_flagged else 0,
        ),
    ]
    buttons = (
        (
            Button(_("Hold out of the score"), actions.encode_organizer(OrganizerVerb.HOLD, flag.id)),
            Button(_("Count them"), actions.encode_organizer(OrganizerVerb.COUNT, flag.id)),
        ),
    )
    return Reply("\n".join(lines), buttons)


def appeal_card(appeal: AppealRecord, item: ItemRecord) -> Reply:
    return Reply(
        _("Appeal {id} about {name} ({date}): “{text}”\nDecide: /meetlat_uitspraak {id} toegewezen|afgewezen <explanation>").format(
            id=appeal.id, name=item.name, date=when(appeal.created_at), text=appeal.text
        )
    )


def overview(proposals: int, flags: int, appeals: int, current: MethodRecord | None, coming: MethodRecord | None) -> Reply:
    lines = [
        _("📏 Meetlat for organizers. Waiting: proposals {p}, flags {f}, appeals {a}.").format(p=proposals, f=flags, a=appeals),
        _("Method now: v{version}.").format(version=current.version) if current else _("No method applies yet."),
    ]
    if coming is not None:
        lines.append(_("Coming: v{version} from {since}.").format(version=coming.version, since=when(coming.applies_from)))
    lines.append(_("An item's card: /meetlat_beheer <item>."))
    return Reply("\n".join(lines), private=True)


def item_card(found: Standing, notes: Sequence[str], contacts: int, appeals: Sequence[AppealRecord], flags: Sequence[FlagView]) -> list[Reply]:
    item, score = found.item, found.score
    lines = [
        _("📏 {name} (number {id}): {what}").format(name=item.name, id=item.id, what=item_line(item)),
        ngettext("{n} contact speaks for it.", "{n} contacts speak for it.", contacts).format(n=contacts),
        ngettext("{n} rater counts (method v{version}).", "{n} raters count (method v{version}).", score.raters).format(n=score.raters, version=found.method.version),
        _("Overall: {score}").format(score=number(score.overall)) if score.published else _("Not published: too few raters."),
    ]
    if score.published:
        lines += criterion_lines(score, found.criteria)
    mark = _mark_text(found.mark)
    lines.append("🏅 " + mark if mark else _("No mark now."))
    checked = item.evidence_checked_at is not None
    lines.append(_("Evidence checked on {date}.").format(date=when(item.evidence_checked_at)) if checked else _("Evidence not checked (needed for Plus)."))
    if notes:
        shown = notes[:MAX_NOTES_SHOWN]
        lines += ["", _("Notes given as evidence (anonymous, sorted):"), *[f"– {note}" for note in shown]]
        if len(notes) > len(shown):
            lines.append(_("… and {n} more.").format(n=len(notes) - len(shown)))
    evidence = (
        Button(_("Evidence no longer checked"), actions.encode_organizer(OrganizerVerb.EVIDENCE_UNDO, item.id))
        if checked
        else Button(_("Evidence checked"), actions.encode_organizer(OrganizerVerb.EVIDENCE_OK, item.id))
    )
    replies = [Reply("\n".join(lines), ((evidence,),), private=True)]
    replies += [appeal_card(appeal, item) for appeal in appeals]
    replies += [flag_card(view, found.criteria) for view in flags]
    return replies


def criteria_list(criteria: Sequence[CriterionRecord]) -> Reply:
    if not criteria:
        return Reply(_("No criteria yet. Add one: /meetlat_criterium flexibiliteit Flexibiliteit | Werk past bij je leven, niet andersom"))
    lines = [_("Meetlat criteria (code, name, explanation):")]
    for c in criteria:
        state = "" if c.active else " " + _("(off)")
        lines.append(f"• {c.code}: {c.name}{state}: {c.explanation}")
    lines.append(_("A change applies with the next method version (/meetlat_methode_nieuw)."))
    return Reply("\n".join(lines), private=True)
