"""`vertelpunt admins`, `vertelpunt workers` and `vertelpunt audit`: roles from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from bot.cli.common import EXIT_CONFIG, fail, load_settings
from bot.settings import Settings
from bot.staff.access import clean_team, issue_code, revoke_roles
from bot.web.dashboard.login_links import LINK_MINUTES, NotAnAdmin, issue_login_link
from storage import roles as repo
from storage.campaigns import get_campaign
from storage.db import Database
from storage.migrate import ensure_sqlite_directory, is_current
from storage.roles import ADMIN, WORKER, Grant

# Who did it, in the audit log, when it was done at the command line.
OPERATOR = "operator"

admins_app = typer.Typer(help="Admins: make worker codes, export and see counts in chat.",
                         no_args_is_help=True)
workers_app = typer.Typer(help="Social workers: hand residents personal invites.",
                          no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Days = Annotated[int | None, typer.Option(help="Days the code works (default: the "
                                          "ACCESS_CODE_DAYS setting).", min=1)]


@contextmanager
def staff_session() -> Iterator[tuple[Settings, Session]]:
    """The settings and one transaction on a database whose schema is current."""
    settings = load_settings()
    ensure_sqlite_directory(settings.database_url)
    if not is_current(settings.database_url):
        fail("the database schema is not up to date: run `vertelpunt db upgrade` first",
             EXIT_CONFIG)
    db = Database(settings.database_url)
    try:
        with db.transaction() as session:
            yield settings, session
    finally:
        db.dispose()


def _add_code(grant: Grant, days: int | None) -> tuple[str, datetime]:
    with staff_session() as (settings, session):
        if grant.campaign_id and get_campaign(session, grant.campaign_id) is None:
            fail(f"no campaign {grant.campaign_id!r} (see `vertelpunt campaigns list`)", 2)
        return issue_code(session, grant, OPERATOR, "cli", datetime.now(UTC),
                          days or settings.access_code_days)


@admins_app.command("add-code")
def admins_add_code(days: Days = None) -> None:
    """Print a one-time code; whoever sends `/admin CODE` to the bot becomes an admin."""
    code, expires = _add_code(Grant(ADMIN, None, None), days)
    typer.echo(code)
    err.print(f"Send the bot, in a private chat: /admin {code}\n"
              f"The code works once, until {expires:%Y-%m-%d %H:%M} UTC. Keep it secret.",
              markup=False)


@workers_app.command("add-code")
def workers_add_code(
    team: Annotated[str, typer.Option(help="The worker's team, e.g. 'Wijkteam Oost'.")],
    campaign: Annotated[str | None, typer.Option(
        help="Limit the worker's invites to this campaign.")] = None,
    days: Days = None,
) -> None:
    """Print a one-time code; whoever sends `/werker CODE` to the bot becomes a worker."""
    name = clean_team(team)
    if not name:
        fail("--team must name a team", 2)
    code, expires = _add_code(Grant(WORKER, name, campaign), days)
    typer.echo(code)
    err.print(f"The worker sends the bot, in a private chat: /werker {code}\n"
              f"The code works once, until {expires:%Y-%m-%d %H:%M} UTC.", markup=False)


def _show_roles(role: str, include_revoked: bool) -> None:
    with staff_session() as (_, session):
        held = [h for h in repo.list_roles(session, include_revoked) if h.role == role]
    table = Table("team", "campaign", "granted", "revoked")
    # A pseudonym is copied into `revoke --participant`: never wrapped or cut.
    table.add_column("participant", no_wrap=True, min_width=32)
    for h in held:
        table.add_row(h.team or "", h.campaign_id or "", f"{h.granted_at:%Y-%m-%d}",
                      f"{h.revoked_at:%Y-%m-%d}" if h.revoked_at else "", h.participant_id)
    out.print(table)


@admins_app.command("list")
def admins_list(
    all_: Annotated[bool, typer.Option("--all", help="Also revoked ones.")] = False,
) -> None:
    """Every admin, by pseudonym."""
    _show_roles(ADMIN, all_)


@workers_app.command("list")
def workers_list(
    all_: Annotated[bool, typer.Option("--all", help="Also revoked ones.")] = False,
) -> None:
    """Every worker, by pseudonym and team."""
    _show_roles(WORKER, all_)


def _revoke(role: str, team: str | None, participant: str | None) -> None:
    if (team is None) == (participant is None):
        fail("give exactly one of --team, --participant", 2)
    with staff_session() as (_, session):
        revoked, voided = revoke_roles(session, OPERATOR, "cli", role, datetime.now(UTC),
                                       team=team, participant_id=participant)
    if not revoked and not voided:
        fail(f"no active {role} found", 1)
    typer.echo(f"revoked {len(revoked)} {role} role(s); {voided} unused code(s) voided")


@workers_app.command("revoke")
def workers_revoke(
    team: Annotated[str | None, typer.Option(help="Every worker of this team.")] = None,
    participant: Annotated[str | None, typer.Option(help="One worker, by pseudonym.")] = None,
) -> None:
    """Take the worker role away (and void the team's unused codes)."""
    _revoke(WORKER, team, participant)


@admins_app.command("revoke")
def admins_revoke(
    participant: Annotated[str, typer.Option(help="The admin's pseudonym.")],
) -> None:
    """Take the admin role away."""
    _revoke(ADMIN, None, participant)


@admins_app.command("dashboard-link")
def admins_dashboard_link(
    participant: Annotated[str, typer.Option(help="The admin's pseudonym.")],
    language: Annotated[str, typer.Option(help="The dashboard's language: nl or en.")] = "nl",
) -> None:
    """Print a single-use link that opens the dashboard for this admin (10 minutes)."""
    with staff_session() as (settings, session):
        if not settings.public_url:
            fail("set VERTELPUNT_PUBLIC_URL to the address the dashboard is served at", 2)
        try:
            link = issue_login_link(session, participant, language, settings.public_url,
                                    OPERATOR, "cli", datetime.now(UTC))
        except NotAnAdmin:
            fail("no active admin with that pseudonym (see `vertelpunt admins list`)", 1)
    typer.echo(link)
    err.print(f"Give the link to the admin in a safe way. It works once, for {LINK_MINUTES} "
              "minutes.", markup=False)


def audit_command(
    since: Annotated[datetime | None, typer.Option(help="Only entries from this date.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the last N entries.", min=1)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show the audit log: every export and role change, who (a pseudonym) and when."""
    since_utc = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    with staff_session() as (_, session):
        entries = [(e.at, e.actor, e.action, e.detail)
                   for e in repo.audit_entries(session, since_utc, limit)]
    if as_json:
        for at, actor, action, detail in entries:
            typer.echo(json.dumps({"at": at.isoformat(), "actor": actor, "action": action,
                                   "detail": detail}, ensure_ascii=False))
        return
    table = Table("when (UTC)", "who", "what", "detail")
    for at, actor, action, detail in entries:
        table.add_row(f"{at:%Y-%m-%d %H:%M}", actor, action,
                      json.dumps(detail, ensure_ascii=False, sort_keys=True))
    out.print(table)
