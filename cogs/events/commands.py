"""The events' commands and buttons: declarations and thin handlers.

Each handler checks who asks, calls the service and hands what it gets to ``render``; the
rules (capacity, waitlist, offers, the door) live in
:class:`~cogs.events.service.EventService`.
"""

from __future__ import annotations

import logging

from bot.core.commands import Action, Arg, ArgKind, Command, Registry
from bot.core.context import Context
from bot.core.conversation import Conversations
from bot.core.errors import UserError
from bot.core.i18n import N_, _, ngettext
from bot.core.links import Links
from bot.core.types import Attachment, Button, Reply, Role
from bot.core.yamlfile import DefinitionError, has_top_key
from cogs.events import actions, render
from cogs.events.actions import Verb
from cogs.events.door import checkin_payload, door_list_csv, door_list_pdf
from cogs.events.flows import CHANGE_FLOW, CREATE_FLOW
from cogs.events.service import EventService
from storage.records.events import EventStatus, SignupState

log = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")


class EventCommands:
    def __init__(
        self, service: EventService, conversations: Conversations, links: Links
    ) -> None:
        self._service = service
        self._conversations = conversations
        self._links = links

    def declare(self, registry: Registry) -> None:
        number = Arg("evenement", N_("event number (see /evenementen)"), ArgKind.INTEGER, min_value=1)
        registry.add_commands(
            [
                Command(
                    "evenementen",
                    "events",
                    N_("Upcoming events: the Festival and gatherings, sign up"),
                    self.evenementen,
                    role=Role.GUEST,
                ),
                Command(
                    "evenement",
                    "event",
                    N_("One event: time, place, programme, places left"),
                    self.evenement,
                    role=Role.GUEST,
                    args=(number,),
                ),
                Command(
                    "evenement_nieuw",
                    "event_new",
                    N_("Create an event (organizers; or send an event file)"),
                    self.nieuw,
                    role=Role.ORGANIZER,
                    personal=True,
                ),
                Command(
                    "evenement_wijzig",
                    "event_edit",
                    N_("Change an event's time, place or places (organizers)"),
                    self.wijzig,
                    role=Role.ORGANIZER,
                    personal=True,
                    args=(number,),
                ),
                Command(
                    "evenement_annuleer",
                    "event_cancel",
                    N_("Cancel an event; everyone signed up hears of it (organizers)"),
                    self.annuleer,
                    role=Role.ORGANIZER,
                    personal=True,
                    args=(number,),
                ),
                Command(
                    "deelnemers",
                    "attendees",
                    N_("Who is coming: counts, sessions, segments and a CSV (organizers)"),
                    self.deelnemers,
                    role=Role.ORGANIZER,
                    personal=True,
                    args=(number,),
                ),
                Command(
                    "deurlijst",
                    "door_list",
                    N_("The door list as CSV and a printable PDF (organizers)"),
                    self.deurlijst,
                    role=Role.ORGANIZER,
                    personal=True,
                    args=(number,),
                ),
                Command(
                    "deurploeg",
                    "door_staff",
                    N_("Let a member check people in at an event (organizers)"),
                    self.deurploeg,
                    role=Role.ORGANIZER,
                    args=(
                        number,
                        Arg("lid", N_("member number (see /leden)"), ArgKind.INTEGER, min_value=1),
                    ),
                ),
                Command(
                    "inchecken",
                    "checkin",
                    N_("Check someone in at the door with their code (door staff)"),
                    self.inchecken,
                    args=(Arg("code", N_("the check-in code"), max_length=100, rest=True),),
                ),
            ]
        )
        registry.action(Action(actions.PREFIX, self.on_button, role=Role.GUEST))
        registry.upload(self.on_upload)
        registry.deep_link("ci", self.on_checkin_link)

    # -- everyone --------------------------------------------------------------------------------

    async def evenementen(self, ctx: Context) -> Reply:
        organizer = ctx.caller.role >= Role.ORGANIZER
        member_id = ctx.caller.member_id
        events = await self._service.upcoming(member_id, everything=organizer)
        mine = {}
        if member_id is not None:
            mine = {signup.event_id: signup.state for signup in await self._service.my_signups(member_id)}
        return render.event_list(events, mine, organizer=organizer)

    async def evenement(self, ctx: Context) -> Reply:
        return await self._page(ctx, int(ctx.args["evenement"]))

    async def _page(self, ctx: Context, event_id: int) -> Reply:
        event = await self._service.get(event_id)
        signup = None
        if ctx.caller.member_id is not None:
            signup = await self._service.signup_of(event_id, ctx.caller.member_id)
        if ctx.caller.role < Role.ORGANIZER and signup is None:
            await self._service.check_visible(event, ctx.caller.member_id)
        left, waiting = await self._service.availability(event)
        return render.event_page(event, signup, left, waiting)

    # -- organizers ------------------------------------------------------------------------------

    async def nieuw(self, ctx: Context) -> list[Reply]:
        return await self._conversations.start(ctx, CREATE_FLOW)

    async def wijzig(self, ctx: Context) -> list[Reply]:
        event = await self._service.get(int(ctx.args["evenement"]))
        if event.status is EventStatus.CANCELLED:  # refused now, not after three questions
            raise UserError(_("Event {id} is cancelled; it cannot be changed.").format(id=event.id))
        return await self._conversations.start(ctx, CHANGE_FLOW, {"event": event.id})

    async def annuleer(self, ctx: Context) -> Reply:
        event = await self._service.get(int(ctx.args["evenement"]))
        if event.status is EventStatus.CANCELLED:
            raise UserError(_("Event {id} is cancelled already.").format(id=event.id))
        _places, waiting = await self._service.availability(event)
        going = (await self._service.participants(event.id)).people(SignupState.GOING)
        return Reply(
            _("Cancel “{title}”?").format(title=event.title)
            + " "
            + ngettext(
                "{n} member is signed up or on the waitlist; they get a message with a "
                "calendar file that removes it.",
                "{n} members are signed up or on the waitlist; they get a message with a "
                "calendar file that removes it.",
                going + waiting,
            ).format(n=going + waiting),
            ((Button(_("Yes, cancel the event"), actions.encode(Verb.CANCEL, event.id)),),),
            private=True,
        )

    async def deelnemers(self, ctx: Context) -> list[Reply]:
        event_id = int(ctx.args["evenement"])
        stats = await self._service.participants(event_id)
        return render.participants(stats, await self._service.participants_csv(event_id))

    async def deurlijst(self, ctx: Context) -> list[Reply]:
        event, entries = await self._service.door_entries(int(ctx.args["evenement"]))
        return [
            Reply(
                ngettext(
                    "Door list of “{title}”: {n} person going. It works offline: print the PDF.",
                    "Door list of “{title}”: {n} people going. It works offline: print the PDF.",
                    len(entries),
                ).format(title=event.title, n=len(entries)),
                attachment=Attachment(
                    f"deurlijst-{event.id}.csv", door_list_csv(event, entries), "text/csv"
                ),
                private=True,
            ),
            Reply(
                _("Printable door list."),
                attachment=Attachment(
                    f"deurlijst-{event.id}.pdf", door_list_pdf(event, entries), "application/pdf"
                ),
                private=True,
            ),
        ]

    async def deurploeg(self, ctx: Context) -> Reply:
        event = await self._service.get(int(ctx.args["evenement"]))
        member_id = int(ctx.args["lid"])
        added = await self._service.add_door_staff(event.id, member_id)
        if not added:
            return Reply(
                _("Member {member} already checks people in at “{title}”.").format(
                    member=member_id, title=event.title
                )
            )
        return Reply(
            _(
                "Member {member} can now check people in at “{title}” with /inchecken or by "
                "scanning the QR codes."
            ).format(member=member_id, title=event.title)
        )

    # -- the door --------------------------------------------------------------------------------

    async def inchecken(self, ctx: Context) -> Reply:
        return await self._check_in(ctx, str(ctx.args["code"]))

    async def on_checkin_link(self, ctx: Context, code: str) -> Reply:
        """A scanned QR code: ``/start ci-<code>`` from the scanner's own account."""
        return await self._check_in(ctx, code)

    async def _check_in(self, ctx: Context, code: str) -> Reply:
        result = await self._service.check_in(
            code,
            by=ctx.identity.key,
            member_id=ctx.caller.member_id,
            organizer=ctx.caller.role >= Role.ORGANIZER,
        )
        return render.checkin(result)

    # -- files -----------------------------------------------------------------------------------

    async def on_upload(self, ctx: Context, attachment: Attachment) -> Reply | None:
        """An event file (YAML with ``starts:``) from an organizer."""
        if not attachment.filename.lower().endswith(YAML_SUFFIXES):
            return None
        if not has_top_key(attachment.data, "starts") or has_top_key(attachment.data, "questions"):
            return None  # a survey file: the surveys module reads it
        if ctx.caller.role < Role.ORGANIZER:
            raise UserError(_("Only organizers can create events from a file."))
        try:
            event = await self._service.import_file(attachment.data, ctx.identity.key)
        except DefinitionError as problem:
            lines = "\n".join(problem.problems[:20])
            return Reply(
                _("Nothing was created; the file has these problems:") + "\n" + lines,
                private=True,
                refusal=True,
            )
        return render.created(event)

    # -- buttons ---------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, parts: list[str]) -> list[Reply]:
        pressed = actions.decode(parts)
        verb, ids = pressed.verb, pressed.ids
        if verb is Verb.SHOW:
            return [await self._page(ctx, ids[0])]
        if verb is Verb.CANCEL:
            if ctx.caller.role < Role.ORGANIZER:
                raise UserError(_("This button is not for you."))
            event = await self._service.cancel(ids[0], by=ctx.identity.key)
            return [
                Reply(
                    _("“{title}” is cancelled; everyone signed up gets a message.").format(
                        title=event.title
                    ),
                    replace=True,
                )
            ]
        member_id = ctx.require_member()
        if verb in (Verb.GO, Verb.GO_GUEST):
            result = await self._service.rsvp(
                ids[0], member_id, going=True, guest=verb is Verb.GO_GUEST
            )
            return await self._signed_up(result.event.id, member_id, result.guest_refused)
        if verb is Verb.NOT_GOING:
            result = await self._service.rsvp(ids[0], member_id, going=False)
            return [render.not_going(result.event, result.before)]
        if verb is Verb.CLAIM:
            result = await self._service.claim(ids[0], member_id)
            return await self._signed_up(result.event.id, member_id, False)
        if verb is Verb.PASS:
            await self._service.decline_offer(ids[0], member_id)
            return [
                Reply(
                    _("Thank you for letting us know; the place goes to the next person."),
                    replace=True,
                )
            ]
        if verb in (Verb.REMINDERS_OFF, Verb.REMINDERS_ON):
            on = verb is Verb.REMINDERS_ON
            await self._service.set_reminders(ids[0], member_id, on)
            return [render.reminders_set(await self._service.get(ids[0]), on)]
        if verb is Verb.CALENDAR:
            event = await self._service.get(ids[0])
            signup = await self._service.signup_of(event.id, member_id)
            chosen = () if signup is None else signup.session_ids
            return [render.calendar_reply(event, [s for s in event.sessions if s.id in chosen])]
        if verb is Verb.CODE:
            event = await self._service.get(ids[0])
            signup = await self._service.signup_of(event.id, member_id)
            if signup is None or signup.state is not SignupState.GOING:
                raise UserError(_("You have no place at this event, so no check-in code."))
            return [render.checkin_reply(event, signup, self._checkin_link(signup.checkin_code))]
        if verb is Verb.PROGRAMME:
            return [await self._sessions(ids[0], member_id)]
        if verb is Verb.SESSION:
            event_id, session_id = ids
            signup = await self._service.signup_of(event_id, member_id)
            if signup is None:
                raise UserError(_("Sign up for the event first; then choose sessions."))
            wanted = session_id not in signup.session_ids
            await self._service.choose_session(signup.id, member_id, session_id, wanted)
            return [await self._sessions(event_id, member_id)]
        raise UserError(_("This button no longer works."))

    async def _sessions(self, event_id: int, member_id: int) -> Reply:
        event = await self._service.get(event_id)
        signup = await self._service.signup_of(event_id, member_id)
        if signup is None or signup.state not in (SignupState.GOING, SignupState.OFFERED):
            raise UserError(_("Sign up for the event first; then choose sessions."))
        if not event.sessions:
            raise UserError(_("This event has no programme to choose from."))
        taken = (await self._service.participants(event_id)).sessions
        return render.sessions_menu(event, signup, taken)

    def _checkin_link(self, code: str) -> str | None:
        """What the QR code holds: a link that opens the bot with the code, where a platform
        can make one (Telegram); the code itself otherwise."""
        return self._links.start(checkin_payload(code))

    async def _signed_up(self, event_id: int, member_id: int, guest_refused: bool) -> list[Reply]:
        event = await self._service.get(event_id)
        signup = await self._service.signup_of(event_id, member_id)
        assert signup is not None  # just signed up
        ahead = 0
        if signup.state is SignupState.WAITLISTED:
            ahead = await self._service.waitlist_ahead(signup)
        return render.signed_up(
            event,
            signup,
            ahead=ahead,
            guest_refused=guest_refused,
            checkin_link=self._checkin_link(signup.checkin_code),
            claim_hours=self._service.claim_hours(event),
        )
