"""Settings are read from the environment and .env, and a wrong one is named clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import IdentityRef, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./data/werkbot.db"
    assert settings.platform_tokens == {}
    assert not settings.smtp_configured
    assert settings.console_files_dir == Path("data/console")


def test_organizers_and_admins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGANIZERS", "telegram:12345, discord:67890,console:alice")
    monkeypatch.setenv("ADMINS", "console:root")
    settings = load_settings()
    assert settings.organizers == [
        IdentityRef("telegram", "12345"), IdentityRef("discord", "67890"), IdentityRef("console", "alice"),
    ]
    assert [str(a) for a in settings.admins] == ["console:root"]


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("ORGANIZERS", "whatsapp:1", "ORGANIZERS"),
        ("ORGANIZERS", "telegram", "ORGANIZERS"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("SMTP_PORT", "smtp", "SMTP_PORT"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE"),
    ],
)
def test_a_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert named in str(error.value)


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SMTP_HOST=mail.example.org\nTELEGRAM_TOKEN=\n")
    settings = load_settings()
    assert settings.smtp_host == "mail.example.org" and settings.telegram_token is None


def test_database_url_shorthands() -> None:
    assert load_settings(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


def test_cli_stops_with_one_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env={"PATH": "/usr/bin:/bin", "ORGANIZERS": "telegram12345", "HOME": str(tmp_path)},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "ORGANIZERS" in result.stderr and "Traceback" not in result.stderr
