"""The Telegram adapter: python-telegram-bot updates in, neutral events to the router,
neutral replies back out as Telegram messages.

It translates and nothing more: who is who, which role and which language is the core's
business. PTB runs on the shared event loop, started by hand (initialize, start, then
polling or the webhook server) so Discord and the scheduler live beside it; PTB's
JobQueue and ConversationHandler are not used (the core has its own scheduler and
database-backed conversations).
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from telegram import (
    Bot,
    CallbackQuery,
    InputFile,
    MaybeInaccessibleMessage,
    Message,
    Update,
    User,
)
from telegram import Chat as TgChat
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters._window import unasked
from bot.adapters.telegram._commands import menus
from bot.adapters.telegram._http import DEFAULT_CONNECTIONS, AiohttpRequest
from bot.adapters.telegram._keyboards import (
    HTML,
    Outgoing,
    account_link,
    deep_link,
    fits_text,
    label_of,
    render,
    start_link,
)
from bot.adapters.telegram._limits import (
    Limits,
    PerUserOrder,
    TelegramRateLimiter,
    UpdateQueue,
)
from bot.adapters.telegram._webhook import WebhookOptions, WebhookServer
from bot.core.adapter import PlatformStartError
from bot.core.commands import Registry
from bot.core.delivery import Unreachable
from bot.core.i18n import _, language
from bot.core.metrics import REPLIES
from bot.core.types import (
    Attachment,
    Button,
    ButtonPress,
    Chat,
    FileUpload,
    Identity,
    Incoming,
    Reply,
    Role,
    TextMessage,
)

log = logging.getLogger(__name__)

PLATFORM = "telegram"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
CONVERSATION_PREFIX = "cv:"
_REMEMBERED_CHATS = 10_000

Handle = Callable[[Incoming], Awaitable[list[Reply]]]
Refusal = Literal["too large", "unavailable"]
"""Why an uploaded file was not taken: over our size limit, or Telegram would not give it."""


def file_url_for(base_url: str) -> str:
    """``…/bot`` (the API) becomes ``…/file/bot`` (file downloads), as Telegram lays them out."""
    base = base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/bot"


def unreachable(error: TelegramError) -> bool:
    """403 (blocked, or never started the bot) or an unknown chat: sending there cannot work."""
    return isinstance(error, Forbidden) or "chat not found" in str(error).lower()


@dataclass(frozen=True)
class TelegramOptions:
    token: str
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str | None = None
    local_mode: bool = False
    poll_timeout: float = 30.0
    webhook: WebhookOptions | None = None
    privileged: Mapping[str, Role] = field(default_factory=dict)
    """Telegram user ids of organizers and admins, for their menus; the composition root
    takes them from the core's role policy, so menus and permissions never disagree."""
    limits: Limits = field(default_factory=Limits)
    max_upload_bytes: int = 5 * 1024 * 1024
    max_concurrent_updates: int = 64
    connections: int = DEFAULT_CONNECTIONS
    """Bot API connections kept open for the bot's own calls (polling has one of its own)."""
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    receive: bool = True
    """False in a worker process: it sends (the outbox, jobs) but takes no updates, so it
    neither polls nor sets the webhook (another process receives)."""

    @property
    def file_url(self) -> str:
        return self.base_file_url or file_url_for(self.base_url)


class TelegramAdapter:
    platform = PLATFORM

    def __init__(self, handle: Handle, registry: Registry, options: TelegramOptions) -> None:
        self._route = handle
        self._registry = registry
        self._options = options
        self._application: Application | None = None
        self._webhook: WebhookServer | None = None
        self._latest: OrderedDict[int, int] = OrderedDict()
        self._requests: tuple[AiohttpRequest, ...] = ()
        self.username: str | None = None

    # -- lifecycle -------------------------------------------------------------------

    def _build(self) -> Application:
        options = self._options
        self._requests = tuple(
            AiohttpRequest(
                connections=connections,
                connect_timeout=options.connect_timeout,
                read_timeout=options.read_timeout,
                write_timeout=options.read_timeout,
            )
            for connections in (options.connections, 1)  # the bot's calls; polling
        )
        builder = (
            ApplicationBuilder()
            .token(options.token)
            .base_url(options.base_url)
            .base_file_url(options.file_url)
            .local_mode(options.local_mode)
            .rate_limiter(TelegramRateLimiter(options.limits))
            .concurrent_updates(PerUserOrder(options.max_concurrent_updates))
            .update_queue(UpdateQueue(4 * options.max_concurrent_updates))
            .job_queue(None)
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
        )
        if options.webhook is not None:
            builder = builder.updater(None)
        application = builder.build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    async def start(self) -> None:
        """Connect, publish the command menus and start receiving; returns once running."""
        application = self._build()
        try:
            try:
                await application.initialize()  # getMe: checks the token
            except BaseException:
                for request in self._requests:  # PTB leaves them open when getMe fails
                    await request.shutdown()
                raise
        except InvalidToken:
            raise PlatformStartError(
                "TELEGRAM_TOKEN", "TELEGRAM_TOKEN: Telegram rejected the token"
            ) from None
        except NetworkError as error:
            raise PlatformStartError(
                "TELEGRAM_API_BASE_URL",
                f"TELEGRAM_API_BASE_URL: no Bot API server answers at {self._options.base_url} "
                f"({error})",
            ) from None
        self._application = application
        self.username = application.bot.username
        if not self._options.receive:
            log.info("Telegram bot @%s sends only (worker): another process receives", self.username)
            return
        try:
            await self._begin_receiving(application)
        except BaseException:
            await self.stop()  # the caller only stops adapters that started
            raise

    async def _begin_receiving(self, application: Application) -> None:
        await self._publish_commands(application)
        await application.start()
        allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
        if self._options.webhook is not None:
            webhook = self._options.webhook
            self._webhook = WebhookServer(application, webhook)
            await self._webhook.start()
            await application.bot.set_webhook(
                webhook.url, secret_token=webhook.secret, allowed_updates=allowed
            )
            log.info("Telegram bot @%s receives updates at %s", self.username, webhook.url)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=timedelta(seconds=self._options.poll_timeout),
                allowed_updates=allowed,
                bootstrap_retries=3,
                error_callback=self._polling_error,
            )
            log.info("Telegram bot @%s is polling for updates", self.username)

    @property
    def connected(self) -> bool:
        """Started and taking updates (polling, or the webhook server); a worker that only
        sends is connected once the Bot API accepted its token. Read by ``/healthz``."""
        application = self._application
        if application is None:
            return False
        if not self._options.receive:
            return True
        if self._webhook is not None:
            return application.running
        updater = application.updater
        return application.running and updater is not None and updater.running

    async def stop(self) -> None:
        """Stop receiving, let in-flight handlers finish (and their replies go out), disconnect."""
        application = self._application
        if application is None:
            return
        try:
            if self._webhook is not None:
                await self._webhook.stop()
                self._webhook = None
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()  # waits for the handlers in flight
            await application.shutdown()
        finally:
            self._application = None

    async def _publish_commands(self, application: Application) -> None:
        """setMyCommands per language and scope; a refusal is logged, never fatal."""
        bot = application.bot
        for menu in menus(self._registry, self._options.privileged):
            try:
                await bot.set_my_commands(
                    list(menu.commands), scope=menu.scope, language_code=menu.language_code
                )
            except TelegramError as error:
                # e.g. an organizer who never opened a chat with the bot: "chat not found"
                log.warning("could not publish the command menu (%s): %s", menu.scope.type, error)

    @staticmethod
    def _polling_error(error: TelegramError) -> None:
        """PTB retries polling itself; a dropped connection is worth a warning, not an error."""
        log.warning("Telegram polling failed, retrying: %s", error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed", exc_info=context.error)

    # -- incoming --------------------------------------------------------------------

    @staticmethod
    def _chat(chat: TgChat) -> Chat:
        return Chat(PLATFORM, str(chat.id), is_private=chat.type == TgChat.PRIVATE)

    @staticmethod
    def _identity(user: User) -> Identity:
        """The numeric user id is the identity; the name is only for greetings."""
        return Identity(
            PLATFORM,
            str(user.id),
            display_name=user.full_name,
            language_hint=user.language_code,
        )

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._on_callback(update.callback_query)
        elif update.message is not None:
            await self._on_message(update.message)

    def _addressed_elsewhere(self, text: str) -> bool:
        """``/cmd@otherbot`` in a group is for another bot."""
        head = text.strip().split(maxsplit=1)[0] if text.strip() else ""
        if not head.startswith("/") or "@" not in head:
            return False
        target = head.split("@", 1)[1]
        return bool(self.username) and target.lower() != (self.username or "").lower()

    async def _on_message(self, message: Message) -> None:
        user = message.from_user
        if user is None or user.is_bot:
            return
        chat = self._chat(message.chat)
        identity = self._identity(user)
        event: Incoming
        if message.text is not None:
            if not chat.is_private and not message.text.lstrip().startswith("/"):
                return  # group chatter; personal flows run in the private chat
            if self._addressed_elsewhere(message.text):
                return
            event = TextMessage(identity, chat, text=message.text)
        elif chat.is_private and (message.document is not None or message.photo):
            attachment = await self._download(message)
            if not isinstance(attachment, Attachment):
                with language(user.language_code):
                    text = (
                        _("That file is too large (at most {size} MB).").format(
                            size=self._options.max_upload_bytes // (1024 * 1024)
                        )
                        if attachment == "too large"
                        else _("I could not fetch that file from Telegram. Please send it again.")
                    )
                await self._deliver(chat, user.id, [Reply(text)], None)
                return
            event = FileUpload(identity, chat, attachment=attachment, caption=message.caption)
        else:
            return
        replies = await self._handle(event)
        await self._deliver(chat, user.id, replies, None)

    async def _download(self, message: Message) -> Attachment | Refusal:
        """Fetch an uploaded file through getFile and the file URL, or say why not.

        Telegram may refuse the file (400 "invalid file_id", "file is too big"), fail on
        its side (5xx, after the rate limiter's retries) or lose it between ``getFile``
        and the download (404). None of that is our fault or the member's: they hear that
        it did not work and may send it again, and the log gets a warning, not an error.
        """
        if message.document is not None:
            document = message.document
            source: Any = document
            name = document.file_name or "file"
            mime = document.mime_type or "application/octet-stream"
            size = document.file_size
        else:
            photo = message.photo[-1]  # the largest size
            source, name, mime, size = photo, "photo.jpg", "image/jpeg", photo.file_size
        limit = self._options.max_upload_bytes
        if size is not None and size > limit:
            return "too large"
        try:
            file = await source.get_file()
            if not file.file_path:  # Telegram gives no path for files it will not serve
                raise BadRequest("getFile returned no file_path")
            data = bytes(await file.download_as_bytearray())
        except (TelegramError, OSError) as error:
            if "too big" in str(error).lower():
                return "too large"
            log.warning("could not fetch a file %r from Telegram: %s", name, error)
            return "unavailable"
        if len(data) > limit:
            return "too large"
        return Attachment(name, data, mime)

    async def _on_callback(self, query: CallbackQuery) -> None:
        """Every press is answered, also when refused or stale, so the button stops spinning."""
        user = query.from_user
        message = query.message
        chat = self._chat(message.chat) if message is not None else Chat(PLATFORM, str(user.id))
        replies: list[Reply] = []
        try:
            if query.data:
                event = ButtonPress(
                    self._identity(user),
                    chat,
                    action=query.data,
                    message_id=str(message.message_id) if message is not None else None,
                )
                replies = await self._handle(event)
        finally:
            try:
                await query.answer()
            except TelegramError as error:  # e.g. "query is too old"
                log.info("could not answer a button press: %s", error)
        if query.data and query.data.startswith(CONVERSATION_PREFIX):
            if chat.is_private and isinstance(message, Message):
                if not any(reply.replace for reply in replies):
                    await self._mark_choice(message, query.data)
        await self._deliver(chat, user.id, replies, message)

    async def _mark_choice(self, message: Message, action: str) -> None:
        """After an answer button: mark the choice and remove the keyboard (an old question
        just loses its keyboard, since its buttons no longer work)."""
        if message.reply_markup is None or not message.reply_markup.inline_keyboard:
            return
        label = label_of(message.reply_markup, action)
        current = self._latest.get(message.chat.id) == message.message_id
        marked = f"{message.text}\n\n✓ {label}" if current and label and message.text else ""
        try:
            if marked and fits_text(marked) and message.entities:
                # A formatted question keeps its formatting: Telegram gives the entities,
                # PTB writes them back as HTML (the visible text, and its length, is the same).
                formatted = f"{message.text_html}\n\n✓ {html.escape(label or '')}"
                await message.edit_text(formatted, reply_markup=None, parse_mode=HTML)
            elif marked and fits_text(marked):
                await message.edit_text(marked, reply_markup=None)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except TelegramError as error:
            log.info("could not update the pressed message: %s", error)

    async def _handle(self, event: Incoming) -> list[Reply]:
        """The router never raises; if it ever does, the update is dropped, not the adapter."""
        try:
            return await self._route(event)
        except Exception:
            log.exception("the router failed on a Telegram %s", type(event).__name__)
            return []

    # -- outgoing --------------------------------------------------------------------

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Send a message nobody asked for; raises Unreachable if the user blocked the bot.
        Returns the id of the (last) message sent."""
        try:
            with unasked():  # answers to members go first
                sent = await self._send(int(chat.chat_id), reply)
        except (Forbidden, BadRequest) as error:
            if unreachable(error):
                raise Unreachable(str(error)) from error
            raise
        return None if sent is None else str(sent.message_id)

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> bool:
        """Change a text message the bot sent (a progress report); False when it cannot be
        edited in place (a file, or a text that no longer fits one message)."""
        rendered = render(reply)
        if len(rendered) != 1 or rendered[0].attachment is not None or not reply.text.strip():
            return False
        bot: Bot = self._require_application().bot
        try:
            with unasked():
                await bot.edit_message_text(
                    rendered[0].text or "",
                    chat_id=int(chat.chat_id),
                    message_id=int(message_id),
                    reply_markup=rendered[0].markup,
                    parse_mode=rendered[0].parse_mode,
                )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("could not edit message %s: %s", message_id, error)
            return False
        return True

    async def _deliver(
        self,
        chat: Chat,
        user_id: int,
        replies: list[Reply],
        pressed: MaybeInaccessibleMessage | None,
    ) -> None:
        """Replies to an incoming event: in place, in the chat, or privately to the user."""
        edited = False
        for reply in replies:
            try:
                if reply.replace and not edited and isinstance(pressed, Message):
                    edited = await self._edit(pressed, reply)
                    if edited:
                        REPLIES.labels(PLATFORM).inc()  # the answer, shown in place
                        continue
                if reply.continue_privately and not chat.is_private:
                    await self._continue_privately(int(chat.chat_id), reply)
                elif reply.private and not chat.is_private:
                    await self._send_privately(int(chat.chat_id), user_id, reply)
                else:
                    await self._send(int(chat.chat_id), reply)
            except Forbidden as error:
                log.info("Telegram user %s cannot be reached: %s", user_id, error)
                return
            except TelegramError as error:
                log.error("a reply could not be sent to Telegram chat %s: %s", chat.chat_id, error)

    async def _edit(self, message: Message, reply: Reply) -> bool:
        """Edit the message whose button was pressed; False when it cannot be edited.

        Only a reply that is one text message fits in place: a file, or a text Telegram
        takes only in several pieces, goes out as new messages instead.
        """
        rendered = render(reply)
        if len(rendered) != 1 or rendered[0].attachment is not None or not reply.text.strip():
            return False
        edited = rendered[0]
        try:
            await message.edit_text(
                edited.text or "", reply_markup=edited.markup, parse_mode=edited.parse_mode
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("could not edit message %s: %s", message.message_id, error)
            return False
        return True

    async def _continue_privately(self, group_id: int, reply: Reply) -> None:
        """A personal command in a group: answer there with a button into the private chat."""
        link = Button(
            _("Continue in private chat"), url=deep_link(self.username, reply.continue_privately)
        )
        pointer = Reply(reply.text, buttons=(*reply.buttons, (link,)), markup=reply.markup)
        await self._send(group_id, pointer)

    async def _send_privately(self, group_id: int, user_id: int, reply: Reply) -> None:
        """Only the caller may see it: a direct message, or a way there if none is possible."""
        try:
            await self._send(user_id, reply)
        except (Forbidden, BadRequest) as error:
            if not unreachable(error):
                raise
            link = Button(_("Open a private chat with me"), url=deep_link(self.username, "start"))
            notice = _("I can only answer this in a private chat. Open one with me first.")
            await self._send(group_id, Reply(notice, buttons=((link,),)))

    async def _send(self, chat_id: int, reply: Reply) -> Message | None:
        """One reply as the Telegram messages :func:`render` makes of it (text in pieces
        that fit, file or photo, keyboard on the last), so what goes out is what ``fits``
        checks."""
        bot = self._require_application().bot
        sent: Message | None = None
        for outgoing in render(reply):
            if outgoing.attachment is not None:
                sent = await self._send_file(chat_id, outgoing.attachment, outgoing)
            else:
                sent = await bot.send_message(
                    chat_id,
                    outgoing.text or "",
                    reply_markup=outgoing.markup,
                    parse_mode=outgoing.parse_mode,
                )
            REPLIES.labels(PLATFORM).inc()
        if sent is not None:
            self._remember(chat_id, sent.message_id)
        return sent

    async def _send_file(self, chat_id: int, attachment: Attachment, outgoing: Outgoing) -> Message:
        """Images as photos (shown inline), everything else, and odd images, as documents;
        the caption, keyboard and parse mode as :func:`render` made them."""
        bot: Bot = self._require_application().bot
        caption, markup, mode = outgoing.text, outgoing.markup, outgoing.parse_mode
        if attachment.is_image:
            photo = InputFile(attachment.data, filename=attachment.filename, attach=False)
            try:
                return await bot.send_photo(
                    chat_id, photo, caption=caption, reply_markup=markup, parse_mode=mode
                )
            except BadRequest as error:  # too large, or dimensions Telegram refuses for photos
                log.info("sending %s as a document: %s", attachment.filename, error)
        document = InputFile(attachment.data, filename=attachment.filename, attach=False)
        return await bot.send_document(
            chat_id, document, caption=caption, reply_markup=markup, parse_mode=mode
        )

    def _remember(self, chat_id: int, message_id: int) -> None:
        """The bot's latest message per chat: a press on it answers the current question."""
        self._latest[chat_id] = message_id
        self._latest.move_to_end(chat_id)
        while len(self._latest) > _REMEMBERED_CHATS:
            self._latest.popitem(last=False)

    def _require_application(self) -> Application:
        if self._application is None:
            raise RuntimeError("the Telegram adapter is not running")
        return self._application

    # -- links the core asks for (bot.core.links) --------------------------------------------

    def start_link(self, payload: str) -> str | None:
        """A link that opens this bot with ``/start <payload>`` (a check-in QR code)."""
        return start_link(self.username, payload)

    @staticmethod
    def account_link(user_id: str) -> str:
        return account_link(user_id)
