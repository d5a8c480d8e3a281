"""The magazine's commands and buttons: declarations and thin handlers.

Each handler checks who asks, calls the service and hands what it gets to ``render``;
the rules live in :class:`~cogs.magazine.service.MagazineService`.
"""

from __future__ import annotations

import logging

from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.delivery import Outbound
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.types import Reply, Role
from cogs.magazine import actions, render
from cogs.magazine.actions import Verb
from cogs.magazine.flows import CONTRIBUTION_FLOW, EDITION_FLOW
from cogs.magazine.service import MagazineService
from storage.records.magazine import ContributionState

log = logging.getLogger(__name__)


class MagazineCommands:
    def __init__(self, service: MagazineService, conversations: Conversations) -> None:
        self._service = service
        self._conversations = conversations

    def declare(self, registry: Registry) -> None:
        registry.add_commands(
            [
                Command(
                    "magazine",
                    "magazine_latest",
                    N_("The Magazine van de Vernieuwing: the latest edition and earlier ones"),
                    self.magazine,
                    role=Role.GUEST,
                ),
                Command(
                    "inzending",
                    "contribute",
                    N_("Send the magazine's editors your opinion, advice or story"),
                    self.inzending,
                    personal=True,
                ),
                Command(
                    "magazine_nieuw",
                    "magazine_new",
                    N_("Publish a new edition of the magazine (organizers)"),
                    self.nieuw,
                    role=Role.ORGANIZER,
                    personal=True,
                ),
                Command(
                    "inzendingen",
                    "contributions",
                    N_("Contributions to the magazine, newest first (organizers)"),
                    self.inzendingen,
                    role=Role.ORGANIZER,
                    personal=True,
                    args=(
                        Arg(
                            "welke",
                            N_("'alles' also shows the decided ones"),
                            ArgKind.CHOICE,
                            required=False,
                            choices=("alles", "all"),
                        ),
                    ),
                ),
            ]
        )
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.GUEST))

    # -- everyone --------------------------------------------------------------------------------

    async def magazine(self, ctx: Context) -> list[Reply]:
        """The latest edition (cover, summary, link or PDF) and buttons for earlier ones."""
        editions = await self._service.editions()
        if not editions:
            return [render.no_editions()]
        latest, *before = editions
        replies = await self._edition(latest.id)
        listed = render.earlier(before)
        return [*replies, listed] if listed is not None else replies

    async def _edition(self, edition_id: int) -> list[Reply]:
        record = await self._service.edition(edition_id)
        return render.edition(record, await self._service.edition_files(record))

    # -- members ---------------------------------------------------------------------------------

    async def inzending(self, ctx: Context) -> list[Reply]:
        """A member writes to the editors: their opinion, advice or story."""
        member_id = ctx.require_member()
        await self._service.may_contribute(member_id)
        return await self._conversations.start(ctx, CONTRIBUTION_FLOW)

    # -- organizers ------------------------------------------------------------------------------

    async def nieuw(self, ctx: Context) -> list[Reply]:
        return await self._conversations.start(ctx, EDITION_FLOW)

    async def inzendingen(self, ctx: Context) -> list[Reply]:
        """The editors' inbox: each contribution with its file and Accept / Decline."""
        everything = ctx.args.get("welke") is not None
        found = await self._service.inbox(everything=everything)
        waiting = await self._service.waiting()
        replies = [render.inbox_head(waiting, len(found), everything=everything)]
        for record in found:
            file = await self._service.file(record.file.id) if record.file else None
            replies.append(render.contribution(record, file))
        return replies

    # -- buttons ---------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply | Outbound]:
        pressed = actions.decode(parts)
        if pressed.verb is Verb.EDITION:
            return [*await self._edition(pressed.ids[0])]
        if ctx.caller.role < Role.ORGANIZER:
            raise UserError(_("This button is not for you."))
        record = await self._service.decide(
            pressed.ids[0], pressed.verb is Verb.ACCEPT, ctx.identity.key
        )
        answer: list[Reply | Outbound] = [render.decided(record)]
        if record.member_id is not None:
            kind, number = record.kind, record.id
            accepted = record.state is ContributionState.ACCEPTED
            # The contributor hears of it in their own language (the core delivers it).
            answer.append(
                Outbound(
                    member_id=record.member_id,
                    render=lambda: render.thanks(kind, number, accepted),
                )
            )
        return answer
