"""The 24-hour customer service window, and what a Graph error code means for a message."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

# Meta counts from the resident's message; we count from when we handled it, a little later.
WINDOW = timedelta(hours=24) - timedelta(minutes=10)
REMEMBERED = 10_000

Failure = Literal["window", "unreachable", "retry", "failed"]
WINDOW_CLOSED = 131047
UNREACHABLE = frozenset({131026})
# Throttling and Meta's own hiccups: the same message may well go through a little later.
RETRYABLE = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056})


def classify(code: int | None) -> Failure:
    """What to do about a failed send: re-engage by template, give up on the address, retry."""
    if code == WINDOW_CLOSED:
        return "window"
    if code in UNREACHABLE:
        return "unreachable"
    if code in RETRYABLE:
        return "retry"
    return "failed"


def window_open(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether free-form messages may still be sent."""
    return last_inbound is not None and now - last_inbound < WINDOW


class WindowTracker:
    """Knows whose window is open: recent messages from memory, everyone else from the database."""

    def __init__(
        self, last_inbound: Callable[[str], datetime | None], clock: Callable[[], datetime]
    ) -> None:
        self._last_inbound = last_inbound
        self._clock = clock
        self._last: OrderedDict[str, datetime] = OrderedDict()
        self._invited: OrderedDict[str, datetime] = OrderedDict()

    def seen(self, participant_id: str, when: datetime) -> None:
        """The participant wrote at `when`: the window is open again."""
        _remember(self._last, participant_id, max(when, self._last.get(participant_id, when)))

    def closed(self, participant_id: str) -> None:
        """Meta refused a message with 131047: believe it over our own count."""
        self._last.pop(participant_id, None)

    async def is_open(self, participant_id: str) -> bool:
        """Whether free-form messages to this participant are allowed now."""
        now = self._clock()
        if window_open(self._last.get(participant_id), now):
            return True
        # Another process may have handled their latest message: ask the database.
        last = await asyncio.to_thread(self._last_inbound, participant_id)
        if last is not None:
            self.seen(participant_id, last)
        return window_open(last, now)

    def claim_invitation(self, participant_id: str) -> bool:
        """True once per closed window: one template asks the resident back, not one per reply."""
        now = self._clock()
        invited = self._invited.get(participant_id)
        last = self._last.get(participant_id)
        answered = last is not None and invited is not None and last > invited
        if invited is not None and not answered and now - invited < WINDOW:
            return False
        _remember(self._invited, participant_id, now)
        return True


def _remember(times: OrderedDict[str, datetime], key: str, when: datetime) -> None:
    """Keep a time per participant, forgetting the oldest beyond what memory should hold."""
    times[key] = when
    times.move_to_end(key)
    while len(times) > REMEMBERED:
        times.popitem(last=False)
