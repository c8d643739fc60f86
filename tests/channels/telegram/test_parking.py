"""While every turn thread is busy, a webhook's update is parked: answered at once, run right
after, in order per resident, and run after a crash if it had not run yet (bot/parking.py)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.messages import InboundMessage, QueuedMessage
from bot.channels.telegram.channel import PARK_AT
from bot.runtime import Runtime
from storage.db import Database
from storage.models import ParkedUpdate
from tests.channels.telegram.harness import Harness, running
from tests.conftest import FixedClock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory


class Turns:
    """The service's turns, recorded in the order they ran; those of `held` residents wait
    until `release` (or, for a resident held apart, until `release(user_id)`)."""

    def __init__(self, runtime: Runtime) -> None:
        self.order: list[tuple[str, str | None]] = []
        self.held: set[str] = set()
        self._gate = threading.Event()
        self._apart: dict[str, threading.Event] = {}
        self._handle = runtime.service.handle

    def hold_apart(self, user_id: str) -> None:
        self._apart[user_id] = threading.Event()

    def handle(self, message: InboundMessage) -> list[QueuedMessage] | None:
        gate = self._apart.get(message.user_id)
        if gate is not None:
            assert gate.wait(30)
        elif message.user_id in self.held:
            assert self._gate.wait(30)
        self.order.append((message.user_id, message.update_id))
        return self._handle(message)

    def release_busy(self) -> None:
        self._gate.set()

    def release(self, user_id: str | None = None) -> None:
        if user_id is None:
            self._gate.set()
            for gate in self._apart.values():
                gate.set()
        else:
            self._apart[user_id].set()


@pytest.fixture
def turns(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[Turns]:
    recorded = Turns(runtime)
    monkeypatch.setattr(runtime.service, "handle", recorded.handle)
    yield recorded
    recorded.release()


def _parked(db: Database) -> list[ParkedUpdate]:
    with db.transaction() as session:
        return list(session.scalars(select(ParkedUpdate).order_by(ParkedUpdate.id)))


async def _keep_every_thread_busy(harness: Harness, updates: UpdateFactory,
                                  turns: Turns) -> list[asyncio.Task[Any]]:
    """Residents whose turns hold every turn thread, and wait for one, until
    `turns.release()`: as many turns under way as make the channel park updates."""
    busy = [updates.user() for _ in range(PARK_AT)]
    turns.held.update(str(user["id"]) for user in busy)
    posts = [asyncio.create_task(harness.post(updates.command("start", user=user)))
             for user in busy]
    for _ in range(2000):
        if harness.channel.load.under_way >= PARK_AT:
            return posts
        await asyncio.sleep(0.005)
    raise AssertionError("the turn threads did not fill")


async def test_a_busy_process_answers_at_once_and_runs_the_turn_right_after(
    webhook: Harness, updates: UpdateFactory, turns: Turns, db: Database, fake: FakeBotApi,
) -> None:
    busy = await _keep_every_thread_busy(webhook, updates, turns)
    anna = updates.user(first_name="Anna")
    secret_words = "Mijn buurman Kees de Vries hielp me"

    for update in (updates.command("start", user=anna),
                   updates.text(secret_words, user=anna)):
        response = await webhook.post(update)
        assert response.status_code == 200  # while every thread is still held

    parked = _parked(db)
    assert len(parked) == 2
    assert all(user_id != str(anna["id"]) for user_id, _ in turns.order)  # none ran yet
    for row in parked:  # encrypted: neither the words nor the platform's ids are readable
        assert b"Kees" not in row.body and str(anna["id"]).encode() not in row.body

    turns.release()
    await asyncio.gather(*busy)
    await webhook.settle()

    assert _parked(db) == []
    assert fake.sent_messages(anna["id"])  # Anna got her replies
    annas = [update_id for user_id, update_id in turns.order if user_id == str(anna["id"])]
    assert len(annas) == 2 and annas == sorted(annas)  # once each, in the order she sent them


async def test_a_resident_with_a_parked_update_waits_behind_it_when_the_threads_are_free(
    webhook: Harness, updates: UpdateFactory, turns: Turns, db: Database,
) -> None:
    anna = updates.user()
    turns.hold_apart(str(anna["id"]))
    busy = await _keep_every_thread_busy(webhook, updates, turns)
    await webhook.post(updates.command("start", user=anna))  # parked
    turns.release_busy()  # the others finish; Anna's parked turn takes a thread and waits
    await asyncio.gather(*busy)
    for _ in range(2000):
        if webhook.channel.load.under_way == 1:
            break
        await asyncio.sleep(0.005)
    assert webhook.channel.load.under_way == 1  # threads are free now

    response = await webhook.post(updates.text("Hallo", user=anna))  # goes behind her first
    assert response.status_code == 200
    turns.release(str(anna["id"]))
    await webhook.settle()

    annas = [update_id for user_id, update_id in turns.order if user_id == str(anna["id"])]
    assert len(annas) == 2 and annas == sorted(annas)
    assert _parked(db) == []


async def test_what_a_crash_left_parked_runs_at_the_next_start_in_order_and_once(
    runtime: Runtime, updates: UpdateFactory, turns: Turns, db: Database, fake: FakeBotApi,
) -> None:
    anna = updates.user()
    sent = [updates.command("start", user=anna), updates.text("Hallo", user=anna)]
    participant = runtime.service.participant_id("telegram", str(anna["id"]))
    for update in sent:  # parked by a process that then died
        runtime.service.records.park_update("telegram", str(update["update_id"]), participant,
                                            json.dumps(update).encode())

    async with running(runtime, "webhook", fake) as harness:
        await harness.settle()
        assert _parked(db) == []
        await harness.post(sent[1])  # Telegram delivers one again: nothing runs twice
        await harness.settle()

    assert [update_id for _, update_id in turns.order[:2]] == [
        str(update["update_id"]) for update in sent]
    assert fake.sent_messages(anna["id"])
    # The delivery again ran a turn that found the update handled: no second reply to it.
    replies = len(fake.sent_messages(anna["id"]))
    async with running(runtime, "webhook", fake) as harness:
        await harness.post(sent[1])
        await harness.settle()
    assert len(fake.sent_messages(anna["id"])) == replies


async def test_what_another_process_left_parked_is_taken_over_once_it_is_old(
    runtime: Runtime, updates: UpdateFactory, turns: Turns, db: Database, fake: FakeBotApi,
    clock: FixedClock,
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"send_lease_seconds": 3})
    anna = updates.user()
    update = updates.command("start", user=anna)
    participant = runtime.service.participant_id("telegram", str(anna["id"]))

    async with running(runtime, "webhook", fake) as harness:
        # Parked by another process, after this one started, which then died.
        runtime.service.records.park_update("telegram", str(update["update_id"]), participant,
                                            json.dumps(update).encode())
        await asyncio.sleep(2)
        assert _parked(db)  # young: perhaps its process is running it right now
        clock.advance(seconds=4)
        for _ in range(400):
            if not _parked(db):
                break
            await asyncio.sleep(0.01)
        await harness.settle()

    assert _parked(db) == []
    assert fake.sent_messages(anna["id"])
