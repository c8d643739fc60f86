"""Check-in rows: scheduled from a story, claimed when due (each exactly once), answered."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import CheckIn, ContactAddress, OutboxMessage, Story


@dataclass(frozen=True, slots=True)
class DueCheckIn:
    """A claimed check-in with what the follow-up needs to say."""

    id: str
    participant_id: str
    story_id: str
    story_title: str | None
    channel: str
    address: bytes | None
    reachable: bool


def schedule(
    session: Session,
    participant_id: str,
    story_id: str,
    channel: str,
    days: Sequence[int],
    now: datetime,
) -> None:
    """One check-in per follow-up day after the story."""
    for sequence, day in enumerate(days, start=1):
        session.add(
            CheckIn(
                id=uuid.uuid4().hex,
                participant_id=participant_id,
                story_id=story_id,
                channel=channel,
                sequence=sequence,
                due_at=now + timedelta(days=day),
                status="scheduled",
                attempts=0,
            )
        )


def claim_due(session: Session, now: datetime, limit: int) -> list[DueCheckIn]:
    """Claim due check-ins for this transaction. On PostgreSQL other processes skip the rows
    this one holds (SKIP LOCKED); SQLite transactions here take the write lock at BEGIN."""
    query = (
        select(CheckIn.id)
        .where(CheckIn.status == "scheduled", CheckIn.due_at <= now)
        .order_by(CheckIn.due_at)
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return []
    rows = session.execute(
        select(CheckIn.id, CheckIn.participant_id, CheckIn.story_id, Story.title, CheckIn.channel,
               ContactAddress.address, ContactAddress.reachable)
        .join(Story, Story.id == CheckIn.story_id)
        .outerjoin(ContactAddress, (ContactAddress.participant_id == CheckIn.participant_id)
                   & (ContactAddress.channel == CheckIn.channel))
        .where(CheckIn.id.in_(ids))
        .order_by(CheckIn.due_at)
    )
    session.execute(
        update(CheckIn).where(CheckIn.id.in_(ids))
        .values(status="claimed", claimed_at=now, attempts=CheckIn.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return [DueCheckIn(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]


def set_status(session: Session, checkin_id: str, status: str, **values: object) -> None:
    """Move a check-in to a status (queued, expired, unreachable, ...)."""
    session.execute(
        update(CheckIn).where(CheckIn.id == checkin_id).values(status=status, **values)
        .execution_options(synchronize_session=False)
    )


def postpone(session: Session, checkin_id: str, until: datetime) -> None:
    """Ask again later (the resident was busy)."""
    set_status(session, checkin_id, "scheduled", due_at=until)


def expire_old(session: Session, now: datetime, max_age: timedelta) -> int:
    """Check-ins overdue for longer than `max_age` become expired, never silently dropped."""
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.status == "scheduled", CheckIn.due_at < now - max_age)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def answer(session: Session, checkin_id: str, value: str, now: datetime) -> None:
    """Store how it is going now."""
    set_status(session, checkin_id, "answered", answer=value, answered_at=now)


def stop_for_participant(session: Session, participant_id: str) -> None:
    """Cancel every open check-in and forget the contact addresses."""
    session.execute(
        update(CheckIn)
        .where(CheckIn.participant_id == participant_id,
               CheckIn.status.in_(("scheduled", "claimed")))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(ContactAddress).where(ContactAddress.participant_id == participant_id))


def mark_unreachable(session: Session, participant_id: str, channel: str) -> None:
    """Blocked or unknown: no more check-ins on this channel, and the address is deleted."""
    session.execute(
        update(CheckIn)
        .where(CheckIn.participant_id == participant_id, CheckIn.channel == channel,
               CheckIn.status.in_(("scheduled", "claimed", "queued")))
        .values(status="unreachable")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(ContactAddress).where(ContactAddress.participant_id == participant_id,
                                     ContactAddress.channel == channel)
    )


def mark_sent_for_outbox(session: Session, outbox_ids: Sequence[int], now: datetime) -> None:
    """Check-ins whose message was just sent are sent."""
    # Core and built once: this runs after every sent reply, so it must be cheap.
    session.connection().execute(_MARK_SENT, {"ids": list(outbox_ids), "now": now})


_OUTBOX, _CHECKINS = cast(Table, OutboxMessage.__table__), cast(Table, CheckIn.__table__)
_MARK_SENT = (
    update(_CHECKINS)
    .where(
        _CHECKINS.c.id.in_(
            select(_OUTBOX.c.checkin_id).where(
                _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
                _OUTBOX.c.checkin_id.is_not(None),
            )
        ),
        _CHECKINS.c.status == "queued",
    )
    .values(status="sent", sent_at=bindparam("now"))
)


def listing(session: Session, limit: int = 200) -> list[CheckIn]:
    """Check-ins, soonest due first."""
    return list(session.scalars(select(CheckIn).order_by(CheckIn.due_at).limit(limit)))
