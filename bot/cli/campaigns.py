"""`vertelpunt campaigns`: configure listening campaigns and print their public start links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail
from bot.cli.staff import staff_session
from bot.staff.campaign_file import CampaignFileError, CampaignSpec, ThemeSpec, load_campaign_file
from bot.staff.links import qr_png, start_links
from bot.staff.tokens import campaign_payload
from bot.staff.turn import StaffOptions
from storage.campaigns import get_campaign, is_active, list_campaigns, save_campaign

app = typer.Typer(help="Listening campaigns: themes, neighbourhoods, dates and start links.",
                  no_args_is_help=True)


def _save(specs: list[CampaignSpec]) -> None:
    with staff_session() as (settings, session):
        zone = StaffOptions.from_settings(settings).zone
        now = datetime.now(UTC)
        for spec in specs:
            created = save_campaign(session, spec.values(zone), now)
            typer.echo(f"{'added' if created else 'updated'} campaign {spec.id}")


@app.command()
def load(file: Annotated[Path, typer.Argument(help="A campaign file (YAML), see "
                                              "campaigns/example.yaml.")]) -> None:
    """Add or update every campaign in a file; nothing is stored when the file has a problem."""
    try:
        specs = load_campaign_file(file)
    except CampaignFileError as error:
        fail(str(error), 2)
    _save(specs)


def _theme(text: str) -> ThemeSpec:
    theme_id, sep, label = text.partition("=")
    if not sep or not label.strip():
        fail(f"--theme {text!r}: write it as id=label, e.g. debts=💶 Geld en schulden", 2)
    return ThemeSpec(id=theme_id.strip(), label={"nl": label.strip()})


@app.command()
def add(
    campaign_id: Annotated[str, typer.Argument(metavar="ID", help="a-z, 0-9, _ and -.")],
    name: Annotated[str, typer.Option(help="The campaign's name.")],
    municipality: Annotated[str, typer.Option(help="The municipality it is for.")],
    form: Annotated[str, typer.Option(help="Id of the story form.")] = "vertelpunt-default",
    theme: Annotated[list[str] | None, typer.Option(
        help="A theme as id=label (Dutch); repeat for more. Other languages: use a file.")
    ] = None,
    neighbourhood: Annotated[list[str] | None, typer.Option(
        help="A neighbourhood; repeat for more.")] = None,
    starts: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                    help="First day.")] = None,
    ends: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                  help="Last day.")] = None,
) -> None:
    """Add (or replace) one campaign from the command line."""
    try:
        spec = CampaignSpec(
            id=campaign_id, name=name, municipality=municipality, form=form,
            themes=[_theme(t) for t in theme or []], neighbourhoods=list(neighbourhood or []),
            starts=_day(starts), ends=_day(ends),
        )
    except ValueError as error:
        fail(f"campaign {campaign_id!r}: {error}", 2)
    _save([spec])


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


@app.command("list")
def list_command() -> None:
    """Every campaign: dates, themes and whether it runs now."""
    with staff_session() as (settings, session):
        zone, now = StaffOptions.from_settings(settings).zone, datetime.now(UTC)
        for c in list_campaigns(session):
            starts = f"{c.starts_at.astimezone(zone):%Y-%m-%d}" if c.starts_at else "…"
            # ends_at is the midnight after the last day.
            last = c.ends_at.astimezone(zone) - timedelta(days=1) if c.ends_at else None
            ends = f"{last:%Y-%m-%d}" if last else "…"
            running = "running" if is_active(c, now) else "not running"
            typer.echo(f"{c.id}: {c.name} ({c.municipality}), form {c.form_id}, "
                       f"{starts} to {ends}, {running}")
            themes = ", ".join(str(t["id"]) for t in c.themes or []) or "-"
            typer.echo(f"  themes: {themes}")
            typer.echo(f"  neighbourhoods: {', '.join(c.neighbourhoods or []) or '-'}")


@app.command()
def link(
    campaign_id: Annotated[str, typer.Argument(metavar="ID")],
    language: Annotated[str, typer.Option(help="Language of the WhatsApp code phrase.")] = "nl",
    qr_dir: Annotated[Path | None, typer.Option(help="Also write a QR code (PNG) per link "
                                                "into this folder.")] = None,
) -> None:
    """Print the campaign's public start links (Telegram, WhatsApp): for posters and flyers."""
    with staff_session() as (settings, session):
        if get_campaign(session, campaign_id) is None:
            fail(f"no campaign {campaign_id!r}", 2)
        options = StaffOptions.from_settings(settings)
    links = start_links(options, campaign_payload(campaign_id), language)
    if not links:
        fail("set VERTELPUNT_TELEGRAM_BOT_USERNAME or VERTELPUNT_WHATSAPP_NUMBER first", 3)
    for found in links:
        typer.echo(f"{found.app}: {found.url}")
        if qr_dir is not None:
            qr_dir.mkdir(parents=True, exist_ok=True)
            path = qr_dir / f"{campaign_id}-{found.app}.png"
            path.write_bytes(qr_png(found.url))
            typer.echo(f"  QR code: {path}")
