"""Turns run straight through the service, with no channel sending: their replies wait in
the outbox, for the crash tests' senders to send."""

from __future__ import annotations

from bot.channels.messages import InboundMessage, Question
from bot.service import ConversationService
from flows.events import ChoiceIn, CommandIn


def start_and_answer(service: ConversationService, channel: str, address: str,
                     presses: int) -> None:
    """A resident at `address` starts and answers `presses` questions with the first choice."""
    queued = service.handle(InboundMessage(channel, address, address, CommandIn("start"),
                                           f"{address}-0"))
    for press in range(presses):
        assert queued
        question = next(q.payload for q in reversed(queued)
                        if isinstance(q.payload, Question) and q.payload.choices)
        assert isinstance(question, Question)
        event = ChoiceIn(question.choices[0].id, question.token)
        queued = service.handle(InboundMessage(channel, address, address, event,
                                               f"{address}-{press + 1}"))
