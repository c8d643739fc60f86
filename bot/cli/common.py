"""What every command needs: settings, the runtime, and friendly failures with exit codes."""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.logs import ensure_private_logging
from bot.runtime import Runtime, build_runtime
from bot.service import Collaborators
from bot.settings import InsecureSettings, Settings
from flows.forms.loader import FormError, load_form
from storage.migrate import ensure_sqlite_directory, is_current

err = Console(stderr=True)

EXIT_CONFIG = 3
EXIT_FORM = 4


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a short error and exit with a code."""
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


def load_settings() -> Settings:
    """The settings, or a clear error about which one is wrong."""
    try:
        return Settings()
    except InsecureSettings as error:
        fail(str(error), EXIT_CONFIG)
    except ValidationError as error:
        fail(f"invalid settings:\n{error}", EXIT_CONFIG)


def runtime_or_exit(settings: Settings, conversations: bool = True) -> Runtime:
    """The runtime; a broken form or an old schema stops the bot with what to do. Commands
    that run no conversation (export, erase, ...) skip loading scrubbing and NLU."""
    # Warnings of the libraries a command uses (Telegram's, say) are written, without what
    # they quote; `serve` configured its own level before.
    ensure_private_logging(settings.log_level)
    try:
        load_form(settings.form)
    except FormError as error:
        fail(f"the form cannot be used:\n{error}", EXIT_FORM)
    ensure_sqlite_directory(settings.database_url)
    if not is_current(settings.database_url):
        fail("the database schema is not up to date: run `vertelpunt db upgrade` first",
             EXIT_CONFIG)
    try:
        return build_runtime(settings, None if conversations else Collaborators())
    except FormError as error:
        fail(f"the form cannot be used:\n{error}", EXIT_FORM)
