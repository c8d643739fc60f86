"""What a channel declares to the registry: the settings it needs and how it installs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.outbox import ChannelSender
    from bot.runtime import Runtime


class ChannelNotConfigured(Exception):
    """A setting a channel needs is missing."""


@dataclass(frozen=True, slots=True)
class InstallOptions:
    """How the service runs its channels."""

    # Fetch updates by long polling instead of receiving webhooks, where a channel can.
    polling: bool = False
    # False: started only to send (a command sending check-ins): no webhook route, no polling,
    # so no setting that only receiving needs.
    receive: bool = True


class ChannelSettings(BaseSettings):
    """Base of a channel's own settings, kept in the channel's folder: read from the same
    environment and `.env` as `Settings`, with the same VERTELPUNT_ prefix."""

    model_config = SettingsConfigDict(env_prefix="VERTELPUNT_", env_file=".env", extra="ignore")


Installer = Callable[["FastAPI", "Runtime", InstallOptions], "ChannelSender"]
"""Adds the channel's routes and start/stop to the app; returns how it sends."""


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One channel: its name, the setting that turns it on, what else it needs, its install."""

    name: str
    switch: str
    install: Installer
    needs: tuple[str, ...] = ()
    # Settings needed only to receive by webhook (not when polling).
    webhook_needs: tuple[str, ...] = ()
    polls: bool = False
    # The channel's own settings class (a ChannelSettings in its folder), for what it needs
    # beyond the fields of `Settings`; its installer reads them the same way.
    settings: type[ChannelSettings] | None = None

    def configured(self, settings: Settings) -> bool:
        """Whether the settings turn this channel on."""
        return bool(self._setting(settings, self.switch))

    def missing(self, settings: Settings, options: InstallOptions) -> list[str]:
        """The environment variables of needed settings that are empty."""
        receives_by_webhook = options.receive and not (options.polling and self.polls)
        webhook = self.webhook_needs if receives_by_webhook else ()
        return [env_name(name) for name in (self.switch, *self.needs, *webhook)
                if not self._setting(settings, name)]

    def _setting(self, settings: Settings, name: str) -> str:
        if self.settings is not None and name in self.settings.model_fields:
            return setting_text(self.settings(), name)
        return setting_text(settings, name)


def setting_text(settings: BaseSettings, name: str) -> str:
    """A setting as plain text (secrets revealed, unset as empty)."""
    value = getattr(settings, name)
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return "" if value is None else str(value)


def env_name(name: str) -> str:
    """The environment variable of a setting."""
    return f"VERTELPUNT_{name.upper()}"
