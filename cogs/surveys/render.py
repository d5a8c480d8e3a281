"""Jouw Stem's texts and replies: pure functions of records, no I/O.

A question with its buttons, the closing words, results with their charts, the
announcement and the reminder: each is built once here, in the current language.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.clock import when
from bot.core.i18n import N_, _
from bot.core.types import Attachment, Button, Reply
from cogs.surveys import actions
from cogs.surveys.actions import Verb
from cogs.surveys.answering import Progress
from cogs.surveys.charts import bar_chart
from cogs.surveys.results import MIN_GROUP, QuestionResult, SurveyResults
from storage.records.surveys import (
    NOTE,
    SKIPPED,
    QuestionKind,
    QuestionRecord,
    ResultsShown,
    SurveyMode,
    SurveyRecord,
    SurveyStatus,
)
from storage.vocabulary import SEGMENTS, known

STATUS_NAMES = {
    SurveyStatus.DRAFT: N_("draft"),
    SurveyStatus.SCHEDULED: N_("planned"),
    SurveyStatus.OPEN: N_("open"),
    SurveyStatus.CLOSED: N_("closed"),
    SurveyStatus.ARCHIVED: N_("archived"),
}
Rows = tuple[tuple[Button, ...], ...]


def _rows(buttons: list[Button], per_row: int) -> Rows:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def _results_button(survey: SurveyRecord, label: str) -> Rows:
    return ((Button(label, actions.encode(Verb.RESULTS, survey.id)),),)


# -- answering ---------------------------------------------------------------------------


def intro(survey: SurveyRecord) -> Reply:
    """What a member reads before the first question: the survey and who sees the answers."""
    text = survey.title + (f"\n{survey.intro}" if survey.intro else "")
    notice = (
        _("Your answers are anonymous: nobody can see what you answered.")
        if survey.mode == SurveyMode.ANONYMOUS
        else _("This survey is named: the organizers can see what you answered.")
    )
    return Reply(f"{text}\n\n{notice}", private=True)


def head(survey: SurveyRecord, question: QuestionRecord) -> str:
    return (
        f"{survey.title} — "
        + _("question {n} of {total}").format(n=question.position, total=len(survey.questions))
        + f"\n\n{question.text}"
    )


def navigation(survey: SurveyRecord, question: QuestionRecord) -> list[Button]:
    nav = []
    if question.position > 1:
        nav.append(Button("◀ " + _("Back"), actions.encode(Verb.BACK, survey.id, question.id)))
    if not question.required:
        nav.append(Button(_("Skip") + " ▶", actions.encode(Verb.SKIP, survey.id, question.id)))
    return nav


def choice_question(progress: Progress, question: QuestionRecord) -> Reply:
    """A question answered with buttons, showing what the member chose so far."""
    survey = progress.survey
    stored = progress.answered.get(question.id, ())
    chosen = {c for c, _n, _t in stored if c > NOTE}
    text = head(survey, question)
    buttons: list[Button] = []
    per_row = 1
    if question.kind == QuestionKind.SINGLE:
        buttons = [
            Button(
                ("✓ " if n in chosen else "") + option,
                actions.encode(Verb.ANSWER, survey.id, question.id, n),
            )
            for n, option in enumerate(question.options, start=1)
        ]
    elif question.kind == QuestionKind.MULTIPLE:
        limit = question.max_choices or len(question.options)
        text += "\n" + _("Choose up to {count}; press Done when ready.").format(count=limit)
        buttons = [
            Button(
                ("☑ " if n in chosen else "☐ ") + option,
                actions.encode(Verb.TOGGLE, survey.id, question.id, n),
            )
            for n, option in enumerate(question.options, start=1)
        ]
        buttons.append(Button(_("Done") + " ✓", actions.encode(Verb.DONE, survey.id, question.id)))
    elif question.kind == QuestionKind.SCALE:
        labels = list(question.labels)
        if len(labels) == 5:
            text += "\n" + "\n".join(f"{v} = {labels[v - 1]}" for v in range(1, 6))
        elif len(labels) == 2:
            text += "\n" + f"1 = {labels[0]}, 5 = {labels[1]}"
        buttons = [
            Button(
                ("✓" if v in chosen else "") + str(v),
                actions.encode(Verb.ANSWER, survey.id, question.id, v),
            )
            for v in range(1, 6)
        ]
        per_row = 5
    rows = list(_rows(buttons, per_row))
    nav = navigation(survey, question)
    if nav:
        rows.append(tuple(nav))
    if any(c == SKIPPED for c, _n, _t in stored):
        text += "\n" + _("(You skipped this question.)")
    return Reply(text, tuple(rows), private=True)


def typed_question(progress: Progress, question: QuestionRecord) -> Reply:
    """A number or a text: the member types the answer."""
    nav = navigation(progress.survey, question)
    text = head(progress.survey, question) + "\n"
    stored = progress.answered.get(question.id, ())
    if question.kind == QuestionKind.NUMBER:
        low, high = question.min_value, question.max_value
        if low is not None and high is not None:
            text += _("Type a number from {low:g} to {high:g}.").format(low=low, high=high)
        else:
            text += _("Type a number.")
        previous = next((n for c, n, _t in stored if c == NOTE and n is not None), None)
        if previous is not None:
            text += "\n" + _("Your answer now: {value:g}").format(value=previous)
    else:
        text += _("Type your answer (at most {count} characters).").format(
            count=question.max_length or 500
        )
        previous_text = next((t for c, _n, t in stored if c == NOTE and t), None)
        if previous_text:
            text += "\n" + _("Your answer now: {value}").format(value=previous_text)
    return Reply(text, (tuple(nav),) if nav else (), private=True)


def note_question(survey: SurveyRecord, question: QuestionRecord) -> Reply:
    """After a choice with ``explain``: the optional "toelichting"."""
    return Reply(
        _("Would you like to explain your choice? Type it now, or press Next."),
        ((Button(_("Next") + " ▶", actions.encode(Verb.NEXT, survey.id, question.id)),),),
        private=True,
    )


def finished(progress: Progress) -> Reply:
    survey = progress.survey
    text = _("Thank you! All your answers to “{title}” are saved.").format(title=survey.title)
    buttons: Rows = ()
    if survey.mode == SurveyMode.NAMED:
        text += "\n" + _("You can change them until {time} with /stem {id}.").format(
            time=when(survey.closes_at), id=survey.id
        )
    if survey.results == ResultsShown.LIVE:
        buttons = _results_button(survey, _("See the results so far"))
    else:
        text += "\n" + _("The results follow after {time}.").format(time=when(survey.closes_at))
    return Reply(text, buttons, private=True)


def already_taken_part() -> Reply:
    return Reply(_("You have already taken part in this survey. Thank you!"), private=True)


def group_acknowledgement(progress: Progress, question: QuestionRecord) -> Reply:
    """A vote from a poll (often in a group): told privately, the shared message untouched."""
    chosen = [c for c, _n, _t in progress.answered.get(question.id, ()) if c > NOTE]
    shown = ", ".join(question.options[c - 1] for c in chosen if c <= len(question.options))
    text = _("Your vote is saved: {choice}.").format(choice=shown or "—")
    if not progress.saved:
        text = _("Your vote was already saved: {choice}.").format(choice=shown or "—")
    if not progress.completed and len(progress.survey.questions) > 1:
        return Reply(
            text + "\n" + _("The other questions continue in a private chat."),
            private=True,
            continue_privately="stem",
        )
    buttons: Rows = ()
    if progress.survey.results == ResultsShown.LIVE:
        buttons = _results_button(progress.survey, _("Results so far"))
    return Reply(text, buttons, private=True)


def open_surveys(found: Sequence[tuple[SurveyRecord, bool]]) -> Reply:
    """What a member can answer now, one button per survey."""
    if not found:
        return Reply(_("There are no open surveys for you right now. Thank you for looking!"))
    lines = [_("Open Jouw Stem surveys:")]
    buttons = []
    for survey, done in found:
        mark = " ✓" if done else ""
        lines.append(
            f"{survey.id}. {survey.title}{mark} — "
            + _("until {time}").format(time=when(survey.closes_at))
        )
        if not done or survey.mode == SurveyMode.NAMED:
            buttons.append(
                Button(f"{survey.id}. {survey.title}"[:60], actions.encode(Verb.GO, survey.id))
            )
    return Reply("\n".join(lines), _rows(buttons, 1), private=True)


# -- organizers ----------------------------------------------------------------------------


def survey_list(surveys: Sequence[SurveyRecord]) -> Reply:
    if not surveys:
        return Reply(_("No surveys yet. Send a YAML file or use /peiling_nieuw."))
    lines = [_("Surveys (number, status, closes):")]
    for survey in surveys:
        lines.append(
            f"{survey.id}. {survey.title} — {_(STATUS_NAMES[survey.status])}"
            f", {when(survey.closes_at)}"
        )
    return Reply("\n".join(lines), private=True)


def created(survey: SurveyRecord) -> str:
    return _(
        "Survey {id} “{title}” is ready as a draft with {n} questions ({mode}), closing "
        "{closes}. Open it with /peiling_open {id}."
    ).format(
        id=survey.id,
        title=survey.title,
        n=len(survey.questions),
        mode=_("anonymous") if survey.mode == SurveyMode.ANONYMOUS else _("named"),
        closes=when(survey.closes_at),
    )


def file_problems(problems: Sequence[str]) -> Reply:
    listed = "\n".join(f"• {line}" for line in problems[:20])
    return Reply(
        _("The survey file has problems; nothing was created:") + "\n" + listed, private=True
    )


def quick_poll(survey: SurveyRecord) -> Reply:
    """A one-question poll, answered with the buttons under it (often in a group)."""
    question = survey.questions[0]
    buttons = [
        Button(option, actions.encode(Verb.ANSWER, survey.id, question.id, n))
        for n, option in enumerate(question.options, start=1)
    ]
    return Reply(
        _("Jouw Stem quick poll {id}: {question}").format(id=survey.id, question=question.text)
        + "\n"
        + _("Members answer with the buttons (one vote each) until {time}.").format(
            time=when(survey.closes_at)
        ),
        (*_rows(buttons, 1), *_results_button(survey, _("Results so far"))),
    )


def opened(survey: SurveyRecord, broadcast: int | None) -> Reply:
    text = _("Survey {id} is open until {closes}. Members answer with /stem {id}.").format(
        id=survey.id, closes=when(survey.closes_at)
    )
    if broadcast is not None:
        text += "\n" + _(
            "Members who want survey news hear of it (broadcast {n}, see /aankondiging_status {n})."
        ).format(n=broadcast)
    return Reply(text)


def planned(survey: SurveyRecord) -> Reply:
    return Reply(
        _("Survey {id} opens at {opens} and closes at {closes}.").format(
            id=survey.id, opens=when(survey.opens_at), closes=when(survey.closes_at)
        )
    )


# -- reaching members ------------------------------------------------------------------------


def _invitation(survey: SurveyRecord, text: str) -> Reply:
    return Reply(
        text,
        ((Button(_("Answer now"), actions.encode(Verb.GO, survey.id)),),),
        private=True,
    )


def announcement(survey: SurveyRecord) -> Reply:
    return _invitation(
        survey,
        _("New in Jouw Stem: “{title}”. Your voice counts until {time}.").format(
            title=survey.title, time=when(survey.closes_at)
        ),
    )


def reminder(survey: SurveyRecord) -> Reply:
    return _invitation(
        survey,
        _(
            "Reminder: the Jouw Stem survey “{title}” closes at {time} and we have not "
            "heard from you yet."
        ).format(title=survey.title, time=when(survey.closes_at)),
    )


# -- results -----------------------------------------------------------------------------------


def summary_text(results: SurveyResults) -> str:
    survey = results.survey
    state = _("closed") if survey.status.ended else _("still open, live results")
    lines = [
        _("Results: {title} ({state})").format(title=survey.title, state=state),
        _("Respondents: {n} (one per member; a sponsor counts once)").format(
            n=results.respondents
        ),
    ]
    for result in results.questions:
        lines.append("")
        lines.append(question_text(result))
    lines.append("")
    lines.append(
        _(
            "Margins of error are at 95% and assume a random sample; groups under {min} "
            "respondents are not shown."
        ).format(min=MIN_GROUP)
    )
    return "\n".join(lines)


def _group_name(segment: str, code: str | None) -> str:
    if code is None:
        return _("unknown")
    value = known(SEGMENTS[segment], code)
    return _(value.label) if value is not None and hasattr(value, "label") else code


def question_text(result: QuestionResult) -> str:
    head_line = f"{result.question.position}. {result.question.text} (n = {result.n}"
    if result.margin is not None:
        head_line += ", ±" + _("{margin:.1f} points").format(margin=result.margin)
    lines = [head_line + ")"]
    if result.is_choice:
        for option in result.options:
            lines.append(f"   {option.label}: {option.percent:.0f}% ({option.count})")
        if result.mean is not None:
            lines.append("   " + _("average: {value:.1f}").format(value=result.mean))
        for segment, heading in (
            ("work_situation", _("by work situation")),
            ("province", _("by province")),
        ):
            groups = result.breakdowns.get(segment, ())
            if not groups:
                continue
            parts = []
            for group in groups:
                shown = _group_name(segment, group.code)
                if group.suppressed:
                    parts.append(f"{shown}: " + _("too few to show"))
                else:
                    top = max(group.options, key=lambda o: o.count)
                    parts.append(f"{shown} (n = {group.n}): {top.label} {top.percent:.0f}%")
            lines.append(f"   {heading}: " + "; ".join(parts))
    elif result.question.kind == QuestionKind.NUMBER and result.mean is not None:
        lines.append(
            "   "
            + _("average {mean:.1f}, median {median:g}, from {low:g} to {high:g}").format(
                mean=result.mean,
                median=result.median,
                low=result.minimum,
                high=result.maximum,
            )
        )
    elif result.question.kind == QuestionKind.TEXT:
        lines.append("   " + _("free-text answers are in the export, not published"))
    return "\n".join(lines)


def results(results: SurveyResults, *, private: bool) -> list[Reply]:
    """The summary and a chart per answered choice question (published, or for one person)."""
    survey = results.survey
    replies = [Reply(summary_text(results), private=private)]
    for result in results.questions:
        if result.is_choice and result.n > 0:
            replies.append(
                Reply(
                    _("Question {n}").format(n=result.question.position),
                    attachment=Attachment(
                        f"peiling-{survey.id}-vraag-{result.question.position}.png",
                        bar_chart(result),
                        "image/png",
                    ),
                    private=private,
                )
            )
    return replies


def result_files(survey: SurveyRecord, responses_csv: bytes, summary_json: bytes) -> list[Reply]:
    """The organizers' files: every response (no personal data) and the summary."""
    return [
        Reply(
            _("All responses (no personal data) and the summary:"),
            attachment=Attachment(f"peiling-{survey.id}.csv", responses_csv, "text/csv"),
            private=True,
        ),
        Reply(
            _("Summary as JSON"),
            attachment=Attachment(f"peiling-{survey.id}.json", summary_json, "application/json"),
            private=True,
        ),
    ]
