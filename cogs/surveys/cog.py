"""Jouw Stem commands, buttons, uploads and planned jobs; the rules live in the services.

Button answers take the fast path (``sv:`` actions straight to the answer service);
typed answers (numbers, free text, a "toelichting") go through a small conversation
flow, so the next typed message reaches the right question, also after a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.bounds import parse_id
from bot.core.commands import Action, Arg, ArgKind, Command, PersonalDataHook, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations, Flow, Outcome
from bot.core.delivery import Delivery, Outbound
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import N_, _
from bot.core.types import Attachment, Button, Chat, Reply, Role
from cogs.members.choices import PROVINCES, WORK_SITUATIONS, label
from cogs.surveys.answering import Progress
from cogs.surveys.charts import bar_chart
from cogs.surveys.definition import LOCAL_ZONE, DefinitionError
from cogs.surveys.export import responses_csv, summary_json
from cogs.surveys.results import MIN_GROUP, QuestionResult, SurveyResults, compute
from cogs.surveys.service import JOB_CLOSE, JOB_OPEN, JOB_REMIND, SurveyService
from storage.repositories.surveys import (
    NOTE,
    SKIPPED,
    QuestionRecord,
    SurveyRecord,
    SurveyRepository,
)
from storage.types import utcnow

log = logging.getLogger(__name__)

FLOW = "survey"
PREFIX = "sv"
STATUS_NAMES = {
    "draft": N_("draft"),
    "scheduled": N_("planned"),
    "open": N_("open"),
    "closed": N_("closed"),
    "archived": N_("archived"),
}
YAML_SUFFIXES = (".yaml", ".yml")


def when(moment: datetime | None) -> str:
    """A stored moment in Dutch time; never raises (a date at the edge of the calendar,
    stored before dates were checked, is shown in UTC rather than breaking a list)."""
    if moment is None:
        return "—"
    try:
        return moment.astimezone(LOCAL_ZONE).strftime("%d-%m-%Y %H:%M")
    except (OverflowError, ValueError):
        return moment.strftime("%d-%m-%Y %H:%M UTC")


def _rows(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


class SurveyData(PersonalDataHook):
    name = "surveys"

    def __init__(self, service: SurveyService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)


class TypedAnswerFlow(Flow):
    """Waits for a typed answer (number, free text) or a typed "toelichting"."""

    name = FLOW
    first_step = "text"

    def __init__(self, cog: SurveysCog) -> None:
        self._cog = cog

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        return await self._cog.typed_prompt(ctx, step, data)

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        return await self._cog.typed_answer(ctx, step, data, answer)


class SurveysCog:
    def __init__(
        self,
        service: SurveyService,
        repository: SurveyRepository,
        conversations: Conversations,
        delivery: Delivery,
        *,
        announcement_chats: Sequence[Chat] = (),
    ) -> None:
        self.service = service
        self.answering = service.answering
        self._repository = repository
        self._conversations = conversations
        self._delivery = delivery
        self._announcement_chats = list(announcement_chats)
        self._flow = TypedAnswerFlow(self)
        self._typing: set[str] = set()

    async def load_demo(self) -> list[str]:
        """Demo content: one open sample survey, so anyone can try /peilingen and /stem."""
        if any(survey.title == DEMO_TITLE for survey in await self.service.all()):
            return []
        closes = (utcnow() + timedelta(days=14)).replace(second=0, microsecond=0).isoformat()
        survey = await self.service.import_file(DEMO_SURVEY.replace("{closes}", closes), "demo")
        await self.service.open(survey.id)
        return [f"survey {survey.id}: {DEMO_TITLE}"]

    def register(self, registry: Registry) -> None:
        self._conversations.register(self._flow)
        registry.personal_data_hook(SurveyData(self.service))
        registry.demo(self.load_demo)
        survey_arg = Arg(
            "peiling", N_("survey number (see /peilingen)"), ArgKind.INTEGER, min_value=1
        )
        optional_survey = replace(survey_arg, required=False)
        registry.add_commands(
            [
                Command(
                    "peilingen",
                    "surveys",
                    N_("Jouw Stem: the surveys you can answer"),
                    self.peilingen,
                ),
                Command(
                    "stem",
                    "vote",
                    N_("Answer a Jouw Stem survey"),
                    self.stem,
                    args=(optional_survey,),
                    personal=True,
                ),
                Command(
                    "uitslag",
                    "results",
                    N_("Results of a survey"),
                    self.uitslag,
                    role=Role.GUEST,
                    args=(survey_arg,),
                ),
                Command(
                    "peiling_nieuws",
                    "survey_news",
                    N_("Hear about new surveys: on or off"),
                    self.nieuws,
                    args=(
                        Arg(
                            "aan_uit",
                            N_("on or off"),
                            ArgKind.CHOICE,
                            choices=("aan", "uit", "on", "off"),
                        ),
                    ),
                ),
                Command(
                    "peiling_nieuw",
                    "survey_new",
                    N_("Quick poll: Question? | option 1 | option 2"),
                    self.nieuw,
                    role=Role.ORGANIZER,
                    args=(
                        Arg(
                            "vraag",
                            N_("Question? | option 1 | option 2"),
                            rest=True,
                            max_length=1000,
                        ),
                    ),
                ),
                Command(
                    "peiling_open",
                    "survey_open",
                    N_("Open a survey (or plan its opening)"),
                    self.open,
                    role=Role.ORGANIZER,
                    args=(survey_arg,),
                ),
                Command(
                    "peiling_sluit",
                    "survey_close",
                    N_("Close a survey now"),
                    self.sluit,
                    role=Role.ORGANIZER,
                    args=(survey_arg,),
                ),
                Command(
                    "peiling_publiceer",
                    "survey_publish",
                    N_("Publish the results of a closed survey"),
                    self.publiceer,
                    role=Role.ORGANIZER,
                    args=(survey_arg,),
                ),
                Command(
                    "peiling_lijst",
                    "survey_list",
                    N_("All surveys and their status (organizers)"),
                    self.lijst,
                    role=Role.ORGANIZER,
                    args=(
                        Arg(
                            "welke",
                            N_("'alles' also lists archived surveys"),
                            ArgKind.CHOICE,
                            required=False,
                            choices=("alles", "all"),
                        ),
                    ),
                ),
                Command(
                    "peiling_verwijder",
                    "survey_delete",
                    N_("Delete a survey that never opened"),
                    self.verwijder,
                    role=Role.ORGANIZER,
                    args=(survey_arg,),
                ),
                Command(
                    "peiling_archiveer",
                    "survey_archive",
                    N_("Archive a closed survey"),
                    self.archiveer,
                    role=Role.ORGANIZER,
                    args=(survey_arg,),
                ),
            ]
        )
        registry.action(Action(PREFIX, self.on_button, role=Role.GUEST))
        registry.upload(self.on_upload)
        registry.job(JOB_OPEN, self.job_open)
        registry.job(JOB_CLOSE, self.job_close)
        registry.job(JOB_REMIND, self.job_remind)

    # -- rendering a question ------------------------------------------------------------

    def _head(self, survey: SurveyRecord, question: QuestionRecord) -> str:
        return (
            f"{survey.title} — "
            + _("question {n} of {total}").format(n=question.position, total=len(survey.questions))
            + f"\n\n{question.text}"
        )

    def _nav(self, survey: SurveyRecord, question: QuestionRecord) -> list[Button]:
        nav = []
        if question.position > 1:
            nav.append(Button("◀ " + _("Back"), f"{PREFIX}:b:{survey.id}:{question.id}"))
        if not question.required:
            nav.append(Button(_("Skip") + " ▶", f"{PREFIX}:s:{survey.id}:{question.id}"))
        return nav

    def _question(self, progress: Progress, question: QuestionRecord) -> Reply:
        survey = progress.survey
        stored = progress.answered.get(question.id, [])
        chosen = {c for c, _n, _t in stored if c > NOTE}
        text = self._head(survey, question)
        buttons: list[Button] = []
        per_row = 1
        if question.kind == "single":
            buttons = [
                Button(
                    ("✓ " if n in chosen else "") + option,
                    f"{PREFIX}:a:{survey.id}:{question.id}:{n}",
                )
                for n, option in enumerate(question.options, start=1)
            ]
        elif question.kind == "multiple":
            limit = question.max_choices or len(question.options)
            text += "\n" + _("Choose up to {count}; press Done when ready.").format(count=limit)
            buttons = [
                Button(
                    ("☑ " if n in chosen else "☐ ") + option,
                    f"{PREFIX}:t:{survey.id}:{question.id}:{n}",
                )
                for n, option in enumerate(question.options, start=1)
            ]
            buttons.append(Button(_("Done") + " ✓", f"{PREFIX}:d:{survey.id}:{question.id}"))
        elif question.kind == "scale":
            labels = list(question.labels)
            if len(labels) == 5:
                text += "\n" + "\n".join(f"{v} = {labels[v - 1]}" for v in range(1, 6))
            elif len(labels) == 2:
                text += "\n" + f"1 = {labels[0]}, 5 = {labels[1]}"
            buttons = [
                Button(
                    ("✓" if v in chosen else "") + str(v),
                    f"{PREFIX}:a:{survey.id}:{question.id}:{v}",
                )
                for v in range(1, 6)
            ]
            per_row = 5
        rows = list(_rows(buttons, per_row))
        nav = self._nav(survey, question)
        if nav:
            rows.append(tuple(nav))
        if any(c == SKIPPED for c, _n, _t in stored):
            text += "\n" + _("(You skipped this question.)")
        return Reply(text, tuple(rows), private=True)

    async def _show(
        self, ctx: Context, progress: Progress, question: QuestionRecord | None
    ) -> list[Reply]:
        """Show ``question`` (a typed one starts the typed-answer flow) or the closing words."""
        if question is None:
            return [self._finished(progress)]
        if question.kind in ("number", "text"):
            self._typing.add(ctx.identity.key)
            return await self._conversations.start(
                ctx, FLOW, {"survey": progress.survey.id, "question": question.id}, step="text"
            )
        await self._stop_typing(ctx)
        return [self._question(progress, question)]

    async def _stop_typing(self, ctx: Context) -> None:
        if ctx.identity.key in self._typing:
            self._typing.discard(ctx.identity.key)
            current = await self._conversations.current(ctx)
            if current is not None and current[0] == FLOW:
                await self._conversations.cancel(ctx)

    def _finished(self, progress: Progress) -> Reply:
        survey = progress.survey
        text = _("Thank you! All your answers to “{title}” are saved.").format(title=survey.title)
        buttons: tuple[tuple[Button, ...], ...] = ()
        if survey.mode == "named":
            text += "\n" + _("You can change them until {time} with /stem {id}.").format(
                time=when(survey.closes_at), id=survey.id
            )
        if survey.results == "live":
            buttons = ((Button(_("See the results so far"), f"{PREFIX}:r:{survey.id}"),),)
        else:
            text += "\n" + _("The results follow after {time}.").format(time=when(survey.closes_at))
        return Reply(text, buttons, private=True)

    # -- typed answers ---------------------------------------------------------------------------

    async def typed_prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        progress = await self.answering.start(int(data["survey"]), ctx.member_id)
        question = next(q for q in progress.survey.questions if q.id == int(data["question"]))
        nav = self._nav(progress.survey, question)
        if step == "note":
            return Reply(
                _("Would you like to explain your choice? Type it now, or press Next."),
                ((Button(_("Next") + " ▶", f"{PREFIX}:n:{progress.survey.id}:{question.id}"),),),
                private=True,
            )
        text = self._head(progress.survey, question) + "\n"
        stored = progress.answered.get(question.id, [])
        if question.kind == "number":
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

    async def typed_answer(
        self, ctx: Context, step: str, data: dict[str, Any], answer: str
    ) -> Outcome:
        survey_id, question_id = int(data["survey"]), int(data["question"])
        try:
            if step == "note":
                progress = await self.answering.note(survey_id, ctx.member_id, question_id, answer)
            else:
                progress = await self.answering.answer(
                    survey_id, ctx.member_id, question_id, answer
                )
        except InvalidAnswer:
            raise
        except UserError as problem:
            # e.g. the survey closed meanwhile: end the conversation with the reason.
            self._typing.discard(ctx.identity.key)
            return Outcome(None, [Reply(problem.message, private=True)])
        question = next(q for q in progress.survey.questions if q.id == question_id)
        following = progress.after(question)
        if following is None and not progress.completed:
            following = progress.next_question
        saved = Reply(_("Saved."), private=True)
        if following is not None and following.kind in ("number", "text"):
            data["question"] = following.id
            return Outcome("text", [saved])
        self._typing.discard(ctx.identity.key)
        if following is None:
            return Outcome(None, [self._finished(progress)])
        return Outcome(None, [self._question(progress, following)])

    # -- commands ----------------------------------------------------------------------------

    async def peilingen(self, ctx: Context) -> Reply:
        """Lists what the caller can answer now, one button per survey."""
        ctx.require_member()
        if self.service.require_verification and not ctx.caller.verified:
            raise UserError(
                _(
                    "Your e-mail address is not confirmed yet, so Jouw Stem is not open to you. "
                    "Type the 6-digit code we mailed you, or send /registreer for a new code."
                )
            )
        found = await self.service.open_for(ctx.member_id)
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
            if not done or survey.mode == "named":
                buttons.append(
                    Button(f"{survey.id}. {survey.title}"[:60], f"{PREFIX}:go:{survey.id}")
                )
        return Reply("\n".join(lines), _rows(buttons, 1), private=True)

    async def stem(self, ctx: Context) -> list[Reply] | Reply:
        """Starts or resumes answering; without a number it lists the open surveys."""
        survey_id = ctx.args.get("peiling")
        if survey_id is None:
            return await self.peilingen(ctx)
        return await self._begin(ctx, int(survey_id))

    async def _begin(self, ctx: Context, survey_id: int) -> list[Reply]:
        progress = await self.answering.start(survey_id, ctx.member_id)
        survey = progress.survey
        if progress.completed and survey.mode != "named":
            return [
                Reply(_("You have already taken part in this survey. Thank you!"), private=True)
            ]
        question = progress.next_question or survey.questions[0]
        replies: list[Reply] = []
        if not progress.answered:
            intro = survey.title + (f"\n{survey.intro}" if survey.intro else "")
            notice = (
                _("Your answers are anonymous: nobody can see what you answered.")
                if survey.mode == "anonymous"
                else _("This survey is named: the organizers can see what you answered.")
            )
            replies.append(Reply(f"{intro}\n\n{notice}", private=True))
        return replies + await self._show(ctx, progress, question)

    async def uitslag(self, ctx: Context) -> list[Reply]:
        """Results: text, a chart per question, and for organizers the CSV and JSON files."""
        survey = await self.service.get(ctx.args["peiling"])
        organizer = ctx.caller.role >= Role.ORGANIZER
        if not self.service.results_visible(survey, organizer=organizer):
            raise UserError(
                _("The results of this survey are shown after it closes ({time}).").format(
                    time=when(survey.closes_at)
                )
            )
        return await self._results_replies(survey, organizer=organizer)

    async def _results_replies(self, survey: SurveyRecord, *, organizer: bool) -> list[Reply]:
        results = await compute(self._repository, survey)
        replies = [Reply(self._summary_text(results), private=organizer)]
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
                        private=organizer,
                    )
                )
        if organizer:
            replies.append(
                Reply(
                    _("All responses (no personal data) and the summary:"),
                    attachment=Attachment(
                        f"peiling-{survey.id}.csv",
                        await responses_csv(self._repository, survey),
                        "text/csv",
                    ),
                    private=True,
                )
            )
            replies.append(
                Reply(
                    _("Summary as JSON"),
                    attachment=Attachment(
                        f"peiling-{survey.id}.json", summary_json(results), "application/json"
                    ),
                    private=True,
                )
            )
        return replies

    def _summary_text(self, results: SurveyResults) -> str:
        survey = results.survey
        state = _("closed") if survey.status == "closed" else _("still open, live results")
        lines = [
            _("Results: {title} ({state})").format(title=survey.title, state=state),
            _("Respondents: {n} (one per member; a sponsor counts once)").format(
                n=results.respondents
            ),
        ]
        for result in results.questions:
            lines.append("")
            lines.append(self._question_text(result))
        lines.append("")
        lines.append(
            _(
                "Margins of error are at 95% and assume a random sample; groups under {min} "
                "respondents are not shown."
            ).format(min=MIN_GROUP)
        )
        return "\n".join(lines)

    def _question_text(self, result: QuestionResult) -> str:
        head = f"{result.question.position}. {result.question.text} (n = {result.n}"
        if result.margin is not None:
            head += ", ±" + _("{margin:.1f} points").format(margin=result.margin)
        lines = [head + ")"]
        if result.is_choice:
            for option in result.options:
                lines.append(f"   {option.label}: {option.percent:.0f}% ({option.count})")
            if result.mean is not None:
                lines.append("   " + _("average: {value:.1f}").format(value=result.mean))
            for name, table in (("work_situation", WORK_SITUATIONS), ("province", PROVINCES)):
                groups = result.breakdowns.get(name, ())
                if not groups:
                    continue
                heading = _("by work situation") if name == "work_situation" else _("by province")
                parts = []
                for group in groups:
                    shown = label(table, group.code) if group.code else _("unknown")
                    if group.suppressed:
                        parts.append(f"{shown}: " + _("too few to show"))
                    else:
                        top = max(group.options, key=lambda o: o.count)
                        parts.append(f"{shown} (n = {group.n}): {top.label} {top.percent:.0f}%")
                lines.append(f"   {heading}: " + "; ".join(parts))
        elif result.question.kind == "number" and result.mean is not None:
            lines.append(
                "   "
                + _("average {mean:.1f}, median {median:g}, from {low:g} to {high:g}").format(
                    mean=result.mean,
                    median=result.median,
                    low=result.minimum,
                    high=result.maximum,
                )
            )
        elif result.question.kind == "text":
            lines.append("   " + _("free-text answers are in the export, not published"))
        return "\n".join(lines)

    async def nieuws(self, ctx: Context) -> Reply:
        member_id = ctx.require_member()
        wanted = ctx.args["aan_uit"] in ("aan", "on")
        await self.service.set_news(member_id, wanted)
        if wanted:
            return Reply(_("You will hear about every new survey that is meant for you."))
        return Reply(_("You will no longer hear about new surveys."))

    async def nieuw(self, ctx: Context) -> Reply:
        """A quick one-question poll, open at once, answered with the buttons under it."""
        try:
            survey = await self.service.quick(ctx.args["vraag"], ctx.identity.key)
        except DefinitionError as problem:
            raise UserError(
                _("That poll is not right: {problems}.").format(
                    problems="; ".join(problem.problems)
                )
                + "\n"
                + _("Example: /peiling_nieuw Work from home? | yes | no | sometimes")
            ) from None
        await self._announce(survey)
        question = survey.questions[0]
        buttons = [
            Button(option, f"{PREFIX}:a:{survey.id}:{question.id}:{n}")
            for n, option in enumerate(question.options, start=1)
        ]
        return Reply(
            _("Jouw Stem quick poll {id}: {question}").format(id=survey.id, question=question.text)
            + "\n"
            + _("Members answer with the buttons (one vote each) until {time}.").format(
                time=when(survey.closes_at)
            ),
            (*_rows(buttons, 1), (Button(_("Results so far"), f"{PREFIX}:r:{survey.id}"),)),
        )

    async def open(self, ctx: Context) -> Reply:
        opened = await self.service.open(ctx.args["peiling"])
        survey = opened.survey
        if not opened.now:
            return Reply(
                _("Survey {id} opens at {opens} and closes at {closes}.").format(
                    id=survey.id, opens=when(survey.opens_at), closes=when(survey.closes_at)
                )
            )
        sent = await self._announce(survey)
        return Reply(
            _("Survey {id} is open until {closes}. Members answer with /stem {id}.").format(
                id=survey.id, closes=when(survey.closes_at)
            )
            + ("\n" + _("Announced to {n} members.").format(n=sent) if sent else "")
        )

    async def sluit(self, ctx: Context) -> Reply:
        survey = await self.service.close(ctx.args["peiling"])
        return Reply(
            _(
                "Survey {id} is closed. See /uitslag {id}; publish with /peiling_publiceer {id}."
            ).format(id=survey.id)
        )

    async def publiceer(self, ctx: Context) -> Reply:
        if not self._announcement_chats:
            raise UserError(
                _(
                    "No announcement chats are set (SURVEY_ANNOUNCEMENT_CHATS). Use /uitslag {id} "
                    "to get the text, charts and files."
                ).format(id=ctx.args["peiling"])
            )
        survey = await self.service.mark_published(ctx.args["peiling"])
        results = await compute(self._repository, survey)

        def render() -> list[Reply]:
            replies = [Reply(self._summary_text(results))]
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
                        )
                    )
            return replies

        sent = await self._delivery.deliver_all(
            [Outbound(render=render, chat=chat) for chat in self._announcement_chats]
        )
        return Reply(
            _("Results of survey {id} published in {n} announcement chats.").format(
                id=survey.id, n=sent
            )
        )

    async def lijst(self, ctx: Context) -> Reply:
        surveys = await self.service.all(archived=ctx.args.get("welke") is not None)
        if not surveys:
            return Reply(_("No surveys yet. Send a YAML file or use /peiling_nieuw."))
        lines = [_("Surveys (number, status, closes):")]
        for survey in surveys:
            lines.append(
                f"{survey.id}. {survey.title} — {_(STATUS_NAMES.get(survey.status, survey.status))}"
                f", {when(survey.closes_at)}"
            )
        return Reply("\n".join(lines), private=True)

    async def verwijder(self, ctx: Context) -> Reply:
        survey = await self.service.delete_draft(ctx.args["peiling"])
        return Reply(
            _("Survey {id} “{title}” is deleted.").format(id=survey.id, title=survey.title)
        )

    async def archiveer(self, ctx: Context) -> Reply:
        survey = await self.service.archive(ctx.args["peiling"])
        return Reply(
            _(
                "Survey {id} is archived: it no longer shows in /peiling_lijst (use "
                "/peiling_lijst alles); its results stay available with /uitslag {id}."
            ).format(id=survey.id)
        )

    # -- buttons ---------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply] | Reply:
        what = parts[0] if parts else ""
        parsed = [parse_id(part) for part in parts[1:]]
        numbers = [number for number in parsed if number is not None]
        if len(numbers) != len(parsed):
            raise UserError(_("This button no longer works."))
        if what == "go" and len(numbers) == 1:
            return await self._begin(ctx, numbers[0])
        if what == "r" and len(numbers) == 1:
            return await self._results_from_button(ctx, numbers[0])
        if what not in ("a", "t", "d", "s", "b", "n") or len(numbers) not in (2, 3):
            raise UserError(_("This button no longer works."))
        survey_id, question_id = numbers[0], numbers[1]
        if what == "a" and len(numbers) == 3:
            progress = await self.answering.answer(
                survey_id, ctx.member_id, question_id, numbers[2]
            )
        elif what == "t" and len(numbers) == 3:
            progress = await self.answering.toggle(
                survey_id, ctx.member_id, question_id, numbers[2]
            )
        elif what == "s":
            progress = await self.answering.skip(survey_id, ctx.member_id, question_id)
        else:
            progress = await self.answering.start(survey_id, ctx.member_id)
        survey = progress.survey
        question = next((q for q in survey.questions if q.id == question_id), None)
        if question is None:
            raise UserError(_("This button no longer works."))
        if not ctx.chat.is_private or (len(survey.questions) == 1 and what == "a"):
            # A poll (often in a group): acknowledge privately, never edit the shared message.
            return self._group_ack(progress, question)
        if what == "t":
            return [replace(self._question(progress, question), replace=True)]
        if what == "d" and question.id not in progress.answered and question.required:
            raise UserError(_("Please choose at least one option."))
        if what == "b":
            target = progress.before(question) or question
            return self._edit(await self._show(ctx, progress, target))
        if what == "a" and question.explain:
            self._typing.add(ctx.identity.key)
            return self._edit(
                await self._conversations.start(
                    ctx, FLOW, {"survey": survey_id, "question": question_id}, step="note"
                )
            )
        following = progress.after(question)
        if following is None and not progress.completed:
            following = progress.next_question
        return self._edit(await self._show(ctx, progress, following))

    @staticmethod
    def _edit(replies: list[Reply]) -> list[Reply]:
        return [replace(reply, replace=True) for reply in replies]

    def _group_ack(self, progress: Progress, question: QuestionRecord) -> Reply:
        chosen = [c for c, _n, _t in progress.answered.get(question.id, []) if c > NOTE]
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
        buttons: tuple[tuple[Button, ...], ...] = ()
        if progress.survey.results == "live":
            buttons = ((Button(_("Results so far"), f"{PREFIX}:r:{progress.survey.id}"),),)
        return Reply(text, buttons, private=True)

    async def _results_from_button(self, ctx: Context, survey_id: int) -> list[Reply]:
        survey = await self.service.get(survey_id)
        organizer = ctx.caller.role >= Role.ORGANIZER
        if not self.service.results_visible(survey, organizer=organizer):
            raise UserError(
                _("The results of this survey are shown after it closes ({time}).").format(
                    time=when(survey.closes_at)
                )
            )
        replies = await self._results_replies(survey, organizer=False)
        return [replace(reply, private=True) for reply in replies]

    # -- uploads --------------------------------------------------------------------------

    async def on_upload(self, ctx: Context, attachment: Attachment) -> Reply | None:
        """A survey file (YAML) from an organizer; other files are not for this module."""
        if not attachment.filename.lower().endswith(YAML_SUFFIXES):
            return None
        if ctx.caller.role < Role.ORGANIZER:
            raise UserError(_("Only organizers can create surveys from a file."))
        try:
            survey = await self.service.import_file(attachment.data, ctx.identity.key)
        except DefinitionError as problem:
            listed = "\n".join(f"• {line}" for line in problem.problems[:20])
            return Reply(
                _("The survey file has problems; nothing was created:") + "\n" + listed,
                private=True,
            )
        return Reply(self.created_text(survey), private=True)

    @staticmethod
    def created_text(survey: SurveyRecord) -> str:
        return _(
            "Survey {id} “{title}” is ready as a draft with {n} questions ({mode}), closing "
            "{closes}. Open it with /peiling_open {id}."
        ).format(
            id=survey.id,
            title=survey.title,
            n=len(survey.questions),
            mode=_("anonymous") if survey.mode == "anonymous" else _("named"),
            closes=when(survey.closes_at),
        )

    # -- planned jobs --------------------------------------------------------------------------

    async def _announce(self, survey: SurveyRecord) -> int:
        return await self._delivery.deliver_all(await self._announcements(survey.id))

    async def _announcements(self, survey_id: int) -> list[Outbound]:
        members = await self.service.announcement_targets(survey_id)
        if not members:
            return []
        survey = await self.service.get(survey_id)

        def render() -> Reply:
            return Reply(
                _("New in Jouw Stem: “{title}”. Your voice counts until {time}.").format(
                    title=survey.title, time=when(survey.closes_at)
                ),
                ((Button(_("Answer now"), f"{PREFIX}:go:{survey.id}"),),),
                private=True,
            )

        return [Outbound(render=render, member_id=member_id) for member_id in members]

    async def job_open(self, payload: dict[str, Any]) -> list[Outbound]:
        survey_id = int(payload["survey_id"])
        if not await self.service.opened_by_clock(survey_id):
            return []
        return await self._announcements(survey_id)

    async def job_close(self, payload: dict[str, Any]) -> list[Outbound]:
        await self.service.closed_by_clock(int(payload["survey_id"]))
        return []

    async def job_remind(self, payload: dict[str, Any]) -> list[Outbound]:
        survey_id = int(payload["survey_id"])
        members = await self.service.reminder_targets(survey_id)
        if not members:
            return []
        survey = await self.service.get(survey_id)

        def render() -> Reply:
            return Reply(
                _(
                    "Reminder: the Jouw Stem survey “{title}” closes at {time} and we have not "
                    "heard from you yet."
                ).format(title=survey.title, time=when(survey.closes_at)),
                ((Button(_("Answer now"), f"{PREFIX}:go:{survey.id}"),),),
                private=True,
            )

        return [Outbound(render=render, member_id=member_id) for member_id in members]


DEMO_TITLE = "Jouw Stem (demo): zekerheid voor Modern Werkenden"
DEMO_SURVEY = """\
title: "Jouw Stem (demo): zekerheid voor Modern Werkenden"
intro: Een voorbeeldpeiling met drie korte vragen.
mode: anonymous
results: live
closes: {closes}
questions:
  - type: single
    text: Werk je (deels) als zzp'er?
    options: [ja, nee, soms]
    explain: true
  - type: scale
    text: Hoe zeker voel je je over je inkomen bij ziekte?
    labels: [helemaal niet, heel erg]
  - type: text
    text: Wat moet de politiek als eerste regelen?
    max_length: 280
    required: false
"""
