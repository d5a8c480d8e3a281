"""What the composition root needs from a platform adapter."""

from __future__ import annotations

from typing import Protocol

from bot.core.types import Chat, Reply


class PlatformStartError(Exception):
    """A platform would not start with the options it was given (a rejected token, no API
    server at the configured URL).

    Adapters receive plain options and must not know the settings module, yet the operator
    needs the same one-line answer a wrong setting gives: which setting to fix. So the
    adapter names the setting, and the entry point reports this exactly like a
    ``SettingsError`` (``werkbot: <message>``, exit code 2) instead of a traceback.
    """

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting
        """The environment setting to fix, e.g. ``TELEGRAM_TOKEN``."""
        self.message = message
        """The whole sentence shown to the operator; it names the setting itself."""

    def __str__(self) -> str:
        return self.message


class PlatformAdapter(Protocol):
    platform: str

    async def start(self) -> None:
        """Connect and begin handling events on the running loop (returns once started).

        Raises :class:`PlatformStartError` when the platform refuses the given options.
        """
        ...

    async def stop(self) -> None:
        """Finish in-flight work and disconnect."""
        ...

    @property
    def connected(self) -> bool:
        """Connected and taking updates now (a process that only sends: able to send);
        ``/healthz`` reports it per platform. Never blocks, never raises."""
        ...

    async def send(self, chat: Chat, reply: Reply) -> str | None: ...
