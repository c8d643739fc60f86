"""`vertelpunt telegram`: register or remove the webhook with Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

import typer
from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.channels.telegram.client import TelegramNotConfigured, build_bot
from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.channels.telegram.webhook import WEBHOOK_PATH, webhook_secret_of
from bot.cli.common import EXIT_CONFIG, fail, load_settings

app = typer.Typer(help="Telegram: the webhook.", no_args_is_help=True)

DropPending = Annotated[bool, typer.Option(help="Forget updates Telegram still holds.")]


def webhook_url(url: str) -> str:
    """The URL as given, or with /webhooks/telegram added when it is only a host."""
    return url.rstrip("/") + WEBHOOK_PATH if urlsplit(url).path in ("", "/") else url


def _call(work: Callable[[Bot], Awaitable[object]]) -> None:
    """One Bot API call with the configured token; refusals become short errors, exit codes."""
    try:
        bot = build_bot(load_settings())
    except TelegramNotConfigured as error:
        fail(str(error), EXIT_CONFIG)

    async def run() -> None:
        async with bot:
            await work(bot)

    try:
        asyncio.run(run())
    except InvalidToken:
        fail("Telegram refused the token (VERTELPUNT_TELEGRAM_TOKEN)", EXIT_CONFIG)
    except TelegramError as error:
        fail(f"Telegram refused: {error.message}")


@app.command("set-webhook")
def set_webhook(
    url: Annotated[str, typer.Argument(help="Public HTTPS address of this service "
                                       f"(its {WEBHOOK_PATH} route).")],
    drop_pending: DropPending = False,
) -> None:
    """Tell Telegram to POST updates to URL, with the secret and the update types we handle."""
    try:
        secret = webhook_secret_of(load_settings())
    except TelegramNotConfigured as error:
        fail(str(error), EXIT_CONFIG)
    target = webhook_url(url)
    _call(lambda bot: bot.set_webhook(target, secret_token=secret,
                                      allowed_updates=list(ALLOWED_UPDATES),
                                      drop_pending_updates=drop_pending))
    typer.echo(f"webhook set: {target}")


@app.command("delete-webhook")
def delete_webhook(drop_pending: DropPending = False) -> None:
    """Stop webhook delivery (long polling needs that; `serve --polling` does it too)."""
    _call(lambda bot: bot.delete_webhook(drop_pending_updates=drop_pending))
    typer.echo("webhook deleted")
