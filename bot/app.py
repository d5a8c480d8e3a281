"""The composition root: the one place that reads settings and wires every part together."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from bot.adapters.console import ConsoleExports, ConsoleFiles
from bot.core.builtin import BuiltinCommands
from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.delivery import Delivery
from bot.core.housekeeping import Housekeeping
from bot.core.i18n import DEFAULT_LANGUAGE
from bot.core.mail import Mailer
from bot.core.planning import JobRunner
from bot.core.ratelimit import RateLimiter
from bot.core.router import Router
from bot.core.types import Chat
from bot.mail import LogMailer, SmtpMailer
from cogs.members import MembersCog, MemberService, RolePolicy
from cogs.surveys import build_surveys
from config import Settings
from scheduled import Clock
from storage import Database
from storage.repositories.conversations import ConversationRepository
from storage.repositories.members import MemberRepository

log = logging.getLogger(__name__)


def build_mailer(settings: Settings) -> Mailer:
    if not settings.smtp_configured:
        return LogMailer()
    assert settings.smtp_host is not None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        security=settings.smtp_security,
        timeout=settings.smtp_timeout,
    )


def role_policy(settings: Settings) -> RolePolicy:
    return RolePolicy(
        organizers=frozenset(str(ref) for ref in settings.organizers),
        admins=frozenset(str(ref) for ref in settings.admins),
        organizer_platform_roles=frozenset(settings.discord_organizer_role_ids),
        admin_platform_roles=frozenset(settings.discord_admin_role_ids),
    )


class Werkbot:
    """Storage, scheduler, core and cogs of one process; adapters attach to ``delivery``."""

    def __init__(self, settings: Settings, *, mailer: Mailer | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.registry = Registry()
        conversation_repository = ConversationRepository(self.db)
        self.conversations = Conversations(conversation_repository)
        self.mailer = mailer or build_mailer(settings)
        member_repository = MemberRepository(self.db)
        self.roles = role_policy(settings)
        self.members = MemberService(
            member_repository,
            self.mailer,
            self.roles,
            default_language=settings.default_language or DEFAULT_LANGUAGE,
            require_verification=settings.require_verification,
            code_in_chat_platforms=frozenset({"console"}),
        )
        self.delivery = Delivery(self.members)
        self.jobs = JobRunner(self.registry, self.delivery)
        self.clock = Clock(self.db.sync_url, self.jobs.run)

        BuiltinCommands(self.registry, self.conversations).register(self.registry)
        self.housekeeping = Housekeeping(
            self.clock,
            [conversation_repository.purge_expired, member_repository.purge_expired_codes],
        )
        self.housekeeping.register(self.registry)
        MembersCog(self.members, member_repository, self.conversations, self.delivery).register(
            self.registry
        )
        assert settings.console_files_dir is not None
        self.console_files = ConsoleFiles(Path(settings.console_files_dir))
        self.registry.personal_data_hook(
            ConsoleExports(self.console_files, self.members.accounts_of)
        )

        self.surveys, self.survey_writer = build_surveys(
            self.db,
            self.members,
            self.clock,
            self.conversations,
            self.delivery,
            secret=settings.survey_secret,
            data_dir=settings.data_dir,
            require_verification=settings.require_verification,
            reminder_before=timedelta(hours=settings.survey_reminder_hours),
            quick_poll_duration=timedelta(hours=settings.survey_quick_poll_hours),
            announcement_chats=[
                Chat(ref.platform, ref.user_id, is_private=False)
                for ref in settings.survey_announcement_chats
            ],
        )
        self.surveys.register(self.registry)

        self.router = Router(
            self.registry,
            self.members,
            self.conversations,
            RateLimiter(settings.rate_limit_burst, settings.rate_limit_per_minute),
            max_length=settings.max_message_length,
            commits=self.db.commits,
        )
        self._started = False

    async def start(self) -> None:
        """Migrate the database and start the clock; adapters come after this."""
        await self.db.migrate()
        self.clock.start()
        self.housekeeping.ensure_planned()
        self.survey_writer.start()
        self._started = True
        if self.mailer.development:
            log.warning(
                "SMTP_HOST is not set: DEVELOPMENT MODE. Verification codes go to the log "
                "(and the console chat), so registrations are unverified."
            )

    async def stop(self) -> None:
        if self._started:
            await self.survey_writer.stop()
            self.clock.shutdown()
            self._started = False
        await self.db.dispose()

    async def load_demo(self) -> list[str]:
        """Demo content from every module that offers some; only when asked for."""
        created: list[str] = []
        for loader in self.registry.demo_loaders:
            created.extend(await loader())
        return created
