"""Sending after commit, in the background, one participant's messages strictly in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from itertools import groupby

from bot.channels.messages import QueuedMessage
from bot.outbox import ChannelSender
from bot.service import ConversationService

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


class Dispatcher:
    """Runs send jobs as tasks: the webhook answers without waiting for the Graph API,
    while a participant's replies still go out in the order their turns were committed."""

    def __init__(self, service: ConversationService, sender: ChannelSender) -> None:
        self._service = service
        self._sender = sender
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, items: list[QueuedMessage]) -> None:
        """Send queued outbox rows, grouped by participant, and record each result."""
        ordered = sorted(items, key=lambda item: (item.participant_id, item.outbox_id))
        for participant_id, group in groupby(ordered, key=lambda item: item.participant_id):
            self.run_for(participant_id, partial(self._deliver, list(group)))

    async def _deliver(self, items: list[QueuedMessage]) -> None:
        """Send in order; successes are recorded together, in one transaction per batch."""
        sent: list[tuple[int, str | None]] = []
        for index, item in enumerate(items):
            result = await self._sender.send(item)
            if result.status == "sent":
                sent.append((item.outbox_id, result.platform_message_id))
            elif result.status == "failed":
                await asyncio.to_thread(self._service.mark, item.outbox_id, "failed")
            else:
                # "retry": the rest must not overtake this row; all stay pending for the next
                # start. "unreachable": nothing more can arrive at this address.
                if result.status == "unreachable":
                    for rest in items[index:]:
                        await asyncio.to_thread(self._service.mark, rest.outbox_id, "unreachable")
                break
        if sent:
            await asyncio.to_thread(self._service.mark_sent, sent)

    def run_for(self, participant_id: str, job: Job) -> None:
        """Run `job` after every job submitted earlier for the same participant."""
        self._waiting[participant_id] = self._waiting.get(participant_id, 0) + 1
        lock = self._locks.setdefault(participant_id, asyncio.Lock())
        task = asyncio.create_task(self._run(participant_id, lock, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, participant_id: str, lock: asyncio.Lock, job: Job) -> None:
        try:
            async with lock:
                await job()
        except Exception as error:  # one failed batch must not stop the others
            # Rows not marked stay pending and are sent again at the next start.
            log.error("whatsapp delivery failed: %s", type(error).__name__)
            log.debug("whatsapp delivery failure", exc_info=True)
        finally:
            self._waiting[participant_id] -= 1
            if not self._waiting[participant_id]:
                del self._waiting[participant_id]
                del self._locks[participant_id]

    async def drain(self) -> None:
        """Wait until everything submitted so far (and what it led to) is sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
