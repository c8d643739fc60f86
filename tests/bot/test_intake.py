"""Intake: the steps before a turn, in order; a held message gets no turn (terminal here)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from sqlalchemy import func, select

from bot.channels.messages import InboundMessage
from bot.channels.terminal import TerminalChat
from bot.intake import Held, Intake
from bot.service import ConversationService
from flows.events import OpenedIn, TextIn
from storage.db import Database
from storage.models import OutboxMessage


async def test_steps_run_in_order_and_a_held_message_stops_the_chain() -> None:
    seen: list[str] = []

    async def shout(message: InboundMessage) -> InboundMessage:
        seen.append("shout")
        assert isinstance(message.event, TextIn)
        return replace(message, event=TextIn(message.event.text.upper()))

    async def hold(message: InboundMessage) -> Held:
        seen.append("hold")
        return Held("transcribing")

    async def never(message: InboundMessage) -> InboundMessage:
        seen.append("never")
        return message

    message = InboundMessage("terminal", "anna", "anna", TextIn("hallo"))
    assert await Intake([shout]).prepare(message) == replace(message, event=TextIn("HALLO"))
    seen.clear()
    assert await Intake([shout, hold, never]).prepare(message) is None
    assert seen == ["shout", "hold"]
    assert await Intake().prepare(message) == message


def test_the_terminal_runs_intake_before_each_turn(
    service: ConversationService, db: Database
) -> None:
    held: list[object] = []

    async def hold_text(message: InboundMessage) -> InboundMessage | Held:
        if isinstance(message.event, OpenedIn):
            return message
        held.append(message.event)
        return Held("later")

    service.intake = Intake([hold_text])
    out = io.StringIO()
    chat = TerminalChat(service, "anna", out, jsonl=True)
    chat.run([json.dumps({"text": "Mijn verhaal"}) + "\n"])

    with db.transaction() as session:
        queued = session.scalar(select(func.count()).select_from(OutboxMessage))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert held == [TextIn("Mijn verhaal")]
    # The opening turn ran; the held text got none, only the end of the turn.
    assert queued and lines[-1] == {"turn_end": True} and lines[-2] == {"turn_end": True}
