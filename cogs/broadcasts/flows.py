"""Composing an announcement in chat: topic, text, file, link, audience, when, preview.

Every answer is kept in the stored conversation (a file as the number of the stored
file), so a restart in the middle continues at the same question. The organizer sees the
message exactly as members will get it before anything is sent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.core.bounds import EARLIEST, LATEST
from bot.core.clock import LOCAL_ZONE, utcnow, when
from bot.core.context import Context
from bot.core.conversation import Flow, Outcome
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _, ngettext
from bot.core.outbox import Broadcast
from bot.core.types import Attachment, Reply, in_rows
from cogs.broadcasts import render
from cogs.broadcasts.messages import ANNOUNCEMENT, BroadcastMessages
from cogs.broadcasts.service import BroadcastService
from storage.vocabulary import SEGMENTS, Topic, known

FLOW = "compose"
MAX_TEXT = 1800
"""Room for the stop line under the longest message a chat platform takes at once."""
MAX_LINK = 500
MAX_LABEL = 40
URL = re.compile(r"^https?://\S+$")
SEGMENT_NAMES = {"work_situation", "province", "kind"}



def parse_moment(text: str) -> datetime:
    """"2026-12-01 09:00" (Dutch time) or with a zone; in the window and in the future."""
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T", 1) if "T" not in raw else raw)
    except ValueError:
        raise InvalidAnswer(_("Please type a date and time like 2026-12-01 09:00.")) from None
    if not EARLIEST.year <= moment.year < LATEST.year:
        raise InvalidAnswer(_("Please type a date and time like 2026-12-01 09:00."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    if moment <= utcnow():
        raise InvalidAnswer(_("That moment has passed; please give a time in the future."))
    return moment


class ComposeFlow(Flow):
    name = FLOW
    first_step = "topic"

    def __init__(self, service: BroadcastService, messages: BroadcastMessages) -> None:
        self._service = service
        self._messages = messages

    # -- questions -------------------------------------------------------------------------------

    async def prompt(self, ctx: Context, step: str, data: dict[str, Any]) -> Reply:
        head = _("New announcement.") + " "
        if step == "topic":
            options = [self.button(step, render.topic_name(topic), topic.value) for topic in Topic]
            return Reply(
                head + _("Which topic is it? Only members who chose it get it.")
                + "\n" + _("(Type /stop to stop.)"),
                in_rows(options, 1),
                private=True,
            )
        if step == "text":
            return Reply(
                head
                + _(
                    "Type the text. *bold*, _italic_ and [a link](https://…) are shown as such "
                    "on every platform."
                ),
                private=True,
                expects_text=True,
            )
        if step == "file":
            return Reply(
                _("Send an image or a file to go with it, or press No file."),
                ((self.button(step, _("No file"), "none"),),),
                private=True,
            )
        if step == "link":
            return Reply(
                _(
                    "A button with a link under it? Type the address and the button text, e.g. "
                    "https://dewerkvereniging.nl/magazine Lees het magazine — or press No button."
                ),
                ((self.button(step, _("No button"), "none"),),),
                private=True,
                expects_text=True,
            )
        if step == "audience":
            return Reply(
                _("Who gets it?"),
                (
                    (self.button(step, _("Everyone with this topic"), "all"),),
                    (self.button(step, _("By work situation"), "work_situation"),),
                    (self.button(step, _("By province"), "province"),),
                    (self.button(step, _("By kind of member"), "kind"),),
                ),
                private=True,
            )
        if step == "segment":
            segment = data["segment"]
            chosen = set(data.get("audience", {}).get(segment, []))
            options = [
                self.button(
                    step, ("☑ " if code.value in chosen else "☐ ") + _(code.label), code.value
                )
                for code in SEGMENTS[segment]
            ]
            options.append(self.button(step, _("Done") + " ✓", "done"))
            return Reply(_("Choose one or more, then press Done."), in_rows(options, 2), private=True)
        if step == "when":
            return Reply(
                _("When?"),
                ((self.button(step, _("Now"), "now"), self.button(step, _("Later"), "later")),),
                private=True,
            )
        if step == "time":
            return Reply(
                _("Type the date and time (Dutch time), e.g. 2026-12-01 09:00."),
                private=True,
                expects_text=True,
            )
        if step == "preview":
            return await self._summary(data)
        raise ValueError(step)

    async def _summary(self, data: dict[str, Any]) -> Reply:
        topic = Topic(data["topic"])
        members = await self._audience(data)
        planned = data.get("planned_at")
        moment = _("now") if not planned else when(datetime.fromisoformat(planned))
        chats = len(self._service.announcement_chats)
        reaches = render.members(len(members))
        if chats:
            reaches += " + " + ngettext(
                "{n} announcement chat", "{n} announcement chats", chats
            ).format(n=chats)
        text = _(
            "Above is the message as members will see it.\nTopic: {topic}\nReaches: {reaches}"
            "\nWhen: {when}"
        ).format(topic=render.topic_name(topic), reaches=reaches, when=moment)
        return Reply(
            text,
            (
                (
                    self.button("preview", _("Send"), "send"),
                    self.button("preview", _("Change"), "change"),
                    self.button("preview", _("Cancel"), "cancel"),
                ),
            ),
            private=True,
        )

    async def _audience(self, data: dict[str, Any]) -> list[int]:
        audience = data.get("audience", {})
        return await self._service.audience(
            Topic(data["topic"]),
            work_situations=frozenset(audience.get("work_situation", ())),
            provinces=frozenset(audience.get("province", ())),
            kinds=frozenset(audience.get("kind", ())),
        )

    async def preview(self, data: dict[str, Any]) -> Reply:
        """The message itself, as a member with this topic gets it (with the stop line)."""
        message = await self._messages.announcement(self._params(data))
        topic = Topic(data["topic"])
        return Reply(
            f"{message.text}\n\n{render.stop_line(topic)}",
            message.buttons,
            attachment=message.attachment,
            markup=True,
            private=True,
        )

    @staticmethod
    def _params(data: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"text": data["text"]}
        if data.get("file"):
            params["file"] = data["file"]
        if data.get("link_url"):
            params["link_url"] = data["link_url"]
            params["link_label"] = data.get("link_label") or _("More")
        return params

    # -- answers -------------------------------------------------------------------------------

    async def accept_file(
        self, ctx: Context, step: str, data: dict[str, Any], attachment: Attachment
    ) -> Outcome:
        if step != "file":
            raise InvalidAnswer(_("Please answer with text or a button, not a file."))
        try:
            data["file"] = await self._service.store_file(attachment)
        except UserError as problem:
            raise InvalidAnswer(problem.message) from None
        return Outcome("link")

    async def accept(self, ctx: Context, step: str, data: dict[str, Any], answer: str) -> Outcome:
        text = answer.strip()
        if step == "topic":
            topic = known(Topic, text.lower())
            if topic is None:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["topic"] = topic.value
            return Outcome("text")
        if step == "text":
            if not text:
                raise InvalidAnswer(_("Please type the text of the announcement."))
            if len(text) > MAX_TEXT:
                raise InvalidAnswer(
                    _("Please keep it to {count} characters.").format(count=MAX_TEXT)
                )
            data["text"] = text
            if data.get("topic") and data.get("when"):
                return Outcome("preview", [await self.preview(data)])  # a change of text only
            return Outcome("file")
        if step == "file":
            if text.lower() != "none":
                raise InvalidAnswer(_("Send a file, or press No file."))
            data.pop("file", None)
            return Outcome("link")
        if step == "link":
            return self._link(data, text)
        if step == "audience":
            if text == "all":
                data["audience"] = {}
                return Outcome("when")
            if text not in SEGMENT_NAMES:
                raise InvalidAnswer(_("Please choose one of the buttons."))
            data["segment"] = text
            data["audience"] = {text: []}
            return Outcome("segment")
        if step == "segment":
            return self._segment(data, text)
        if step == "when":
            if text == "now":
                data["when"] = "now"
                data.pop("planned_at", None)
                return Outcome("preview", [await self.preview(data)])
            if text == "later":
                return Outcome("time")
            raise InvalidAnswer(_("Please choose one of the buttons."))
        if step == "time":
            data["when"] = "later"
            data["planned_at"] = parse_moment(text).isoformat()
            return Outcome("preview", [await self.preview(data)])
        if step == "preview":
            return await self._decide(ctx, data, text)
        raise ValueError(step)

    def _link(self, data: dict[str, Any], text: str) -> Outcome:
        if text.lower() == "none":
            data.pop("link_url", None)
            return Outcome("audience")
        url, _sep, label = text.partition(" ")
        if not URL.match(url) or len(url) > MAX_LINK:
            raise InvalidAnswer(_("That is not a web address (https://…)."))
        label = " ".join(label.split()) or _("More")
        if len(label) > MAX_LABEL:
            raise InvalidAnswer(
                _("Please keep the button text to {count} characters.").format(count=MAX_LABEL)
            )
        data["link_url"], data["link_label"] = url, label
        return Outcome("audience")

    def _segment(self, data: dict[str, Any], text: str) -> Outcome:
        segment = data["segment"]
        chosen: list[str] = data["audience"].setdefault(segment, [])
        if text == "done":
            if not chosen:
                raise InvalidAnswer(_("Please choose at least one option."))
            return Outcome("when")
        if known(SEGMENTS[segment], text) is None:
            raise InvalidAnswer(_("Please choose one of the buttons."))
        if text in chosen:
            chosen.remove(text)
        else:
            chosen.append(text)
        return Outcome("segment")

    async def _decide(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if text == "cancel":
            return Outcome(None, [Reply(_("Cancelled; nothing was sent."), private=True)])
        if text == "change":
            return Outcome("text")
        if text != "send":
            raise InvalidAnswer(_("Please choose one of the buttons."))
        planned = datetime.fromisoformat(data["planned_at"]) if data.get("planned_at") else None
        if planned is not None and planned <= utcnow():
            data.pop("planned_at", None)
            data["when"] = None
            raise InvalidAnswer(_("That moment has passed; please give a time in the future."))
        members = await self._audience(data)
        title = render.title_of(data["text"])
        broadcast_id = await self._service.broadcast(
            Broadcast(
                title=title,
                template=ANNOUNCEMENT,
                params=self._params(data),
                topic=data["topic"],
                members=members,
                chats=self._service.announcement_chats,
                created_by=ctx.identity.key,
                planned_at=planned,
                report_to=ctx.chat,
            )
        )
        if planned is not None:
            done = _(
                "Broadcast {id} is planned for {when}. Cancel it with /aankondiging_annuleer {id}."
            ).format(id=broadcast_id, when=when(planned))
        else:
            done = _(
                "Broadcast {id} is on its way to {members}. You see its progress here."
            ).format(id=broadcast_id, members=render.members(len(members)))
        return Outcome(None, [Reply(done, private=True)])
