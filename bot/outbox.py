"""Sending queued replies after commit, and what a channel reports back."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.service import ConversationService, QueuedMessage

SendStatus = Literal["sent", "failed", "unreachable", "retry"]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to one message: sent (with the platform's id), or why not."""

    status: SendStatus
    platform_message_id: str | None = None


class ChannelSender(Protocol):
    """A channel that can send one queued message."""

    async def send(self, item: QueuedMessage) -> SendResult: ...


async def deliver(
    service: ConversationService, items: list[QueuedMessage], sender: ChannelSender
) -> list[SendResult]:
    """Send queued messages in order and record each result; a row left `retry` stays pending."""
    results = []
    for item in items:
        result = await sender.send(item)
        if result.status != "retry":
            await asyncio.to_thread(
                service.mark, item.outbox_id, result.status, result.platform_message_id
            )
        results.append(result)
    return results
