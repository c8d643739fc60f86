"""`vertelpunt checkins`: see the follow-ups, and send the due ones by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.checkins import CheckInDispatcher, TickReport
from bot.cli.common import EXIT_CONFIG, fail, load_settings, runtime_or_exit
from bot.runtime import Runtime
from bot.scheduler import checkin_policy
from bot.server import ServeRefused, build_app
from storage import checkins

app = typer.Typer(help="Follow-up check-ins.", no_args_is_help=True)
out = Console()


@app.command("list")
def list_checkins(
    limit: Annotated[int, typer.Option(help="How many, soonest due first.")] = 50,
) -> None:
    """Show check-ins: due time, status, channel, answer."""
    runtime = runtime_or_exit(load_settings(), conversations=False)
    table = Table("check-in", "story", "#", "channel", "due (UTC)", "status", "sent", "answer")
    with runtime.db.transaction() as session:
        for row in checkins.listing(session, limit):
            table.add_row(row.id[:8], row.story_id[:8], str(row.sequence), row.channel,
                          f"{row.due_at:%Y-%m-%d %H:%M}", row.status,
                          f"{row.sent_at:%Y-%m-%d %H:%M}" if row.sent_at else "",
                          row.answer or "")
    out.print(table)


@app.command("send-due")
def send_due(
    dry_run: Annotated[bool, typer.Option(help="Count what would be sent; send nothing.")] = False,
) -> None:
    """Send every due check-in now (within the allowed hours), through the configured channels."""
    settings = load_settings()
    runtime = runtime_or_exit(settings)
    policy = checkin_policy(settings)
    now = datetime.now(UTC)
    if not policy.allows(now):
        typer.echo(f"outside the allowed hours ({policy.start}:00-{policy.end}:00 "
                   f"{policy.timezone}): nothing is sent now")
        return
    report = asyncio.run(_send(runtime, dry_run))
    verb = "would send" if dry_run else "sent"
    typer.echo(f"{verb} {report.queued if dry_run else report.sent} check-ins; "
               f"{report.unreachable} unreachable, {report.postponed} postponed, "
               f"{report.expired} expired")


async def _send(runtime: Runtime, dry_run: bool) -> TickReport:
    try:
        # Channels started only to send: Telegram without a webhook route (so without its
        # secret, as on a polling set-up) and without polling (updates stay the service's).
        app = build_app(runtime, scheduler=False, receive=False)
    except ServeRefused as error:
        fail(str(error), EXIT_CONFIG)
    dispatcher = CheckInDispatcher(runtime.service, app.state.send_loops,
                                   checkin_policy(runtime.settings))
    if dry_run:
        report = TickReport()
        await asyncio.to_thread(dispatcher.prepare, datetime.now(UTC), report, True)
        return report
    async with app.router.lifespan_context(app):
        return await dispatcher.drain()

