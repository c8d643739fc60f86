"""The one send loop: every reply, check-in and notice of this process goes out here, in the
order of the outbox per chat, paced by its channel's sender, retried with backoff, and
recorded as sent in batches.

Rows arrive two ways. A turn run here hands over the rows it claimed at once (the chat had
nothing pending that another sender holds): they go out right after commit, with no
database round trip. Everything else (another process's turns, rows a crash or an earlier
run left, rows behind a lapsed claim) is claimed from the outbox by `poll`, a chat at a
time with its rows in order (storage/send_queue.py). Any number of processes may run a
loop on one database (`vertelpunt serve`, `vertelpunt worker --send`); none sends a row
another holds.

A claim lasts `lease` seconds and is renewed while the loop runs. No send starts in the
last third of the time the last renewal bought: a process that lost its database stops
sending before others may take its rows over, so nothing is sent twice that way. A row
whose send had started when the process died may go out twice: neither platform can be
asked whether a message arrived.

The process's turns come first: while more turns are under way than its threads run
(`TurnLoad`), a send waits a moment before it starts, so webhooks get their 200 sooner
when updates bunch up and the replies catch up right after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.channel_records import FinalStatus
from bot.channels.messages import Question, QueuedMessage, SentQuestion
from bot.marks import SentMarks
from bot.outbox import ChannelSender, SendResult, doubling
from bot.service import ConversationService
from bot.settings import Settings

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
Chat = tuple[str, str]
"""(channel, participant id): the unit of order."""
# Sent questions remembered for edits (a pressed button closes its question): the newest
# this many; older ones are looked up in the database.
KEPT_QUESTIONS: Final = 20_000


@dataclass(frozen=True, slots=True)
class LoopOptions:
    """Timings of the loop; the defaults suit production, tests shorten them."""

    lease: float = 30.0
    poll_seconds: float = 1.0
    drain_seconds: float = 10.0
    chats_per_claim: int = 200
    first_backoff: float = 1.0
    max_backoff: float = 60.0
    step_aside: float = 0.25

    def backoff(self, attempt: int) -> float:
        """Seconds before trying a row again after `attempt` failed rounds (0-based)."""
        return doubling(self.first_backoff, self.max_backoff, attempt)


def loop_options(
    settings: Settings, drain_seconds: float = 10.0, first_backoff: float = 1.0,
    max_backoff: float = 60.0,
) -> LoopOptions:
    """The loop's options from the settings and its channel's timings."""
    return LoopOptions(lease=settings.send_lease_seconds, poll_seconds=settings.send_poll_seconds,
                       drain_seconds=drain_seconds, first_backoff=first_backoff,
                       max_backoff=max_backoff)


# Rows this loop took in lately, to know that a row's predecessor arrived.
KEPT_SEEN: Final = 100_000


class TurnLoad:
    """Turns under way in this process, counted by the channel that runs them. While more are
    under way than `behind_at`, the process is behind on webhooks: sends step aside (for at
    most `LoopOptions.step_aside` seconds each), since a platform waits for its 200 and
    delivers again after a timeout, while a reply may trail by a moment."""

    def __init__(self, behind_at: int) -> None:
        self.behind_at = behind_at
        self.under_way = 0
        self._caught_up = asyncio.Event()
        self._caught_up.set()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Count a turn under way for as long as the block runs (waiting for a thread too)."""
        self.under_way += 1
        if self.under_way > self.behind_at:
            self._caught_up.clear()
        try:
            yield
        finally:
            self.under_way -= 1
            if self.under_way <= self.behind_at:
                self._caught_up.set()

    def behind(self) -> bool:
        """Whether more turns are under way than `behind_at`."""
        return not self._caught_up.is_set()

    async def caught_up(self, longest: float) -> None:
        """Return once the turns caught up, or after `longest` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(longest):
                await self._caught_up.wait()


@dataclass(slots=True)
class _Entry:
    item: QueuedMessage | None = None
    job: Job | None = None
    done: asyncio.Future[SendResult] | None = None
    started: bool = False


class SendLoop:
    """Sends for the channels in `senders` (channel name -> sender)."""

    def __init__(
        self, service: ConversationService, senders: Mapping[str, ChannelSender] | None = None,
        options: LoopOptions | None = None, load: TurnLoad | None = None,
    ) -> None:
        self.service = service
        self.senders: dict[str, ChannelSender] = dict(senders or {})
        self.options = options or LoopOptions()
        self.load = load
        self._marks = SentMarks(service)
        self._chats: dict[Chat, deque[_Entry]] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._arrived: dict[Chat, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._questions: OrderedDict[tuple[str, str, str], SentQuestion] = OrderedDict()
        # Rows in doubt (`QueuedMessage.in_doubt`) -> when this loop took them over.
        self._taken_over: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._claimed_all = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._valid_until = 0.0
        self._renewed_at = 0.0
        self._running = False

    def add_sender(self, channel: str, sender: ChannelSender) -> None:
        """Send `channel`'s rows too, through `sender`."""
        self.senders[channel] = sender

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start sending: this process's turns now claim their rows for this loop, and the
        loop takes what no one sends (what a crash or an earlier run left) in order."""
        if self._running:
            self.wake()
            return
        self._running = True
        self.service.begin_sending()
        self._lease_renewed(time.monotonic())
        self._poller = asyncio.create_task(self._poll_forever(), name="send-loop")
        self.wake()

    async def stop(self) -> None:
        """Let sends under way finish (briefly), record them, and free the rest for others."""
        if not self._running:
            return
        self._running = False
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        await self.drain(self.options.drain_seconds)
        await asyncio.to_thread(self._marks.close, self.options.drain_seconds)
        await asyncio.to_thread(self.service.end_sending)

    # -- handing over -------------------------------------------------------------------

    def take(self, items: Iterable[QueuedMessage]) -> None:
        """A turn's rows: those claimed here are sent at once, in order behind the chat's
        earlier ones; the others wait their turn in the outbox (the poll takes them)."""
        items = list(items)
        self.enqueue(item for item in items if item.claimed)
        if any(not item.claimed for item in items):
            self.wake()

    def enqueue(self, items: Iterable[QueuedMessage]) -> list[asyncio.Future[SendResult]]:
        """Queue rows this process holds, each chat's in outbox order; returns a future per
        row, done with its result. Synchronous on purpose: a turn's rows take their place
        before the webhook answers, so the next turn's rows can never overtake them."""
        loop = asyncio.get_running_loop()
        futures = []
        for item in sorted(items, key=lambda i: i.outbox_id):
            done: asyncio.Future[SendResult] = loop.create_future()
            chat = (item.channel, item.participant_id)
            _insert(self._queue(chat), _Entry(item=item, done=done))
            self._seen[item.outbox_id] = None
            if len(self._seen) > KEPT_SEEN:
                self._seen.popitem(last=False)
            arrived = self._arrived.get(chat)
            if arrived is not None:
                arrived.set()
            futures.append(done)
        return futures

    def run_for(self, chat: Chat, job: Job) -> None:
        """Run `job` in the chat's order (after what is queued for it now)."""
        self._queue(chat).append(_Entry(job=job))

    async def deliver(self, items: Iterable[QueuedMessage]) -> list[SendResult]:
        """Send rows and wait for their results; a row waiting its turn in the outbox (not
        claimed here) reports "retry": it is sent in order, later."""
        items = list(items)
        futures = iter(self.enqueue(item for item in items if item.claimed))
        waiting = [next(futures) if item.claimed else None for item in items]
        if any(f is None for f in waiting):
            self.wake()
        return [SendResult("retry") if f is None else await f for f in waiting]

    def later(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` in the background (a reply outside the outbox); failures are logged."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def wake(self) -> None:
        """Look in the outbox now rather than at the next poll."""
        self._claimed_all.clear()
        self._wake.set()

    def sent_question(self, participant_id: str, channel: str, token: str) -> SentQuestion | None:
        """The message that asked the question `token`, when this loop sent it lately."""
        return self._questions.get((participant_id, channel, token))

    # -- waiting ------------------------------------------------------------------------

    def idle(self) -> bool:
        """Nothing queued here, nothing being sent or marked, and the outbox looked at since
        the last wake."""
        return not self._chats and not self._tasks and not self._marks.busy() and (
            self._poller is None or self._claimed_all.is_set())

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until `idle` (or `timeout` seconds); True when idle."""
        deadline = time.monotonic() + timeout
        while not self.idle():
            if time.monotonic() >= deadline:
                return False
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=deadline - time.monotonic())
            else:  # marks being written, or a poll under way
                await asyncio.sleep(0.002)
        return True

    async def drain(self, timeout: float) -> None:
        """Wait for sends under way (the rest is sent by whoever claims it next), then stop
        what is left."""
        if await self.wait_idle(timeout):
            return
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # A worker cancelled before it ran never gave its rows up: left to whoever claims
        # them next.
        for queue in self._chats.values():
            self._give_up(queue)
        self._chats.clear()

    # -- the chat workers ---------------------------------------------------------------

    def _queue(self, chat: Chat) -> deque[_Entry]:
        queue = self._chats.get(chat)
        if queue is None:
            queue = self._chats[chat] = deque()
            self.later(self._work_through(chat, queue))
        return queue

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The type only: messages of storage errors can quote the row's values.
            error = task.exception()
            log.error("send loop: background work failed (%s)", type(error).__name__)
            log.debug("send loop: background work failed", exc_info=error)

    async def _work_through(self, chat: Chat, queue: deque[_Entry]) -> None:
        try:
            while queue:
                entry = queue[0]
                if entry.job is not None:
                    try:
                        await entry.job()
                    except Exception as error:  # one failed job must not stop the chat
                        log.error("send loop: a job failed (%s)", type(error).__name__)
                    queue.popleft()
                    continue
                assert entry.item is not None and entry.done is not None
                if not await self._predecessor_arrived(chat, entry.item):
                    continue  # it arrived and was put first: send that one now
                if self.load is not None and self.load.behind():
                    await self.load.caught_up(self.options.step_aside)
                    if queue[0] is not entry:
                        continue  # a row to go first arrived meanwhile
                entry.started = True
                result = await self._send(entry.item)
                queue.popleft()
                if not entry.done.done():
                    entry.done.set_result(result)
                if result.status == "unreachable":
                    await self._unreachable(queue)
                elif result.status == "retry":  # the claim lapsed: others take it from here
                    self._give_up(queue)
        finally:
            self._give_up(queue)
            if self._chats.get(chat) is queue:
                del self._chats[chat]
                self._arrived.pop(chat, None)

    async def _predecessor_arrived(self, chat: Chat, item: QueuedMessage) -> bool:
        """Whether the row `item` goes out after is here (or was sent) already. A turn that
        claimed rows behind rows this loop claimed from the outbox can hand them over
        first; they wait (at most a third of the lease) for the earlier ones, which then go
        out first. Returns False when something arrived: look at the queue again."""
        if item.after is None or item.after in self._seen:
            return True
        arrived = self._arrived.setdefault(chat, asyncio.Event())
        arrived.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.options.lease / 3):
                await arrived.wait()
                return False
        # Not here: sent and marked before this loop ran, or never to come; go on.
        log.debug("send loop: a row's predecessor did not arrive; sending it anyway")
        self._seen[item.after] = None
        return True

    def _give_up(self, queue: deque[_Entry]) -> None:
        """Rows left to whoever claims them next (they stay pending in the outbox)."""
        while queue:
            entry = queue.popleft()
            if entry.item is not None:
                self._taken_over.pop(entry.item.outbox_id, None)
            if entry.done is not None and not entry.done.done():
                entry.done.set_result(SendResult("retry"))

    async def _unreachable(self, queue: deque[_Entry]) -> None:
        """Nothing more can arrive at this address: the chat's other rows are not sent."""
        rest = [entry for entry in queue if entry.item is not None]
        queue.clear()
        for entry in rest:
            if entry.item is not None:
                self._taken_over.pop(entry.item.outbox_id, None)
        if rest:
            await asyncio.to_thread(self.service.records.record_final,
                                    [(e.item.outbox_id, "unreachable") for e in rest if e.item])
        for entry in rest:
            if entry.done is not None and not entry.done.done():
                entry.done.set_result(SendResult("unreachable"))

    async def _send(self, item: QueuedMessage) -> SendResult:
        """Send one row, trying again with backoff while it fails and the claim holds; record
        the result. "retry" means the claim lapsed first."""
        sender = self.senders.get(item.channel)
        if sender is None:
            log.error("send loop: no sender for channel %s", item.channel)
            return SendResult("retry")
        if item.in_doubt and await self._reported_sent(item, sender.confirm_seconds):
            return SendResult("sent")  # recorded when the report came
        attempt = 0
        while True:
            if not await self._may_send():
                return SendResult("retry")
            result = await sender.send(item)
            if result.status != "retry":
                break
            await asyncio.sleep(self.options.backoff(attempt))
            attempt += 1
        if result.status == "sent":
            self._remember(item, result)
            self._marks.add([(item.outbox_id, result.platform_message_id)])
        else:
            status: FinalStatus = "unreachable" if result.status == "unreachable" else "failed"
            await asyncio.to_thread(self.service.records.record_final,
                                    [(item.outbox_id, status)])
        return result

    async def _reported_sent(self, item: QueuedMessage, confirm_seconds: float) -> bool:
        """Whether the platform reported a row in doubt as sent, given `confirm_seconds`
        from when this loop took it over; always False where the platform never reports."""
        taken_at = self._taken_over.pop(item.outbox_id, None)
        if confirm_seconds <= 0:
            return False
        if taken_at is not None:
            await asyncio.sleep(taken_at + confirm_seconds - time.monotonic())
        return not await asyncio.to_thread(self.service.records.unsent, item.outbox_id)

    def _remember(self, item: QueuedMessage, result: SendResult) -> None:
        payload = item.payload
        if (not isinstance(payload, Question) or payload.redraw or payload.token is None
                or result.platform_message_id is None):
            return
        key = (item.participant_id, item.channel, payload.token)
        self._questions[key] = SentQuestion(result.platform_message_id, payload)
        self._questions.move_to_end(key)
        if len(self._questions) > KEPT_QUESTIONS:
            self._questions.popitem(last=False)

    # -- claims -------------------------------------------------------------------------

    def _lease_renewed(self, started: float) -> None:
        self._renewed_at = started
        self._valid_until = started + self.options.lease

    async def _may_send(self) -> bool:
        """Whether a send may start: the claim holds for at least a third of the lease more.
        While it does not, wait for a renewal; once it lapsed, no more."""
        margin = self.options.lease / 3
        while time.monotonic() > self._valid_until - margin:
            if time.monotonic() >= self._valid_until or not self._running:
                return False
            self.wake()  # renew now
            await asyncio.sleep(min(0.5, margin / 10))
        return True

    async def _renew(self) -> None:
        started = time.monotonic()
        try:
            await asyncio.to_thread(self.service.renew_claims, self._queued_ids())
        except Exception as error:  # the next poll tries again; sends stop before it lapses
            log.error("send loop: renewing claims failed (%s)", type(error).__name__)
            return
        self._lease_renewed(started)

    def _queued_ids(self) -> list[int]:
        """The rows this loop holds and has not sent yet (queued or being sent): only their
        claims are renewed. A row claimed but never handed to a loop lapses and is taken."""
        return sorted(entry.item.outbox_id for queue in self._chats.values()
                      for entry in queue if entry.item is not None)

    async def poll(self) -> int:
        """Renew this loop's claims when due, then claim chats no one sends and queue their
        rows; returns how many rows were claimed."""
        if time.monotonic() - self._renewed_at >= self.options.lease / 4:
            await self._renew()
        channels = sorted(self.senders)
        claimed = 0
        while channels:
            rows = await asyncio.to_thread(self.service.claim_chats, channels,
                                           self.options.chats_per_claim)
            taken_at = time.monotonic()
            self._taken_over.update((row.outbox_id, taken_at) for row in rows if row.in_doubt)
            self.enqueue(rows)
            claimed += len(rows)
            if len({(r.channel, r.participant_id) for r in rows}) < self.options.chats_per_claim:
                break
        return claimed

    async def _poll_forever(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: wait_for in Python 3.11 can lose a cancellation
            # that arrives as its timeout fires, and the loop would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.poll_seconds):
                    await self._wake.wait()
            self._wake.clear()
            try:
                claimed = await self.poll()
            except Exception as error:  # the next poll tries again
                log.error("send loop: claiming replies failed (%s)", type(error).__name__)
                log.debug("send loop: claiming replies failed", exc_info=error)
                continue
            if claimed:
                log.debug("send loop: claimed %d rows", claimed)
            if not self._wake.is_set():
                self._claimed_all.set()


def _insert(queue: deque[_Entry], entry: _Entry) -> None:
    """Put a row in its place in the chat's queue: after the one being sent, any job and
    every row queued earlier in the outbox, before later ones not yet started."""
    assert entry.item is not None
    position = len(queue)
    while position > 0:
        before = queue[position - 1]
        if before.started or before.item is None or before.item.outbox_id < entry.item.outbox_id:
            break
        position -= 1
    queue.insert(position, entry)
