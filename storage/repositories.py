"""Queries on the story-side tables. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage import checkins
from storage.db import is_postgres
from storage.models import (
    Answer,
    CheckIn,
    ConsentRecord,
    ContactAddress,
    ConversationState,
    Erasure,
    Invite,
    OutboxMessage,
    Participant,
    Role,
    Story,
    TranscriptionJob,
)


def add_story(session: Session, story: dict[str, Any]) -> None:
    """Store a confirmed story (its column values)."""
    session.connection().execute(_INSERT_STORY, story)


def set_title(session: Session, story_id: str, title: str) -> None:
    """Give a story its title."""
    session.connection().execute(_SET_TITLE, {"story_id": story_id, "title": title})


def save_answer(
    session: Session,
    story_id: str,
    question_id: str,
    status: str,
    value: Any,
    now: datetime,
    method: str | None = None,
) -> None:
    """Store (or replace) the answer to one question about a story, and how it was given."""
    postgres = is_postgres(session)
    session.connection().execute(
        _SAVE_ANSWER[postgres],
        {"story_id": story_id, "question_id": question_id, "status": status, "value": value,
         "method": method, "answered_at": now},
    )


def note_help_lines(session: Session, story_id: str) -> None:
    """Mark that help lines were shown while a stored story's questions were asked."""
    session.connection().execute(_NOTE_HELP_LINES, {"story_id": story_id})


def record_consent(
    session: Session,
    participant_id: str,
    scope: str,
    text_id: str,
    text_version: int,
    given: bool,
    now: datetime,
) -> None:
    """Store that consent was given or withdrawn."""
    session.connection().execute(
        _INSERT_CONSENT,
        {"participant_id": participant_id, "scope": scope, "text_id": text_id,
         "text_version": text_version, "given": given, "recorded_at": now},
    )


# Built once, run as Core: these run during turns, where the ORM's unit of work costs more
# than the statements themselves.
_STORIES, _ANSWERS = cast(Table, Story.__table__), cast(Table, Answer.__table__)
_INSERT_STORY = insert(_STORIES)
_SET_TITLE = update(_STORIES).where(_STORIES.c.id == bindparam("story_id")).values(
    title=bindparam("title")
)
_NOTE_HELP_LINES = update(_STORIES).where(_STORIES.c.id == bindparam("story_id")).values(
    help_lines_shown=True
)
_INSERT_CONSENT = insert(cast(Table, ConsentRecord.__table__))


def _answer_upsert(upsert: Any) -> Any:
    statement = upsert(_ANSWERS)
    return statement.on_conflict_do_update(
        index_elements=[_ANSWERS.c.story_id, _ANSWERS.c.question_id],
        set_={"status": statement.excluded.status, "value": statement.excluded.value,
              "method": statement.excluded.method,
              "answered_at": statement.excluded.answered_at},
    )


_SAVE_ANSWER = {True: _answer_upsert(pg_insert), False: _answer_upsert(sqlite_insert)}


def save_contact(
    session: Session, participant_id: str, channel: str, address: bytes, now: datetime
) -> None:
    """Keep an (encrypted) address to reach the participant later."""
    row = session.get(ContactAddress, (participant_id, channel))
    if row is None:
        session.add(
            ContactAddress(
                participant_id=participant_id,
                channel=channel,
                address=address,
                reachable=True,
                created_at=now,
            )
        )
    else:
        row.address = address
        row.reachable = True


def participant_language(session: Session, participant_id: str) -> str | None:
    """The language a participant talks in now, or None for one not seen before."""
    return session.scalar(select(Participant.language).where(Participant.id == participant_id))


def erase_participant(
    session: Session, participant_id: str, now: datetime, requested_by: str
) -> None:
    """Remove every row of the participant, keeping only a note that it happened."""
    story_ids = select(Story.id).where(Story.participant_id == participant_id)
    session.execute(delete(Answer).where(Answer.story_id.in_(story_ids)))
    session.execute(
        update(Story)
        .where(Story.parent_story_id.in_(story_ids))
        .values(parent_story_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(CheckIn).where(CheckIn.participant_id == participant_id))
    # A worker or admin who erases their data loses their role and their invites' counts;
    # the audit log keeps its entries (who did what with the stories is not theirs alone).
    session.execute(delete(Invite).where(Invite.worker_id == participant_id))
    for model in (Story, ConsentRecord, ContactAddress, ConversationState, OutboxMessage, Role,
                  TranscriptionJob):
        column = model.participant_id
        session.execute(delete(model).where(column == participant_id))
    session.execute(delete(Participant).where(Participant.id == participant_id))
    session.add(Erasure(participant_id=participant_id, erased_at=now, requested_by=requested_by))
    session.flush()


def pending_outbox(session: Session, channel: str, limit: int = 500) -> list[OutboxMessage]:
    """Messages not yet sent on a channel, oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_outbox(
    session: Session,
    outbox_id: int,
    status: str,
    now: datetime,
    platform_message_id: str | None = None,
) -> None:
    """Record what happened to a queued message; ephemeral rows go once sent."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        return
    if status == "sent" and row.ephemeral:
        session.delete(row)
        return
    if status == "unreachable":
        # Blocked or unknown: no check-in is tried again and the address is forgotten.
        checkins.mark_unreachable(session, row.participant_id, row.channel)
    elif status == "sent" and row.checkin_id:
        checkins.mark_sent_for_outbox(session, [row.id], now)
    row.status = status
    row.attempts += 1
    if status == "sent":
        row.sent_at = now
        row.platform_message_id = platform_message_id


def mark_outbox_sent(
    session: Session, sent: Sequence[tuple[int, str | None]], now: datetime
) -> None:
    """Mark several queued messages as sent in one go; ephemeral rows are deleted."""
    conn = session.connection()
    if is_postgres(session):
        # Losing this mark in a crash only means a message is sent once more (at least once),
        # so it need not wait for the disk: commits stay cheap on the hot path.
        conn.execute(_ASYNC_COMMIT)
    # In the order of the rows' ids, as claims are renewed: two transactions that lock rows
    # in the same order cannot deadlock.
    sent = sorted(sent)
    after_sent(session, [outbox_id for outbox_id, _ in sent], now)
    # Core executemany, built once: one statement for all rows, no ORM bookkeeping.
    conn.execute(_MARK_SENT, [{"row_id": outbox_id, "message_id": message_id, "now": now}
                              for outbox_id, message_id in sent])


def after_sent(session: Session, outbox_ids: Sequence[int], now: datetime) -> None:
    """What a send means besides the row's own status: its check-in is sent, and an
    ephemeral row goes. Changes nothing when it was done before."""
    checkins.mark_sent_for_outbox(session, outbox_ids, now)
    session.connection().execute(_DELETE_EPHEMERAL, {"ids": list(outbox_ids)})


_OUTBOX = cast(Table, OutboxMessage.__table__)
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")
_DELETE_EPHEMERAL = delete(_OUTBOX).where(
    _OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.ephemeral.is_(True)
)
_MARK_SENT = (
    update(_OUTBOX)
    # Only a pending row: a status webhook may have recorded the send first, and moved it on.
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.ephemeral.is_(False),
           _OUTBOX.c.status == "pending")
    .values(status="sent", sent_at=bindparam("now"), attempts=_OUTBOX.c.attempts + 1,
            platform_message_id=bindparam("message_id"))
)
