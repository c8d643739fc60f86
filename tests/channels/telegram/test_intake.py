"""Telegram runs every message through intake before its turn, by webhook and by polling."""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.messages import InboundMessage
from bot.intake import Held, Intake
from bot.service import ConversationService
from storage.db import Database
from storage.models import Participant
from tests.channels.telegram.harness import Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory


async def test_a_held_message_gets_no_turn(
    telegram: Harness, updates: UpdateFactory, service: ConversationService, db: Database
) -> None:
    held: list[InboundMessage] = []

    async def hold(message: InboundMessage) -> Held:
        held.append(message)
        return Held("transcribing")

    service.intake = Intake([hold])
    anna = Resident(telegram, updates)
    await anna.command("start")

    with db.transaction() as session:
        assert session.scalars(select(Participant)).first() is None
    assert [m.channel for m in held] == ["telegram"] and anna.messages == []
