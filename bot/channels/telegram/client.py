"""The Bot API client (python-telegram-bot) and the knobs of how we use it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.contract import ChannelNotConfigured
from bot.channels.telegram.pace import OVERALL_PER_SECOND, ChatPace
from bot.channels.telegram.transport import AiohttpRequest
from bot.outbox import doubling
from bot.settings import Settings

BOT_PATH: Final = "/bot"
FILE_PATH: Final = "/file/bot"
# Calls in flight at once (the transport's connections): eight keep up with Telegram's 30
# messages a second even at 250 ms a round trip, and each call in flight costs some CPU.
CONNECTIONS: Final = 8
# Sends wait this long for a free connection: a busy pool is backpressure, not an error.
POOL_WAIT: Final = 60.0


class TelegramNotConfigured(ChannelNotConfigured):
    """A setting Telegram needs is missing."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to try one call again after flood control or a network error."""

    attempts: int = 5
    first_backoff: float = 0.5
    max_backoff: float = 10.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based), doubling, capped."""
        return doubling(self.first_backoff, self.max_backoff, attempt)


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """Limits and timings; the defaults suit Telegram, tests and benches tune them."""

    overall_per_second: float | None = OVERALL_PER_SECOND
    chat_pace: ChatPace | None = field(default_factory=ChatPace)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll_timeout: int = 25
    drain_seconds: float = 10.0


def file_url(api_url: str) -> str:
    """The file download base that goes with a Bot API base URL (".../bot" -> ".../file/bot")."""
    base = api_url.rstrip("/")
    if base.endswith(BOT_PATH):
        return base[: -len(BOT_PATH)] + FILE_PATH
    return base + FILE_PATH


def token_of(settings: Settings) -> str:
    """The bot token, or a clear error naming the setting."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        raise TelegramNotConfigured("VERTELPUNT_TELEGRAM_TOKEN is not set")
    return settings.telegram_token.get_secret_value()


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def build_bot(settings: Settings) -> Bot:
    """A bot talking to `VERTELPUNT_TELEGRAM_API_URL` (not yet initialised)."""
    quiet_http_logs()
    return Bot(
        token_of(settings),
        base_url=settings.telegram_api_url,
        base_file_url=file_url(settings.telegram_api_url),
        request=AiohttpRequest(CONNECTIONS, POOL_WAIT, settings.telegram_api_url),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
    )
