"""What a handler receives: who calls, from where, in which language, with which arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.errors import UserError
from bot.core.i18n import _
from bot.core.types import Attachment, Caller, Chat, Identity

if TYPE_CHECKING:
    from bot.core.commands import Command


@dataclass(frozen=True)
class Context:
    identity: Identity
    chat: Chat
    caller: Caller
    args: dict[str, Any] = field(default_factory=dict)
    command: Command | None = None
    upload: Attachment | None = None

    @property
    def platform(self) -> str:
        return self.identity.platform

    @property
    def language(self) -> str:
        return self.caller.language

    @property
    def member_id(self) -> int | None:
        return self.caller.member_id

    def require_member(self) -> int:
        """The caller's member id, or a friendly refusal for someone not registered yet."""
        if self.caller.member_id is None:
            raise UserError(_("You are not registered yet. Use /registreer to sign up."))
        return self.caller.member_id
