"""The hot path of one turn, in few Core statements: lock and load, then save and queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
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


class _Statements:
    """The hot path's statements, built once per dialect: building a statement costs as
    much as running it, and one turn runs several."""

    def __init__(self, postgres: bool) -> None:
        upsert = pg_insert if postgres else sqlite_insert
        self.claim = (
            upsert(UPDATES)
            .values(channel=bindparam("channel"), update_id=bindparam("update_id"),
                    received_at=bindparam("now"))
            .on_conflict_do_nothing()
            .returning(UPDATES.c.update_id)
        )
        self.create = upsert(PARTICIPANTS).values(
            id=bindparam("pid"), language=bindparam("language"), about=bindparam("about"),
            created_at=bindparam("now"), last_inbound_at=bindparam("now"),
        ).on_conflict_do_nothing()
        lock = select(PARTICIPANTS.c.language, PARTICIPANTS.c.about).where(
            PARTICIPANTS.c.id == bindparam("pid")
        )
        self.lock = lock.with_for_update() if postgres else lock
        self.state = select(STATES.c.data, STATES.c.version).where(
            STATES.c.participant_id == bindparam("pid")
        )
        where_participant = PARTICIPANTS.c.id == bindparam("pid")
        self.save_participant = update(PARTICIPANTS).where(where_participant).values(
            language=bindparam("language"), about=bindparam("about"),
            last_inbound_at=bindparam("now"),
        )
        self.save_participant_quiet = update(PARTICIPANTS).where(where_participant).values(
            language=bindparam("language"), about=bindparam("about"),
        )
        self.insert_state = insert(STATES).values(
            participant_id=bindparam("pid"), data=bindparam("data"), version=1,
            updated_at=bindparam("now"),
        )
        self.update_state = (
            update(STATES)
            .where(STATES.c.participant_id == bindparam("pid"))
            .values(data=bindparam("data"), version=bindparam("version"),
                    updated_at=bindparam("now"))
        )
        self.queue = insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True)


_BUILT: dict[bool, _Statements] = {}


def _statements(session: Session) -> _Statements:
    postgres = _is_postgres(session)
    if postgres not in _BUILT:
        _BUILT[postgres] = _Statements(postgres)
    return _BUILT[postgres]


def claim_update(session: Session, channel: str, update_id: str, now: datetime) -> bool:
    """Record an update id; False when it was handled before (a duplicate delivery)."""
    result = session.connection().execute(
        _statements(session).claim, {"channel": channel, "update_id": update_id, "now": now}
    )
    return result.first() is not None


def lock_and_load(
    session: Session, participant_id: str, language: str, now: datetime
) -> LoadedParticipant:
    """The participant (created on first contact) and their state, locked for this transaction
    so that turns of one participant run one after another, the first two included."""
    conn, built = session.connection(), _statements(session)
    params = {"pid": participant_id, "language": language, "about": {}, "now": now}
    conn.execute(built.create, params)
    row = conn.execute(built.lock, params).one()
    # Read the state only once the lock is held: on PostgreSQL (read committed) a statement
    # sees what was committed before it started, so the state must be its own statement.
    state = conn.execute(built.state, params).first()
    return LoadedParticipant(
        participant_id, str(row[0]), dict(row[1] or {}), state[0] if state else None,
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
    conn, built = session.connection(), _statements(session)
    params = {"pid": loaded.id, "language": loaded.language, "about": loaded.about, "now": now,
              "data": state, "version": loaded.state_version + 1}
    conn.execute(built.save_participant if inbound else built.save_participant_quiet, params)
    conn.execute(built.insert_state if loaded.state is None else built.update_state, params)


def queue_messages(
    session: Session,
    participant_id: str,
    channel: str,
    address: bytes,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    ephemeral: bool | Sequence[bool] = False,
    checkin_id: str | None = None,
) -> list[int]:
    """Queue messages to send after commit; returns their outbox ids in order. Ephemeral
    rows (one flag for all, or one per payload) are deleted once sent."""
    if not payloads:
        return []
    flags = [ephemeral] * len(payloads) if isinstance(ephemeral, bool) else list(ephemeral)
    rows = [
        {"participant_id": participant_id, "channel": channel, "address": address,
         "payload": payload, "ephemeral": flag, "status": "pending", "attempts": 0,
         "created_at": now, "checkin_id": checkin_id}
        for payload, flag in zip(payloads, flags, strict=True)
    ]
    result = session.connection().execute(_statements(session).queue, rows)
    return [row[0] for row in result]
