"""Check-ins: scheduled from the follow-up, sent once within allowed hours, answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.channels.messages import InboundMessage
from bot.checkins import CheckInDispatcher, CheckInPolicy, TickReport
from bot.send_loop import SendLoop
from bot.service import ConversationService
from flows.events import ChoiceIn, Inbound, OpenedIn
from storage.db import Database
from storage.models import CheckIn, ContactAddress, Story
from tests.bot.recording import RecordingSender
from tests.conftest import FixedClock
from tests.scripts import FULL_CONVERSATION, event_of

# 2 March 2026, 10:00 in Amsterdam is 09:00 UTC.
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _send(service: ConversationService, event: Inbound, user: str) -> list[dict[str, object]]:
    queued = service.handle(InboundMessage("telegram", user, f"chat-{user}", event))
    assert queued is not None
    service.mark_sent([(q.outbox_id, None) for q in queued])
    return [q.payload.to_dict() for q in queued]


def _tell(service: ConversationService, user: str) -> None:
    _send(service, OpenedIn(), user)
    for kind, value in FULL_CONVERSATION:
        _send(service, event_of(kind, value), user)


def _checkins(db: Database) -> list[CheckIn]:
    with db.transaction() as session:
        return list(session.scalars(select(CheckIn).order_by(CheckIn.due_at)))


@pytest.fixture
async def loops(service: ConversationService) -> AsyncIterator[list[SendLoop]]:
    """The send loops a test started, stopped at its end."""
    started: list[SendLoop] = []
    yield started
    for loop in started:
        await loop.stop()


async def _dispatcher(loops: list[SendLoop], service: ConversationService,
                      sender: RecordingSender, clock: FixedClock) -> CheckInDispatcher:
    """A dispatcher sending through a running loop of its own around `sender`."""
    loop = SendLoop(service, {"telegram": sender})
    await loop.start()
    loops.append(loop)
    return CheckInDispatcher(service, {"telegram": loop}, CheckInPolicy(), clock=clock)


async def _tick(loops: list[SendLoop], dispatcher: CheckInDispatcher) -> TickReport:
    """One tick, and its results recorded (sent marks are written a moment later)."""
    report = await dispatcher.tick()
    for loop in loops:
        assert await loop.wait_idle(5)
    return report


@pytest.fixture
def morning(clock: FixedClock) -> FixedClock:
    clock.now = MORNING
    return clock


async def test_follow_up_is_sent_once_after_two_weeks(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    [checkin] = _checkins(db)
    assert checkin.due_at == MORNING + timedelta(days=14) and checkin.status == "scheduled"
    sender = RecordingSender()
    dispatcher = await _dispatcher(loops, service, sender, morning)
    morning.advance(days=13)
    assert (await _tick(loops, dispatcher)).claimed == 0
    morning.advance(days=1)
    report = await _tick(loops, dispatcher)
    assert report.sent == 1 and len(sender.sent) == 1
    message = sender.sent[0]
    assert message.address == "chat-anna" and "Hulp bij schulden" in message.payload.text
    assert message.payload.to_dict()["question"] == "_checkin"
    assert (await _tick(loops, dispatcher)).claimed == 0
    assert _checkins(db)[0].status == "sent"


async def test_answer_and_a_linked_new_story(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    sender = RecordingSender()
    morning.advance(days=14)
    await _tick(loops, await _dispatcher(loops, service, sender, morning))
    _send(service, ChoiceIn("better"), "anna")
    _send(service, ChoiceIn("yes"), "anna")
    _send(service, event_of("text", "Het gaat nu veel beter met de schulden."), "anna")
    _send(service, ChoiceIn("done"), "anna")
    _send(service, ChoiceIn("save"), "anna")
    [checkin] = _checkins(db)[:1]
    assert checkin.status == "answered" and checkin.answer == "better"
    with db.transaction() as session:
        stories = list(session.scalars(select(Story).order_by(Story.created_at)))
    assert len(stories) == 2 and stories[1].parent_story_id == stories[0].id
    rows = _export_rows(db, service)
    first, second = rows[stories[0].id], rows[stories[1].id]
    assert first["checkin1.status"] == "answered" and first["checkin1.answer"] == "better"
    assert first["checkin1.sent"] and first["checkin1.due"].startswith("2026-03-16")
    assert second["parent_story_id"] == stories[0].id and second["checkin1.status"] == ""


def _export_rows(db: Database, service: ConversationService) -> dict[str, dict[str, str]]:
    import csv
    import io

    from bot.export import write_export
    from storage.export import iter_story_records

    out = io.StringIO()
    with db.transaction() as session:
        write_export(service.form, iter_story_records(session), out, "csv")
    return {r["story_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}


async def test_stop_cancels_and_forgets_the_address(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    morning.advance(days=14)
    await _tick(loops, await _dispatcher(loops, service, RecordingSender(), morning))
    _send(service, ChoiceIn("stop_checkins"), "anna")
    with db.transaction() as session:
        assert session.scalars(select(ContactAddress)).all() == []


@pytest.mark.parametrize(("utc", "allowed"), [
    (datetime(2026, 3, 2, 7, 59, tzinfo=UTC), False),   # 08:59 CET
    (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), True),     # 09:00 CET
    (datetime(2026, 3, 2, 18, 59, tzinfo=UTC), True),   # 19:59 CET
    (datetime(2026, 3, 2, 19, 0, tzinfo=UTC), False),   # 20:00 CET
    (datetime(2026, 3, 29, 7, 30, tzinfo=UTC), True),   # 09:30 CEST: clocks went forward
    (datetime(2026, 3, 29, 18, 30, tzinfo=UTC), False),  # 20:30 CEST
    (datetime(2026, 10, 25, 7, 30, tzinfo=UTC), False),  # 08:30 CET: clocks went back
    (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), True),   # 09:00 CET
])
def test_allowed_hours_follow_local_time(utc: datetime, allowed: bool) -> None:
    assert CheckInPolicy().allows(utc) is allowed


async def test_due_at_night_waits_for_the_morning(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    sender = RecordingSender()
    dispatcher = await _dispatcher(loops, service, sender, morning)
    morning.now = MORNING + timedelta(days=14, hours=12)  # 22:00 local
    assert (await _tick(loops, dispatcher)).claimed == 0
    morning.advance(hours=10)  # 08:00 local
    assert (await _tick(loops, dispatcher)).claimed == 0
    morning.advance(hours=1)  # 09:00 local
    assert (await _tick(loops, dispatcher)).sent == 1


async def test_restart_between_claim_and_send(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    morning.advance(days=14)
    first = await _dispatcher(loops, service, RecordingSender(), morning)
    queued = first.prepare(morning(), TickReport())  # committed; the process dies here
    assert len(queued) == 1 and _checkins(db)[0].status == "queued"
    sender = RecordingSender()
    assert (await _tick(loops, await _dispatcher(loops, service, sender, morning))).claimed == 0
    leftovers = [q for q in service.unsent("telegram")
                 if q.payload.to_dict().get("question") == "_checkin"]
    assert [q.outbox_id for q in leftovers] == [q.outbox_id for q in queued]
    for item in leftovers:
        result = await sender.send(item)
        service.mark_sent([(item.outbox_id, result.platform_message_id)])
    assert len(sender.sent) == 1 and _checkins(db)[0].status == "sent"


async def test_blocked_resident_becomes_unreachable(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    sender = RecordingSender(blocked={"chat-anna"})
    morning.advance(days=14)
    await _tick(loops, await _dispatcher(loops, service, sender, morning))
    assert _checkins(db)[0].status == "unreachable"
    with db.transaction() as session:
        assert session.scalars(select(ContactAddress)).all() == []
    assert sender.sent == []


async def test_too_old_check_ins_expire(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    morning.advance(days=14 + 8)
    report = await _tick(loops, await _dispatcher(loops, service, RecordingSender(), morning))
    assert report.expired == 1 and _checkins(db)[0].status == "expired"


async def test_erased_resident_gets_nothing(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    _send(service, event_of("command", "/verwijder"), "anna")
    _send(service, ChoiceIn("erase_yes"), "anna")
    sender = RecordingSender()
    morning.advance(days=14)
    report = await _tick(loops, await _dispatcher(loops, service, sender, morning))
    assert report.claimed == 0 and sender.to("chat-anna") == [] and _checkins(db) == []


async def test_busy_resident_is_asked_later(
    loops: list[SendLoop], service: ConversationService, db: Database, morning: FixedClock
) -> None:
    _tell(service, "anna")
    _send(service, ChoiceIn("yes"), "anna")  # another story: now at the prompt question
    morning.advance(days=14)
    report = await _tick(loops, await _dispatcher(loops, service, RecordingSender(), morning))
    assert report.postponed == 1
    [checkin] = _checkins(db)[:1]
    assert checkin.status == "scheduled" and checkin.due_at == morning() + timedelta(hours=1)


def _due_checkins(db: Database, cipher_key: str, count: int, due: datetime) -> None:
    from sqlalchemy import insert

    from storage.crypto import AddressCipher
    from storage.models import ConversationState, Participant

    cipher = AddressCipher([cipher_key])
    ended = {"step": "ended", "consented": True, "language": "nl"}
    with db.transaction() as session:
        for i in range(count):
            pid = f"p{i:04d}"
            session.execute(insert(Participant).values(id=pid, language="nl", about={},
                                                       created_at=due))
            session.execute(insert(ConversationState).values(participant_id=pid, data=ended,
                                                             version=1, updated_at=due))
            session.execute(insert(Story).values(
                id=f"s{i:04d}", participant_id=pid, form_id="f", form_version=1, text="t",
                language="nl", channel="telegram", created_at=due, confirmed_at=due))
            session.execute(insert(ContactAddress).values(
                participant_id=pid, channel="telegram", address=cipher.encrypt(f"chat-{i}"),
                reachable=True, created_at=due))
            session.execute(insert(CheckIn).values(
                id=f"c{i:04d}", participant_id=pid, story_id=f"s{i:04d}", channel="telegram",
                sequence=1, due_at=due, status="scheduled", attempts=0))


@pytest.mark.postgres
def test_two_scheduler_processes_send_each_check_in_once(
    postgres_url: str, tmp_path: object
) -> None:
    import subprocess
    import sys
    import time
    from pathlib import Path

    from storage.crypto import new_key
    from tests.conftest import REPO, _truncate

    db = Database(postgres_url)
    _truncate(db)
    key = new_key()
    _due_checkins(db, key, 80, MORNING)
    out = Path(str(tmp_path)) / "sent.log"
    command = [sys.executable, "-m", "tests.bot.checkin_worker", postgres_url, key, str(out),
               MORNING.isoformat()]
    workers = [subprocess.Popen(command, cwd=REPO) for _ in range(2)]
    deadline = time.monotonic() + 120
    while len(list(out.parent.glob("sent.log.ready.*"))) < 2:
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers)
        time.sleep(0.05)
    (out.parent / "sent.log.go").touch()
    assert [w.wait(timeout=300) for w in workers] == [0, 0]
    lines = out.read_text().splitlines()
    addresses = [line.split()[1] for line in lines]
    assert sorted(addresses) == sorted(f"chat-{i}" for i in range(80))
    assert len({line.split()[0] for line in lines}) == 2, "both processes should have sent"
    assert {c.status for c in _checkins(db)} == {"sent"}
    _truncate(db)
    db.dispose()
