"""Every WhatsApp message names its outbox row (`biz_opaque_callback_data`), so that a status
webhook tells which row went out, also when its sender died before it recorded the send."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from bot.channels.messages import InboundMessage
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.tracker import row_sent, tracker_for
from bot.service import ConversationService
from flows.events import TextIn
from storage import whatsapp_status as ws
from storage.db import Database
from storage.models import CheckIn, OutboxMessage
from storage.turns import queue_messages
from tests.channels.whatsapp.conftest import RESIDENT, Resident, post_signed
from tests.conftest import FixedClock
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.whatsapp_webhooks import WebhookBuilder
from tests.scripts import FULL_CONVERSATION


def _rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _left_by_a_dead_process(service: ConversationService, clock: FixedClock) -> list[int]:
    """A turn whose replies another process claimed, and then died: its claim lapsed."""
    running, service.instance = service.instance, "a-process-that-died"
    try:
        assert service.handle(InboundMessage("whatsapp", RESIDENT, RESIDENT, TextIn("Hallo")))
    finally:
        service.instance = running
    clock.advance(seconds=service.claim.total_seconds() + 1)
    return [row.id for row in _rows(service.db)]


@pytest.mark.parametrize(("tracker", "row"), [
    (tracker_for(12, 1, 1), 12), (tracker_for(12, 3, 3), 12), (tracker_for(12, 2, 3), None),
    ("outbox:12:0/0", None), ("outbox:12:4/3", None), ("checkin:c1", None), ("", None),
    (None, None), ("outbox:12:1/1 ", None),
])
def test_only_the_last_part_of_a_row_says_the_row_went_out(tracker: str | None,
                                                            row: int | None) -> None:
    assert row_sent(tracker) == row


async def test_every_message_names_its_row_and_the_last_one_is_the_rows_message(
    resident: Resident, db: Database,
) -> None:
    sent = await resident.say("Hallo")

    assert len(sent) > 1
    by_row = {row.id: row for row in _rows(db)}
    for message in sent:
        assert message.tracker is not None
        outbox_id, part, parts = (int(n) for n in
                                  message.tracker.removeprefix("outbox:").replace("/", ":")
                                  .split(":"))
        assert outbox_id in by_row and 1 <= part <= parts
        if part == parts:
            assert by_row[outbox_id].platform_message_id == message.wamid


async def test_a_status_naming_a_row_records_the_send_nobody_recorded(
    channel: WhatsAppChannel, client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
    service: ConversationService, clock: FixedClock,
) -> None:
    first, *_ = _left_by_a_dead_process(service, clock)

    for status in ("sent", "delivered"):
        response = await post_signed(client, build.status(
            "wamid.SENT-BY-THE-DEAD", status, RESIDENT, tracker=tracker_for(first, 1, 1)))
        assert response.status_code == 200

    row = _rows(db)[0]
    assert (row.status, row.platform_message_id, row.attempts) == (
        "delivered", "wamid.SENT-BY-THE-DEAD", 1)
    assert row.sent_at is not None
    # The sender's own mark, late, moves nothing back.
    service.mark_sent([(first, "wamid.OTHER")])
    row = _rows(db)[0]
    assert (row.status, row.platform_message_id) == ("delivered", "wamid.SENT-BY-THE-DEAD")


async def test_a_status_of_an_earlier_part_or_of_another_tracker_changes_nothing(
    channel: WhatsAppChannel, client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
    service: ConversationService, clock: FixedClock,
) -> None:
    first, *_ = _left_by_a_dead_process(service, clock)

    for tracker in (tracker_for(first, 1, 2), "checkin:c1", tracker_for(first + 1000, 1, 1)):
        response = await post_signed(client, build.status("wamid.X", "sent", RESIDENT,
                                                          tracker=tracker))
        assert response.status_code == 200

    assert {row.status for row in _rows(db)} == {"pending"}


async def test_a_row_in_doubt_waits_for_its_status_and_is_not_sent_again(
    channel: WhatsAppChannel, client: httpx.AsyncClient, build: WebhookBuilder, db: Database,
    service: ConversationService, clock: FixedClock, graph: FakeGraphApi,
) -> None:
    first, *rest = _left_by_a_dead_process(service, clock)
    channel.sender.confirm_seconds = 0.5

    polled = asyncio.create_task(channel.sending.poll())
    await asyncio.sleep(0.1)  # taken over, waiting for the status of its first row
    response = await post_signed(client, build.status(
        "wamid.SENT-BY-THE-DEAD", "sent", RESIDENT, tracker=tracker_for(first, 1, 1)))
    assert response.status_code == 200
    assert await polled == 1 + len(rest)
    assert await channel.sending.wait_idle(15)

    # The first row went out before the crash: only the others are sent now, in order.
    trackers = [message.tracker for message in graph.messages_to(RESIDENT)]
    assert trackers and not any(row_sent(t) == first for t in trackers)
    assert [row_sent(t) for t in trackers if row_sent(t) is not None] == rest
    assert {row.status for row in _rows(db)} == {"sent"}


async def test_a_row_in_doubt_with_no_status_is_sent_after_the_wait(
    channel: WhatsAppChannel, db: Database, service: ConversationService, clock: FixedClock,
    graph: FakeGraphApi,
) -> None:
    ids = _left_by_a_dead_process(service, clock)
    channel.sender.confirm_seconds = 0.2

    assert await channel.sending.poll() == len(ids)
    assert await channel.sending.wait_idle(15)

    trackers = [message.tracker for message in graph.messages_to(RESIDENT)]
    assert [row_sent(t) for t in trackers if row_sent(t) is not None] == ids
    assert {row.status for row in _rows(db)} == {"sent"}


async def test_a_status_records_a_check_in_sent_and_lets_an_ephemeral_row_go(
    resident: Resident, db: Database, clock: FixedClock,
) -> None:
    await resident.say("Hallo")
    for kind, value in FULL_CONVERSATION:
        await resident.step(kind, value)
    now = clock()
    with db.transaction() as session:
        checkin = session.scalars(select(CheckIn)).one()
        checkin.status = "queued"
        participant = checkin.participant_id
        checkin_row, = queue_messages(session, participant, "whatsapp", b"a",
                                      [{"text": "Hoe gaat het nu?"}], now, checkin_id=checkin.id)
        ephemeral_row, = queue_messages(session, participant, "whatsapp", b"a",
                                        [{"text": "Even geduld"}], now, ephemeral=True)

    with db.transaction() as session:
        # Another channel's row of that id is not this status's row.
        ws.advance_row(session, "telegram", checkin_row, "wamid.C", "delivered", now)
        ws.advance_row(session, "whatsapp", checkin_row, "wamid.C", "sent", now)
        ws.advance_row(session, "whatsapp", ephemeral_row, "wamid.E", "sent", now)

    with db.transaction() as session:
        assert session.scalars(select(CheckIn.status)).one() == "sent"
        assert session.get(OutboxMessage, ephemeral_row) is None
        assert session.get(OutboxMessage, checkin_row).status == "sent"
