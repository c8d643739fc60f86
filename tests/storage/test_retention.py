"""Retention: expired contact addresses, drafts, sent messages and update ids are purged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.channels.messages import InboundMessage
from bot.service import ConversationService
from flows.events import ChoiceIn, Inbound, OpenedIn, TextIn
from storage.db import Database
from storage.models import CheckIn, ContactAddress, ConversationState, OutboxMessage
from storage.retention import RetentionPolicy, purge
from tests.conftest import FixedClock
from tests.scripts import FULL_CONVERSATION, event_of


def _talk(service: ConversationService, user: str, events: list[Inbound]) -> None:
    for n, event in enumerate(events):
        message = InboundMessage("telegram", user, f"chat-{user}", event, f"{user}-{n}")
        queued = service.handle(message)
        service.mark_sent([(q.outbox_id, None) for q in queued or []])


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_purge_keeps_what_is_needed_and_removes_what_expired(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    _talk(service, "anna", [OpenedIn(), *(event_of(k, v) for k, v in FULL_CONVERSATION)])
    _talk(service, "bert", [OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes"),
                            ChoiceIn("needed_help"), TextIn("half verteld verhaal")])
    policy = RetentionPolicy()
    sent = _count(db, OutboxMessage)
    with db.transaction() as session:
        report = purge(session, clock() + timedelta(days=8), policy, dry_run=False)
    assert report.counts["unconfirmed drafts"] == 1
    assert report.counts["contact addresses"] == 0  # anna's check-in is still to come
    assert report.counts["sent messages"] == sent > 0
    with db.transaction() as session:
        states = {s.participant_id: s.data for s in session.scalars(select(ConversationState))}
    bert = service.participant_id("telegram", "bert")
    assert states[bert]["draft"] is None and states[bert]["step"] == "stopped"
    assert _count(db, OutboxMessage) == 0
    with db.transaction() as session:
        for checkin in session.scalars(select(CheckIn)):
            checkin.status = "answered"
    with db.transaction() as session:
        early = purge(session, clock() + timedelta(days=14 + 89), policy, dry_run=True)
        late = purge(session, clock() + timedelta(days=14 + 91), policy, dry_run=False)
    assert early.counts["contact addresses"] == 0 and late.counts["contact addresses"] == 1
    assert _count(db, ContactAddress) == 0


def test_dry_run_removes_nothing(service: ConversationService, db: Database,
                                 clock: FixedClock) -> None:
    _talk(service, "anna", [OpenedIn(), ChoiceIn("yes")])
    before = _count(db, OutboxMessage)
    with db.transaction() as session:
        report = purge(session, clock() + timedelta(days=60), RetentionPolicy(), dry_run=True)
    assert report.counts["sent messages"] == before and report.counts["update ids"] == 2
    assert _count(db, OutboxMessage) == before
