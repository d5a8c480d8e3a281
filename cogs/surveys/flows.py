"""Typed answers: numbers, free text and the "toelichting" after a choice.

Button answers take the fast path (``sv:`` actions straight to the answer service); a
question answered by typing goes through this stored conversation, so the next message
the member types reaches the right question, also after a restart. The survey and the
question are in the conversation's data; nothing about it is kept in memory.
"""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.conversation import Conversations, Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Reply
from cogs.surveys import render
from cogs.surveys.answering import Answering, Progress
from storage.records.surveys import QuestionRecord

FLOW = "survey"
TYPED = "text"
"""The step of a typed question (a number or a text)."""
NOTE = "note"
"""The step of the optional "toelichting" after a choice."""


def _data(progress: Progress, question: QuestionRecord) -> dict[str, Any]:
    return {"survey": progress.survey.id, "question": question.id}


async def show(
    conversations: Conversations,
    ctx: Context,
    progress: Progress,
    question: QuestionRecord | None,
    *,
    leaving_typed: bool,
) -> list[Reply]:
    """Show ``question`` (a typed one starts this flow) or, with None, the closing words.

    ``leaving_typed``: the member may be in a typed-answer conversation (they pressed Back,
    Skip or Next under a typed question, or started over with /stem); it ends here unless
    the next question is typed too, so what they type next is not taken as an old answer.
    Answer buttons come from choice questions, where no typed conversation is open: they
    skip that look-up, which would cost a query on every press of the hot path.
    """
    if question is not None and question.kind.is_typed:
        return await conversations.start(ctx, FLOW, _data(progress, question), step=TYPED)
    if leaving_typed:
        await end_typing(conversations, ctx)
    if question is None:
        return [render.finished(progress)]
    return [render.choice_question(progress, question)]


async def ask_note(
    conversations: Conversations, ctx: Context, progress: Progress, question: QuestionRecord
) -> list[Reply]:
    return await conversations.start(ctx, FLOW, _data(progress, question), step=NOTE)


async def end_typing(conversations: Conversations, ctx: Context) -> None:
    current = await conversations.current(ctx)
    if current is not None and current[0] == FLOW:
        await conversations.cancel(ctx)


class TypedAnswerFlow(Flow):
    """Waits for a typed answer (number, free text) or a typed "toelichting"."""

    name = FLOW
    first_step = TYPED

    def __init__(self, answering: Answering) -> None:
        self._answering = answering

    async def _place(self, ctx: Context, data: dict[str, Any]) -> tuple[Progress, QuestionRecord]:
        progress = await self._answering.start(int(data["survey"]), ctx.member_id)
        question = next(q for q in progress.survey.questions if q.id == int(data["question"]))
        return progress, question

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        progress, question = await self._place(ctx, data)
        if step == NOTE:
            return render.note_question(progress.survey, question)
        return render.typed_question(progress, question)

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        survey_id, question_id = int(data["survey"]), int(data["question"])
        try:
            if step == NOTE:
                progress = await self._answering.note(survey_id, ctx.member_id, question_id, answer)
            else:
                progress = await self._answering.answer(
                    survey_id, ctx.member_id, question_id, answer
                )
        except InvalidAnswer:
            raise
        except UserError as problem:
            # e.g. the survey closed meanwhile: end the conversation with the reason.
            return Outcome(None, [Reply(problem.message, private=True)])
        question = next(q for q in progress.survey.questions if q.id == question_id)
        following = progress.following(question)
        if following is not None and following.kind.is_typed:
            data["question"] = following.id
            return Outcome(TYPED, [Reply(_("Saved."), private=True)])
        if following is None:
            return Outcome(None, [render.finished(progress)])
        return Outcome(None, [render.choice_question(progress, following)])
