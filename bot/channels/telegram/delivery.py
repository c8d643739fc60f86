"""After commit: send a turn's replies in the background, in order per chat, and record results."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine, Iterable
from typing import Any

from bot.channel_records import ChannelRecords, FinalStatus
from bot.channels.messages import QueuedMessage
from bot.channels.telegram.sender import TelegramSender
from bot.marks import SentMarks
from bot.outbox import SendResult

log = logging.getLogger(__name__)
FINAL = ("failed", "unreachable")


def by_chat(items: Iterable[QueuedMessage]) -> dict[str, list[QueuedMessage]]:
    """Queued messages grouped by chat, each group in outbox order."""
    groups: dict[str, list[QueuedMessage]] = {}
    for item in sorted(items, key=lambda i: i.outbox_id):
        groups.setdefault(item.address, []).append(item)
    return groups


def _final(result: SendResult) -> FinalStatus:
    return "unreachable" if result.status == "unreachable" else "failed"


class Delivery:
    """One queue and at most one worker per chat; in memory, never the source of truth."""

    def __init__(self, records: ChannelRecords, sender: TelegramSender, marks: SentMarks) -> None:
        self._records = records
        self._sender = sender
        self._marks = marks
        self._tasks: set[asyncio.Task[Any]] = set()
        self._held: set[int] = set()
        self._queues: dict[str, deque[tuple[list[QueuedMessage], asyncio.Future[None]]]] = {}

    def later(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` in the background; the webhook answers without waiting for it."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The type only: messages of storage errors can quote the row's values.
            error = task.exception()
            log.error("telegram: background delivery failed (%s)", type(error).__name__)
            log.debug("telegram: background delivery failed", exc_info=error)

    def enqueue(self, items: Iterable[QueuedMessage]) -> list[asyncio.Future[None]]:
        """Queue messages, a chat's batches in order; returns per chat a future, done once sent."""
        # Synchronous on purpose: a turn's replies take their place in the chat's queue before
        # the webhook answers, so the next turn's replies (an edit of this turn's question)
        # can never overtake them.
        done = []
        for chat, batch in by_chat(items).items():
            queue = self._queues.get(chat)
            if queue is None:
                queue = self._queues[chat] = deque()
                self.later(self._work_through(chat, queue))
            sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue.append((batch, sent))
            self._held.update(item.outbox_id for item in batch)
            done.append(sent)
        return done

    async def _work_through(
        self, chat: str, queue: deque[tuple[list[QueuedMessage], asyncio.Future[None]]]
    ) -> None:
        try:
            while queue:
                batch, sent = queue.popleft()
                try:
                    await self.deliver(batch)
                except Exception as error:  # the rows stay pending: sent on the next start
                    log.error("telegram: delivery failed (%s)", type(error).__name__)
                    log.debug("telegram: delivery failed", exc_info=error)
                finally:
                    self._held.difference_update(item.outbox_id for item in batch)
                    if not sent.done():  # its waiter may have been cancelled
                        sent.set_result(None)
        finally:
            for batch, sent in queue:
                self._held.difference_update(item.outbox_id for item in batch)
                sent.cancel()
            del self._queues[chat]

    def holds(self, outbox_id: int) -> bool:
        """Whether this row waits in a chat's queue here or is being sent."""
        return outbox_id in self._held

    def held(self) -> frozenset[int]:
        """The rows waiting or being sent here now."""
        return frozenset(self._held)

    async def deliver(self, batch: list[QueuedMessage]) -> list[SendResult]:
        """Send one chat's batch now and record the results (callers keep chats in order)."""
        results = await self._send_all(batch)
        # Recorded before the chat's next batch: its edits look up these message ids. Sent
        # rows are marked together with other chats' (one transaction for many replies).
        pairs = list(zip(batch, results, strict=True))
        sent = [(i.outbox_id, r.platform_message_id) for i, r in pairs if r.status == "sent"]
        final = [(i.outbox_id, _final(r)) for i, r in pairs if r.status in FINAL]
        if final:
            # "unreachable" also stops check-ins and forgets the address.
            await asyncio.to_thread(self._records.record_final, final)
        if sent:
            await asyncio.wrap_future(self._marks.add(sent))
        return results

    async def _send_all(self, items: list[QueuedMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        for item in items:
            if results and results[-1].status in ("unreachable", "retry"):
                # Blocked: the rest of the batch would be refused too; no retry loop. Still
                # failing: the rest waits too, so that the chat gets its messages in order.
                results.append(SendResult(results[-1].status))
                continue
            results.append(await self._sender.send(item))
        return results

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is being sent (or `timeout` seconds); True when idle."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tasks:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=left)
        return True

    async def drain(self, timeout: float) -> None:
        """Wait for sends under way (they would be sent on the next start anyway), then stop."""
        if await self.wait_idle(timeout):
            return
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
