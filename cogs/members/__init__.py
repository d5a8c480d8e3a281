"""Members: registration, identities on every platform, roles, sponsors, language, privacy.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it, and hands its ``service`` to the core (as the member directory) and to modules that
need facts about members (through protocols of their own).
"""

from __future__ import annotations

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.mail import Mailer
from bot.core.privacy import PersonalData
from bot.core.roles import RolePolicy
from cogs.members.commands import MembersCommands
from cogs.members.demo import MembersDemo
from cogs.members.flows import RegistrationFlow
from cogs.members.jobs import register_jobs
from cogs.members.privacy import MemberData
from cogs.members.service import ChangeNotices, MemberService
from storage.db import Database
from storage.repositories.members import MemberRepository


class MembersModule:
    name = "members"

    def __init__(
        self,
        service: MemberService,
        conversations: Conversations,
        personal_data: PersonalData,
        registry: Registry,
    ) -> None:
        self.service = service
        self._commands = MembersCommands(service, conversations, personal_data, registry)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        registry.flow(RegistrationFlow(self.service, registry.onboarding))
        register_jobs(registry, self.service)
        registry.personal_data_hook(MemberData(self.service))
        registry.demo(MembersDemo(self.service).load)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(
    db: Database,
    mailer: Mailer,
    roles: RolePolicy,
    conversations: Conversations,
    personal_data: PersonalData,
    registry: Registry,
    *,
    default_language: str,
    require_verification: bool,
    code_in_chat_platforms: frozenset[str] = frozenset(),
    changes: ChangeNotices | None = None,
) -> MembersModule:
    service = MemberService(
        MemberRepository(db),
        mailer,
        roles,
        default_language=default_language,
        require_verification=require_verification,
        code_in_chat_platforms=code_in_chat_platforms,
        changes=changes,
    )
    return MembersModule(service, conversations, personal_data, registry)


__all__ = ["MembersModule", "build"]
