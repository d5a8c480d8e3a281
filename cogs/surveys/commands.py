"""Jouw Stem commands, buttons and file uploads: declarations and thin handlers.

Each handler checks who asks, calls the service (the rules) or the answer path, and hands
the records it gets to ``render``. Messages for many (announcements, published results)
go to the outbox (the core's ``Broadcaster``), which sends them in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.outbox import Broadcast, Broadcaster
from bot.core.types import Attachment, Chat, Reply, Role
from bot.core.yamlfile import has_top_key
from cogs.surveys import actions, flows, render
from cogs.surveys.actions import Verb
from cogs.surveys.definition import DefinitionError
from cogs.surveys.jobs import Announcer
from cogs.surveys.messages import RESULTS
from cogs.surveys.service import SurveyService
from storage.records.surveys import SurveyMode
from storage.vocabulary import Topic

log = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")


class NewsChoice(Protocol):
    """Survey news is the topic "peilingen" of members' notifications (the broadcasts
    module's choices); ``/peiling_nieuws`` switches it."""

    async def set_topic(self, member_id: int, topic: Topic, wanted: bool) -> bool: ...


def _edited(replies: list[Reply]) -> list[Reply]:
    """Replies to a button in a private chat replace the message that carried it."""
    return [replace(reply, replace=True) for reply in replies]


class SurveysCommands:
    def __init__(
        self,
        service: SurveyService,
        conversations: Conversations,
        announcer: Announcer,
        broadcaster: Broadcaster,
        news: NewsChoice,
        *,
        announcement_chats: Sequence[Chat] = (),
    ) -> None:
        self._service = service
        self._answering = service.answering
        self._conversations = conversations
        self._announcer = announcer
        self._broadcaster = broadcaster
        self._news = news
        self._announcement_chats = list(announcement_chats)

    def declare(self, registry: Registry) -> None:
        survey_arg = Arg(
            "peiling", N_("survey number (see /peilingen)"), ArgKind.INTEGER, min_value=1
        )
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
                    args=(replace(survey_arg, required=False),),
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
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.GUEST))
        registry.upload(self.on_upload)

    # -- answering ---------------------------------------------------------------------------

    async def peilingen(self, ctx: Context) -> Reply:
        """Lists what the caller can answer now, one button per survey."""
        member_id = ctx.require_member()
        if self._service.require_verification and not ctx.caller.verified:
            raise UserError(
                _(
                    "Your e-mail address is not confirmed yet, so Jouw Stem is not open to you. "
                    "Type the 6-digit code we mailed you, or send /registreer for a new code."
                )
            )
        return render.open_surveys(await self._service.open_for(member_id))

    async def stem(self, ctx: Context) -> list[Reply] | Reply:
        """Starts or resumes answering; without a number it lists the open surveys."""
        survey_id = ctx.args.get("peiling")
        if survey_id is None:
            return await self.peilingen(ctx)
        return await self._begin(ctx, survey_id)

    async def _begin(self, ctx: Context, survey_id: int) -> list[Reply]:
        progress = await self._answering.start(survey_id, ctx.member_id)
        survey = progress.survey
        if progress.completed and survey.mode != SurveyMode.NAMED:
            return [render.already_taken_part()]
        question = progress.next_question or survey.questions[0]
        replies = [] if progress.answered else [render.intro(survey)]
        return replies + await flows.show(
            self._conversations, ctx, progress, question, leaving_typed=True
        )

    # -- results ---------------------------------------------------------------------------

    async def uitslag(self, ctx: Context) -> list[Reply]:
        """Results: text, a chart per question, and for organizers the CSV and JSON files."""
        organizer = ctx.caller.role >= Role.ORGANIZER
        results = await self._service.visible_results(ctx.args["peiling"], organizer=organizer)
        replies = render.results(results, private=organizer)
        if organizer:
            replies += render.result_files(
                results.survey, *await self._service.result_files(results)
            )
        return replies

    async def _results_from_button(self, ctx: Context, survey_id: int) -> list[Reply]:
        organizer = ctx.caller.role >= Role.ORGANIZER
        results = await self._service.visible_results(survey_id, organizer=organizer)
        return render.results(results, private=True)

    async def publiceer(self, ctx: Context) -> Reply:
        if not self._announcement_chats:
            raise UserError(
                _(
                    "No announcement chats are set (SURVEY_ANNOUNCEMENT_CHATS). Use /uitslag {id} "
                    "to get the text, charts and files."
                ).format(id=ctx.args["peiling"])
            )
        survey = await self._service.mark_published(ctx.args["peiling"])
        await self._broadcaster.broadcast(
            Broadcast(
                title=f"Jouw Stem {survey.id}: {_('results')}"[:200],
                template=RESULTS,
                params={"survey_id": survey.id},
                topic=None,
                chats=self._announcement_chats,
                created_by=ctx.identity.key,
            )
        )
        return Reply(
            _("Results of survey {id} published in {n} announcement chats.").format(
                id=survey.id, n=len(self._announcement_chats)
            )
        )

    # -- organizers ---------------------------------------------------------------------------

    async def nieuws(self, ctx: Context) -> Reply:
        member_id = ctx.require_member()
        wanted = ctx.args["aan_uit"] in ("aan", "on")
        await self._news.set_topic(member_id, Topic.PEILINGEN, wanted)
        if wanted:
            return Reply(_("You will hear about every new survey that is meant for you."))
        return Reply(_("You will no longer hear about new surveys."))

    async def nieuw(self, ctx: Context) -> Reply:
        """A quick one-question poll, open at once, answered with the buttons under it."""
        try:
            survey = await self._service.quick(ctx.args["vraag"], ctx.identity.key)
        except DefinitionError as problem:
            raise UserError(
                _("That poll is not right: {problems}.").format(
                    problems="; ".join(problem.problems)
                )
                + "\n"
                + _("Example: /peiling_nieuw Work from home? | yes | no | sometimes")
            ) from None
        await self._announcer.announce(survey.id)
        return render.quick_poll(survey)

    async def open(self, ctx: Context) -> Reply:
        opened = await self._service.open(ctx.args["peiling"])
        if not opened.now:
            return render.planned(opened.survey)
        broadcast = await self._announcer.announce(opened.survey.id)
        return render.opened(opened.survey, broadcast)

    async def sluit(self, ctx: Context) -> Reply:
        survey = await self._service.close(ctx.args["peiling"])
        return Reply(
            _(
                "Survey {id} is closed. See /uitslag {id}; publish with /peiling_publiceer {id}."
            ).format(id=survey.id)
        )

    async def lijst(self, ctx: Context) -> Reply:
        return render.survey_list(
            await self._service.all(archived=ctx.args.get("welke") is not None)
        )

    async def verwijder(self, ctx: Context) -> Reply:
        survey = await self._service.delete_draft(ctx.args["peiling"])
        return Reply(
            _("Survey {id} “{title}” is deleted.").format(id=survey.id, title=survey.title)
        )

    async def archiveer(self, ctx: Context) -> Reply:
        survey = await self._service.archive(ctx.args["peiling"])
        return Reply(
            _(
                "Survey {id} is archived: it no longer shows in /peiling_lijst (use "
                "/peiling_lijst alles); its results stay available with /uitslag {id}."
            ).format(id=survey.id)
        )

    # -- buttons ---------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply] | Reply:
        pressed = actions.decode(parts)
        if pressed.verb is Verb.GO:
            return await self._begin(ctx, pressed.ids[0])
        if pressed.verb is Verb.RESULTS:
            return await self._results_from_button(ctx, pressed.ids[0])
        survey_id, question_id = pressed.ids[0], pressed.ids[1]
        member_id = ctx.member_id
        if pressed.verb is Verb.ANSWER:
            progress = await self._answering.answer(
                survey_id, member_id, question_id, pressed.ids[2]
            )
        elif pressed.verb is Verb.TOGGLE:
            progress = await self._answering.toggle(
                survey_id, member_id, question_id, pressed.ids[2]
            )
        elif pressed.verb is Verb.SKIP:
            progress = await self._answering.skip(survey_id, member_id, question_id)
        else:
            progress = await self._answering.start(survey_id, member_id)
        survey = progress.survey
        question = next((q for q in survey.questions if q.id == question_id), None)
        if question is None:
            raise UserError(_("This button no longer works."))
        if not ctx.chat.is_private or (len(survey.questions) == 1 and pressed.verb is Verb.ANSWER):
            # A poll (often in a group): acknowledge privately, never edit the shared message.
            return render.group_acknowledgement(progress, question)
        if pressed.verb is Verb.TOGGLE:
            return [replace(render.choice_question(progress, question), replace=True)]
        if pressed.verb is Verb.DONE and question.id not in progress.answered and question.required:
            raise UserError(_("Please choose at least one option."))
        leaving_typed = pressed.verb in (Verb.BACK, Verb.SKIP, Verb.NEXT)
        if pressed.verb is Verb.BACK:
            target = progress.before(question) or question
            return _edited(
                await flows.show(self._conversations, ctx, progress, target, leaving_typed=True)
            )
        if pressed.verb is Verb.ANSWER and question.explain:
            return _edited(await flows.ask_note(self._conversations, ctx, progress, question))
        following = progress.following(question)
        return _edited(
            await flows.show(
                self._conversations, ctx, progress, following, leaving_typed=leaving_typed
            )
        )

    # -- uploads --------------------------------------------------------------------------

    async def on_upload(self, ctx: Context, attachment: Attachment) -> Reply | None:
        """A survey file (YAML) from an organizer; other files are not for this module."""
        if not attachment.filename.lower().endswith(YAML_SUFFIXES):
            return None
        if not has_top_key(attachment.data, "questions") and any(
            has_top_key(attachment.data, key) for key in ("starts", "why")
        ):
            return None  # an event file (starts:) or a campaign file (why:): not ours
        if ctx.caller.role < Role.ORGANIZER:
            raise UserError(_("Only organizers can create surveys from a file."))
        try:
            survey = await self._service.import_file(attachment.data, ctx.identity.key)
        except DefinitionError as problem:
            return render.file_problems(problem.problems)
        return Reply(render.created(survey), private=True)

