"""Sending within Telegram's limits: flood control, blocked residents, network trouble, crashes."""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.channels.messages import InboundMessage
from bot.channels.telegram import TelegramOptions
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import RetryPolicy
from bot.channels.telegram.pace import ChatPace
from bot.runtime import Runtime
from flows.events import CommandIn
from storage import repositories as repo
from storage.db import Database
from storage.models import ContactAddress, OutboxMessage
from tests.channels.telegram.harness import FAST, Harness, Resident, running
from tests.conftest import FixedClock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_faults import RateLimit
from tests.fakes.telegram_updates import UpdateFactory


def _statuses(db: Database) -> list[str]:
    with db.transaction() as session:
        return [r.status for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _keep_contact(runtime: Runtime, chat_id: int) -> str:
    participant_id = runtime.service.participant_id("telegram", str(chat_id))
    with runtime.db.transaction() as session:
        repo.save_contact(session, participant_id, "telegram",
                          runtime.cipher.encrypt(str(chat_id)), datetime.now(UTC))
    return participant_id


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("timedelta", [False, True], ids=["retry_after_int", "PTB_TIMEDELTA"])
async def test_a_429_waits_retry_after_and_the_message_arrives_once(
    webhook: Harness, updates: UpdateFactory, db: Database, monkeypatch: pytest.MonkeyPatch,
    timedelta: bool,
) -> None:
    if timedelta:  # PTB 23's behaviour: retry_after is a timedelta
        monkeypatch.setenv("PTB_TIMEDELTA", "true")
    anna = Resident(webhook, updates)
    webhook.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    await anna.command("start")

    attempts = webhook.fake.calls_to("sendMessage")
    assert [c.status for c in attempts[:2]] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95
    assert attempts[0].params["text"] == attempts[1].params["text"]
    assert len(anna.messages) == 5 and len({m["text"] for m in anna.messages}) == 5
    assert _statuses(db) == ["sent"] * 5


async def test_a_blocked_resident_is_marked_unreachable_without_a_retry_loop(
    webhook: Harness, updates: UpdateFactory, runtime: Runtime, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    participant_id = _keep_contact(runtime, anna.chat_id)
    webhook.fake.block_chat(anna.chat_id)
    sends_before = len(webhook.fake.calls_to("sendMessage"))

    await anna.command("help")  # two replies: the help text and the question again
    await asyncio.sleep(0.2)  # a retry loop would show more calls by now

    assert len(webhook.fake.calls_to("sendMessage")) == sends_before + 1  # the rest: not tried
    assert _statuses(db) == ["sent"] * 5 + ["unreachable"] * 2
    assert _address_kept(db, participant_id) is False  # no check-in will try again


async def test_blocking_the_bot_forgets_the_address(
    webhook: Harness, updates: UpdateFactory, runtime: Runtime, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    participant_id = _keep_contact(runtime, anna.chat_id)
    sends_before = len(webhook.fake.calls_to("sendMessage"))

    await webhook.deliver(updates.bot_unblocked())
    assert _address_kept(db, participant_id) is True
    await webhook.deliver(updates.bot_blocked())
    assert _address_kept(db, participant_id) is False
    assert len(webhook.fake.calls_to("sendMessage")) == sends_before


def _address_kept(db: Database, participant_id: str) -> bool:
    with db.transaction() as session:
        contact = session.get(ContactAddress, (participant_id, "telegram"))
        return contact is not None and contact.reachable


async def test_network_errors_are_retried_with_backoff(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    webhook.fake.fail_next("sendMessage", 502, "Bad Gateway", times=2)

    await anna.command("start")

    assert [c.status for c in webhook.fake.calls_to("sendMessage")[:3]] == [502, 502, 200]
    assert len(anna.messages) == 5 and _statuses(db) == ["sent"] * 5


async def test_a_reply_still_failing_after_its_retries_is_tried_again_and_the_rest_waits(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    give_up_soon = TelegramOptions(chat_pace=None, retry=RetryPolicy(attempts=2,
                                   first_backoff=0.01), drain_seconds=5)
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=4)  # two rounds of two attempts
    chat = updates.default_user["id"]
    async with running(runtime, "webhook", fake, give_up_soon) as harness:
        await Resident(harness, updates).command("start")
        assert _statuses(db) == ["sent"] * 5
    texts = [m["text"] for m in fake.sent_messages(chat)]
    # The rest of the turn's replies waited for the first, so none overtook it.
    assert texts[0].startswith("Hallo!") and texts[-1] == "Wilt u meedoen?" and len(texts) == 5
    assert len(fake.calls_to("sendMessage")) == 4 + 5


async def test_polls_leave_the_replies_this_process_is_sending(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    slow_chat = TelegramOptions(chat_pace=ChatPace(burst=1, per_second=5), overall_per_second=None,
                                retry=FAST.retry, drain_seconds=5)
    async with running(runtime, "webhook", fake, slow_chat) as harness:
        sending = harness.channel.sending
        sending.options = replace(sending.options, poll_seconds=0.02)
        await Resident(harness, updates).command("start")
        await asyncio.sleep(0.3)  # a dozen polls ran while the replies were paced
        await harness.settle()
    assert _statuses(db) == ["sent"] * 5
    assert len(fake.calls_to("sendMessage")) == 5


async def test_rows_a_crash_left_unsent_are_sent_on_start(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    residents = [updates.user(f"Bewoner {n}") for n in range(3)]
    for n, resident in enumerate(residents):  # committed turns whose sending never happened
        queued = runtime.service.handle(InboundMessage(
            "telegram", str(resident["id"]), str(resident["id"]), CommandIn("start"), f"u{n}"))
        assert queued
    assert _statuses(db) == ["pending"] * 15

    async with running(runtime, "webhook", fake) as harness:
        await harness.settle()
        for resident in residents:
            sent = fake.sent_messages(resident["id"])
            assert sent[0]["text"].startswith("Hallo!") and len(sent) == 5
            assert sent[-1]["reply_markup"]["inline_keyboard"]
    assert _statuses(db) == ["sent"] * 15


async def test_a_backlog_larger_than_one_read_is_sent_whole_and_only_once(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    residents = [updates.user(f"Bewoner {n}") for n in range(105)]  # 525 rows: two reads
    for n, resident in enumerate(residents):
        runtime.service.handle(InboundMessage(
            "telegram", str(resident["id"]), str(resident["id"]), CommandIn("start"), f"u{n}"))

    async with running(runtime, "webhook", fake) as harness:
        anna = Resident(harness, updates)
        await anna.command("start")  # a new turn while the backlog goes out
        await harness.settle()
    assert _statuses(db) == ["sent"] * 530
    assert len(fake.calls_to("sendMessage")) == 530
    assert len(anna.messages) == 5


async def test_messages_to_one_chat_keep_their_pace_and_order(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory
) -> None:
    paced = TelegramOptions(chat_pace=ChatPace(burst=2, per_second=10.0),
                            retry=FAST.retry, drain_seconds=5)
    async with running(runtime, "webhook", fake, paced) as harness:
        anna = Resident(harness, updates)
        await anna.command("start")
        await anna.command("help")
    sends = fake.calls_to("sendMessage")
    times = [c.at for c in sends]
    # After the burst of two, about one per 0.1 s: five more take at least ~0.4 s.
    assert len(sends) == 7 and times[-1] - times[0] >= 0.35
    assert sends[0].params["text"].startswith("Hallo!")
    assert sends[4].params["text"] == "Wilt u meedoen?"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_of_a_busy_chat_loses_nothing(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    fake.per_chat_rate_limit = RateLimit(3, 1.0)
    async with running(runtime, "webhook", fake) as harness:  # no pacing of our own here
        await Resident(harness, updates).command("start")
    assert fake.rejections["rate_limited_chat"] >= 1
    texts = [m["text"] for m in fake.sent_messages(updates.default_user["id"])]
    assert len(texts) == 5 and texts[-1] == "Wilt u meedoen?"
    assert _statuses(db) == ["sent"] * 5


async def test_many_chats_at_once_stay_within_the_bots_overall_limit(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory
) -> None:
    fake.rate_limit_per_second = 30  # Telegram's limit for one bot
    residents = [updates.user(f"Bewoner {n}") for n in range(12)]
    overall = TelegramOptions(chat_pace=None, retry=FAST.retry, drain_seconds=10)
    async with running(runtime, "webhook", fake, overall) as harness:
        await asyncio.gather(*(harness.post(updates.start(user=r)) for r in residents))
        await harness.settle()
    assert fake.rejections["rate_limited"] == 0
    assert all(len(fake.sent_messages(r["id"])) == 5 for r in residents)  # 60 messages
    sends = [c.at for c in fake.calls_to("sendMessage")]
    assert sends[-1] - sends[0] >= 1.8


async def test_a_press_before_the_question_arrived_still_closes_that_question(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    slow = TelegramOptions(chat_pace=ChatPace(burst=1, per_second=8.0), retry=FAST.retry,
                           drain_seconds=5)
    async with running(runtime, "webhook", fake, slow) as harness:
        assert (await harness.post(updates.start())).status_code == 200
        # A resident this fast is not human, but two webhook deliveries can be this close.
        assert (await harness.post(updates.callback_query("1:yes"))).status_code == 200
        assert fake.calls_to("editMessageText") == []  # the hello is still being sent
        await harness.settle()
    texts = [m["text"] for m in fake.sent_messages(updates.default_user["id"])]
    assert texts[4] == "Wilt u meedoen?\n\nUw antwoord: ✅ Ja"
    assert texts[-1] == "Bent u 16 jaar of ouder?"
    assert _statuses(db) == ["sent"] * 7


def _as_another_process(runtime: Runtime, chat: int, update_id: str) -> None:
    """A turn of another process that holds its replies (claimed, not sent yet)."""
    service = runtime.service
    me = service.instance
    service.instance = "another-process"
    service.begin_sending()
    try:
        service.handle(InboundMessage("telegram", str(chat), str(chat), CommandIn("start"),
                                      update_id))
    finally:
        service.instance = me
        service.end_sending()


async def test_replies_another_process_holds_are_left_to_it_until_its_claim_lapses(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database,
    clock: FixedClock,
) -> None:
    chat = updates.default_user["id"]
    _as_another_process(runtime, chat, "u1")
    async with running(runtime, "webhook", fake) as harness:
        assert await harness.channel.sending.poll() == 0
        assert fake.sent_messages(chat) == []  # still the other process's to send
        clock.advance(seconds=runtime.settings.send_lease_seconds + 1)  # that process died
        assert await harness.channel.sending.poll() == 5
        await harness.settle()
        assert len(fake.sent_messages(chat)) == 5
    assert _statuses(db) == ["sent"] * 5
    assert len(fake.calls_to("sendMessage")) == 5


async def test_a_new_turn_waits_behind_the_replies_another_process_holds_for_that_chat(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database,
    clock: FixedClock,
) -> None:
    chat = updates.default_user["id"]
    _as_another_process(runtime, chat, "u1")
    async with running(runtime, "webhook", fake) as harness:
        anna = Resident(harness, updates)
        await harness.post(updates.command("help", user=anna.user))
        await harness.settle()
        assert fake.sent_messages(chat) == []  # behind the other process's replies
        clock.advance(seconds=runtime.settings.send_lease_seconds + 1)
        harness.channel.sending.wake()
        await harness.settle()
    with db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.status for r in rows] == ["sent"] * len(rows) and len(rows) > 5
    sent = [m["text"] for m in fake.sent_messages(chat)]
    assert sent == [row.payload["text"] for row in rows]  # in the order the turns queued them


def _put_behind(channel: TelegramChannel, step_aside: float) -> list[AbstractContextManager[None]]:
    """More turns under way than threads run them; each reply steps aside `step_aside` s.
    Returns the turns, entered: leave them with `_leave`."""
    channel.sending.options = replace(channel.sending.options, step_aside=step_aside)
    turns: list[AbstractContextManager[None]] = [
        channel.load.turn() for _ in range(channel.load.behind_at + 1)]
    for turn in turns:
        turn.__enter__()
    return turns


def _leave(turns: list[AbstractContextManager[None]]) -> None:
    for turn in turns:
        turn.__exit__(None, None, None)


async def test_replies_step_aside_while_turns_are_behind_and_go_out_once_they_caught_up(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    async with running(runtime, "webhook", fake) as harness:
        behind = _put_behind(harness.channel, step_aside=60)
        anna = Resident(harness, updates)
        response = await harness.post(updates.command("start", user=anna.user))
        assert response.status_code == 200  # committed
        await asyncio.sleep(0.3)
        assert fake.calls_to("sendMessage") == [] and _statuses(db) == ["pending"] * 5
        _leave([behind.pop()])  # caught up
        await harness.settle()
        _leave(behind)
    assert [m["text"] for m in anna.messages][-1] == "Wilt u meedoen?"
    assert _statuses(db) == ["sent"] * 5


async def test_replies_still_go_out_while_turns_stay_behind(
    runtime: Runtime, fake: FakeBotApi, updates: UpdateFactory, db: Database
) -> None:
    async with running(runtime, "webhook", fake) as harness:
        behind = _put_behind(harness.channel, step_aside=0.01)
        anna = Resident(harness, updates)
        await anna.command("start")
        await harness.settle()  # each reply waited its moment, then went
        assert harness.channel.load.behind()
        _leave(behind)
    assert len(anna.messages) == 5
    assert _statuses(db) == ["sent"] * 5
