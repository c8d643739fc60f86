"""Check-ins through Telegram: sent once after two weeks, answered with the buttons sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.checkins import CheckInDispatcher, CheckInPolicy
from storage.db import Database
from storage.models import CheckIn
from tests.channels.telegram.harness import Harness, Resident
from tests.conftest import FixedClock
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam


async def _told(webhook: Harness, updates: UpdateFactory, clock: FixedClock) -> Resident:
    clock.now = MORNING
    anna = Resident(webhook, updates)
    await anna.command("start")
    for kind, value in FULL_CONVERSATION:
        await anna.step(kind, value)
    return anna


def _dispatcher(webhook: Harness, clock: FixedClock) -> CheckInDispatcher:
    service = webhook.channel.runtime.service
    return CheckInDispatcher(service, {"telegram": webhook.channel.sending}, CheckInPolicy(),
                             clock=clock)


def _statuses(db: Database) -> list[str]:
    with db.transaction() as session:
        return [c.status for c in session.scalars(select(CheckIn))]


async def test_check_in_arrives_once_and_is_answered(
    webhook: Harness, updates: UpdateFactory, clock: FixedClock, db: Database
) -> None:
    anna = await _told(webhook, updates, clock)
    before = len(anna.messages)
    clock.advance(days=14)
    webhook.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    dispatcher = _dispatcher(webhook, clock)
    report = await dispatcher.tick()
    assert report.sent == 1 and (await dispatcher.tick()).claimed == 0
    await webhook.settle()  # the sent marks are written
    new = anna.messages[before:]
    assert len(new) == 1 and "Hulp bij schulden" in new[0]["text"]
    assert _statuses(db) == ["sent"]
    await anna.press("worse")
    await anna.press("no")
    assert _statuses(db) == ["answered"]


async def test_blocked_resident_gets_no_retry(
    webhook: Harness, updates: UpdateFactory, clock: FixedClock, db: Database
) -> None:
    anna = await _told(webhook, updates, clock)
    webhook.fake.block_chat(anna.chat_id)
    clock.advance(days=14)
    dispatcher = _dispatcher(webhook, clock)
    await dispatcher.tick()
    clock.advance(days=1)
    assert (await dispatcher.tick()).claimed == 0
    await webhook.settle()
    assert _statuses(db) == ["unreachable"]
    blocked_calls = [c for c in webhook.fake.calls_to("sendMessage") if not c.ok]
    assert len(blocked_calls) == 1
