"""Updates a busy process answers at once and runs right after, in order per resident.

A platform waits for its webhook's 200, and a turn holds it until it committed. When more
turns are under way than the process runs at once, a new one would wait for them first, and
the platform with it. Instead the update is parked: stored, encrypted, in one short
transaction; the webhook answers; and the turn runs as soon as a turn thread is free. From
then on the resident's next updates queue behind it, so their turns keep the order they came
in. A parked update is forgotten once its turn committed. After a crash the next start runs
what is still parked first; a process also takes over what another parked and left for
longer than `orphan_after` seconds (it died). Running an update twice is harmless: a turn
records its update id, and a second delivery of the same update changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from bot.channel_records import ChannelRecords, Parked
from bot.outbox import doubling
from bot.send_loop import TurnLoad

log = logging.getLogger(__name__)

Run = Callable[[bytes], Awaitable[None]]
"""Runs the turn of a parked update's body; raises when it could not (tried again later)."""
Turn = Callable[[], Awaitable[None]]
"""Runs the turn of an update parked by this process, which read it already."""
# Rows of turns that committed are forgotten together, this often (seconds).
FORGET_EVERY = 0.05


@dataclass(slots=True)
class _Waiting:
    body: bytes
    turn: Turn | None = None  # None: read the body first
    # The row id once the update is stored (None: stored before, by an earlier delivery).
    stored: asyncio.Future[int | None] = field(default_factory=asyncio.Future)


class Parking:
    """Parks a channel's updates while its turns are behind, and runs them in order."""

    def __init__(
        self, records: ChannelRecords, channel: str, run: Run, load: TurnLoad, busy_at: int,
        orphan_after: float, first_backoff: float = 0.5, max_backoff: float = 30.0,
    ) -> None:
        self._records = records
        self._channel = channel
        self._run = run
        self._load = load
        self._busy_at = busy_at
        self._orphan_after = orphan_after
        self._first_backoff, self._max_backoff = first_backoff, max_backoff
        self._queues: dict[str, deque[_Waiting]] = {}
        self._known: set[int] = set()  # rows queued here
        self._done: list[int] = []  # rows whose turns committed, to forget
        self._writer = _Writer(records)
        self._forgetting: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._scanner: asyncio.Task[None] | None = None

    def wanted(self, participant_id: str) -> bool:
        """Whether an update of this resident is parked rather than run now: the turns are
        behind, or the resident has parked updates still to run (they go first)."""
        return participant_id in self._queues or self._load.under_way >= self._busy_at

    async def park(self, update_id: str, participant_id: str, body: bytes, turn: Turn) -> None:
        """Store the update and queue its `turn`; raises when it could not be stored (then
        nothing was queued, and the platform is to deliver it again)."""
        waiting = _Waiting(body, turn)
        # Queued before it is stored: the resident's next update, arriving meanwhile, goes
        # behind it.
        self._queue(participant_id).append(waiting)
        try:
            row_id = await asyncio.wrap_future(
                self._writer.add((self._channel, update_id, participant_id, body)))
        except asyncio.CancelledError:
            # Not run from here; if it was stored, a process takes it over later.
            waiting.stored.set_result(None)
            raise
        except Exception as error:
            waiting.stored.set_exception(error)
            raise
        if row_id is not None:
            self._known.add(row_id)
        waiting.stored.set_result(row_id)

    def idle(self) -> bool:
        """Nothing parked here still to run or to forget."""
        return not self._queues and not self._done and (
            self._forgetting is None or self._forgetting.done())

    async def start(self) -> None:
        """Queue what is parked (a crash left it, or a process that stopped), then look for
        what other processes leave now and then."""
        await self._take_over(None)
        self._scanner = asyncio.create_task(self._scan(), name=f"{self._channel}-parking")

    async def stop(self, timeout: float) -> None:
        """Let the parked turns run (for at most `timeout` seconds); what is left stays
        parked for the next start."""
        if self._scanner is not None:
            self._scanner.cancel()
            await asyncio.gather(self._scanner, return_exceptions=True)
            self._scanner = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._forgetting is not None:
            await asyncio.gather(self._forgetting, return_exceptions=True)
        await self._forget_done()
        await asyncio.to_thread(self._writer.close)
        self._queues.clear()
        self._known.clear()

    # -- taking over --------------------------------------------------------------------

    async def _scan(self) -> None:
        while True:
            await asyncio.sleep(self._orphan_after / 2)
            try:
                await self._take_over(self._orphan_after)
            except Exception as error:  # the next look tries again
                log.error("%s: looking for parked updates failed (%s)", self._channel,
                          type(error).__name__)

    async def _take_over(self, older_than: float | None) -> None:
        """Queue the parked updates not queued here (`older_than`: parked that many seconds
        ago or longer), in the order they were parked."""
        found = await asyncio.to_thread(self._records.parked_updates, self._channel,
                                        older_than)
        for row in found:
            if row.row_id not in self._known:
                self._queue_stored(row)

    def _queue_stored(self, row: Parked) -> None:
        waiting = _Waiting(row.body)
        waiting.stored.set_result(row.row_id)
        self._known.add(row.row_id)
        self._queue(row.participant_id).append(waiting)

    # -- running ------------------------------------------------------------------------

    def _queue(self, participant_id: str) -> deque[_Waiting]:
        queue = self._queues.get(participant_id)
        if queue is None:
            queue = self._queues[participant_id] = deque()
            task = asyncio.create_task(self._work_through(participant_id, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return queue

    async def _work_through(self, participant_id: str, queue: deque[_Waiting]) -> None:
        try:
            while queue:
                waiting = queue[0]
                try:
                    row_id = await waiting.stored
                except Exception:  # not stored: the platform delivers it again
                    queue.popleft()
                    continue
                if row_id is not None:  # None: parked before, run by whoever parked it
                    await self._run_until_done(waiting)
                    self._forget(row_id)
                queue.popleft()
        finally:
            if self._queues.get(participant_id) is queue:
                del self._queues[participant_id]

    async def _run_until_done(self, waiting: _Waiting) -> None:
        attempt = 0
        while True:
            try:
                if waiting.turn is not None:
                    await waiting.turn()
                else:
                    await self._run(waiting.body)
                return
            except Exception as error:  # the database is away: the same update again, later
                log.error("%s: a parked update's turn failed (%s); trying again",
                          self._channel, type(error).__name__)
                await asyncio.sleep(doubling(self._first_backoff, self._max_backoff, attempt))
                attempt += 1

    def _forget(self, row_id: int) -> None:
        """The row's turn committed: forget the row soon, with others in one transaction."""
        self._known.discard(row_id)
        self._done.append(row_id)
        if self._forgetting is None or self._forgetting.done():
            self._forgetting = asyncio.create_task(self._forget_soon())

    async def _forget_soon(self) -> None:
        while self._done:  # more may come while a batch is written
            await asyncio.sleep(FORGET_EVERY)
            await self._forget_done()

    async def _forget_done(self) -> None:
        done, self._done = self._done, []
        if done:
            with contextlib.suppress(Exception):  # left parked: run again later, harmlessly
                await asyncio.to_thread(self._records.unpark, done)


class _Writer:
    """Stores updates to park, the ones that come within a moment in one transaction, in a
    thread of its own: a crowd of updates costs one commit, not one each."""

    def __init__(self, records: ChannelRecords, gather: float = 0.002) -> None:
        self._records = records
        self._gather = gather
        self._waiting: list[tuple[tuple[str, str, str, bytes], Future[int | None]]] = []
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def add(self, update: tuple[str, str, str, bytes]) -> Future[int | None]:
        """Queue (channel, update id, participant id, body); the future gives the row id."""
        done: Future[int | None] = Future()
        with self._changed:
            self._waiting.append((update, done))
            if self._thread is None:
                self._closing = False
                self._thread = threading.Thread(target=self._run, name="parking",
                                                 daemon=True)
                self._thread.start()
            self._changed.notify()
        return done

    def close(self) -> None:
        """Store what waits, then stop the thread (a later `add` starts it again)."""
        with self._changed:
            self._closing = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._closing)
                if not self._waiting:
                    self._thread = None
                    return
                # A moment for the updates arriving with this one to join its transaction.
                self._changed.wait(self._gather)
                # Those whose webhook was given up meanwhile are left out.
                taken = [item for item in self._waiting if item[1].set_running_or_notify_cancel()]
                self._waiting = []
            if not taken:
                continue
            try:
                row_ids = self._records.park_updates([update for update, _ in taken])
            except Exception as error:  # not stored: each webhook answers 500
                for _, done in taken:
                    done.set_exception(error)
                continue
            for (_, done), row_id in zip(taken, row_ids, strict=True):
                done.set_result(row_id)
