"""The hot path of one turn, in few Core statements: claim and lock, load, save, queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import UtcDateTime
from storage.models import ConversationState, OutboxMessage, Participant, ProcessedUpdate

PARTICIPANTS = cast(Table, Participant.__table__)
STATES = cast(Table, ConversationState.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
UPDATES = cast(Table, ProcessedUpdate.__table__)


@dataclass(slots=True)
class LoadedParticipant:
    """A locked participant with their saved conversation state, if any. `language` and
    `about` may change during the turn; what was loaded is kept to save only changes."""

    id: str
    language: str
    about: dict[str, Any]
    state: dict[str, Any] | None
    state_version: int
    loaded_language: str = ""
    loaded_about: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.loaded_language = self.language
        self.loaded_about = dict(self.about)

    @property
    def changed(self) -> bool:
        """Whether language or about-you answers changed since they were loaded."""
        return self.language != self.loaded_language or self.about != self.loaded_about


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


class _Statements:
    """The hot path's statements, built once per dialect: building a statement costs as
    much as running it, and one turn runs several."""

    def __init__(self, postgres: bool) -> None:
        upsert = pg_insert if postgres else sqlite_insert
        claim = (
            upsert(UPDATES)
            .values(channel=bindparam("channel"), update_id=bindparam("update_id"),
                    received_at=bindparam("now"))
            .on_conflict_do_nothing()
        )
        # Create on first contact, or lock: ON CONFLICT DO UPDATE takes the row lock and
        # returns the newest committed row, so turns of one participant run one after
        # another, the first two included. `touch` is the time of an inbound message (None
        # for a turn the service starts itself, which leaves the last contact as it was).
        columns = ("id", "language", "about", "created_at", "last_inbound_at")
        source = select(
            bindparam("pid", type_=String()), bindparam("language", type_=String()),
            bindparam("about", type_=JSON()), bindparam("now", type_=UtcDateTime()),
            bindparam("touch", type_=UtcDateTime()),
        )
        if postgres:
            # One round trip: the participant is only touched when the update is new.
            claimed = claim.returning(UPDATES.c.update_id).cte("claimed")
            self.claim_and_lock = self._lock(
                upsert, columns, source.where(exists(select(claimed.c.update_id)))
            )
        # SQLite needs a WHERE in an upsert's SELECT to parse it.
        self.lock = self._lock(upsert, columns, source.where(true()))
        self.claim = claim.returning(UPDATES.c.update_id)
        self.state = select(STATES.c.data, STATES.c.version).where(
            STATES.c.participant_id == bindparam("pid")
        )
        self.save_participant = update(PARTICIPANTS).where(
            PARTICIPANTS.c.id == bindparam("pid")
        ).values(language=bindparam("language"), about=bindparam("about"))
        save_state = upsert(STATES).values(
            participant_id=bindparam("pid"), data=bindparam("data"),
            version=bindparam("version"), updated_at=bindparam("now"),
        )
        self.save_state = save_state.on_conflict_do_update(
            index_elements=[STATES.c.participant_id],
            set_={"data": save_state.excluded.data, "version": save_state.excluded.version,
                  "updated_at": save_state.excluded.updated_at},
        )
        self.queue = insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True)

    @staticmethod
    def _lock(upsert: Any, columns: tuple[str, ...], source: Any) -> Any:
        statement = upsert(PARTICIPANTS).from_select(list(columns), source)
        return statement.on_conflict_do_update(
            index_elements=[PARTICIPANTS.c.id],
            set_={"last_inbound_at": func.coalesce(statement.excluded.last_inbound_at,
                                                   PARTICIPANTS.c.last_inbound_at)},
        ).returning(PARTICIPANTS.c.language, PARTICIPANTS.c.about)


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
    session: Session,
    participant_id: str,
    language: str,
    now: datetime,
    update: tuple[str, str] | None = None,
    inbound: bool = True,
) -> LoadedParticipant | None:
    """The participant (created on first contact) and their state, locked for this
    transaction. With `update` (channel, update id) the update is claimed first, and None
    returned when it was handled before. `inbound` is False for turns the service starts
    itself (a check-in): they do not count as the resident's last contact."""
    conn, built = session.connection(), _statements(session)
    params = {"pid": participant_id, "language": language, "about": {}, "now": now,
              "touch": now if inbound else None}
    if update is None:
        row = conn.execute(built.lock, params).one()
    else:
        params |= {"channel": update[0], "update_id": update[1]}
        if _is_postgres(session):
            found = conn.execute(built.claim_and_lock, params).first()
            if found is None:
                return None
            row = found
        else:
            if conn.execute(built.claim, params).first() is None:
                return None
            row = conn.execute(built.lock, params).one()
    # Read the state only once the lock is held: on PostgreSQL (read committed) a statement
    # sees what was committed before it started, so the state must be its own statement.
    state = conn.execute(built.state, params).first()
    return LoadedParticipant(
        participant_id, str(row[0]), dict(row[1] or {}), state[0] if state else None,
        state[1] if state else 0,
    )


def save_turn(
    session: Session, loaded: LoadedParticipant, state: dict[str, Any], now: datetime
) -> None:
    """Write the participant's state, and their language and about-you answers if changed."""
    conn, built = session.connection(), _statements(session)
    params = {"pid": loaded.id, "language": loaded.language, "about": loaded.about, "now": now,
              "data": state, "version": loaded.state_version + 1}
    if loaded.changed:
        conn.execute(built.save_participant, params)
    conn.execute(built.save_state, params)


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
