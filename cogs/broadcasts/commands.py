"""Broadcast commands and buttons: members' notifications, organizers' announcements."""

from __future__ import annotations

import logging

from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.types import Reply, Role
from cogs.broadcasts import actions, render
from cogs.broadcasts.actions import Verb
from cogs.broadcasts.flows import FLOW
from cogs.broadcasts.service import BroadcastService
from storage.vocabulary import Topic

log = logging.getLogger(__name__)


TOPIC_NAMES = tuple(dict.fromkeys(name for topic in Topic for name in (topic.value, topic.alias)))
"""The Dutch names and their English aliases, as typed after /meldingen."""


def topic_named(name: str) -> Topic:
    """The topic of a Dutch name or English alias (checked as a choice before it gets here)."""
    return next(topic for topic in Topic if name in (topic.value, topic.alias))


class BroadcastCommands:
    def __init__(self, service: BroadcastService, conversations: Conversations) -> None:
        self._service = service
        self._choices = service.choices
        self._conversations = conversations

    def declare(self, registry: Registry) -> None:
        number = Arg(
            "nummer",
            N_("broadcast number (see /aankondigingen)"),
            ArgKind.INTEGER,
            min_value=1,
        )
        registry.add_commands(
            [
                Command(
                    "meldingen",
                    "notifications",
                    N_("Choose what you receive: magazine, surveys, events, actions, news"),
                    self.meldingen,
                    personal=True,
                    args=(
                        Arg(
                            "onderwerp",
                            N_("a topic, e.g. magazine or nieuws (without it: every topic)"),
                            ArgKind.CHOICE,
                            required=False,
                            choices=TOPIC_NAMES,
                        ),
                        Arg(
                            "aan_uit",
                            N_("on or off (on when left out)"),
                            ArgKind.CHOICE,
                            required=False,
                            choices=("aan", "uit", "on", "off"),
                        ),
                    ),
                ),
                Command(
                    "aankondiging",
                    "announce",
                    N_("Send an announcement to members (organizers)"),
                    self.aankondiging,
                    role=Role.ORGANIZER,
                    personal=True,
                ),
                Command(
                    "aankondigingen",
                    "broadcasts",
                    N_("Broadcasts: planned, running and done (organizers)"),
                    self.aankondigingen,
                    role=Role.ORGANIZER,
                ),
                Command(
                    "aankondiging_status",
                    "broadcast_status",
                    N_("How far a broadcast got, per platform"),
                    self.status,
                    role=Role.ORGANIZER,
                    args=(number,),
                ),
                Command(
                    "aankondiging_stop",
                    "broadcast_stop",
                    N_("Stop a running broadcast"),
                    self.stop,
                    role=Role.ORGANIZER,
                    args=(number,),
                ),
                Command(
                    "aankondiging_annuleer",
                    "broadcast_cancel",
                    N_("Cancel a planned broadcast"),
                    self.cancel,
                    role=Role.ORGANIZER,
                    args=(number,),
                ),
            ]
        )
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.MEMBER))

    # -- members -------------------------------------------------------------------------------

    async def meldingen(self, ctx: Context) -> Reply:
        """Every topic with an on/off button; nothing is on unless the member says so.
        ``/meldingen nieuws uit`` (``/notifications news off``) switches one at once."""
        member_id = ctx.require_member()
        name = ctx.args.get("onderwerp")
        if name is not None:
            topic = topic_named(str(name))
            wanted = ctx.args.get("aan_uit") not in ("uit", "off")
            await self._choices.set_topic(member_id, topic, wanted)
        return await self._menu(member_id)

    async def _menu(self, member_id: int, *, first_time: bool = False) -> Reply:
        topics = await self._choices.topics_of(member_id)
        channel = await self._choices.channel_of(member_id)
        return render.choices(topics, channel, first_time=first_time)

    async def onboarding(self, ctx: Context, member_id: int) -> list[Reply]:
        """Right after registration, once: which topics (all off)."""
        if not await self._choices.ask_once(member_id):
            return []
        return [await self._menu(member_id, first_time=True)]

    # -- organizers -----------------------------------------------------------------------------

    async def aankondiging(self, ctx: Context) -> list[Reply]:
        return await self._conversations.start(ctx, FLOW)

    async def aankondigingen(self, ctx: Context) -> Reply:
        return render.broadcast_list(await self._service.recent())

    async def status(self, ctx: Context) -> list[Reply]:
        return await self._status(ctx.args["nummer"])

    async def _status(self, broadcast_id: int) -> list[Reply]:
        broadcast = await self._service.get(broadcast_id)
        counts = await self._service.counts(broadcast_id)
        return render.status(broadcast, counts, await self._service.failures_csv(broadcast_id))

    async def stop(self, ctx: Context) -> Reply:
        broadcast = await self._service.stop(ctx.args["nummer"])
        return Reply(_("Broadcast {id} is stopped.").format(id=broadcast.id))

    async def cancel(self, ctx: Context) -> Reply:
        broadcast = await self._service.cancel(ctx.args["nummer"])
        return Reply(_("Broadcast {id} is cancelled; nothing was sent.").format(id=broadcast.id))

    # -- buttons --------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> Reply | list[Reply]:
        pressed = actions.decode(parts)
        if pressed.verb in (Verb.STOP, Verb.CANCEL, Verb.STATUS):
            if ctx.caller.role < Role.ORGANIZER:
                raise UserError(_("This button is not for you."))
            if pressed.verb is Verb.STATUS:
                return await self._status(pressed.ids[0])
            if pressed.verb is Verb.STOP:
                broadcast = await self._service.stop(pressed.ids[0])
                return Reply(_("Broadcast {id} is stopped.").format(id=broadcast.id))
            broadcast = await self._service.cancel(pressed.ids[0])
            return Reply(
                _("Broadcast {id} is cancelled; nothing was sent.").format(id=broadcast.id)
            )
        member_id = ctx.require_member()
        if pressed.verb is Verb.DONE:
            topics = await self._choices.topics_of(member_id)
            if not topics:
                return Reply(
                    _("Nothing is on. You can change that any time with /meldingen."),
                    replace=True,
                )
            return Reply(
                _("Saved: {topics}. Change it any time with /meldingen.").format(
                    topics=", ".join(topic.value for topic in sorted(topics))
                ),
                replace=True,
            )
        if pressed.verb is Verb.CHANNEL:
            await self._choices.set_channel(member_id, actions.CHANNELS[pressed.ids[0] - 1])
        else:
            topic = actions.TOPICS[pressed.ids[0] - 1]
            await self._choices.set_topic(member_id, topic, pressed.verb is Verb.ON)
        menu = await self._menu(member_id)
        return Reply(menu.text, menu.buttons, private=True, replace=True)
