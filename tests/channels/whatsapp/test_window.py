"""The 24-hour window, templates, and what Meta reports back about our messages."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from bot.channels.messages import InboundMessage
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.service import ConversationService
from flows.events import TextIn
from storage import repositories as repo
from storage.db import Database
from storage.models import ContactAddress, OutboxMessage
from tests.channels.whatsapp.conftest import RESIDENT, Resident, approve_templates, post_signed
from tests.conftest import FixedClock
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.graph_errors import GraphError
from tests.fakes.whatsapp_webhooks import WebhookBuilder


def _rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _pending_turn(service: ConversationService, text: str = "Hallo") -> None:
    """A turn whose replies a crash left unsent: queued by an earlier run of the process."""
    running, service.instance = service.instance, "an-earlier-run"
    try:
        assert service.handle(InboundMessage("whatsapp", RESIDENT, RESIDENT, TextIn(text)))
    finally:
        service.instance = running


async def test_outside_the_window_only_a_template_is_sent(
    resident: Resident, channel: WhatsAppChannel, service: ConversationService,
    graph: FakeGraphApi, clock: FixedClock, db: Database,
) -> None:
    approve_templates(graph)
    await resident.say("Hallo")
    await resident.choose("yes")
    _pending_turn(service, "16")
    clock.advance(hours=25)

    await channel.startup()
    assert await channel.sending.wait_idle(15)

    last = graph.messages_to(RESIDENT)[-1]
    assert last.type == "template" and last.template_name == "vertelpunt_continue"
    assert graph.rejected == []
    assert {r.status for r in _rows(db)} <= {"sent", "failed"}


async def test_tapping_the_template_opens_the_window_and_resumes_the_question(
    resident: Resident, channel: WhatsAppChannel, service: ConversationService,
    graph: FakeGraphApi, clock: FixedClock, build: WebhookBuilder,
) -> None:
    approve_templates(graph)
    await resident.say("Hallo")
    _pending_turn(service, "Nog iets")
    clock.advance(hours=30)
    await channel.startup()
    assert await channel.sending.wait_idle(15)

    replies = await resident.post(build.template_button(RESIDENT, "resume", "▶️ Verder"))

    assert replies[0].text == service.texts.get("welcome_back", "nl")
    assert replies[-1].buttons and replies[-1].buttons[0][0].endswith(":yes")


async def test_meta_refusing_for_the_window_gets_the_template_instead(
    resident: Resident, graph: FakeGraphApi, db: Database,
) -> None:
    approve_templates(graph)
    await resident.say("Hallo")
    graph.set_window_closed(RESIDENT)

    sent = await resident.choose("more")

    assert [m.type for m in sent] == ["template"]
    assert sent[0].wamid in {r.platform_message_id for r in _rows(db)}


async def test_the_checkin_invitation_is_a_template_in_the_residents_language(
    channel: WhatsAppChannel, graph: FakeGraphApi,
) -> None:
    approve_templates(graph)

    result = await channel.sender.send_checkin_invitation(RESIDENT, "uk")

    [message] = graph.messages_to(RESIDENT)
    assert result.status == "sent" and result.platform_message_id == message.wamid
    assert message.template_name == "vertelpunt_checkin"
    assert message.body["template"]["language"]["code"] == "uk"


async def test_a_failed_status_marks_the_row_and_a_closed_window_asks_back(
    resident: Resident, client: httpx.AsyncClient, build: WebhookBuilder, graph: FakeGraphApi,
    db: Database,
) -> None:
    approve_templates(graph)
    await resident.say("Hallo")
    graph.set_window_closed(RESIDENT, report="status")
    accepted = (await resident.choose("more"))[-1]

    error = GraphError.of(131047).webhook_error()
    response = await post_signed(client, build.status(accepted.wamid, "failed", RESIDENT,
                                                      error=error))
    assert await resident.channel.sending.wait_idle(15)

    assert response.status_code == 200
    row = next(r for r in _rows(db) if r.platform_message_id == accepted.wamid)
    assert row.status == "failed"
    assert graph.messages_to(RESIDENT)[-1].template_name == "vertelpunt_continue"


async def test_delivered_and_read_move_forward_only(
    resident: Resident, client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
) -> None:
    [*_, last] = await resident.say("Hallo")

    for status in ("read", "delivered"):
        response = await post_signed(client, build.status(last.wamid, status, RESIDENT))
        assert response.status_code == 200

    assert _rows(db)[-1].status == "read"


async def test_a_late_delivery_status_leaves_a_failed_message_failed(
    resident: Resident, client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
) -> None:
    [*_, last] = await resident.say("Hallo")
    error = {"code": 135000, "title": "Generic user error", "message": "Generic user error",
             "error_data": {"details": "Generic user error"}}
    for status, extra in (("failed", {"error": error}), ("delivered", {}), ("read", {})):
        response = await post_signed(client, build.status(last.wamid, status, RESIDENT,
                                                          **extra))
        assert response.status_code == 200

    row = next(r for r in _rows(db) if r.platform_message_id == last.wamid)
    assert row.status == "failed"


async def test_an_undeliverable_number_is_unreachable_and_its_address_forgotten(
    resident: Resident, graph: FakeGraphApi, service: ConversationService, db: Database,
    clock: FixedClock,
) -> None:
    await resident.say("Hallo")
    pid = service.participant_id("whatsapp", RESIDENT)
    with db.transaction() as session:
        repo.save_contact(session, pid, "whatsapp", service.cipher.encrypt(RESIDENT), clock())
    graph.set_undeliverable(RESIDENT)

    assert await resident.choose("more") == []

    assert _rows(db)[-1].status == "unreachable"
    with db.transaction() as session:
        assert session.get(ContactAddress, (pid, "whatsapp")) is None


async def test_throttling_is_retried_and_then_goes_through(
    resident: Resident, graph: FakeGraphApi,
) -> None:
    graph.fail_next(130429, times=2)

    replies = await resident.say("Hallo")

    assert replies[-1].buttons
    assert len(graph.rejected) == 2


async def test_a_retryable_failure_status_puts_the_row_back_in_the_queue(
    resident: Resident, client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
    service: ConversationService,
) -> None:
    [*_, last] = await resident.say("Hallo")
    error: dict[str, Any] = GraphError.of(131000).webhook_error()

    await post_signed(client, build.status(last.wamid, "failed", RESIDENT, error=error))

    assert _rows(db)[-1].status == "pending"
    assert [q.payload.to_dict()["question"] for q in service.unsent("whatsapp")] == ["_consent"]


async def test_when_meta_is_unavailable_for_a_while_the_replies_wait_and_go_out_in_order(
    resident: Resident, channel: WhatsAppChannel, graph: FakeGraphApi,
    service: ConversationService,
) -> None:
    graph.fail_next(131016, times=3)

    await resident.say("Hallo")

    assert len(graph.rejected) == 3  # the first reply was refused three times, the rest waited
    assert graph.messages_to(RESIDENT)[0].text == service.texts.get("hello", "nl")
    assert graph.messages_to(RESIDENT)[-1].buttons and service.unsent("whatsapp") == []
