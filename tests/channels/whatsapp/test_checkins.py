"""The check-in two weeks later: the window has closed, so it arrives as the check-in template."""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.checkins import CheckInDispatcher, CheckInPolicy
from bot.service import ConversationService
from storage.db import Database
from storage.models import CheckIn
from tests.channels.whatsapp.conftest import RESIDENT, Resident, approve_templates
from tests.conftest import FixedClock
from tests.fakes.graph_api import FakeGraphApi
from tests.scripts import FULL_CONVERSATION


async def _tell(resident: Resident) -> None:
    await resident.say("Hallo")
    for kind, value in FULL_CONVERSATION:
        await resident.step(kind, value)


def _checkin(db: Database) -> CheckIn:
    with db.transaction() as session:
        return session.scalars(select(CheckIn)).one()


async def test_a_due_checkin_is_invited_by_template_and_a_tap_lets_the_resident_answer(
    resident: Resident, channel: WhatsAppChannel, service: ConversationService,
    graph: FakeGraphApi, db: Database, clock: FixedClock,
) -> None:
    approve_templates(graph)
    await _tell(resident)
    clock.advance(days=14)
    dispatcher = CheckInDispatcher(service, {"whatsapp": channel.sending}, CheckInPolicy(),
                                   clock=clock)

    report = await dispatcher.tick()
    assert await channel.sending.wait_idle(15)  # the sent marks are written

    invitation = graph.messages_to(RESIDENT)[-1]
    assert report.sent >= 1 and invitation.template_name == "vertelpunt_checkin"
    assert _checkin(db).status == "sent"

    replies = await resident.post(resident.build.template_button(
        RESIDENT, "checkin", "💬 Antwoorden"))
    assert replies[0].text == service.texts.get("welcome_back", "nl")
    await resident.choose("better")

    checkin = _checkin(db)
    assert checkin.answer == "better" and checkin.answered_at is not None
    assert graph.rejected == []
