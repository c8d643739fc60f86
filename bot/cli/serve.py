"""`vertelpunt serve`: the web service, with its channels by webhook or by long polling."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from bot.cli.common import EXIT_CONFIG, fail, load_settings, runtime_or_exit
from bot.logs import configure_logging
from bot.server import ServeRefused, build_app


def serve(
    polling: Annotated[
        bool,
        # --telegram-polling: its first name, from when Telegram was the one channel that polls.
        typer.Option("--polling", "--telegram-polling",
                     help="Fetch updates by long polling instead of webhooks, for every "
                     "channel that can (Telegram); no public address needed."),
    ] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on "
                                             "[default: VERTELPUNT_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on "
                                             "[default: VERTELPUNT_PORT]")] = None,
) -> None:
    """Run the web service: health check, every configured channel, the scheduler."""
    settings = load_settings()
    configure_logging(settings.log_level)
    runtime = runtime_or_exit(settings)
    try:
        app = build_app(runtime, polling, settle_heap=True)
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
