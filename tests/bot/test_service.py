"""The service on SQLite and PostgreSQL: one transaction per turn, dedupe, restart, erasure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.channels.messages import InboundMessage
from bot.service import ConversationService
from flows.events import ChoiceIn, Inbound, OpenedIn, TextIn
from storage.db import Database
from storage.models import (
    Answer,
    ConsentRecord,
    ContactAddress,
    ConversationState,
    Erasure,
    Invite,
    OutboxMessage,
    Participant,
    Role,
    Story,
)
from tests.scripts import FULL_CONVERSATION, event_of


def _send(service: ConversationService, event: Inbound, user: str = "anna",
          update_id: str | None = None) -> list[dict[str, object]]:
    queued = service.handle(InboundMessage("terminal", user, user, event, update_id))
    assert queued is not None
    for item in queued:
        service.mark(item.outbox_id, "sent")
    return [q.payload.to_dict() for q in queued]


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _tell_full_story(service: ConversationService, user: str = "anna") -> None:
    _send(service, OpenedIn(), user)
    for kind, value in FULL_CONVERSATION:
        _send(service, event_of(kind, value), user)


def test_whole_conversation_is_stored(service: ConversationService, db: Database) -> None:
    _tell_full_story(service)
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
        answers = {a.question_id: a.status for a in session.scalars(select(Answer))}
        participant = session.scalars(select(Participant)).one()
        consents = [c.scope for c in session.scalars(select(ConsentRecord))]
    assert story.prompt_id == "needed_help" and story.title == "Hulp bij schulden"
    assert story.form_id == "vertelpunt-default" and story.form_version == 1
    assert story.channel == "terminal" and story.confirmed_at is not None
    assert len(answers) == 7 and answers["belonging"] == "declined"
    assert participant.about["age_group"]["value"] == {"option": "a45_65"}
    assert participant.id != "anna" and len(participant.id) == 32
    assert consents == ["story", "follow_up"]
    assert _count(db, ContactAddress) == 1


def test_state_survives_a_new_service(service: ConversationService, db: Database) -> None:
    _send(service, OpenedIn())
    _send(service, ChoiceIn("yes"))
    restarted = ConversationService(
        db, service.form, service.texts, service.secret_key, service.cipher,
        clock=service.clock,
    )
    out = _send(restarted, OpenedIn())
    assert out[-1]["question"] == "_age"


def test_a_duplicate_update_gives_one_turn(service: ConversationService, db: Database) -> None:
    _send(service, OpenedIn(), update_id="1")
    assert service.handle(InboundMessage("terminal", "anna", "anna", ChoiceIn("yes"), "1")) is None
    first = service.handle(InboundMessage("terminal", "anna", "anna", ChoiceIn("yes"), "2"))
    again = service.handle(InboundMessage("terminal", "anna", "anna", ChoiceIn("yes"), "2"))
    assert first and again is None
    with db.transaction() as session:
        state = session.scalars(select(ConversationState)).one()
    assert state.data["step"] == "age"


def test_concurrent_duplicates_give_one_turn(service: ConversationService, db: Database) -> None:
    _send(service, OpenedIn(), update_id="a")
    message = InboundMessage("terminal", "anna", "anna", ChoiceIn("yes"), "b")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: service.handle(message), range(2)))
    assert sorted(r is None for r in results) == [False, True]
    with db.transaction() as session:
        state = session.scalars(select(ConversationState)).one()
    assert state.data["step"] == "age"


def test_concurrent_turns_of_one_resident_are_serialised(
    service: ConversationService, db: Database
) -> None:
    for step in [OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes"), ChoiceIn("needed_help")]:
        _send(service, step)
    parts = [TextIn(f"deel {i} van het verhaal") for i in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda e: _send(service, e), parts))
    with db.transaction() as session:
        state = session.scalars(select(ConversationState)).one()
    assert sorted(state.data["draft"]["parts"]) == sorted(p.text for p in parts)


def test_erasure_removes_every_row(service: ConversationService, db: Database) -> None:
    _tell_full_story(service)
    _tell_full_story(service, user="bert")
    anna = service.participant_id("terminal", "anna")
    with db.transaction() as session:
        now = service.clock()
        session.add(Role(participant_id=anna, role="worker", team="Oost", granted_at=now))
        session.add(Invite(token_hash="h" * 64, worker_id=anna, created_at=now, expires_at=now))
    _send(service, event_of("command", "/verwijder"))
    out = _send(service, ChoiceIn("erase_yes"))
    assert "gewist" in str(out[-1]["text"])
    with db.transaction() as session:
        remaining = session.scalars(select(Story)).all()
        erasures = session.scalars(select(Erasure)).all()
        outbox = session.scalars(select(OutboxMessage)).all()
    assert len(remaining) == 1
    assert len(erasures) == 1
    assert {o.participant_id for o in outbox} == {remaining[0].participant_id}
    assert _count(db, Participant) == 1 and _count(db, ConversationState) == 1
    assert _count(db, Answer) == 7 and _count(db, ContactAddress) == 1
    assert _count(db, Role) == 0 and _count(db, Invite) == 0
    out = _send(service, OpenedIn())
    assert out[-1]["question"] == "_consent"


def test_outbox_rows_wait_until_sent(service: ConversationService, db: Database) -> None:
    queued = service.handle(InboundMessage("terminal", "anna", "anna", OpenedIn()))
    assert queued
    unsent = service.unsent("terminal")
    assert [u.outbox_id for u in unsent] == [q.outbox_id for q in queued]
    assert unsent[0].address == "anna"
    for item in unsent:
        service.mark(item.outbox_id, "sent")
    assert service.unsent("terminal") == []
