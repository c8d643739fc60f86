"""`POST /webhooks/telegram`, and Telegram's start and stop in the app's lifecycle."""

from __future__ import annotations

import hmac
import logging
from typing import Final

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from telegram import Bot

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import TelegramNotConfigured, TelegramOptions, build_bot
from bot.channels.telegram.polling import Poller
from bot.channels.telegram.reading import (
    UnreadableUpdate,
    log_dropped,
    update_from_body,
)
from bot.channels.telegram.updates import CHANNEL
from bot.runtime import Runtime
from bot.server import add_lifecycle, add_send_loop
from bot.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/webhooks/telegram"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret_of(settings: Settings) -> str:
    """The secret Telegram sends with every webhook request, or a clear error."""
    secret = settings.telegram_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise TelegramNotConfigured("VERTELPUNT_TELEGRAM_WEBHOOK_SECRET is not set")
    return secret.get_secret_value()


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so the secret cannot be guessed byte by byte from timings."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def add_webhook_route(app: FastAPI, channel: TelegramChannel, secret: str) -> None:
    """The route Telegram POSTs updates to: a plain route (`add_route`), since FastAPI's
    request handling, for parameters this route does not have, cost more than its own work."""

    async def telegram_webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return Response(status_code=403)
        body = await request.body()
        try:
            update = update_from_body(body, channel.parse)
        except UnreadableUpdate as error:
            # 200: Telegram would deliver it again and again, and it would never be readable.
            log_dropped(error)
            return Response(status_code=200)
        try:
            query_id = await channel.receive(update, body)
        except Exception as error:  # anything before commit: 5xx, so Telegram redelivers
            log.error("telegram: update not handled (%s)", type(error).__name__)
            log.debug("telegram: update not handled", exc_info=error)
            return Response(status_code=500)
        if query_id is None:
            return Response(status_code=200)
        # Telegram runs a Bot API method given in the webhook's answer: one call fewer.
        return JSONResponse({"method": "answerCallbackQuery", "callback_query_id": query_id})

    app.add_route(WEBHOOK_PATH, telegram_webhook, methods=["POST"], include_in_schema=False)


def install_telegram(
    app: FastAPI,
    runtime: Runtime,
    *,
    polling: bool = False,
    options: TelegramOptions | None = None,
    bot: Bot | None = None,
) -> TelegramChannel:
    """Add Telegram to the app: the webhook route, or long polling; started with the app."""
    options = options or TelegramOptions()
    channel = TelegramChannel(runtime, bot or build_bot(runtime.settings), options)
    add_send_loop(app, CHANNEL, channel.sending)
    if polling:
        poller = Poller(channel, app.state.health)

        async def start_polling() -> None:
            await channel.start()
            await poller.start()

        async def stop_polling() -> None:
            await poller.stop()
            await channel.stop()

        add_lifecycle(app, start_polling, stop_polling)
    else:
        add_webhook_route(app, channel, webhook_secret_of(runtime.settings))
        add_lifecycle(app, channel.start, channel.stop)
    return channel
