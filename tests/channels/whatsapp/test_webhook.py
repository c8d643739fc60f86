"""The webhook edge: handshake, signatures, duplicates, batches and failures before commit."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.service import ConversationService
from storage.db import Database
from storage.models import OutboxMessage, Participant, ProcessedUpdate
from tests.channels.whatsapp.conftest import (
    PATH,
    RESIDENT,
    VERIFY_TOKEN,
    Resident,
    post_signed,
)
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.whatsapp_webhooks import WebhookBuilder, to_raw


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _consent_questions(graph: FakeGraphApi) -> int:
    return sum(1 for m in graph.messages_to(RESIDENT) if m.buttons and m.buttons[0][0].endswith(
        ":yes"))


async def test_handshake_echoes_the_challenge_for_the_right_token(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.get(PATH, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                        "hub.challenge": "1158201444"})
    wrong = await client.get(PATH, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                           "hub.challenge": "1158201444"})
    missing = await client.get(PATH, params={"hub.mode": "subscribe", "hub.challenge": "1"})

    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert missing.status_code == 403


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({b"X-Hub-Signature-256": b"sha256=" + b"0" * 64}, 403),
    ({b"X-Hub-Signature-256": "sha256=é".encode("latin-1")}, 403),
])
async def test_unsigned_or_forged_deliveries_are_refused_and_store_nothing(
    client: httpx.AsyncClient, build: WebhookBuilder, db: Database, graph: FakeGraphApi,
    headers: dict[bytes, bytes], status: int,
) -> None:
    raw = to_raw(build.text(RESIDENT, "Hallo"))

    response = await client.post(PATH, content=raw, headers={
        b"Content-Type": b"application/json", **headers})

    assert response.status_code == status
    assert _count(db, ProcessedUpdate) == 0 and _count(db, Participant) == 0
    assert graph.messages == []


async def test_signed_with_another_secret_is_forged(
    client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
) -> None:
    response = await post_signed(client, build.text(RESIDENT, "Hallo"), secret="not-ours")

    assert response.status_code == 403
    assert _count(db, Participant) == 0


async def test_one_message_delivered_three_times_gives_one_turn_and_one_reply(
    client: httpx.AsyncClient, build: WebhookBuilder, channel: WhatsAppChannel,
    graph: FakeGraphApi, db: Database,
) -> None:
    body = build.text(RESIDENT, "Hallo", wamid="wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQUFERkQ=")

    first, second = await asyncio.gather(post_signed(client, body), post_signed(client, body))
    third = await post_signed(client, body)
    assert await channel.sending.wait_idle(15)

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert _consent_questions(graph) == 1
    assert _count(db, ProcessedUpdate) == 1


async def test_every_entry_of_a_batched_delivery_is_handled(
    client: httpx.AsyncClient, build: WebhookBuilder, channel: WhatsAppChannel,
    graph: FakeGraphApi,
) -> None:
    other = "31687654321"
    batch = build.batch(build.text(RESIDENT, "Hallo"), build.text(other, "Hoi"))

    response = await post_signed(client, batch)
    assert await channel.sending.wait_idle(15)

    assert response.status_code == 200
    assert graph.messages_to(RESIDENT) and graph.messages_to(other)


async def test_a_failure_before_commit_answers_500_and_a_redelivery_works(
    client: httpx.AsyncClient, build: WebhookBuilder, channel: WhatsAppChannel,
    graph: FakeGraphApi, service: ConversationService, db: Database,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    body = build.text(RESIDENT, "Hallo, ik heet Anna")
    handle = service.handle

    def broken(message: object) -> None:
        raise RuntimeError("database went away while storing 'Hallo, ik heet Anna'")

    monkeypatch.setattr(service, "handle", broken)
    failed = await post_signed(client, body)
    monkeypatch.setattr(service, "handle", handle)
    again = await post_signed(client, body)
    assert await channel.sending.wait_idle(15)

    assert (failed.status_code, again.status_code) == (500, 200)
    assert _consent_questions(graph) == 1
    assert "Anna" not in caplog.text


async def test_messages_for_another_business_number_are_left_alone(
    client: httpx.AsyncClient, graph: FakeGraphApi, db: Database,
) -> None:
    body = WebhookBuilder(waba_id=graph.waba_id, phone_id="999999").text(RESIDENT, "Hallo")

    response = await post_signed(client, body)

    assert response.status_code == 200
    assert _count(db, Participant) == 0


async def test_replies_are_recorded_with_their_wamid(
    resident: Resident, db: Database,
) -> None:
    replies = await resident.say("Hallo")

    with db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {r.status for r in rows} == {"sent"}
    assert rows[-1].platform_message_id == replies[-1].wamid


async def test_no_phone_number_or_text_reaches_the_log(
    resident: Resident, graph: FakeGraphApi, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    graph.fail_next(131000)  # a retried send logs too

    await resident.say("Mijn buurman Piet hielp mij")
    await resident.choose("yes")

    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not [line for line in shown if RESIDENT in line or "Piet" in line]
