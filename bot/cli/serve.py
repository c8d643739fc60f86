"""`vertelpunt serve`: the web service, with Telegram by webhook or by long polling."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from fastapi import FastAPI

from bot.cli.common import EXIT_CONFIG, fail, load_settings, runtime_or_exit
from bot.logs import configure_logging
from bot.outbox import ChannelSender
from bot.runtime import Runtime
from bot.scheduler import install_scheduler
from bot.server import create_app

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel

log = logging.getLogger(__name__)


class ServeRefused(Exception):
    """The service cannot start as asked (a missing setting, say)."""


def build_app(
    runtime: Runtime, telegram_polling: bool = False, scheduler: bool = True
) -> FastAPI:
    """The app with every configured channel installed (their senders on
    `app.state.senders`), and the scheduler."""
    app = create_app(runtime)
    senders: dict[str, ChannelSender] = {}
    telegram = _install_telegram(app, runtime, telegram_polling)
    if telegram is not None:
        senders["telegram"] = telegram.sender
    if runtime.settings.whatsapp_phone_id:
        from bot.channels.whatsapp import WhatsAppNotConfigured, install_whatsapp

        try:
            install_whatsapp(app, runtime)
        except WhatsAppNotConfigured as error:
            raise ServeRefused(str(error)) from error
        senders["whatsapp"] = app.state.whatsapp.sender
    app.state.senders = senders
    if scheduler:
        install_scheduler(app, runtime, senders)
    return app


def _install_telegram(app: FastAPI, runtime: Runtime, polling: bool) -> TelegramChannel | None:
    from bot.channels.telegram import TelegramNotConfigured, install_telegram

    if runtime.settings.telegram_token is None:
        if polling:
            raise ServeRefused("--telegram-polling needs VERTELPUNT_TELEGRAM_TOKEN")
        log.info("telegram: no token set, channel not installed")
        return None
    try:
        return install_telegram(app, runtime, polling=polling)
    except TelegramNotConfigured as error:
        raise ServeRefused(f"{error} (or use --telegram-polling)") from error


def serve(
    telegram_polling: Annotated[
        bool,
        typer.Option("--telegram-polling", help="Fetch Telegram updates by long polling "
                     "instead of a webhook (no public address needed)."),
    ] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on "
                                             "[default: VERTELPUNT_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on "
                                             "[default: VERTELPUNT_PORT]")] = None,
) -> None:
    """Run the web service: health check and Telegram (webhook, or polling)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    runtime = runtime_or_exit(settings)
    try:
        app = build_app(runtime, telegram_polling)
    except ServeRefused as error:
        runtime.db.dispose()
        fail(str(error), EXIT_CONFIG)
    try:
        uvicorn.run(app, host=host or settings.host, port=port or settings.port,
                    log_level=settings.log_level.lower(), lifespan="on",
                    # None: uvicorn's records go to our handler, not to handlers of its own.
                    log_config=None)
    finally:
        runtime.db.dispose()
