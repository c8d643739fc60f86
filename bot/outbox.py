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


class ChannelSender(Protocol):
    """A channel that can send one queued message."""

    async def send(self, item: QueuedMessage) -> SendResult: ...
