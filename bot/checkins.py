"""Sending due check-ins: claimed in the database, within allowed hours, each exactly once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.channels.messages import InboundMessage, QueuedMessage
from bot.outbox import SendResult
from bot.send_loop import SendLoop
from bot.service import ConversationService, utc_now
from flows.events import CheckInIn
from storage import checkins

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckInPolicy:
    """When check-ins may be sent, and how long an overdue one stays worth sending."""

    timezone: str = "Europe/Amsterdam"
    start: int = 9
    end: int = 20
    max_age: timedelta = timedelta(days=7)
    batch: int = 200

    def allows(self, now: datetime) -> bool:
        """Whether `now` falls within the allowed local hours (daylight saving included)."""
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        return time(self.start) <= local < (time(self.end) if self.end < 24 else time.max)


@dataclass(slots=True)
class TickReport:
    """What one tick did."""

    expired: int = 0
    claimed: int = 0
    queued: int = 0
    unreachable: int = 0
    postponed: int = 0
    results: list[SendResult] = field(default_factory=list)

    def add(self, other: TickReport) -> None:
        """Count another tick's work in this one."""
        for name in ("expired", "claimed", "queued", "unreachable", "postponed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.results.extend(other.results)

    @property
    def sent(self) -> int:
        """Messages the platform accepted."""
        return sum(1 for r in self.results if r.status == "sent")


class CheckInDispatcher:
    """Claims due check-ins, runs their turn, and sends the message through the channel's
    send loop, in order with the resident's other replies and at the channel's pace."""

    def __init__(
        self,
        service: ConversationService,
        loops: Mapping[str, SendLoop],
        policy: CheckInPolicy,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.service = service
        # The channels' running send loops, by channel name.
        self.loops = loops
        self.policy = policy
        self.clock = clock

    def prepare(self, now: datetime, report: TickReport, dry_run: bool = False) -> list[
        QueuedMessage
    ]:
        """In one transaction: expire the stale, claim the due, queue their messages."""
        with self.service.db.transaction() as session:
            report.expired += checkins.expire_old(session, now, self.policy.max_age)
            if not self.policy.allows(now):
                return []
            claimed = checkins.claim_due(session, now, self.policy.batch)
            report.claimed += len(claimed)
            queued: list[QueuedMessage] = []
            for due in claimed:
                if due.address is None or not due.reachable or due.channel not in self.loops:
                    checkins.set_status(session, due.id, "unreachable")
                    report.unreachable += 1
                    continue
                address = self.service.cipher.decrypt(due.address)
                event = CheckInIn(due.id, due.story_id, due.story_title)
                message = InboundMessage(due.channel, "", address, event)
                items = self.service.run_turn(session, due.participant_id, message, now,
                                              checkin_id=due.id)
                if items:
                    checkins.set_status(session, due.id, "queued")
                    report.queued += 1
                    queued.extend(items)
                else:
                    report.postponed += 1
            if dry_run:
                session.rollback()
                return []
            return queued

    async def tick(self) -> TickReport:
        """Prepare and send one batch of due check-ins."""
        report = TickReport()
        queued = await asyncio.to_thread(self.prepare, self.clock(), report)
        report.results = await self._send(queued)
        if report.claimed:
            log.info("check-ins: %d claimed, %d queued, %d sent, %d unreachable, %d postponed",
                     report.claimed, report.queued, report.sent, report.unreachable,
                     report.postponed)
        return report

    async def drain(self) -> TickReport:
        """Send batch after batch until nothing is due; the next batch is claimed while the
        current one is being sent, so a backlog keeps the platform's rate limit busy."""
        total, report = TickReport(), TickReport()
        queued = await asyncio.to_thread(self.prepare, self.clock(), report)
        while True:
            following: asyncio.Task[list[QueuedMessage]] | None = None
            upcoming = TickReport()
            if report.claimed >= self.policy.batch:
                following = asyncio.create_task(
                    asyncio.to_thread(self.prepare, self.clock(), upcoming)
                )
            report.results = await self._send(queued)
            total.add(report)
            if following is None:
                return total
            queued, report = await following, upcoming

    async def _send(self, queued: list[QueuedMessage]) -> list[SendResult]:
        by_channel: dict[str, list[QueuedMessage]] = {}
        for item in queued:
            by_channel.setdefault(item.channel, []).append(item)
        done = await asyncio.gather(*(self.loops[channel].deliver(items)
                                      for channel, items in by_channel.items()))
        return [result for results in done for result in results]
