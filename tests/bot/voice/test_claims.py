"""Which waiting voice note a worker takes next: the oldest, except that a long note lets the
shorter ones behind it go first for a while."""

from __future__ import annotations

from datetime import timedelta

from storage.db import Database
from storage.transcriptions import LONG_SECONDS, LONG_WAIT, NewJob, add_job, claim_next
from tests.conftest import FixedClock

STALE = timedelta(minutes=10)


def _add(db: Database, clock: FixedClock, ref: str, seconds: int | None) -> None:
    with db.transaction() as session:
        add_job(session, NewJob("p" * 16, "telegram", b"sealed", ref, seconds), clock())
    clock.advance(seconds=1)


def _claimed(db: Database, clock: FixedClock) -> list[str]:
    refs = []
    while True:
        with db.transaction() as session:
            job = claim_next(session, "w", clock(), STALE)
        if job is None:
            return refs
        refs.append(job.file_ref)


def test_notes_are_taken_oldest_first(db: Database, clock: FixedClock) -> None:
    for ref, seconds in (("a", 20), ("b", None), ("c", LONG_SECONDS)):
        _add(db, clock, ref, seconds)
    assert _claimed(db, clock) == ["a", "b", "c"]


def test_a_long_note_lets_the_short_ones_behind_it_go_first(
    db: Database, clock: FixedClock
) -> None:
    _add(db, clock, "story", 240)
    _add(db, clock, "answer", 4)
    _add(db, clock, "unknown", None)
    assert _claimed(db, clock) == ["answer", "unknown", "story"]


def test_a_long_note_waits_no_longer_than_its_limit(db: Database, clock: FixedClock) -> None:
    _add(db, clock, "story", 240)
    clock.advance(seconds=LONG_WAIT.total_seconds())
    _add(db, clock, "answer", 4)
    assert _claimed(db, clock) == ["story", "answer"]
