"""What a channel that sends queued replies offers, and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.channels.messages import QueuedMessage

SendStatus = Literal["sent", "failed", "unreachable", "retry"]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to one message: sent (with the platform's id), or why not."""

    status: SendStatus
    platform_message_id: str | None = None


def doubling(first: float, cap: float, attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (0-based): `first`, doubling
    each time, at most `cap`."""
    return float(min(cap, first * 2**attempt))


class ChannelSender(Protocol):
    """A channel that can send one queued message.

    `confirm_seconds`: how long the platform may take to report a message it accepted (a
    status webhook that names the row), or 0 when it never does. A row taken over from a
    sender that died waits that long before it is sent, unless the report came meanwhile."""

    confirm_seconds: float

    async def send(self, item: QueuedMessage) -> SendResult: ...
