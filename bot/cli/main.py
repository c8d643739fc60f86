"""`vertelpunt`: the command line of the service."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.campaigns import app as campaigns_app
from bot.cli.checkins import app as checkins_app
from bot.cli.common import load_settings, runtime_or_exit
from bot.cli.db import app as db_app
from bot.cli.export import export_command
from bot.cli.forms import app as forms_app
from bot.cli.nlu import app as nlu_app
from bot.cli.privacy import erase, keys_app, purge_command
from bot.cli.serve import serve
from bot.cli.staff import admins_app, audit_command, workers_app
from bot.cli.telegram import app as telegram_app
from bot.cli.whatsapp import app as whatsapp_app

app = typer.Typer(
    help="Vertelpunt: residents tell a story and give it meaning themselves.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(forms_app, name="forms")
app.add_typer(keys_app, name="keys")
app.add_typer(nlu_app, name="nlu")
app.add_typer(whatsapp_app, name="whatsapp")
app.add_typer(telegram_app, name="telegram")
app.command()(serve)
app.add_typer(checkins_app, name="checkins")
app.command("erase")(erase)
app.command("purge")(purge_command)
app.command("export")(export_command)
app.add_typer(admins_app, name="admins")
app.add_typer(workers_app, name="workers")
app.add_typer(campaigns_app, name="campaigns")
app.command("audit")(audit_command)
err = Console(stderr=True)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Who the resident is; each name is a resident.")] = "me",
    jsonl: Annotated[bool, typer.Option(help="Machine interface: JSON lines in and out.")] = False,
) -> None:
    """Talk to the bot in the terminal as one resident."""
    from bot.channels.terminal import TerminalChat
    from storage.scrub import cache_ready

    if not cache_ready():
        err.print("Preparing the scrubber that takes names and numbers out of stories "
                  "(first start only, about two minutes)...")
    runtime = runtime_or_exit(load_settings())
    chat_ = TerminalChat(runtime.service, user, sys.stdout, jsonl=jsonl)
    try:
        chat_.run(sys.stdin)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    finally:
        runtime.db.dispose()


@app.command()
def scrub(
    language: Annotated[str, typer.Option(help="Language of the texts.")] = "nl",
) -> None:
    """Read texts on stdin (one per line) and write them scrubbed, line for line."""
    from storage.scrub import scrub_lines

    for line in scrub_lines((raw.rstrip("\n") for raw in sys.stdin), language):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main() -> None:
    """Entry point for `python -m bot.cli.main`."""
    app()


if __name__ == "__main__":
    main()
