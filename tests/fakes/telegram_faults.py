"""Failures a test can switch on: injected errors, blocked chats, flood control."""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass

from tests.fakes.telegram_wire import ApiError, JsonDict

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"


@dataclass(frozen=True)
class RateLimit:
    """At most `max_calls` accepted calls in any sliding window of `period` seconds."""

    max_calls: int
    period: float = 1.0


@dataclass
class _InjectedFailure:
    method: str
    error: ApiError
    remaining: int


class _SlidingWindow:
    """Timestamps of accepted calls within the last `period` seconds."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._times: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        """Seconds to wait if a call now would exceed the limit, else None."""
        while self._times and self._times[0] <= now - self.limit.period:
            self._times.popleft()
        if len(self._times) < self.limit.max_calls:
            return None
        return max(1, math.ceil(self._times[0] + self.limit.period - now))

    def admit(self, now: float) -> None:
        self._times.append(now)


class FaultPlan:
    """Decides, before a method runs, whether Telegram would refuse the call.

    Not thread-safe on its own: FakeBotApi calls it under its lock.
    """

    def __init__(
        self,
        rate_limit_per_second: int | None = None,
        per_chat_rate_limit: RateLimit | None = None,
    ) -> None:
        self._failures: list[_InjectedFailure] = []
        self._blocked: set[int | str] = set()
        self._global: _SlidingWindow | None = None
        self._per_chat_limit: RateLimit | None = None
        self._per_chat: dict[int | str, _SlidingWindow] = {}
        self.rejections: Counter[str] = Counter()
        self.set_rate_limits(rate_limit_per_second, per_chat_rate_limit)

    def set_rate_limits(
        self, rate_limit_per_second: int | None, per_chat_rate_limit: RateLimit | None
    ) -> None:
        """Replace both flood limits; None switches a limit off."""
        self._global = (
            _SlidingWindow(RateLimit(rate_limit_per_second)) if rate_limit_per_second else None
        )
        self._per_chat_limit = per_chat_rate_limit
        self._per_chat = {}

    @property
    def rate_limit_per_second(self) -> int | None:
        return self._global.limit.max_calls if self._global else None

    @property
    def per_chat_rate_limit(self) -> RateLimit | None:
        return self._per_chat_limit

    def fail_next(self, method: str, error: ApiError, times: int) -> None:
        """Answer the next `times` calls of `method` with `error`."""
        self._failures.append(_InjectedFailure(method.lower(), error, times))

    def block_chat(self, chat_id: int | str) -> None:
        self._blocked.add(_chat_key(chat_id))

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.discard(_chat_key(chat_id))

    def check(self, method: str, params: JsonDict, now: float) -> None:
        """Raise the ApiError Telegram would answer with, or admit the call."""
        injected = self._take_injected(method)
        if injected is not None:
            self.rejections["injected"] += 1
            raise injected
        chat_id = _chat_key(params["chat_id"]) if "chat_id" in params else None
        is_send = method.lower().startswith("send")
        touches_chat = is_send or method.lower().startswith("edit")
        if touches_chat and chat_id is not None and chat_id in self._blocked:
            self.rejections["blocked"] += 1
            raise ApiError(403, BLOCKED_DESCRIPTION)
        if is_send:
            self._check_flood(chat_id, now)

    def _take_injected(self, method: str) -> ApiError | None:
        for failure in self._failures:
            if failure.method == method.lower():
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure.error
        return None

    def _check_flood(self, chat_id: int | str | None, now: float) -> None:
        chat_window = self._chat_window(chat_id)
        for window, kind in ((self._global, "rate_limited"), (chat_window, "rate_limited_chat")):
            if window is None:
                continue
            wait = window.retry_after(now)
            if wait is not None:
                self.rejections[kind] += 1
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        for window in (self._global, chat_window):
            if window is not None:
                window.admit(now)

    def _chat_window(self, chat_id: int | str | None) -> _SlidingWindow | None:
        if self._per_chat_limit is None or chat_id is None:
            return None
        if chat_id not in self._per_chat:
            self._per_chat[chat_id] = _SlidingWindow(self._per_chat_limit)
        return self._per_chat[chat_id]


def _chat_key(chat_id: int | str) -> int | str:
    """42, "42" and "@name" as one key each (PTB sends ids as strings)."""
    try:
        return int(chat_id)
    except ValueError:
        return str(chat_id).lower()
