"""A recording outbound channel: the fake every sending test uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.messages import QueuedMessage
from bot.outbox import SendResult, SendStatus


@dataclass
class RecordingSender:
    """Keeps every message it is asked to send; can refuse addresses as a platform would."""

    sent: list[QueuedMessage] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    failing: dict[str, SendStatus] = field(default_factory=dict)
    confirm_seconds: float = 0.0

    async def send(self, item: QueuedMessage) -> SendResult:
        """Record the message, or answer as the platform would for this address."""
        if item.address in self.blocked:
            return SendResult("unreachable")
        if item.address in self.failing:
            return SendResult(self.failing[item.address])
        self.sent.append(item)
        return SendResult("sent", f"m{len(self.sent)}")

    def to(self, address: str) -> list[QueuedMessage]:
        """Messages sent to one address."""
        return [m for m in self.sent if m.address == address]
