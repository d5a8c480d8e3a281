"""Jouw Stem: micro-surveys with one person one vote, on every platform.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it. It needs facts about members (``MemberFacts``, a protocol of its own, which the
members module's service fulfils); it never reads the members' tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.outbox import Broadcaster
from bot.core.types import Chat
from cogs.surveys.answering import Answering, MemberFacts, ResponseKeys, SurveyCache, Voters
from cogs.surveys.commands import NewsChoice, SurveysCommands
from cogs.surveys.demo import SurveysDemo
from cogs.surveys.flows import TypedAnswerFlow
from cogs.surveys.jobs import Announcer, SurveyJobs
from cogs.surveys.messages import SurveyMessages
from cogs.surveys.privacy import SurveyData
from cogs.surveys.service import Clock, SurveyService
from cogs.surveys.writer import AnswerWriter
from storage.db import Database
from storage.repositories.surveys import SurveyRepository


@dataclass(frozen=True)
class SurveyOptions:
    """What the composition root reads from the settings for this module."""

    secret: str | None
    data_dir: Path
    require_verification: bool
    reminder_before: timedelta
    quick_poll_duration: timedelta
    announcement_chats: Sequence[Chat] = ()


class SurveysModule:
    name = "surveys"

    def __init__(
        self,
        service: SurveyService,
        writer: AnswerWriter,
        conversations: Conversations,
        broadcaster: Broadcaster,
        news: NewsChoice,
        options: SurveyOptions,
    ) -> None:
        self.service = service
        self._writer = writer
        self._announcer = Announcer(service, broadcaster)
        self._commands = SurveysCommands(
            service,
            conversations,
            self._announcer,
            broadcaster,
            news,
            announcement_chats=options.announcement_chats,
        )

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        registry.flow(TypedAnswerFlow(self.service.answering))
        SurveyJobs(self.service, self._announcer).register(registry)
        SurveyMessages(self.service).register(registry)
        registry.personal_data_hook(SurveyData(self.service))
        registry.demo(SurveysDemo(self.service).load)

    async def start(self) -> None:
        """The group-commit writer of the answer path runs as a task of its own."""
        self._writer.start()

    async def stop(self) -> None:
        await self._writer.stop()


def build(
    db: Database,
    members: MemberFacts,
    clock: Clock,
    conversations: Conversations,
    broadcaster: Broadcaster,
    news: NewsChoice,
    options: SurveyOptions,
) -> SurveysModule:
    """``broadcaster`` sends announcements, reminders and results; ``news`` switches the
    topic "peilingen" for ``/peiling_nieuws`` (both: the broadcasts module's service)."""
    repository = SurveyRepository(db)
    writer = AnswerWriter(repository.write_batch, close=repository.close)
    cache = SurveyCache(repository)
    answering = Answering(
        cache,
        repository,
        writer,
        ResponseKeys.from_settings(options.secret, options.data_dir),
        Voters(members),
        require_verification=options.require_verification,
    )
    service = SurveyService(
        repository,
        cache,
        answering,
        clock,
        members,
        require_verification=options.require_verification,
        reminder_before=options.reminder_before,
        quick_poll_duration=options.quick_poll_duration,
    )
    return SurveysModule(service, writer, conversations, broadcaster, news, options)


__all__ = ["SurveyOptions", "SurveysModule", "build"]
