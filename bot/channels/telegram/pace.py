"""Sending at a pace Telegram accepts: about 30 messages a second, about one a second per chat.

This is our equivalent of PTB's AIORateLimiter: the same leaky buckets (aiolimiter) for the
whole bot and for groups, plus one per private chat. Unlike AIORateLimiter, a RetryAfter
does not halt every chat, and it reaches our sender instead of being logged as an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiolimiter import AsyncLimiter

# Idle chats' limiters are forgotten once there are this many, as AIORateLimiter does.
MAX_IDLE_LIMITERS: Final = 1024
# Telegram allows about 30 messages a second in all; a little below leaves room for jitter.
OVERALL_PER_SECOND: Final = 28.0


@dataclass(frozen=True, slots=True)
class ChatPace:
    """About `per_second` messages a second in one chat, after a first `burst` at once."""

    # Telegram asks for about one message a second per chat and tolerates short bursts; a
    # turn often says three or four things at once (the hello), which should not take seconds.

    burst: int = 5
    per_second: float = 1.0


# Telegram's limit for a group: 20 messages a minute.
GROUP_PACE: Final = ChatPace(burst=20, per_second=20 / 60)


class Pacer:
    """Waits before each call to a chat until it keeps within the chat's pace and the bot's."""

    def __init__(
        self,
        pace: ChatPace | None = ChatPace(),
        overall_per_second: float | None = OVERALL_PER_SECOND,
    ) -> None:
        self._pace = pace
        # A bucket of one: evenly spaced, so no one-second window ever holds a burst on top.
        self._overall = AsyncLimiter(1, 1 / overall_per_second) if overall_per_second else None
        self._limiters: dict[str, AsyncLimiter] = {}

    async def pace(self, chat: str) -> None:
        """Wait until one more message to this chat keeps within its pace and the bot's."""
        limiter = self._limiter(chat)
        if limiter is not None:
            await limiter.acquire()
        if self._overall is not None:
            await self._overall.acquire()

    def _limiter(self, chat: str) -> AsyncLimiter | None:
        # Group and channel ids are negative; they have a stricter limit of their own.
        pace = GROUP_PACE if chat.startswith("-") else self._pace
        if pace is None:
            return None
        limiter = self._limiters.get(chat)
        if limiter is None:
            self._forget_idle()
            # A bucket of `burst` that drains at `per_second`.
            limiter = AsyncLimiter(pace.burst, pace.burst / pace.per_second)
            self._limiters[chat] = limiter
        return limiter

    def _forget_idle(self) -> None:
        if len(self._limiters) < MAX_IDLE_LIMITERS:
            return
        for chat, limiter in list(self._limiters.items()):
            if limiter.has_capacity(limiter.max_rate):
                del self._limiters[chat]
