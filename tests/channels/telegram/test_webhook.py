"""The webhook edge: the secret, exactly-once turns, and 5xx when nothing was committed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from bot.channels.telegram.webhook import secret_matches
from storage.db import Database
from storage.models import ConversationState, OutboxMessage, Participant, ProcessedUpdate
from tests.channels.telegram.harness import Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "webhook-secret_for-tests-012345678"])
async def test_a_forged_webhook_is_refused_and_stores_nothing(
    webhook: Harness, updates: UpdateFactory, db: Database, secret: str | None
) -> None:
    response = await webhook.post(updates.start("invite"), secret=secret)
    await webhook.settle()

    assert response.status_code == 403
    for model in (ProcessedUpdate, Participant, ConversationState, OutboxMessage):
        assert _count(db, model) == 0
    assert webhook.fake.calls_to("sendMessage") == []


def test_the_secret_is_compared_whole() -> None:
    assert secret_matches("abc", "abc")
    assert not secret_matches(None, "abc") and not secret_matches("abcd", "abc")
    assert not secret_matches("ab", "abc") and not secret_matches("", "abc")


async def test_one_update_delivered_three_times_gives_one_turn_and_one_reply(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    press = anna.press_update("yes")
    sent_before = len(webhook.fake.calls_to("sendMessage"))

    both = await asyncio.gather(webhook.post(press), webhook.post(press))
    again = await webhook.post(press)
    await webhook.settle()

    assert [r.status_code for r in (*both, again)] == [200, 200, 200]
    # Each answer carries the callback answer (a lost first answer must not leave a spinner);
    # Telegram accepts the first and refuses the others as answered.
    query_id = press["callback_query"]["id"]
    assert [r.json() for r in (*both, again)] == [
        {"method": "answerCallbackQuery", "callback_query_id": query_id}] * 3
    assert len(webhook.fake.calls_to("sendMessage")) == sent_before + 1  # the age question
    assert len(webhook.fake.calls_to("editMessageText")) == 1
    assert len(webhook.fake.callback_answers) == 1
    assert _count(db, ProcessedUpdate) == 2
    with db.transaction() as session:
        state = session.scalars(select(ConversationState)).one()
    assert state.data["step"] == "age"


async def test_update_ids_need_not_increase(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    updates.set_next_update_id(updates.last_update_id - 500)
    await anna.press("yes")

    assert "16 jaar" in anna.messages[-1]["text"]
    assert _count(db, ProcessedUpdate) == 2


async def test_an_error_before_commit_answers_500_and_the_redelivery_counts(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    update = updates.start()
    with db.engine.begin() as conn:  # the database breaks under the service's feet
        conn.execute(text("ALTER TABLE participants RENAME TO participants_away"))
    try:
        failed = await webhook.post(update)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE participants_away RENAME TO participants"))
    await webhook.settle()
    assert failed.status_code == 500
    assert _count(db, ProcessedUpdate) == 0 and webhook.fake.calls_to("sendMessage") == []

    redelivered = await webhook.post(update)
    await webhook.settle()
    assert redelivered.status_code == 200
    assert len(webhook.fake.sent_messages(update["message"]["chat"]["id"])) == 5  # the hello


async def test_the_health_check_answers_beside_the_webhook(webhook: Harness) -> None:
    response = await webhook.client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
