"""WhatsApp runs every message through intake before its turn."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.channels.messages import InboundMessage
from bot.intake import Held, Intake
from bot.service import ConversationService
from flows.events import TextIn
from storage.db import Database
from storage.models import Participant
from tests.channels.whatsapp.conftest import Resident


async def test_a_held_message_gets_no_turn_and_a_changed_one_is_answered(
    resident: Resident, service: ConversationService, db: Database
) -> None:
    async def hold(message: InboundMessage) -> Held:
        return Held("transcribing")

    service.intake = Intake([hold])
    assert await resident.say("Hallo") == []
    with db.transaction() as session:
        assert session.scalars(select(Participant)).first() is None

    async def as_start(message: InboundMessage) -> InboundMessage:
        assert isinstance(message.event, TextIn) and message.event.text == "Hallo"
        return replace(message, event=TextIn("/start"))

    service.intake = Intake([as_start])
    assert await resident.say("Hallo")
