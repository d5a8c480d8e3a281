"""Jouw Stem: micro-surveys with one person one vote, on every platform."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.core.conversation import Conversations
from bot.core.delivery import Delivery
from bot.core.types import Chat
from cogs.surveys.answering import Answering, MemberFacts, ResponseKeys, SurveyCache, Voters
from cogs.surveys.cog import SurveysCog
from cogs.surveys.service import Clock, SurveyService
from cogs.surveys.writer import AnswerWriter
from storage.db import Database
from storage.repositories.surveys import SurveyRepository


def build_surveys(
    db: Database,
    members: MemberFacts,
    clock: Clock,
    conversations: Conversations,
    delivery: Delivery,
    *,
    secret: str | None,
    data_dir: Path,
    require_verification: bool,
    reminder_before: timedelta,
    quick_poll_duration: timedelta,
    announcement_chats: Sequence[Chat] = (),
) -> tuple[SurveysCog, AnswerWriter]:
    """Wire the surveys module; the caller starts and stops the returned writer."""
    repository = SurveyRepository(db)
    writer = AnswerWriter(repository.write_batch, close=repository.close)
    cache = SurveyCache(repository)
    answering = Answering(
        cache,
        repository,
        writer,
        ResponseKeys.from_settings(secret, data_dir),
        Voters(members),
        require_verification=require_verification,
    )
    service = SurveyService(
        repository,
        cache,
        answering,
        clock,
        require_verification=require_verification,
        reminder_before=reminder_before,
        quick_poll_duration=quick_poll_duration,
    )
    cog = SurveysCog(
        service, repository, conversations, delivery, announcement_chats=announcement_chats
    )
    return cog, writer


__all__ = ["AnswerWriter", "SurveyService", "SurveysCog", "build_surveys"]
