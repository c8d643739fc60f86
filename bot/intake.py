"""Intake: the steps every channel runs on an inbound message before its turn, outside the
turn's database transaction, for work that takes time (such as transcribing a voice note).

A step returns the message (as it came, or changed: a voice note become text), or `Held`
when it keeps the message to finish later by itself (a transcription job that runs the
turn once the text is there). The chain stops at the first `Held`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.channels.messages import InboundMessage


@dataclass(frozen=True, slots=True)
class Held:
    """A step keeps the message for now: no turn runs for it at this moment."""

    reason: str


IntakeStep = Callable[[InboundMessage], Awaitable[InboundMessage | Held]]


class Intake:
    """The chain of intake steps, in order; with none, every message goes on as it came."""

    def __init__(self, steps: Sequence[IntakeStep] = ()) -> None:
        self.steps = tuple(steps)

    async def prepare(self, message: InboundMessage) -> InboundMessage | None:
        """The message ready for its turn, or None when a step holds it."""
        for step in self.steps:
            outcome = await step(message)
            if isinstance(outcome, Held):
                return None
            message = outcome
        return message
