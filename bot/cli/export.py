"""`vertelpunt export`: every confirmed story, anonymised, with its codebook; audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.common import EXIT_FORM, fail
from bot.cli.staff import OPERATOR, staff_session

err = Console(stderr=True)


def export_command(
    out: Annotated[Path, typer.Option(help="File to write the stories to.")],
    format: Annotated[str, typer.Option(help="csv or jsonl.")] = "csv",
    codebook: Annotated[Path | None, typer.Option(help="File to write the codebook to.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Only stories from this date.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Only stories of this campaign.")] = None,
) -> None:
    """Export every confirmed story, anonymised, with a codebook."""
    from bot.export import write_codebook, write_export
    from flows.forms.loader import FormError, load_form
    from storage.campaigns import get_campaign
    from storage.export import iter_story_records
    from storage.roles import audit

    if format not in ("csv", "jsonl"):
        fail("--format must be csv or jsonl", 2)
    since_utc = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    # Only the form and the database: no conversation service to build.
    with staff_session() as (settings, session):
        try:
            form = load_form(settings.form)
        except FormError as error:
            fail(f"the form cannot be used:\n{error}", EXIT_FORM)
        if campaign is not None and get_campaign(session, campaign) is None:
            fail(f"no campaign {campaign!r} (see `vertelpunt campaigns list`)", 2)
        with out.open("w", encoding="utf-8", newline="") as f:
            records = iter_story_records(session, since_utc, campaign)
            count = write_export(form, records, f, format)
        audit(session, OPERATOR, "export",
              {"via": "cli", "format": format, "campaign": campaign,
               "since": since_utc.isoformat() if since_utc else None, "stories": count},
              datetime.now(UTC))
    if codebook is not None:
        with codebook.open("w", encoding="utf-8") as f:
            write_codebook(form, f, datetime.now(UTC))
    err.print(f"{count} stories written to {out}")
