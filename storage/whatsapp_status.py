"""What WhatsApp reports back about sent messages, and the 24-hour window. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, case, select, update
from sqlalchemy.orm import Session

from storage.models import ConversationState, OutboxMessage, Participant
from storage.repositories import after_sent

Delivery = Literal["sent", "delivered", "read", "played"]
FailureOutcome = Literal["failed", "unreachable", "pending"]

# Statuses only move forward: a late "delivered" must not undo "read" (webhooks come in any order).
DELIVERY_RANK: dict[str, int] = {
    "pending": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4,
}
_OUTBOX = cast(Table, OutboxMessage.__table__)


@dataclass(frozen=True, slots=True)
class SentRow:
    """The outbox row a status is about: enough to act on it after the transaction."""

    outbox_id: int
    participant_id: str
    address: bytes
    language: str | None
    status: str


def find_sent_row(session: Session, channel: str, platform_message_id: str) -> OutboxMessage | None:
    """The outbox row that was sent as this platform message, if it is still kept."""
    query = select(OutboxMessage).where(
        OutboxMessage.channel == channel,
        OutboxMessage.platform_message_id == platform_message_id,
    )
    return session.scalars(query.limit(1)).first()


def row_status(session: Session, outbox_id: int) -> str | None:
    """The outbox row's status; None when the row is gone (an ephemeral row once sent)."""
    status: str | None = session.scalars(
        select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)).first()
    return status


def advance_delivery(
    session: Session, channel: str, platform_message_id: str, status: Delivery
) -> None:
    """Move the row sent as this message forward to `status` in one statement: never back,
    never out of failed; a repeated status changes nothing."""
    behind = [name for name, rank in DELIVERY_RANK.items() if rank < DELIVERY_RANK[status]]
    session.connection().execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.channel == channel,
               _OUTBOX.c.platform_message_id == platform_message_id,
               _OUTBOX.c.status.in_(behind))
        .values(status=status)
    )


def advance_row(
    session: Session, channel: str, outbox_id: int, platform_message_id: str,
    status: Delivery, now: datetime,
) -> None:
    """Move the outbox row `outbox_id`, sent as this message, forward to `status` in one
    statement. A row still pending was sent, but its sender did not record it (it had not
    yet, or died before it could): it is recorded as sent now, as the sender would have, so
    that nobody sends it again."""
    behind = [name for name, rank in DELIVERY_RANK.items() if rank < DELIVERY_RANK[status]]
    was_pending = _OUTBOX.c.status == "pending"
    found = session.connection().execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == outbox_id, _OUTBOX.c.channel == channel,
               _OUTBOX.c.status.in_(behind))
        # SET reads the row as it was: only a pending row gets the send recorded.
        .values(
            status=status,
            platform_message_id=case((was_pending, platform_message_id),
                                     else_=_OUTBOX.c.platform_message_id),
            sent_at=case((was_pending, now), else_=_OUTBOX.c.sent_at),
            attempts=case((was_pending, _OUTBOX.c.attempts + 1), else_=_OUTBOX.c.attempts),
        )
        .returning(_OUTBOX.c.ephemeral, _OUTBOX.c.checkin_id)
    ).first()
    # A row it moved that has a check-in or is ephemeral: what a send means besides.
    ephemeral, checkin_id = found or (False, None)
    if ephemeral or checkin_id is not None:
        after_sent(session, [outbox_id], now)


def record_failure(session: Session, row: OutboxMessage, outcome: FailureOutcome) -> None:
    """A message the platform could not deliver: failed, unreachable, or pending to try again."""
    row.status = outcome
    if outcome == "pending":
        row.platform_message_id = None
        row.sent_at = None
        row.claimed_until = None  # any send loop takes it again, in the chat's order
    session.flush()


def last_inbound_at(session: Session, participant_id: str) -> datetime | None:
    """When the participant last wrote to us (None for an unknown participant)."""
    query = select(Participant.last_inbound_at).where(Participant.id == participant_id)
    value: datetime | None = session.scalars(query).first()
    return value


def participant_language(session: Session, participant_id: str) -> str | None:
    """The participant's language, for a template in the right language."""
    query = select(Participant.language).where(Participant.id == participant_id)
    value: str | None = session.scalars(query).first()
    return value


def pending_step(session: Session, participant_id: str) -> str | None:
    """The step the participant's conversation waits at (`checkin`, `question`, ...), if any."""
    query = select(ConversationState.data).where(
        ConversationState.participant_id == participant_id
    )
    data = session.scalars(query).first()
    step = data.get("step") if isinstance(data, dict) else None
    return step if isinstance(step, str) else None


def sent_row(row: OutboxMessage) -> SentRow:
    """A detached summary of an outbox row."""
    payload: dict[str, Any] = row.payload or {}
    language = payload.get("language")
    return SentRow(
        outbox_id=row.id,
        participant_id=row.participant_id,
        address=row.address,
        language=language if isinstance(language, str) else None,
        status=row.status,
    )
