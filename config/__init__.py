"""Typed settings for Werkbot, read from the environment and an optional `.env` file."""

from config.settings import IdentityRef, Settings, SettingsError, load_settings

__all__ = ["IdentityRef", "Settings", "SettingsError", "load_settings"]
