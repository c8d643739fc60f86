"""Outbox rows of a process that is gone are claimed once, by one process."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.senders import SenderLease, claim_orphans, gone, lock_key
from storage.turns import queue_messages


def _queue(db: Database, now: datetime, sender: str | None, channel: str = "telegram") -> None:
    with db.transaction() as session:
        queue_messages(session, "p1", channel, b"address", [{"text": "a"}, {"text": "b"}], now,
                       sender=sender)


def test_rows_of_gone_senders_are_claimed_once_oldest_first(db: Database) -> None:
    now = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
    _queue(db, now, None)
    _queue(db, now, "stopped-process")
    _queue(db, now, "me")
    _queue(db, now, None, channel="whatsapp")

    with db.transaction() as session:
        claimed = claim_orphans(session, "telegram", "me")
    with db.transaction() as session:
        again = claim_orphans(session, "telegram", "me")

    assert [row.payload["text"] for row in claimed] == ["a", "b", "a", "b"]
    assert [row.id for row in claimed] == sorted(row.id for row in claimed)
    assert {row.sender for row in claimed} == {"me"} and again == []


def test_a_sender_holding_its_lease_is_alive_on_postgresql(db: Database) -> None:
    lease = SenderLease(db)
    lease.acquire("running-process")
    try:
        with db.transaction() as session:
            found = gone(session, ["running-process", "stopped-process", "me"], "me")
        # SQLite serves one process: every sender but this one is gone.
        assert found == ({"running-process", "stopped-process"} if db.is_sqlite
                         else {"stopped-process"})
    finally:
        lease.release()
    with db.transaction() as session:
        assert gone(session, ["running-process"], "me") == {"running-process"}


def test_a_lease_whose_connection_was_lost_is_taken_again(db: Database) -> None:
    lease = SenderLease(db)
    lease.acquire("running-process")
    try:
        if not db.is_sqlite:  # the server ends the lease's session, as a restart would
            key = lock_key("running-process") & 0xFFFF_FFFF_FFFF_FFFF
            with db.engine.connect() as admin:
                ended = admin.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                    "'advisory' AND classid::bigint = %(high)s AND objid::bigint = %(low)s",
                    {"high": key >> 32, "low": key & 0xFFFF_FFFF}).scalars().all()
            assert ended == [True]
        lease.renew()
        with db.transaction() as session:
            found = gone(session, ["running-process"], "me")
        assert found == ({"running-process"} if db.is_sqlite else set())
    finally:
        lease.release()

