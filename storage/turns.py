"""The hot path of one turn, in few Core statements: claim and lock, load, save, queue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import (
    JSON,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from storage.db import UtcDateTime, is_postgres, json_dumps
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
    loaded_language: str = field(init=False)
    loaded_about: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.loaded_language = self.language
        self.loaded_about = dict(self.about)

    @property
    def changed(self) -> bool:
        """Whether language or about-you answers changed since they were loaded."""
        return self.language != self.loaded_language or self.about != self.loaded_about


class _Statements:
    """The hot path's statements, built once per dialect: building a statement costs as
    much as running it, and one turn runs several."""

    def __init__(self, dialect: Dialect) -> None:
        postgres = dialect.name == "postgresql"
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
        # The chat's pending rows: the newest this sender holds, and whether any is not its
        # own under a claim that holds (storage/send_queue.py).
        mine = and_(OUTBOX.c.sender == bindparam("sender", type_=String()),
                    OUTBOX.c.claimed_until > bindparam("now", type_=UtcDateTime()))
        # Constants as SQL text: the driver path passes only the named parameters.
        zero: ColumnClause[int] = literal_column("0")
        one: ColumnClause[int] = literal_column("1")
        self.chat_state = select(
            func.max(case((mine, OUTBOX.c.id))), func.max(case((mine, zero), else_=one)),
        ).where(OUTBOX.c.participant_id == bindparam("pid"),
                OUTBOX.c.channel == bindparam("channel"),
                OUTBOX.c.status == literal_column("'pending'"))
        self.queue = insert(OUTBOX).values(
            {name: bindparam(name) for name in QUEUED_COLUMNS}
        ).returning(OUTBOX.c.id, sort_by_parameter_order=True)
        self.driver = _DriverSql(self, dialect) if postgres else None

    @staticmethod
    def _lock(upsert: Any, columns: tuple[str, ...], source: Any) -> Any:
        statement = upsert(PARTICIPANTS).from_select(list(columns), source)
        return statement.on_conflict_do_update(
            index_elements=[PARTICIPANTS.c.id],
            set_={"last_inbound_at": func.coalesce(statement.excluded.last_inbound_at,
                                                   PARTICIPANTS.c.last_inbound_at)},
        ).returning(PARTICIPANTS.c.language, PARTICIPANTS.c.about)


QUEUED_COLUMNS = ("participant_id", "channel", "address", "payload", "ephemeral", "status",
                  "attempts", "created_at", "checkin_id", "sender", "claimed_until")
# Parameters holding JSON documents: the driver is handed them serialised.
_JSON_PARAMETERS = ("about", "data", "payload")


class _DriverSql:
    """The PostgreSQL statements as SQL text, compiled once, for the driver's connection.

    A turn runs five statements; through SQLAlchemy each costs about as much Python as the
    database spends on it. Run as prepared statements straight on psycopg's connection (in
    the same transaction) they cost a fraction, so one process serves many more turns."""

    def __init__(self, built: _Statements, dialect: Dialect) -> None:
        self._dialect = dialect
        names = ("claim_and_lock", "lock", "state", "save_participant", "save_state",
                 "chat_state")
        self.sql = {name: str(getattr(built, name).compile(dialect=dialect)) for name in names}
        self._queue: dict[int, str] = {}

    def queue(self, count: int) -> str:
        """One INSERT of `count` outbox rows (parameters `<column>_<n>`), returning ids."""
        sql = self._queue.get(count)
        if sql is None:
            rows: list[dict[str, Any]] = [
                {name: bindparam(f"{name}_{n}", type_=OUTBOX.c[name].type)
                 for name in QUEUED_COLUMNS}
                for n in range(count)
            ]
            statement = insert(OUTBOX).values(rows).returning(OUTBOX.c.id)
            sql = self._queue[count] = str(statement.compile(dialect=self._dialect))
        return sql


def _driver_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the driver takes them: JSON serialised, timestamps checked to be aware
    (what the columns' types do on SQLAlchemy's path)."""
    converted = {}
    for key, value in params.items():
        if key in _JSON_PARAMETERS:
            value = json_dumps(value)
        elif isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        converted[key] = value
    return converted


@contextmanager
def _driver_errors(session: Session) -> Iterator[None]:
    """A connection the server dropped is given up, as SQLAlchemy does on its own path, so
    the pool does not hand it out again."""
    try:
        yield
    except psycopg.Error:
        if _driver_connection(session).broken:
            session.connection().invalidate()
        raise


_CURSOR_KEY = "vertelpunt.turn_cursor"


def _cursor(session: Session) -> psycopg.Cursor[Any]:
    """A cursor on the driver's connection of this session's transaction, made once."""
    cursor = session.info.get(_CURSOR_KEY)
    if cursor is None or cursor.connection is not _driver_connection(session):
        cursor = session.info[_CURSOR_KEY] = _driver_connection(session).cursor()
    return cast(psycopg.Cursor[Any], cursor)


def _driver_connection(session: Session) -> psycopg.Connection[Any]:
    return cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)


def _run(session: Session, name: str, params: dict[str, Any]) -> list[Any]:
    """Run one hot-path statement; returns its rows (empty for one without RETURNING)."""
    built = _statements(session)
    if built.driver is None:
        result = session.connection().execute(getattr(built, name), params)
        return list(result) if result.returns_rows else []
    cursor = _cursor(session)
    with _driver_errors(session):
        cursor.execute(built.driver.sql[name], _driver_params(params), prepare=True)
        return cursor.fetchall() if cursor.description is not None else []


def _insert_queued(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert outbox rows; returns their ids in the order of `rows`."""
    built = _statements(session)
    if built.driver is None:
        return [row[0] for row in session.connection().execute(built.queue, rows)]
    params = {f"{key}_{n}": value
              for n, row in enumerate(rows) for key, value in _driver_params(row).items()}
    cursor = _cursor(session)
    with _driver_errors(session):
        cursor.execute(built.driver.queue(len(rows)), params, prepare=True)
        # PostgreSQL takes a VALUES list's ids from the sequence row after row, so sorted ids
        # follow the rows (it does not promise this; SQLAlchemy's sentinel sort is the
        # formal way, and costs a second pass).
        return sorted(row[0] for row in cursor.fetchall())


_BUILT: dict[bool, _Statements] = {}


def _statements(session: Session) -> _Statements:
    dialect = session.get_bind().dialect
    postgres = dialect.name == "postgresql"
    if postgres not in _BUILT:
        _BUILT[postgres] = _Statements(dialect)
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
    params = {"pid": participant_id, "language": language, "about": {}, "now": now,
              "touch": now if inbound else None}
    if update is None:
        row = _run(session, "lock", params)[0]
    else:
        params |= {"channel": update[0], "update_id": update[1]}
        if is_postgres(session):
            # One round trip: the participant is only touched when the update is new.
            found = _run(session, "claim_and_lock", params)
            if not found:
                return None
            row = found[0]
        else:
            if not _run(session, "claim", params):
                return None
            row = _run(session, "lock", params)[0]
    # Read the state only once the lock is held: on PostgreSQL (read committed) a statement
    # sees what was committed before it started, so the state must be its own statement.
    states = _run(session, "state", params)
    state = states[0] if states else None
    return LoadedParticipant(
        participant_id, str(row[0]), dict(row[1] or {}), state[0] if state else None,
        state[1] if state else 0,
    )


def save_turn(
    session: Session, loaded: LoadedParticipant, state: dict[str, Any], now: datetime
) -> None:
    """Write the participant's state, and their language and about-you answers if changed."""
    params = {"pid": loaded.id, "language": loaded.language, "about": loaded.about, "now": now,
              "data": state, "version": loaded.state_version + 1}
    if loaded.changed:
        _run(session, "save_participant", params)
    _run(session, "save_state", params)


def chat_state(
    session: Session, participant_id: str, channel: str, sender: str, now: datetime
) -> tuple[int | None, bool]:
    """The newest pending row of the chat that `sender` holds under a claim that holds at
    `now`, and whether the chat has a pending row that is not so held."""
    [(newest_mine, others)] = _run(session, "chat_state", {
        "pid": participant_id, "channel": channel, "sender": sender, "now": now})
    return (None if newest_mine is None else int(newest_mine)), bool(others)


def queue_messages(
    session: Session,
    participant_id: str,
    channel: str,
    address: bytes,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    ephemeral: bool | Sequence[bool] = False,
    checkin_id: str | None = None,
    sender: str | None = None,
    claimed_until: datetime | None = None,
) -> list[int]:
    """Queue messages to send after commit; returns their outbox ids in order. Ephemeral
    rows (one flag for all, or one per payload) are deleted once sent. `sender` and
    `claimed_until` claim them for the process that will send them (storage/send_queue.py)."""
    if not payloads:
        return []
    flags = [ephemeral] * len(payloads) if isinstance(ephemeral, bool) else list(ephemeral)
    rows = [
        {"participant_id": participant_id, "channel": channel, "address": address,
         "payload": payload, "ephemeral": flag, "status": "pending", "attempts": 0,
         "created_at": now, "checkin_id": checkin_id, "sender": sender,
         "claimed_until": claimed_until}
        for payload, flag in zip(payloads, flags, strict=True)
    ]
    return _insert_queued(session, rows)
