"""The events' conversations: creating an event in chat, and changing one.

``/evenement_nieuw`` asks kind, title, start, end, place (a venue or an online link),
address, places, guest and description, then shows the event as members will see it with
[Opslaan] [Aanpassen] [Annuleren]. A programme, an RSVP deadline or an audience are for
the event file (the preview says so); a deadline can also be set with
``/evenement_wijzig``. Every answer is kept in the stored conversation, so a restart in
the middle continues at the same question. Times are typed in Dutch time and checked
against the change to and from summer time (:func:`bot.core.clock.local_moment`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any

from bot.core.bounds import parse_int
from bot.core.checks import checked_line, checked_link, checked_text
from bot.core.clock import LOCAL_ZONE, MomentError, local_moment, utcnow
from bot.core.context import Context
from bot.core.conversation import Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from bot.core.types import Button, Reply, in_rows
from cogs.events import render
from cogs.events.definition import (
    MAX_ADDRESS,
    MAX_CAPACITY,
    MAX_DESCRIPTION,
    MAX_TITLE,
    MAX_VENUE_NAME,
)
from cogs.events.service import EventService
from storage.records.events import EventKind, EventRecord, EventStatus, NewEvent, Venue

CREATE_FLOW = "event_new"
CHANGE_FLOW = "event_edit"
STOP_HINT = "(Type /stop to stop.)"
CHANGEABLE = ("kind", "title", "starts", "ends", "where", "address", "capacity", "guest", "description")
EDITABLE = ("title", "starts", "ends", "where", "capacity", "deadline", "description")




def _moment(text: str, *, default_time: time | None = None) -> datetime:
    try:
        return local_moment(text, default_time=default_time)
    except MomentError as problem:
        raise InvalidAnswer(str(problem)) from None


def end_moment(text: str, starts_at: datetime) -> datetime:
    """The end as a time on the start's day ("17:00") or a full date and time; after the start."""
    raw = text.strip()
    if len(raw) <= 5 and (":" in raw or "." in raw):
        day = starts_at.astimezone(LOCAL_ZONE).date()
        raw = f"{day.isoformat()} {raw}"
    ends_at = _moment(raw)
    if ends_at <= starts_at:
        raise InvalidAnswer(_("The end must come after the start."))
    return ends_at


def future_start(text: str) -> datetime:
    starts_at = _moment(text)
    if starts_at <= utcnow():
        raise InvalidAnswer(_("That moment has passed; please give a time in the future."))
    return starts_at


def capacity_answer(text: str) -> int | None:
    """A number of places, or None for "no limit"."""
    if text.strip().lower() in ("none", "geen", "no limit", "geen limiet"):
        return None
    number = parse_int(text.strip(), low=1, high=MAX_CAPACITY)
    if number is None:
        raise InvalidAnswer(_("Please give a number from 1 to {max}.").format(max=MAX_CAPACITY))
    return number


def place_answer(text: str) -> tuple[str | None, str | None]:
    """(venue name, online link) from one answer: a link is online, anything else a venue."""
    raw = text.strip()
    try:
        if raw.lower().startswith(("https://", "http://")):
            return None, checked_link(raw)
        return checked_line(raw, MAX_VENUE_NAME), None
    except UserError as problem:
        raise InvalidAnswer.of(problem) from None


def _kind_buttons(flow: Flow, step: str) -> tuple[tuple[Button, ...], ...]:
    return (
        tuple(
            flow.button(step, render.kind_name(kind).capitalize()[:40], kind.value)
            for kind in EventKind
        ),
    )


class CreateEventFlow(Flow):
    """``/evenement_nieuw``: a short conversation, then a preview to save."""

    name = CREATE_FLOW
    first_step = "kind"

    def __init__(self, service: EventService) -> None:
        self._service = service

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        if step == "kind":
            return Reply(
                _("New event. What kind of event is it?") + "\n" + _(STOP_HINT),
                _kind_buttons(self, step),
                private=True,
            )
        if step == "title":
            return Reply(_("The title of the event?"), private=True, expects_text=True)
        if step == "starts":
            return Reply(
                _("When does it start? Type the date and time in Dutch time, like 2027-05-11 10:00."),
                private=True,
                expects_text=True,
            )
        if step == "ends":
            return Reply(
                _("When does it end? A time on the same day (17:00) or a date and time."),
                private=True,
                expects_text=True,
            )
        if step == "where":
            return Reply(
                _("Where? Type the name of the venue, or an online link (https://…)."),
                private=True,
                expects_text=True,
            )
        if step == "address":
            return Reply(
                _("The address of {venue}? A map link is added for members.").format(
                    venue=data.get("venue") or ""
                ),
                ((self.button(step, _("No address"), "none"),),),
                private=True,
                expects_text=True,
            )
        if step == "capacity":
            return Reply(
                _("How many places are there? Type a number, or press No limit."),
                ((self.button(step, _("No limit"), "none"),),),
                private=True,
                expects_text=True,
            )
        if step == "guest":
            return Reply(
                _("May members bring one guest (+1)? A guest takes a place too."),
                ((self.button(step, _("Yes"), "yes"), self.button(step, _("No"), "no")),),
                private=True,
            )
        if step == "description":
            return Reply(
                _("A short description for members (at most {count} characters), or press No description.").format(
                    count=MAX_DESCRIPTION
                ),
                ((self.button(step, _("No description"), "none"),),),
                private=True,
                expects_text=True,
            )
        if step == "preview":
            return Reply(
                _(
                    "This is how members will see it. A programme, a sign-up deadline or an "
                    "audience? Put them in an event file (see the README) or use /evenement_wijzig."
                ),
                (
                    (
                        self.button(step, _("Save"), "save"),
                        self.button(step, _("Change"), "change"),
                        self.button(step, _("Cancel"), "cancel"),
                    ),
                ),
                private=True,
            )
        if step == "change":
            labels = {
                "kind": _("Kind"),
                "title": _("Title"),
                "starts": _("Start"),
                "ends": _("End"),
                "where": _("Place"),
                "address": _("Address"),
                "capacity": _("Places"),
                "guest": _("Guest"),
                "description": _("Description"),
            }
            options = [self.button(step, labels[part], part) for part in CHANGEABLE]
            options.append(self.button(step, _("Back to the preview"), "back"))
            return Reply(_("What do you want to change?"), in_rows(options, 3), private=True)
        raise ValueError(step)

    def draft(self, data: dict[str, Any]) -> NewEvent:
        starts_at = datetime.fromisoformat(data["starts"])
        return NewEvent(
            title=str(data["title"]),
            description=str(data.get("description") or ""),
            kind=EventKind(data["kind"]),
            starts_at=starts_at,
            ends_at=datetime.fromisoformat(data["ends"]),
            venue=Venue(
                name=data.get("venue") or None,
                address=data.get("address") or None,
                online_url=data.get("online") or None,
            ),
            capacity=data.get("capacity"),
            allow_guest=bool(data.get("guest")),
            time_zone=LOCAL_ZONE.key,
        )

    def _preview(self, data: dict[str, Any]) -> list[Reply]:
        """The event page as a member sees it (a record that is not stored)."""
        new = self._service.with_map(self.draft(data))
        now = utcnow()
        record = EventRecord(
            id=0,
            uid="",
            sequence=0,
            title=new.title,
            description=new.description,
            kind=new.kind,
            status=EventStatus.PLANNED,
            starts_at=new.starts_at,
            ends_at=new.ends_at,
            time_zone=new.time_zone,
            venue=new.venue,
            capacity=new.capacity,
            rsvp_deadline=None,
            allow_guest=new.allow_guest,
            audience={},
            created_by=None,
            created_at=now,
            updated_at=now,
        )
        return [Reply(render.event_text(record, new.capacity, 0), private=True)]

    def _then(self, data: dict[str, Any], following: str) -> Outcome:
        """On to ``following``, or back to the preview when a single part was changed."""
        if data.get("changing"):
            return Outcome("preview", self._preview(data))
        return Outcome(following)

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        if step == "kind":
            if text not in {kind.value for kind in EventKind}:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["kind"] = text
            return self._then(data, "title")
        if step == "title":
            try:
                data["title"] = checked_line(text, MAX_TITLE)
            except UserError as problem:
                raise InvalidAnswer.of(problem) from None
            return self._then(data, "starts")
        if step == "starts":
            starts_at = future_start(text)
            if data.get("ends"):  # a changed start moves the end along
                length = datetime.fromisoformat(data["ends"]) - datetime.fromisoformat(data["starts"])
                data["ends"] = (starts_at + length).isoformat()
            data["starts"] = starts_at.isoformat()
            return self._then(data, "ends")
        if step == "ends":
            data["ends"] = end_moment(text, datetime.fromisoformat(data["starts"])).isoformat()
            return self._then(data, "where")
        if step == "where":
            venue, online = place_answer(text)
            data["venue"], data["online"] = venue, online
            if online is not None:
                data.pop("address", None)
                return self._then(data, "capacity")
            return Outcome("address")
        if step == "address":
            if text == "none":
                data.pop("address", None)
            else:
                try:
                    data["address"] = checked_line(text, MAX_ADDRESS)
                except UserError as problem:
                    raise InvalidAnswer.of(problem) from None
            return self._then(data, "capacity")
        if step == "capacity":
            data["capacity"] = capacity_answer(text)
            return self._then(data, "guest")
        if step == "guest":
            if text not in ("yes", "no"):
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["guest"] = text == "yes"
            return self._then(data, "description")
        if step == "description":
            if text == "none":
                data["description"] = ""
            else:
                try:
                    data["description"] = checked_text(answer, MAX_DESCRIPTION)
                except UserError as problem:
                    raise InvalidAnswer.of(problem) from None
            return Outcome("preview", self._preview(data))
        if step == "preview":
            return await self._decide(ctx, data, text)
        if step == "change":
            if text == "back":
                return Outcome("preview", self._preview(data))
            if text not in CHANGEABLE:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["changing"] = True
            return Outcome(text)
        raise ValueError(step)

    async def _decide(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if text == "cancel":
            return Outcome(None, [Reply(_("Cancelled; no event was created."), private=True)])
        if text == "change":
            return Outcome("change")
        if text != "save":
            raise InvalidAnswer(_("Please choose one of the buttons."))
        try:
            event = await self._service.create(replace(self.draft(data), created_by=ctx.identity.key))
        except UserError as problem:
            raise InvalidAnswer(problem.message + " " + _("Press Change to correct it.")) from None
        return Outcome(None, [render.created(event)])


class ChangeEventFlow(Flow):
    """``/evenement_wijzig <n>``: what to change, the new value, and a confirmation that
    says who will hear of it."""

    name = CHANGE_FLOW
    first_step = "what"

    def __init__(self, service: EventService) -> None:
        self._service = service

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        event = await self._service.get(int(data["event"]))
        if step == "what":
            labels = {
                "title": _("Title"),
                "starts": _("Start"),
                "ends": _("End"),
                "where": _("Place"),
                "capacity": _("Places"),
                "deadline": _("Sign-up deadline"),
                "description": _("Description"),
            }
            options = [self.button(step, labels[part], part) for part in EDITABLE]
            return Reply(
                _("What do you want to change of “{title}”?").format(title=event.title)
                + "\n"
                + _(STOP_HINT),
                in_rows(options, 3),
                private=True,
            )
        if step == "value":
            what = data["what"]
            questions = {
                "title": _("The new title?"),
                "starts": _(
                    "The new start, in Dutch time, like 2027-05-11 10:00? The end moves along."
                ),
                "ends": _("The new end: a time on the same day (17:00) or a date and time?"),
                "where": _(
                    "The new place: the name of the venue, then on a new line its address; or an online link (https://…)."
                ),
                "capacity": _("How many places now? Type a number, or press No limit."),
                "deadline": _("Until when can members sign up? Like 2027-05-09 23:59."),
                "description": _("The new description?"),
            }
            buttons: tuple[tuple[Button, ...], ...] = ()
            if what == "capacity":
                buttons = ((self.button(step, _("No limit"), "none"),),)
            return Reply(questions[what], buttons, private=True, expects_text=True)
        if step == "confirm":
            going = await self._service.people_signed_up(event.id)
            notice = ""
            if data["what"] in ("starts", "ends", "where"):
                notice = " " + _(
                    "The {n} members signed up or on the waitlist get a message with a new calendar file."
                ).format(n=going)
            return Reply(
                _("Change it to: {value}?").format(value=data["shown"]) + notice,
                ((self.button(step, _("Yes, change it"), "yes"), self.button(step, _("Cancel"), "no")),),
                private=True,
            )
        raise ValueError(step)

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        event = await self._service.get(int(data["event"]))
        if event.status is EventStatus.CANCELLED:  # cancelled while this conversation ran
            message = _("Event {id} is cancelled; it cannot be changed.").format(id=event.id)
            return Outcome(None, [Reply(message, private=True)])
        if step == "what":
            if text not in EDITABLE:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["what"] = text
            return Outcome("value")
        if step == "value":
            data["value"], data["shown"] = self._value(event, data["what"], answer)
            return Outcome("confirm")
        if step == "confirm":
            if text == "no":
                return Outcome(None, [Reply(_("Nothing was changed."), private=True)])
            if text != "yes":
                raise InvalidAnswer(_("Please choose one of the buttons."))
            changed = await self._apply(ctx, event, data["what"], data["value"])
            left, waiting = await self._service.availability(changed)
            return Outcome(
                None,
                [
                    Reply(
                        _("Event {id} is changed:").format(id=changed.id)
                        + "\n"
                        + render.event_text(changed, left, waiting),
                        private=True,
                    )
                ],
            )
        raise ValueError(step)

    def _value(self, event: EventRecord, what: str, answer: str) -> tuple[Any, str]:
        """The new value as stored in the conversation (JSON) and as shown to confirm."""
        text = answer.strip()
        try:
            if what == "title":
                title = checked_line(text, MAX_TITLE)
                return title, title
            if what == "description":
                description = checked_text(answer, MAX_DESCRIPTION)
                return description, description[:200]
            if what == "starts":
                starts_at = future_start(text)
                return starts_at.isoformat(), render.moment_text(starts_at, event.time_zone)
            if what == "ends":
                ends_at = end_moment(text, event.starts_at)
                return ends_at.isoformat(), render.moment_text(ends_at, event.time_zone)
            if what == "deadline":
                deadline = _moment(text, default_time=time(23, 59))
                if deadline >= event.ends_at:
                    raise InvalidAnswer(_("The deadline must be before the event ends."))
                return deadline.isoformat(), render.moment_text(deadline, event.time_zone)
            if what == "capacity":
                places = capacity_answer(text)
                return places, _("No limit") if places is None else str(places)
            if what == "where":
                first, _newline, rest = text.replace(";", "\n", 1).partition("\n")
                venue, online = place_answer(first)
                address = checked_line(rest, MAX_ADDRESS) if rest.strip() and venue else None
                shown = online or ", ".join(part for part in (venue, address) if part)
                return {"name": venue, "address": address, "online": online}, shown
        except UserError as problem:
            raise InvalidAnswer.of(problem) from None
        raise ValueError(what)

    async def _apply(self, ctx: Context, event: EventRecord, what: str, value: Any) -> EventRecord:
        by = ctx.identity.key
        try:
            if what == "title":
                return await self._service.change(event.id, title=value, by=by)
            if what == "description":
                return await self._service.change(event.id, description=value, by=by)
            if what == "starts":
                return await self._service.change(
                    event.id, starts_at=datetime.fromisoformat(value), by=by
                )
            if what == "ends":
                return await self._service.change(event.id, ends_at=datetime.fromisoformat(value), by=by)
            if what == "deadline":
                return await self._service.change(
                    event.id, rsvp_deadline=datetime.fromisoformat(value), by=by
                )
            if what == "capacity":
                return await self._service.change(
                    event.id, capacity=value, unlimited=value is None, by=by
                )
            if what == "where":
                venue = Venue(name=value["name"], address=value["address"], online_url=value["online"])
                return await self._service.change(event.id, venue=venue, by=by)
        except UserError as problem:
            raise InvalidAnswer(problem.message) from None
        raise ValueError(what)


__all__ = ["CHANGE_FLOW", "CREATE_FLOW", "ChangeEventFlow", "CreateEventFlow"]
