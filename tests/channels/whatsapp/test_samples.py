"""Every sample webhook body, signed and POSTed: 200 and the effect a resident would notice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.service import ConversationService
from flows.texts import Texts
from storage.db import Database
from storage.models import OutboxMessage, Participant
from tests.channels.whatsapp.conftest import post_signed
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.whatsapp_webhooks import Sample, load_samples, rebase

SAMPLES = load_samples()
SILENT = {"message/reaction", "message/unreaction_empty", "message/unreaction_no_emoji",
          "deleted_message/revoke"}
MEDIA = {"message/image", "message/media_with_url", "message/video", "message/document",
         "message/audio", "message/voice", "message/static_sticker", "message/animated_sticker",
         "message/current_location", "message/chosen_location", "message/contacts",
         "message/order", "message/unsupported", "message/unsupported_with_type",
         "message/interactive_message_with_err"}
EDITED = {"edited_message/image"}
NOTHING = {name for name in SAMPLES if name.split("/")[0] in (
    "system", "user_marketing_preferences")}
STATUS_AFTER = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "played",
                "failed": "failed", "undeliverable": "unreachable", "with_tracker": "sent",
                "group": "read"}


def _ours(sample: Sample, graph: FakeGraphApi) -> dict[str, Any]:
    return rebase(sample.body, waba_id=graph.waba_id, phone_id=graph.phone_id)


def _participants(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Participant)) or 0)


def _texts_sent(graph: FakeGraphApi) -> list[str]:
    return [m.text or "" for m in graph.messages]


@pytest.mark.parametrize("name", sorted(set(SAMPLES) - {
    n for n in SAMPLES if n.startswith("message_status/")}))
async def test_every_inbound_sample_is_answered_as_a_resident_expects(
    name: str, client: httpx.AsyncClient, graph: FakeGraphApi, channel: WhatsAppChannel,
    db: Database, texts: Texts,
) -> None:
    response = await post_signed(client, _ours(SAMPLES[name], graph))
    assert await channel.sending.wait_idle(15)

    assert response.status_code == 200
    sent = _texts_sent(graph)
    if name in SILENT or name in NOTHING:
        assert sent == [] and _participants(db) == 0
    elif name in MEDIA:
        assert sent[0] == texts.get("media_not_supported", "nl")
    elif name in EDITED:
        assert sent[0] == texts.get("edited_not_read", "nl")
    else:
        # A first text, button press or template tap from a new resident: the hello.
        assert sent[0] == texts.get("hello", "nl") and _participants(db) == 1
    assert graph.rejected == []


@pytest.mark.parametrize("variant", sorted(STATUS_AFTER))
async def test_every_status_sample_updates_the_outbox_row(
    variant: str, client: httpx.AsyncClient, graph: FakeGraphApi, channel: WhatsAppChannel,
    db: Database, service: ConversationService,
) -> None:
    body = _ours(SAMPLES[f"message_status/{variant}"], graph)
    wamid = body["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    row_id = _a_sent_row(service, db, wamid)

    response = await post_signed(client, body)
    again = await post_signed(client, body)

    assert (response.status_code, again.status_code) == (200, 200)
    with db.transaction() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and row.status == STATUS_AFTER[variant]
    assert graph.messages == []


def _a_sent_row(service: ConversationService, db: Database, wamid: str) -> int:
    """An outbox row sent earlier as the message `wamid`."""
    from bot.channels.messages import InboundMessage
    from flows.events import OpenedIn

    queued = service.handle(InboundMessage("whatsapp", "972987654321", "972987654321",
                                           OpenedIn()))
    assert queued
    service.mark_sent([(q.outbox_id, None) for q in queued[:-1]])
    service.mark_sent([(queued[-1].outbox_id, wamid)])
    return queued[-1].outbox_id
