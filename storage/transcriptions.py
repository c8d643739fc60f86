"""Transcription jobs: stored by the channel, claimed by any worker (each job once), deleted
when done. A job holds the platform's file reference, never the audio."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import TranscriptionJob

# A note longer than this (as the platform told) lets shorter ones that came after it go
# first, for at most LONG_WAIT: one long story does not hold up every short answer behind it.
LONG_SECONDS = 60
LONG_WAIT = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class NewJob:
    """A voice note to transcribe, as the channel saw it."""

    participant_id: str
    channel: str
    address: bytes
    file_ref: str
    seconds: int | None = None
    size: int | None = None
    language_hint: str | None = None
    forwarded: bool = False


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job this worker holds until it finishes or its claim goes stale."""

    id: str
    participant_id: str
    channel: str
    address: bytes
    file_ref: str
    seconds: int | None
    size: int | None
    language_hint: str | None
    forwarded: bool
    attempts: int


def add_job(session: Session, job: NewJob, now: datetime) -> str:
    """Store a job; returns its id."""
    job_id = uuid.uuid4().hex
    session.add(TranscriptionJob(
        id=job_id, participant_id=job.participant_id, channel=job.channel,
        address=job.address, file_ref=job.file_ref, seconds=job.seconds, size=job.size,
        language_hint=job.language_hint, forwarded=job.forwarded, status="pending",
        attempts=0, created_at=now,
    ))
    session.flush()
    return job_id


def waiting(session: Session) -> int:
    """Jobs not finished yet (pending or being transcribed)."""
    count = session.scalar(select(func.count()).select_from(TranscriptionJob))
    return int(count or 0)


def claim_next(
    session: Session, worker: str, now: datetime, stale_after: timedelta
) -> ClaimedJob | None:
    """The oldest pending job, or one whose worker has not finished it within `stale_after`
    (it crashed), claimed for `worker`; a long note that has waited less than LONG_WAIT comes
    after the shorter ones. On PostgreSQL other workers skip the row this one holds (SKIP
    LOCKED); SQLite transactions here take the write lock at BEGIN."""
    job = TranscriptionJob
    held_back = case((job.seconds.is_not(None) & (job.seconds > LONG_SECONDS)
                      & (job.created_at > now - LONG_WAIT), 1), else_=0)
    query = (
        select(job)
        .where(job.file_ref.is_not(None),
               or_(job.status == "pending",
                   (job.status == "claimed") & (job.claimed_at < now - stale_after)))
        .order_by(held_back, job.created_at)
        .limit(1)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    row = session.scalars(query).first()
    if row is None:
        return None
    row.status, row.claimed_by, row.claimed_at = "claimed", worker, now
    row.attempts += 1
    session.flush()
    return ClaimedJob(row.id, row.participant_id, row.channel, row.address, row.file_ref or "",
                      row.seconds, row.size, row.language_hint, row.forwarded, row.attempts)


def still_held(session: Session, job_id: str, worker: str) -> bool:
    """Whether `worker` still holds the job (another may have taken it over, slow as it was);
    locks the row for the rest of the transaction."""
    query = select(TranscriptionJob.claimed_by).where(TranscriptionJob.id == job_id)
    if is_postgres(session):
        query = query.with_for_update()
    return session.scalar(query) == worker


def finish(session: Session, job_id: str) -> None:
    """The job is done: its row and file reference go."""
    session.execute(delete(TranscriptionJob).where(TranscriptionJob.id == job_id))


def release(session: Session, job_id: str) -> None:
    """Give a job back for another try (the download failed for now)."""
    session.execute(
        update(TranscriptionJob).where(TranscriptionJob.id == job_id)
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def erase_for_participant(session: Session, participant_id: str) -> None:
    """Every job of a participant who asked to be erased."""
    session.execute(
        delete(TranscriptionJob).where(TranscriptionJob.participant_id == participant_id)
    )
