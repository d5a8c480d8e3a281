"""The core's own module: what every Werkbot has, whatever modules are loaded.

Help and a way out of any conversation, the daily housekeeping, and the personal data
that conversations in progress hold (a registration half-way has a name and an e-mail).
"""

from __future__ import annotations

from bot.core.arguments import usage
from bot.core.commands import Command, Registry
from bot.core.context import Context
from bot.core.conversation import AccountsOf, ConversationData, Conversations, ConversationStore
from bot.core.housekeeping import Housekeeping
from bot.core.i18n import N_, _, translate
from bot.core.planning import Planner
from bot.core.types import Reply, Role


class CoreModule:
    name = "core"

    def __init__(
        self,
        registry: Registry,
        conversations: Conversations,
        store: ConversationStore,
        planner: Planner,
        accounts_of: AccountsOf,
    ) -> None:
        """``registry`` is the one the modules fill: help lists what is in it."""
        self._registry = registry
        self._conversations = conversations
        self._store = store
        self._accounts_of = accounts_of
        self.housekeeping = Housekeeping(planner, registry.purges)

    def register(self, registry: Registry) -> None:
        registry.add_commands(
            [
                Command(
                    "hulp",
                    "help",
                    N_("Show the commands you can use"),
                    self.help,
                    role=Role.GUEST,
                ),
                Command(
                    "stop",
                    "cancel",
                    N_("Stop the question you are answering now"),
                    self.stop_conversation,
                    role=Role.GUEST,
                ),
            ]
        )
        self.housekeeping.register(registry)
        registry.housekeeping("core.conversations", self._store.purge_expired)
        registry.personal_data_hook(ConversationData(self._store, self._accounts_of))

    async def start(self) -> None:
        await self.housekeeping.ensure_planned()

    async def stop(self) -> None:
        return None

    async def help(self, ctx: Context) -> Reply:
        """Lists only what the caller may use, in the caller's language, with both names."""
        lines = [_("What I can do for you:")]
        for command in self._registry.visible_to(ctx.caller.role):
            first, other = (command.alias, command.name) if ctx.language == "en" else command.names
            shown = usage(command).replace(f"/{command.name}", f"/{first}", 1)
            also = f"  (/{other})" if other != first else ""
            lines.append(f"{shown}{also} — {translate(command.description, ctx.language)}")
        if not ctx.caller.is_member:
            lines.append("")
            lines.append(_("Not registered yet? Start with /registreer."))
        return Reply("\n".join(lines))

    async def stop_conversation(self, ctx: Context) -> Reply:
        """A way out of any conversation, so nobody gets stuck in a question."""
        if await self._conversations.cancel(ctx):
            return Reply(_("Stopped. What you already saved stays saved."))
        return Reply(_("There is nothing to stop."))
