"""`vertelpunt serve`: the web service, with Telegram by webhook or by long polling."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI

from bot.cli.common import EXIT_CONFIG, fail, load_settings, runtime_or_exit
from bot.runtime import Runtime
from bot.server import create_app

log = logging.getLogger(__name__)


class ServeRefused(Exception):
    """The service cannot start as asked (a missing setting, say)."""


def build_app(runtime: Runtime, telegram_polling: bool = False) -> FastAPI:
    """The app with every configured channel installed."""
    from bot.channels.telegram import TelegramNotConfigured, install_telegram

    app = create_app(runtime)
    if runtime.settings.telegram_token is None:
        if telegram_polling:
            raise ServeRefused("--telegram-polling needs VERTELPUNT_TELEGRAM_TOKEN")
        log.info("telegram: no token set, channel not installed")
        return app
    try:
        install_telegram(app, runtime, polling=telegram_polling)
    except TelegramNotConfigured as error:
        raise ServeRefused(f"{error} (or use --telegram-polling)") from error
    return app


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
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = runtime_or_exit(settings)
    try:
        app = build_app(runtime, telegram_polling)
    except ServeRefused as error:
        runtime.db.dispose()
        fail(str(error), EXIT_CONFIG)
    try:
        uvicorn.run(app, host=host or settings.host, port=port or settings.port,
                    log_level=settings.log_level.lower(), lifespan="on")
    finally:
        runtime.db.dispose()
