"""`vertelpunt db`: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import load_settings
from storage.migrate import downgrade as run_downgrade
from storage.migrate import upgrade as run_upgrade

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database to the newest schema (or to REVISION)."""
    run_upgrade(load_settings().database_url, revision)


@app.command()
def downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Migrate the database back to REVISION."""
    run_downgrade(load_settings().database_url, revision)
