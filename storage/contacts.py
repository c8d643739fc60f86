"""What a channel needs to know about the messages it sends: the questions to edit, the backlog.

Like every repository these flush at most, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import OutboxMessage

# The question being answered is nearly always among the last few messages sent.
RECENT_SENT = 50


@dataclass(frozen=True, slots=True)
class SentQuestion:
    """A question message as the platform has it: its id there and what we sent."""

    platform_message_id: str
    payload: dict[str, Any]


def sent_question(
    session: Session, participant_id: str, channel: str, token: str
) -> SentQuestion | None:
    """The last sent message that asked the question with this token (to edit it later)."""
    query = (
        select(OutboxMessage.platform_message_id, OutboxMessage.payload)
        .where(
            OutboxMessage.participant_id == participant_id,
            OutboxMessage.channel == channel,
            OutboxMessage.status == "sent",
            OutboxMessage.platform_message_id.is_not(None),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(RECENT_SENT)
    )
    for row in session.execute(query):
        payload: dict[str, Any] = row.payload
        if (
            payload.get("kind") == "message"
            and payload.get("token") == token
            and payload.get("choices")
        ):
            return SentQuestion(str(row.platform_message_id), payload)
    return None
