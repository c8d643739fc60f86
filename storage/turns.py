"""The hot path of one turn, in few Core statements: lock and load, then save and queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import ConversationState, OutboxMessage, Participant, ProcessedUpdate

PARTICIPANTS = cast(Table, Participant.__table__)
STATES = cast(Table, ConversationState.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
UPDATES = cast(Table, ProcessedUpdate.__table__)


@dataclass(slots=True)
class LoadedParticipant:
    """A locked participant with their saved conversation state, if any."""

    id: str
    language: str
    about: dict[str, Any]
    state: dict[str, Any] | None
    state_version: int


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _upsert(session: Session) -> Any:
    return pg_insert if _is_postgres(session) else sqlite_insert


def claim_update(session: Session, channel: str, update_id: str, now: datetime) -> bool:
    """Record an update id; False when it was handled before (a duplicate delivery)."""
    statement = (
        _upsert(session)(UPDATES)
        .values(channel=channel, update_id=update_id, received_at=now)
        .on_conflict_do_nothing()
        .returning(UPDATES.c.update_id)
    )
    return session.connection().execute(statement).first() is not None


def lock_and_load(
    session: Session, participant_id: str, language: str, now: datetime
) -> LoadedParticipant:
    """The participant (created on first contact) and their state, locked for this transaction
    so that turns of one participant run one after another, the first two included."""
    conn = session.connection()
    conn.execute(
        _upsert(session)(PARTICIPANTS)
        .values(id=participant_id, language=language, about={}, created_at=now,
                last_inbound_at=now)
        .on_conflict_do_nothing()
    )
    lock = select(PARTICIPANTS.c.language, PARTICIPANTS.c.about).where(
        PARTICIPANTS.c.id == participant_id
    )
    if _is_postgres(session):
        lock = lock.with_for_update()
    row = conn.execute(lock).one()
    language, about = str(row[0]), row[1]
    # Read the state only once the lock is held: on PostgreSQL (read committed) a statement
    # sees what was committed before it started, so the state must be its own statement.
    state = conn.execute(
        select(STATES.c.data, STATES.c.version).where(STATES.c.participant_id == participant_id)
    ).first()
    return LoadedParticipant(
        participant_id, language, dict(about or {}), state[0] if state else None,
        state[1] if state else 0,
    )


def save_turn(
    session: Session,
    loaded: LoadedParticipant,
    state: dict[str, Any],
    now: datetime,
    inbound: bool = True,
) -> None:
    """Write the participant's language, about-you answers, last contact and state;
    `inbound` is False for turns the service starts itself (a check-in)."""
    conn = session.connection()
    values: dict[str, Any] = {"language": loaded.language, "about": loaded.about}
    if inbound:
        values["last_inbound_at"] = now
    conn.execute(update(PARTICIPANTS).where(PARTICIPANTS.c.id == loaded.id).values(**values))
    if loaded.state is None:
        conn.execute(insert(STATES).values(participant_id=loaded.id, data=state, version=1,
                                           updated_at=now))
    else:
        conn.execute(
            update(STATES)
            .where(STATES.c.participant_id == loaded.id)
            .values(data=state, version=loaded.state_version + 1, updated_at=now)
        )


def queue_messages(
    session: Session,
    participant_id: str,
    channel: str,
    address: bytes,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    ephemeral: bool = False,
    checkin_id: str | None = None,
) -> list[int]:
    """Queue messages to send after commit; returns their outbox ids in order."""
    if not payloads:
        return []
    rows = [
        {"participant_id": participant_id, "channel": channel, "address": address,
         "payload": payload, "ephemeral": ephemeral, "status": "pending", "attempts": 0,
         "created_at": now, "checkin_id": checkin_id}
        for payload in payloads
    ]
    result = session.connection().execute(
        insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True), rows
    )
    return [row[0] for row in result]
