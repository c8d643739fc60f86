"""The outbox as a shared queue: chats claimed whole and in order, by one sender at a time,
taken over only once a claim lapsed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.repositories import mark_outbox_sent
from storage.send_queue import chat_state, claim_chats, release_claims, renew_claims
from storage.turns import queue_messages
from tests.conftest import _truncate

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def _queue(db: Database, participant: str, texts: list[str], sender: str | None = None,
           until: datetime | None = None, channel: str = "telegram") -> list[int]:
    with db.transaction() as session:
        return queue_messages(session, participant, channel, b"address",
                              [{"text": t} for t in texts], NOW, sender=sender,
                              claimed_until=until)


def _claim(db: Database, sender: str = "me", now: datetime = NOW, chats: int = 200
           ) -> list[tuple[str, str]]:
    with db.transaction() as session:
        rows = claim_chats(session, ["telegram"], sender, now, now + LEASE, chats).rows
        return [(row.participant_id, row.payload["text"]) for row in rows]


def test_chats_are_claimed_whole_in_order_and_once(db: Database) -> None:
    _queue(db, "p1", ["a", "b"])
    _queue(db, "p2", ["a"])
    _queue(db, "p1", ["c"])
    _queue(db, "p3", ["x"], channel="whatsapp")  # another channel's loop takes this

    assert _claim(db) == [("p1", "a"), ("p1", "b"), ("p2", "a"), ("p1", "c")]
    assert _claim(db, sender="other") == []  # held by "me" now
    assert _claim(db) == []


def test_a_claim_is_taken_over_only_once_it_lapsed(db: Database) -> None:
    _queue(db, "p1", ["a", "b"], sender="other", until=NOW + LEASE)

    assert _claim(db, now=NOW + LEASE - timedelta(seconds=1)) == []
    assert _claim(db, now=NOW + LEASE) == [("p1", "a"), ("p1", "b")]


def test_claims_lapsing_row_by_row_are_taken_over_in_order(db: Database) -> None:
    # A process that died held each turn's rows from that turn on: they lapse one by one.
    [a] = _queue(db, "p1", ["a"], sender="dead", until=NOW + LEASE)
    _queue(db, "p1", ["b"], sender="dead", until=NOW + LEASE + timedelta(seconds=5))
    _queue(db, "p1", ["c"])  # a turn of this process, behind them

    assert _claim(db, now=NOW + LEASE) == [("p1", "a")]  # "c" must wait for "b"
    with db.transaction() as session:
        mark_outbox_sent(session, [(a, "1")], NOW + LEASE)
    assert _claim(db, now=NOW + LEASE + timedelta(seconds=1)) == []
    assert _claim(db, now=NOW + LEASE + timedelta(seconds=5)) == [("p1", "b"), ("p1", "c")]


def test_rows_behind_a_held_head_wait_for_it(db: Database) -> None:
    _queue(db, "p1", ["a"], sender="other", until=NOW + LEASE)
    _queue(db, "p1", ["b"])  # queued by a turn of this process, behind the other's row
    _queue(db, "p2", ["c"])

    assert _claim(db) == [("p2", "c")]


def test_a_chat_is_free_for_a_sender_only_when_all_it_has_pending_is_that_senders(
    db: Database
) -> None:
    def state(sender: str | None, now: datetime = NOW) -> tuple[bool, int | None]:
        with db.transaction() as session:
            return chat_state(session, "p1", "telegram", sender, now)

    assert state("me") == (True, None) and state(None) == (False, None)
    _, second = _queue(db, "p1", ["a", "b"], sender="me", until=NOW + LEASE)
    assert state("me") == (True, second)  # new rows go out after the newest of them
    assert state("other")[0] is False
    assert state("me", NOW + LEASE)[0] is False  # lapsed: another may be taking it over
    _queue(db, "p1", ["c"])  # waiting, unclaimed
    assert state("me")[0] is False


def test_renewing_and_releasing_touch_only_the_senders_own_rows(db: Database) -> None:
    mine = _queue(db, "p1", ["a"], sender="me", until=NOW + LEASE)
    theirs = _queue(db, "p2", ["b"], sender="other", until=NOW + LEASE)
    later = NOW + LEASE - timedelta(seconds=1)

    with db.transaction() as session:
        assert renew_claims(session, "me", [*mine, *theirs], later + LEASE) == 1
    assert _claim(db, sender="third", now=NOW + LEASE) == [("p2", "b")]

    with db.transaction() as session:
        assert release_claims(session, "me") == 1
    assert _claim(db, sender="third", now=NOW) == [("p1", "a")]


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    """PostgreSQL alone: SQLite serves one process, one writer at a time."""
    database = Database(postgres_url)
    _truncate(database)
    yield database
    _truncate(database)
    database.dispose()


@pytest.mark.postgres
def test_two_senders_claiming_at_once_never_take_the_same_chat(pg: Database) -> None:
    db = pg
    _queue(db, "p1", ["a", "b"])
    _queue(db, "p2", ["c"])
    with db.transaction() as first:
        mine = claim_chats(first, ["telegram"], "first", NOW, NOW + LEASE, chats=1).rows
        # The first sender's transaction is still open: its head row is locked, skipped.
        with db.transaction() as second:
            theirs = claim_chats(second, ["telegram"], "second", NOW, NOW + LEASE).rows
    assert [(r.participant_id, r.payload["text"]) for r in mine] == [("p1", "a"), ("p1", "b")]
    assert [(r.participant_id, r.payload["text"]) for r in theirs] == [("p2", "c")]
    assert _claim(db, sender="third") == []


def test_chats_taken_over_from_a_lapsed_claim_are_named_as_such(db: Database) -> None:
    _queue(db, "died", ["a", "b"], sender="other", until=NOW - timedelta(seconds=1))
    _queue(db, "released", ["c"], sender="stopped", until=NOW + LEASE)
    _queue(db, "unclaimed", ["d"])
    with db.transaction() as session:
        release_claims(session, "stopped")

    with db.transaction() as session:
        claimed = claim_chats(session, ["telegram"], "me", NOW, NOW + LEASE)
        assert [row.participant_id for row in claimed.rows] == [
            "died", "died", "released", "unclaimed"]
    # Only a claim that lapsed may have left a send under way; a released one did not.
    assert claimed.lapsed == {("died", "telegram")}
