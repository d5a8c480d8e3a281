"""The composition root: the one place that reads settings and wires every part together.

Storage, the core, the modules (one line each) and the scheduler; adapters are built
from the settings in ``bot/platforms.py`` and attach to ``delivery``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from email.utils import parseaddr

import cogs.broadcasts
import cogs.campaigns
import cogs.events
import cogs.magazine
import cogs.meetlat
import cogs.members
import cogs.platform
import cogs.surveys
from bot.adapters.console import ConsoleExports, ConsoleFiles
from bot.adapters.email import EmailSender
from bot.core.builtin import CoreModule
from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.delivery import Delivery
from bot.core.i18n import DEFAULT_LANGUAGE
from bot.core.links import Links
from bot.core.mail import Mailer
from bot.core.mirror import Mirrors
from bot.core.module import Module
from bot.core.planning import JobRunner
from bot.core.privacy import PersonalData
from bot.core.ratelimit import RateLimiter
from bot.core.roles import RolePolicy
from bot.core.router import Router
from bot.core.types import Chat
from bot.mail import LogMailer, SmtpMailer
from config import Settings
from config.settings import IdentityRef
from scheduled import Clock
from scheduled.leadership import Leadership
from storage import Database
from storage.leader import AdvisoryLock
from storage.notify import ChangeFeed
from storage.repositories.conversations import ConversationRepository

log = logging.getLogger(__name__)


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host is None:
        return LogMailer()
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        security=settings.smtp_security,
        timeout=settings.smtp_timeout,
    )


def mail_domain(sender: str) -> str:
    """The domain of the From address, for the Message-IDs of mailed news."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "werkbot"


def role_policy(settings: Settings) -> RolePolicy:
    return RolePolicy(
        organizers=frozenset(str(ref) for ref in settings.organizers),
        admins=frozenset(str(ref) for ref in settings.admins),
        organizer_platform_roles=frozenset(settings.discord_organizer_role_ids),
        admin_platform_roles=frozenset(settings.discord_admin_role_ids),
    )


def survey_options(settings: Settings) -> cogs.surveys.SurveyOptions:
    return cogs.surveys.SurveyOptions(
        secret=settings.survey_secret,
        data_dir=settings.data_dir,
        require_verification=settings.require_verification,
        reminder_before=timedelta(hours=settings.survey_reminder_hours),
        quick_poll_duration=timedelta(hours=settings.survey_quick_poll_hours),
        announcement_chats=chats(settings.survey_announcement_chats),
    )


def chats(refs: Sequence[IdentityRef]) -> list[Chat]:
    return [Chat(ref.platform, ref.user_id, is_private=False) for ref in refs]


class Werkbot:
    """Storage, scheduler, core and modules of one process; adapters attach to ``delivery``."""

    def __init__(self, settings: Settings, *, mailer: Mailer | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.registry = Registry()
        self.mailer = mailer or build_mailer(settings)
        self.roles = role_policy(settings)
        conversation_store = ConversationRepository(self.db)
        self.conversations = Conversations(conversation_store, self.registry.flows)
        personal_data = PersonalData(self.registry.personal_data)
        self.changes = ChangeFeed(self.db)
        """What one process changed about members, told to the others (PostgreSQL)."""

        self.members = cogs.members.build(
            self.db,
            self.mailer,
            self.roles,
            self.conversations,
            personal_data,
            self.registry,
            default_language=settings.default_language or DEFAULT_LANGUAGE,
            require_verification=settings.require_verification,
            code_in_chat_platforms=frozenset({"console"}),
            changes=self.changes,
        )
        self.delivery = Delivery(self.members.service)
        self.mirrors = Mirrors()
        """Platforms that mirror events (a Discord adapter attaches when DISCORD_EVENTS is on)."""
        self.links = Links()
        """Links only a platform can make (check-in QR codes, accounts), set once it runs."""
        if not self.mailer.development:  # without SMTP, e-mail news falls back to chat
            self.delivery.attach(EmailSender(self.mailer, domain=mail_domain(settings.smtp_from)))
        self.broadcasts = cogs.broadcasts.build(
            self.db,
            self.registry,
            self.delivery,
            self.members.service,
            self.members.service,
            self.conversations,
            verified_only=settings.require_verification,
            announcement_chats=chats(settings.announcement_chats),
            limits=cogs.broadcasts.Limits(
                lease=timedelta(seconds=settings.broadcast_lease_seconds),
                # One budget per bot token for all processes on one PostgreSQL; one process
                # on SQLite keeps to the adapters' own limits, as before.
                budgets={}
                if self.db.is_sqlite
                else cogs.broadcasts.token_budgets(
                    settings.platform_tokens,
                    {
                        "telegram": settings.telegram_broadcast_per_second,
                        "discord": settings.discord_broadcast_per_second,
                    },
                ),
            ),
        )
        self.jobs = JobRunner(self.registry, self.delivery)
        self.clock = Clock(self.db.sync_url, self.jobs.run)
        self.leadership = Leadership(
            self.clock,
            None if self.db.is_sqlite else AdvisoryLock(settings.database_url),
            settings.leader_check_seconds,
        )
        """Who runs the planned jobs when several processes share one PostgreSQL."""
        self.core = CoreModule(
            self.registry,
            self.conversations,
            conversation_store,
            self.clock,
            self.members.service.accounts_of,
        )
        self.surveys = cogs.surveys.build(
            self.db,
            self.members.service,
            self.clock,
            self.conversations,
            self.broadcasts.service,
            self.broadcasts.service.choices,
            survey_options(settings),
        )
        self.events = cogs.events.build(
            self.db,
            self.members.service,
            self.broadcasts.service,
            self.clock,
            self.mirrors,
            self.links,
            self.conversations,
            cogs.events.EventOptions(verified_only=settings.require_verification),
        )
        self.campaigns = cogs.campaigns.build(
            self.db,
            self.members.service,
            self.broadcasts.service.choices,
            self.broadcasts.service,
            self.clock,
            self.mailer,
            self.conversations,
            odata_url=settings.tk_odata_url,
            options=cogs.campaigns.CampaignOptions(
                weekly_cap=settings.campaign_weekly_cap,
                nudge_after=timedelta(days=settings.campaign_nudge_days),
                verified_only=settings.require_verification,
            ),
        )
        self.platform = cogs.platform.build(
            self.db,
            self.members.service,
            self.broadcasts.service,
            self.clock,
            self.links,
            self.conversations,
        )
        self.meetlat = cogs.meetlat.build(
            self.db,
            self.members.service,
            self.broadcasts.service,
            self.conversations,
            cogs.meetlat.MeetlatOptions(
                verified_only=settings.require_verification,
                notice=timedelta(days=settings.meetlat_notice_days),
                announcement_chats=chats(settings.announcement_chats),
                organizer_chats=chats(settings.organizer_chats),
            ),
        )
        self.modules: list[Module] = [
            self.core,
            self.members,
            self.broadcasts,
            self.surveys,
            cogs.magazine.build(
                self.db,
                self.broadcasts.service,
                self.members.service,
                self.conversations,
                verified_only=settings.require_verification,
                announcement_chats=chats(settings.announcement_chats),
            ),
            self.events,
            self.campaigns,
            self.platform,
            self.meetlat,
        ]
        for module in self.modules:
            module.register(self.registry)

        self.console_files = ConsoleFiles(settings.console_folder)
        self.registry.personal_data_hook(
            ConsoleExports(self.console_files, self.members.service.accounts_of)
        )
        self.router = Router(
            self.registry,
            self.members.service,
            self.conversations,
            RateLimiter(settings.rate_limit_burst, settings.rate_limit_per_minute),
            self.delivery,
            max_length=settings.max_message_length,
            commits=self.db.commits,
        )
        self._started: list[Module] = []

    async def start(self, *, background: bool = True) -> None:
        """Migrate the database, start the clock, then every module; adapters come after.

        Without ``background`` (a command that only adds content, such as ``werkbot demo``
        or ``werkbot event import``) jobs are planned but not run and the modules' own
        work (the outbox, the answer writer) does not start: the running bot does that."""
        await self.db.migrate()
        # With PostgreSQL the scheduler runs only in the process that holds the jobs lock.
        self.clock.start(paused=not background or not self.db.is_sqlite)
        if not background:
            return
        await self.changes.start()
        await self.leadership.start()
        for module in self.modules:
            await module.start()
            self._started.append(module)
        if self.mailer.development:
            log.warning(
                "SMTP_HOST is not set: DEVELOPMENT MODE. Verification codes go to the log "
                "(and the console chat), so registrations are unverified."
            )

    async def stop_sending(self) -> None:
        """Before the adapters stop: the outbox records what is in flight and gives back
        the rest (sent after the next start), so nothing is sent into a closed adapter."""
        await self.broadcasts.engine.stop()

    async def stop(self) -> None:
        await self.clock.drain()  # jobs running now finish while the modules still run
        await self.leadership.stop()  # another process may take the planned jobs over now
        if self._started:
            for module in reversed(self._started):
                try:
                    await module.stop()
                except Exception:
                    log.exception("module %s did not stop cleanly", module.name)
            self._started.clear()
        self.clock.shutdown()
        await self.changes.stop()
        await self.db.dispose()

    async def load_demo(self) -> list[str]:
        """Demo content from every module that offers some; only when asked for."""
        created: list[str] = []
        for loader in self.registry.demo_loaders:
            created.extend(await loader())
        return created
