"""Status webhooks: sent, delivered, read and failed, recorded on the outbox row once each."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.channels.whatsapp.inbound import CHANNEL, update_key
from bot.channels.whatsapp.updates import StatusUpdate
from bot.channels.whatsapp.window import classify
from storage import checkins, turns
from storage import whatsapp_status as ws
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
DELIVERIES: dict[str, ws.Delivery] = {
    "sent": "sent", "delivered": "delivered", "read": "read", "played": "played",
}


class StatusRecorder:
    """Applies one status update in its own transaction; duplicates change nothing."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def record(self, update: StatusUpdate) -> ws.SentRow | None:
        """Record the status; returns the row when the resident must be asked back by template."""
        now = self._clock()
        with self._db.transaction() as session:
            key = update_key("status", update.status, update.wamid)
            if not turns.claim_update(session, CHANNEL, key, now):
                return None
            row = ws.find_sent_row(session, CHANNEL, update.wamid)
            if row is None:
                # Not ours any more (ephemeral rows go once sent) or sent by another tool.
                return None
            delivery = DELIVERIES.get(update.status)
            if delivery is not None:
                ws.record_delivery(session, row, delivery)
                return None
            if update.status != "failed":
                return None
            return self._failed(session, row, update.error_codes)

    def _failed(
        self, session: Session, row: OutboxMessage, codes: tuple[int, ...]
    ) -> ws.SentRow | None:
        code = codes[0] if codes else None
        failure = classify(code)
        log.warning("whatsapp outbox %s failed after sending: code %s", row.id, code)
        if failure == "unreachable":
            ws.record_failure(session, row, "unreachable")
            # The project's rule for an unreachable address: no more check-ins, address deleted.
            checkins.mark_unreachable(session, row.participant_id, CHANNEL)
        elif failure == "retry":
            # Sent again with the other pending rows at the next start.
            ws.record_failure(session, row, "pending")
        else:
            ws.record_failure(session, row, "failed")
        return ws.sent_row(row) if failure == "window" else None
