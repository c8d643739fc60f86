"""Which process sends an outbox row, and which rows lost their sender.

Every row names the process that queued it (`outbox.sender`, a random id per run). While it
runs, a sending process holds a PostgreSQL advisory lock named after that id, on a connection
of its own. A row whose sender holds no lock any more (the process stopped or died) is an
orphan: any sending process may claim it, once, and send it. A process that is alive keeps
its rows, however long its queue. SQLite serves one process: every other sender is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from typing import Final

from sqlalchemy import Connection, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage.db import Database, is_postgres
from storage.models import OutboxMessage

_LOCK: Final = text("SELECT pg_advisory_lock(:key)")
_TRY_LOCK: Final = text("SELECT pg_try_advisory_xact_lock(:key)")
_UNLOCK: Final = text("SELECT pg_advisory_unlock(:key)")


def lock_key(instance: str) -> int:
    """The advisory lock key of a sender: 64 bits of a hash of its id."""
    digest = hashlib.sha256(b"vertelpunt-sender:" + instance.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SenderLease:
    """This process's claim to be alive as a sender (PostgreSQL); nothing to hold on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._held: tuple[Connection, int] | None = None
        self._instance: str | None = None

    def acquire(self, instance: str) -> None:
        """Hold the lock of `instance` until `release` (or until this process ends)."""
        self.release()
        self._instance = instance  # kept on failure too: `renew` tries again
        if self._db.is_sqlite:
            return
        conn = self._db.engine.connect()  # kept out of the pool for the whole run
        key = lock_key(instance)
        try:
            conn.execute(_LOCK, {"key": key})
            conn.commit()  # the lock is the session's: it outlives the transaction
        except BaseException:
            conn.invalidate()
            raise
        self._held = (conn, key)

    def renew(self) -> None:
        """Take the lock again when its connection was lost (the database restarted)."""
        if self._instance is None or self._db.is_sqlite:
            return
        if self._held is not None:
            conn = self._held[0]
            try:
                conn.execute(text("SELECT 1"))
                conn.commit()
                return
            except DBAPIError:
                self._held = None
                conn.invalidate()
        self.acquire(self._instance)

    def release(self) -> None:
        """Let go: this process's rows become orphans for others."""
        held, self._held, self._instance = self._held, None, None
        if held is None:
            return
        conn, key = held
        # A lost connection took the lock with it: nothing left to unlock.
        with contextlib.suppress(DBAPIError):
            conn.execute(_UNLOCK, {"key": key})
            conn.commit()
        conn.close()


def gone(session: Session, senders: Iterable[str], me: str) -> set[str]:
    """The senders among `senders` whose process no longer runs."""
    others = {sender for sender in senders if sender != me}
    if not is_postgres(session):
        return others
    # Transaction-level: whatever happens, the lock goes with this transaction, and two
    # processes claiming the same dead sender's rows at once take turns.
    return {sender for sender in others
            if session.execute(_TRY_LOCK, {"key": lock_key(sender)}).scalar()}


def claim_orphans(
    session: Session, channel: str, me: str, limit: int = 500
) -> list[OutboxMessage]:
    """Pending rows of `channel` whose sender is gone, now this process's, oldest first."""
    pending = (OutboxMessage.channel == channel, OutboxMessage.status == "pending")
    senders = session.scalars(
        select(OutboxMessage.sender)
        .where(*pending, or_(OutboxMessage.sender.is_(None), OutboxMessage.sender != me))
        .distinct()
    ).all()
    dead = gone(session, (s for s in senders if s is not None), me)
    if not dead and None not in senders:
        return []
    orphaned = or_(OutboxMessage.sender.is_(None), OutboxMessage.sender.in_(dead))
    oldest = (
        select(OutboxMessage.id).where(*pending, orphaned).order_by(OutboxMessage.id)
        .limit(limit).with_for_update(skip_locked=True)
    )
    # The sender is checked again by the UPDATE itself: of two processes claiming at once,
    # the second finds the rows already taken.
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(oldest), *pending, orphaned)
        .values(sender=me)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed, key=lambda row: row.id)
