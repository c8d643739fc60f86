"""The clock of the service: APScheduler ticks; the database holds what is due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi import FastAPI

from bot.checkins import CheckInDispatcher, CheckInPolicy
from bot.runtime import Runtime
from bot.send_loop import SendLoop
from bot.server import add_lifecycle
from bot.settings import Settings
from storage.retention import RetentionPolicy, purge

log = logging.getLogger(__name__)


def checkin_policy(settings: Settings) -> CheckInPolicy:
    """The allowed hours and limits from the settings."""
    return CheckInPolicy(
        timezone=settings.timezone,
        start=settings.checkin_hours_start,
        end=settings.checkin_hours_end,
        max_age=timedelta(days=settings.checkin_max_age_days),
        batch=settings.checkin_batch,
    )


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The retention periods from the settings."""
    return RetentionPolicy(
        contact_after_last_checkin=timedelta(days=settings.retention_contact_days),
        unconfirmed_draft=timedelta(days=settings.retention_draft_days),
        sent_messages=timedelta(days=settings.retention_sent_messages_days),
        update_ids=timedelta(days=settings.retention_update_ids_days),
    )


def run_purge(runtime: Runtime) -> None:
    """Remove what is past its retention period (the daily job)."""
    with runtime.db.transaction() as session:
        report = purge(session, datetime.now(UTC), retention_policy(runtime.settings), False)
    log.info("purge: %s", ", ".join(report.lines()))


def install_scheduler(
    app: FastAPI, runtime: Runtime, loops: Mapping[str, SendLoop]
) -> AsyncIOScheduler:
    """A check-in tick every few seconds and a daily purge, started and stopped with the app.
    Jobs live in memory only: what is due is in the database, so nothing is lost or doubled
    when processes restart or several run at once."""
    settings = runtime.settings
    dispatcher = CheckInDispatcher(runtime.service, loops, checkin_policy(settings))
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(dispatcher.drain, IntervalTrigger(seconds=settings.checkin_tick_seconds),
                      id="checkins", max_instances=1, coalesce=True)
    scheduler.add_job(asyncio.to_thread, CronTrigger(hour=3, minute=30), args=[run_purge, runtime],
                      id="purge", max_instances=1, coalesce=True)

    async def start() -> None:
        scheduler.start()

    async def stop() -> None:
        scheduler.shutdown(wait=False)

    add_lifecycle(app, start, stop)
    return scheduler
