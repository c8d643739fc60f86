"""What channels read and record through the service, so that they never touch storage:
sent questions to edit, final send results, delivery statuses, unreachable addresses, and
when a resident last wrote."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from bot.channels.messages import Question, SentQuestion
from storage import checkins, parked, turns
from storage import repositories as repo
from storage import whatsapp_status as ws
from storage.contacts import sent_question
from storage.crypto import AddressCipher, InvalidToken
from storage.db import Database

log = logging.getLogger(__name__)

FinalStatus = Literal["failed", "unreachable"]
StatusReport = Literal["sent", "delivered", "read", "played", "unreachable", "retry", "window",
                       "failed"]
"""What a platform reported about a sent message, read by the channel: a delivery step, or
why it failed (unreachable address, try again, the platform's window closed, else failed)."""

FAILURES: dict[str, ws.FailureOutcome] = {
    "unreachable": "unreachable", "retry": "pending", "window": "failed", "failed": "failed",
}
DELIVERIES: dict[str, ws.Delivery] = {
    "sent": "sent", "delivered": "delivered", "read": "read", "played": "played",
}


@dataclass(frozen=True, slots=True)
class Parked:
    """An update answered before its turn ran: its row, whose it is, the platform's body."""

    row_id: int
    participant_id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a refused message was for, to reach them another way (a template)."""

    participant_id: str
    address: str
    language: str | None


class ChannelRecords:
    """Each method is one short transaction of its own; the service owns this object."""

    def __init__(
        self, db: Database, cipher: AddressCipher, clock: Callable[[], datetime]
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._clock = clock

    def sent_question(self, participant_id: str, channel: str, token: str) -> SentQuestion | None:
        """The last sent message that asked the question with `token` (to edit it)."""
        with self._db.transaction() as session:
            return sent_question_in(session, participant_id, channel, token)

    def record_final(self, results: Sequence[tuple[int, FinalStatus]]) -> None:
        """Record outbox rows that will not be sent; "unreachable" also stops check-ins and
        forgets the address."""
        if not results:
            return
        now = self._clock()
        with self._db.transaction() as session:
            for outbox_id, status in results:
                repo.mark_outbox(session, outbox_id, status, now)

    def unsent(self, outbox_id: int) -> bool:
        """Whether the outbox row is still to be sent (pending); a row gone was sent."""
        with self._db.transaction() as session:
            return ws.row_status(session, outbox_id) == "pending"

    def park_update(self, channel: str, update_id: str, participant_id: str,
                    body: bytes) -> int | None:
        """Keep an update, encrypted, until its turn committed; returns its row id, or None
        when it was parked before (delivered again)."""
        return self.park_updates([(channel, update_id, participant_id, body)])[0]

    def park_updates(self, updates: Sequence[tuple[str, str, str, bytes]]) -> list[int | None]:
        """`park_update` for several (channel, update id, participant id, body) in one
        transaction."""
        sealed = [self._cipher.encrypt(body.decode()) for *_, body in updates]
        now = self._clock()
        with self._db.transaction() as session:
            return parked.park_many(session, [
                (channel, update_id, participant_id, body)
                for (channel, update_id, participant_id, _), body in zip(
                    updates, sealed, strict=True)], now)

    def unpark(self, row_ids: Sequence[int]) -> None:
        """Forget parked updates whose turns committed."""
        with self._db.transaction() as session:
            parked.unpark(session, row_ids)

    def parked_updates(self, channel: str, older_than: float | None = None) -> list[Parked]:
        """The channel's parked updates, oldest first (`older_than`: only those parked that
        many seconds ago or longer); one that no key opens any more is forgotten, with a
        log line."""
        before = None if older_than is None else self._clock() - timedelta(seconds=older_than)
        found, unreadable = [], []
        with self._db.transaction() as session:
            for row in parked.parked(session, channel, before):
                try:
                    body = self._cipher.decrypt(row.body).encode()
                except InvalidToken:
                    unreadable.append(row.id)
                    continue
                found.append(Parked(row.id, row.participant_id, body))
            parked.unpark(session, unreadable)
        if unreadable:
            log.error("%s: %d parked updates dropped: no encryption key opens them", channel,
                      len(unreadable))
        return found

    def forget_address(self, participant_id: str, channel: str) -> None:
        """The resident blocked the bot: no check-in is tried there, the address goes."""
        with self._db.transaction() as session:
            checkins.mark_unreachable(session, participant_id, channel)

    def last_inbound_at(self, participant_id: str) -> datetime | None:
        """When the resident last wrote (any process may have handled it)."""
        with self._db.transaction() as session:
            return ws.last_inbound_at(session, participant_id)

    def pending_step(self, participant_id: str) -> str | None:
        """The step the resident's conversation waits at (`checkin`, `question`, ...)."""
        with self._db.transaction() as session:
            return ws.pending_step(session, participant_id)

    def record_status(
        self, channel: str, update_key: str, platform_message_id: str, report: StatusReport,
        outbox_id: int | None = None,
    ) -> Recipient | None:
        """Record a platform's status of a sent message once (duplicates change nothing);
        returns the recipient when the platform's window had closed, to be asked back.
        `outbox_id`: the row the message was the last part of, when the status says so (a
        delivery step then also records a row whose send was not recorded yet as sent)."""
        delivery = DELIVERIES.get(report)
        if delivery is not None:
            # Two or more of these come for every message sent: one statement each. A
            # delivery step only moves a row forward, so a repeated one needs no update key.
            with self._db.transaction() as session:
                if outbox_id is None:
                    ws.advance_delivery(session, channel, platform_message_id, delivery)
                else:
                    ws.advance_row(session, channel, outbox_id, platform_message_id, delivery,
                                   self._clock())
            return None
        with self._db.transaction() as session:
            if not turns.claim_update(session, channel, update_key, self._clock()):
                return None
            row = ws.find_sent_row(session, channel, platform_message_id)
            if row is None:
                # Not ours any more (ephemeral rows go once sent) or sent by another tool.
                return None
            ws.record_failure(session, row, FAILURES[report])
            if report == "unreachable":
                # The project's rule for an unreachable address: no more check-ins, no address.
                checkins.mark_unreachable(session, row.participant_id, channel)
            sent = ws.sent_row(row) if report == "window" else None
        if sent is None:
            return None
        return Recipient(sent.participant_id, self._cipher.decrypt(sent.address), sent.language)



def sent_question_in(
    session: Session, participant_id: str, channel: str, token: str
) -> SentQuestion | None:
    """The same look-up inside a transaction the caller holds (a turn about to erase)."""
    found = sent_question(session, participant_id, channel, token)
    if found is None:
        return None
    return SentQuestion(found.platform_message_id, Question.from_dict(found.payload))
