"""Parsing webhook bodies: every entry of a batch, and nothing odd crashes anything."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.channels.messages import QueuedMessage, payload_from_dict
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.updates import (
    IgnoredUpdate,
    MessageUpdate,
    Resident,
    StatusUpdate,
    WebhookBody,
)
from bot.service import ConversationService
from storage.db import Database
from storage.models import ConversationState
from tests.channels.whatsapp.conftest import RESIDENT, approve_templates, post_signed
from tests.channels.whatsapp.conftest import Resident as Chat
from tests.conftest import FixedClock
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.graph_errors import GraphError
from tests.fakes.whatsapp_webhooks import WebhookBuilder, bsuid_for

ODD_BODIES: list[Any] = [
    [], "text", 42, None, {}, {"entry": "x"}, {"entry": [{"changes": "x"}]},
    {"entry": [{"changes": [{"field": "messages", "value": []}]}]},
    {"entry": [{"changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "1122334455667"},
        "messages": [{"id": 1, "from": ["x"]}, "x", {"type": "text"}],
        "statuses": [{"id": "wamid.1"}, {"status": "read"}, {"id": "w", "status": "failed",
                                                             "errors": [{"code": "x"}]}],
    }}]}]},
]


def test_a_batch_yields_every_message_and_status_in_order(build: WebhookBuilder) -> None:
    batch = build.batch(
        build.text(RESIDENT, "een", wamid="wamid.A", timestamp=1_780_000_000),
        build.status("wamid.OUT", "failed", RESIDENT, error=GraphError.of(131026).webhook_error()),
        build.voice("31687654321", "55", wamid="wamid.B", timestamp=1_780_000_001),
    )

    body = WebhookBody.from_update(batch, build.phone_id)

    assert body.updates == (
        MessageUpdate("wamid.A", Resident(RESIDENT, bsuid_for(RESIDENT), None), "text", "een",
                      sent_at=1_780_000_000),
        StatusUpdate("wamid.OUT", "failed", (131026,)),
        MessageUpdate("wamid.B", Resident("31687654321", bsuid_for("31687654321"), None),
                      "audio", voice=True, sent_at=1_780_000_001, media_id="55"),
    )


def test_a_resident_known_only_by_bsuid_is_still_a_resident(build: WebhookBuilder) -> None:
    body = build.text(RESIDENT, "Hoi")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["from"]
    message["from_user_id"] = "NL.1234"
    body["entry"][0]["changes"][0]["value"]["contacts"] = [{"user_id": "NL.1234"}]

    [update] = WebhookBody.from_update(body, build.phone_id).updates

    assert isinstance(update, MessageUpdate) and update.resident.key == "NL.1234"


def test_a_system_notice_is_ignored(build: WebhookBuilder) -> None:
    body = build.text(RESIDENT, "x")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["type"] = "system"

    assert WebhookBody.from_update(body, build.phone_id).updates == (IgnoredUpdate("system"),)


@pytest.mark.parametrize("body", ODD_BODIES)
async def test_odd_bodies_are_answered_200_and_do_nothing(
    body: Any, client: httpx.AsyncClient, graph: FakeGraphApi,
) -> None:
    response = await post_signed(client, body)

    assert response.status_code == 200
    assert graph.messages == []


async def test_opening_the_chat_gets_the_hello(
    resident: Chat, service: ConversationService,
) -> None:
    replies = await resident.post(resident.build.request_welcome(RESIDENT))

    assert replies[0].text == service.texts.get("hello", "nl")


async def test_a_waiting_checkin_is_invited_with_the_checkin_template(
    resident: Chat, channel: WhatsAppChannel, service: ConversationService, db: Database,
    graph: FakeGraphApi, clock: FixedClock,
) -> None:
    approve_templates(graph)
    await resident.say("Hallo")
    pid = service.participant_id("whatsapp", RESIDENT)
    with db.transaction() as session:
        state = session.scalars(select(ConversationState)).one()
        state.data = {**state.data, "step": "checkin"}
    clock.advance(days=14)
    question = payload_from_dict({"kind": "message", "text": "Hoe gaat het nu?", "choices": [
        {"id": "better", "label": "🙂 Beter"}], "token": "9", "language": "pl"})

    result = await channel.sender.send(QueuedMessage(1, pid, "whatsapp", RESIDENT, question))

    last = graph.messages_to(RESIDENT)[-1]
    assert result.status == "sent" and last.template_name == "vertelpunt_checkin"
    assert last.body["template"]["language"]["code"] == "pl"
