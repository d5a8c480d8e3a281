"""Settings from the environment (and `.env`), validated once at start.

Why one typed object: every part of Werkbot gets exactly what it needs through its
constructor, and a wrong value stops the start with one message naming the setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLATFORMS = ("console", "telegram", "discord")


@dataclass(frozen=True)
class IdentityRef:
    """A platform account named in the settings, e.g. ``telegram:12345``."""

    platform: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"


class SettingsError(Exception):
    """Raised with a readable message that names the wrong or missing setting."""


def _parse_identity_list(value: object) -> list[IdentityRef]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        items = [str(item) for item in value]
    else:
        items = [part for part in str(value).replace(";", ",").split(",")]
    refs: list[IdentityRef] = []
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        platform, sep, user_id = item.partition(":")
        platform = platform.strip().lower()
        user_id = user_id.strip()
        if not sep or platform not in PLATFORMS or not user_id:
            raise ValueError(
                f"'{item}' is not of the form platform:id with platform one of "
                f"{', '.join(PLATFORMS)} (e.g. telegram:12345,discord:67890,console:alice)"
            )
        refs.append(IdentityRef(platform, user_id))
    return refs


def _parse_id_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


class Settings(BaseSettings):
    """Every setting Werkbot reads; the README's table is generated from this list."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/werkbot.db",
        description="SQLAlchemy URL; postgresql+asyncpg://user@host/db switches to PostgreSQL",
    )
    data_dir: Path = Field(default=Path("./data"), description="Folder for files Werkbot writes")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Logging level"
    )
    default_language: Literal["nl", "en"] = Field(
        default="nl", description="Language when neither the member nor the platform says one"
    )

    telegram_token: str | None = Field(default=None, description="Bot token from BotFather")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API URL before the token, no trailing slash "
        "(self-hosted server: http://127.0.0.1:8081/bot)",
    )
    telegram_api_file_url: str | None = Field(
        default=None,
        description="Bot API file URL before the token; unset = derived from "
        "TELEGRAM_API_BASE_URL (…/bot becomes …/file/bot)",
    )
    telegram_local_mode: bool = Field(
        default=False,
        description="Set when a self-hosted Bot API server runs with --local on this machine",
    )
    telegram_poll_timeout: float = Field(
        default=30.0, ge=0, le=50, description="Seconds one long poll (getUpdates) may wait"
    )
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public https URL Telegram posts updates to; unset = long polling",
    )
    telegram_webhook_listen: str = Field(
        default="127.0.0.1", description="Address the webhook server listens on"
    )
    telegram_webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="Port the webhook server listens on"
    )
    telegram_webhook_secret: str | None = Field(
        default=None,
        description="Secret Telegram sends with every webhook request (1-256 of A-Z a-z 0-9 _ -); "
        "unset = a random one per start (one process only: required with TELEGRAM_WEBHOOK_PEERS)",
    )
    telegram_webhook_peers: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Several processes behind one proxy: the internal base URL of every process "
        "receiving the webhook, comma-separated, in the same order in each "
        "(e.g. http://werkbot-1:8443,http://werkbot-2:8443); each user's updates are handled "
        "by one of them (user id modulo their number), the others forward. Empty = this "
        "process handles all",
    )
    telegram_webhook_peer_index: int = Field(
        default=0,
        ge=0,
        description="This process's place in TELEGRAM_WEBHOOK_PEERS, counting from 0",
    )
    discord_token: str | None = Field(default=None, description="Bot token from Discord")
    discord_guild_id: int | None = Field(
        default=None,
        description="Sync slash commands to this one server only (instant; for development)",
    )
    discord_organizer_role_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Discord role ids whose holders are organizers, comma-separated",
    )
    discord_admin_role_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Discord role ids whose holders are admins"
    )
    discord_api_base_url: str = Field(
        default="https://discord.com/api/v10",
        description="Discord REST API base (e.g. an HTTP rate-limit proxy in front of Discord)",
    )
    discord_gateway_url: str = Field(
        default="wss://gateway.discord.gg/", description="Discord gateway (websocket) URL"
    )
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="The Discord shards this process runs, e.g. 0,1 (with DISCORD_SHARD_COUNT); empty: as Discord advises",
    )
    discord_shard_count: int | None = Field(
        default=None, ge=1, le=10_000, description="How many Discord shards all processes run together"
    )
    discord_events: bool = Field(
        default=False,
        description="Mirror events as scheduled events in the DISCORD_GUILD_ID server "
        "(the bot needs Manage Events there); Werkbot's own list stays the truth",
    )

    organizers: Annotated[list[IdentityRef], NoDecode] = Field(
        default_factory=list,
        description="Organizer accounts, e.g. telegram:12345,discord:67890,console:alice",
    )
    admins: Annotated[list[IdentityRef], NoDecode] = Field(
        default_factory=list, description="Admin accounts, same form as ORGANIZERS"
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server; unset = development mode (codes go to the log)"
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port")
    smtp_username: str | None = Field(default=None, description="SMTP user name")
    smtp_password: str | None = Field(default=None, description="SMTP password")
    smtp_from: str = Field(
        default="Werkbot <werkbot@localhost>", description="Sender address of Werkbot's mail"
    )
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls, tls (implicit) or none"
    )
    smtp_timeout: float = Field(default=15.0, gt=0, description="Seconds before a send gives up")

    require_verification: bool = Field(
        default=True, description="Members must confirm their e-mail before they count"
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, description="Messages a user may send at once before being slowed"
    )
    rate_limit_per_minute: int = Field(
        default=60, ge=1, description="Sustained messages per minute per user"
    )
    max_message_length: int = Field(
        default=2000, ge=100, description="Longer messages are refused politely"
    )

    console_user: str = Field(default="console", description="Default console user name")
    console_files_dir: Path | None = Field(
        default=None, description="Where the console writes files the bot sends (DATA_DIR/console)"
    )

    survey_secret: str | None = Field(
        default=None,
        description="Secret for anonymous survey keys (unset: a key file in DATA_DIR); never in the database",
    )
    survey_reminder_hours: float = Field(
        default=24.0, ge=0, description="Hours before a survey closes that non-answerers get one reminder"
    )
    survey_quick_poll_hours: float = Field(
        default=24.0, gt=0, description="How long a quick poll (/peiling_nieuw) stays open"
    )
    survey_announcement_chats: Annotated[list[IdentityRef], NoDecode] = Field(
        default_factory=list,
        description="Group chats where survey results are published, e.g. telegram:-100123,discord:456",
    )

    announcement_chats: Annotated[list[IdentityRef], NoDecode] = Field(
        default_factory=list,
        description="Chats that get every announcement (/aankondiging), e.g. telegram:-100123,discord:456; a Discord announcement channel also publishes to following servers",
    )

    organizer_chats: Annotated[list[IdentityRef], NoDecode] = Field(
        default_factory=list,
        description="Chats where Werkbot tells organizers what waits for them (Meetlat proposals, rating bursts, appeals), e.g. telegram:-100123",
    )
    meetlat_notice_days: float = Field(
        default=14.0,
        ge=0,
        le=365,
        description="Days a new Meetlat methodology version is announced before it applies",
    )

    health_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of /healthz and /metrics (Prometheus) for this process; unset: not served",
    )
    health_host: str = Field(
        default="127.0.0.1", description="Address /healthz and /metrics listen on (0.0.0.0 in a container)"
    )
    leader_check_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="How often a process checks its leadership of the planned jobs (PostgreSQL); a dead leader is replaced within about this time",
    )
    # -- the shared send budget (several processes on one PostgreSQL) --
    telegram_broadcast_per_second: float = Field(
        default=25.0,
        ge=0,
        le=1000,
        description="Broadcast messages a second per Telegram bot token, all processes on one PostgreSQL together (Telegram allows about 30, the rest is room for replies; more only with paid broadcasts); 0, or SQLite: only each process's own limit",
    )
    discord_broadcast_per_second: float = Field(
        default=20.0,
        ge=0,
        le=50,
        description="Broadcast messages a second per Discord bot token, all processes on one PostgreSQL together (Discord allows 50 requests a second, a first DM takes two); 0, or SQLite: only each process's own limit",
    )

    broadcast_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds a message in flight is held by its sender; after a crash it is sent again once this has passed",
    )

    campaign_weekly_cap: int = Field(
        default=2,
        ge=0,
        le=50,
        description="Campaign prompts a member gets at most in seven days, across all campaigns",
    )
    campaign_nudge_days: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="Days after “Later” that a member gets the one nudge of a campaign",
    )
    tk_odata_url: str = Field(
        default="https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0",
        description="The Tweede Kamer's open data (OData v4) that `werkbot targets refresh` reads the MPs from",
    )

    @field_validator("survey_announcement_chats", "announcement_chats", "organizer_chats", mode="before")
    @classmethod
    def _survey_chats(cls, value: object) -> list[IdentityRef]:
        return _parse_identity_list(value)

    @field_validator("organizers", "admins", mode="before")
    @classmethod
    def _identities(cls, value: object) -> list[IdentityRef]:
        return _parse_identity_list(value)

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: object) -> list[int]:
        ids = _parse_id_list(value)
        for item in ids:
            if not item.isdigit() or len(item) > 5:
                raise ValueError(f"'{item}' is not a shard number (0, 1, 2, …)")
        return [int(item) for item in ids]

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.discord_shard_ids and self.discord_shard_count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (how many shards in all)")
        if self.discord_shard_count is not None and any(i >= self.discord_shard_count for i in self.discord_shard_ids):
            raise ValueError("every shard in DISCORD_SHARD_IDS must be below DISCORD_SHARD_COUNT")
        return self

    @field_validator("discord_organizer_role_ids", "discord_admin_role_ids", mode="before")
    @classmethod
    def _role_ids(cls, value: object) -> list[str]:
        ids = _parse_id_list(value)
        for item in ids:
            if not item.isdigit():
                raise ValueError(f"'{item}' is not a Discord role id (digits only)")
        return ids

    @field_validator("discord_guild_id", mode="before")
    @classmethod
    def _blank_guild(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_token", "discord_token", "smtp_host", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator(
        "telegram_api_base_url", "telegram_api_file_url", "telegram_webhook_url", mode="before"
    )
    @classmethod
    def _telegram_url(cls, value: object, info: ValidationInfo) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            if info.field_name == "telegram_api_base_url":
                return "https://api.telegram.org/bot"  # blank means the default
            return None
        if not isinstance(value, str):
            return value
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (e.g. http://127.0.0.1:8081/bot)")
        return value

    @field_validator("tk_odata_url", mode="before")
    @classmethod
    def _tk_odata_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"  # blank means the default
        if not isinstance(value, str):
            return value
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (e.g. http://127.0.0.1:8080/OData/v4/2.0)")
        return value

    @field_validator("telegram_webhook_secret", mode="before")
    @classmethod
    def _telegram_secret(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, str) and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("use 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_webhook_peers", mode="before")
    @classmethod
    def _telegram_peers(cls, value: object) -> list[str]:
        peers = [peer.rstrip("/") for peer in _parse_id_list(value)]
        for peer in peers:
            if not peer.startswith(("http://", "https://")):
                raise ValueError(
                    f"'{peer}' must start with http:// or https:// (e.g. http://werkbot-1:8443)"
                )
        if len(set(peers)) != len(peers):
            raise ValueError("name every process once")
        return peers

    @model_validator(mode="after")
    def _telegram_peers_fit(self) -> Settings:
        if not self.telegram_webhook_peers:
            return self
        if not self.telegram_webhook_url:
            raise ValueError("TELEGRAM_WEBHOOK_PEERS needs TELEGRAM_WEBHOOK_URL (webhook mode)")
        if not self.telegram_webhook_secret:
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_PEERS: every process "
                "must check the same secret (unset, each would make its own)"
            )
        count = len(self.telegram_webhook_peers)
        if self.telegram_webhook_peer_index >= count:
            raise ValueError(
                f"TELEGRAM_WEBHOOK_PEER_INDEX is {self.telegram_webhook_peer_index}, but "
                f"TELEGRAM_WEBHOOK_PEERS names {count} process{'es' if count != 1 else ''} "
                f"(0 to {count - 1})"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("postgres://"):
            value = "postgresql+asyncpg://" + value[len("postgres://") :]
        elif value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value[len("postgresql://") :]
        elif value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value[len("sqlite:///") :]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db"
            )
        return value

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if self.console_files_dir is None:
            self.console_files_dir = self.data_dir / "console"
        return self

    @property
    def console_folder(self) -> Path:
        """Where the console writes files: CONSOLE_FILES_DIR, else DATA_DIR/console."""
        return self.console_files_dir or self.data_dir / "console"

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_host is not None

    @property
    def platform_tokens(self) -> dict[str, str]:
        tokens = {"telegram": self.telegram_token, "discord": self.discord_token}
        return {name: token for name, token in tokens.items() if token}


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning pydantic's report into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic checks them at run time
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError("Invalid setting " + "; ".join(problems)) from None


__all__ = ["PLATFORMS", "IdentityRef", "Settings", "SettingsError", "load_settings"]
