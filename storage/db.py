"""Database engine, sessions and the unit of work."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations get stable names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return url.startswith("sqlite")


def is_postgres(session: Session) -> bool:
    """Whether a session's database is PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _make_sqlite_transactions_immediate(engine: Engine) -> None:
    # pysqlite's own BEGIN handling is lazy; writers must take the lock at BEGIN so
    # two processes serialise instead of failing with "database is locked" on upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def json_dumps(value: Any) -> str:
    """JSON text of a value (orjson)."""
    return orjson.dumps(value).decode()


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the URL, with SQLite set up for safe concurrent use."""
    url = normalise_url(url)
    # JSON columns (state, answers, outbox) are on every hot path; orjson is several times
    # faster than the standard library at both ends.
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    # Statements carry story text and answers: errors must not quote them.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        if ":memory:" in url or url in ("sqlite://", "sqlite+pysqlite://"):
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _make_sqlite_transactions_immediate(engine)
        return engine
    # No ping before every checkout (a round trip per transaction): a connection the server
    # dropped fails its transaction once, SQLAlchemy then replaces the pool's connections,
    # and the platform delivers the update again. Idle connections are renewed hourly.
    kwargs.setdefault("pool_recycle", 3600)
    return create_engine(url, **kwargs)


class Database:
    """Owns the engine and hands out units of work (one transaction each)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process take turns here instead of
        # in SQLite's busy handler, which sleeps and retries and so makes waits long.
        self._writer = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        """Whether this database is SQLite."""
        return is_sqlite(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        with self._writer or nullcontext(), self._sessions() as session, session.begin():
            yield session

    def open_connections(self) -> int:
        """Open as many connections as the pool keeps, so that the first transactions do not
        wait for them (each costs a new server process on PostgreSQL); returns how many.
        Nothing to do on SQLite, a file."""
        if self.is_sqlite:
            return 0
        size = int(getattr(self.engine.pool, "size", lambda: 0)())
        with ExitStack() as held:
            for _ in range(size):
                connection = held.enter_context(self.engine.connect())
                connection.execute(text("SELECT 1"))
        return size

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
