"""The outbox as a queue that any number of sending processes share, in order per chat.

A chat is one resident on one channel. Its pending rows are sent strictly in id order, by
one sender at a time. A sender claims a chat by its oldest pending row (the head): with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two senders never claim the same chat, and it
takes the chat's other pending rows with it. A claim holds until `claimed_until`; the
sender renews it while it sends, and never starts a send once its claim may have lapsed.
So a sender that died, or lost its database, leaves its rows to others after the claim
lapsed, and is no longer sending them by then.

Rows a turn queues are claimed at once by the process that ran the turn when the chat has
nothing pending that is not already that process's own (the common case: it sends them right
after commit, behind its own earlier rows); otherwise they wait, unclaimed, behind the rows
of the other sender or of a lapsed claim, and a sender's loop claims them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from storage import turns
from storage.db import is_postgres
from storage.models import OutboxMessage

PENDING: Final = "pending"


def claimable(now: datetime) -> ColumnElement[bool]:
    """Rows no sender holds now: never claimed, claim released, or claim lapsed."""
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)


def chat_state(
    session: Session, participant_id: str, channel: str, sender: str | None, now: datetime
) -> tuple[bool, int | None]:
    """Whether every pending row of the chat is `sender`'s, under a claim that holds (then
    rows queued now can be claimed by `sender` at once and sent behind them), and the newest
    of those rows of `sender` (the one the new rows go out after)."""
    if sender is None:
        return False, None
    # On the turn's hot path: a prepared statement on PostgreSQL (storage/turns.py).
    newest_mine, others = turns.chat_state(session, participant_id, channel, sender, now)
    return not others, newest_mine


@dataclass(frozen=True, slots=True)
class Claimed:
    """Rows claimed, oldest first, and the chats among them taken over from a lapsed claim:
    their sender stopped without giving them up (it died, or lost its database), perhaps
    in the middle of sending, so their first rows may have gone out already."""

    rows: list[OutboxMessage]
    lapsed: frozenset[tuple[str, str]]


def claim_chats(
    session: Session, channels: Sequence[str], sender: str, now: datetime,
    until: datetime, chats: int = 200,
) -> Claimed:
    """Claim up to `chats` chats whose head row no sender holds, with all their claimable
    pending rows, for `sender` until `until`."""
    pending = (OutboxMessage.status == PENDING, OutboxMessage.channel.in_(list(channels)))
    heads = (
        select(func.min(OutboxMessage.id)).where(*pending)
        .group_by(OutboxMessage.participant_id, OutboxMessage.channel)
    )
    free = (
        select(OutboxMessage.id, OutboxMessage.participant_id, OutboxMessage.channel,
               OutboxMessage.claimed_until)
        .where(OutboxMessage.id.in_(heads), *pending, claimable(now))
        .order_by(OutboxMessage.id).limit(chats)
    )
    if is_postgres(session):
        # A head another sender is claiming right now is skipped, not waited for: that
        # sender takes the chat. The head stays locked until this transaction ends, so the
        # chat's rows below are this sender's alone.
        free = free.with_for_update(skip_locked=True)
    found = session.execute(free).all()
    if not found:
        return Claimed([], frozenset())
    first = min(row.id for row in found)
    # Only the rows before the chat's first row another sender still holds: claims lapse
    # row by row (each was taken with its turn), and the chat's order must hold.
    earlier = aliased(OutboxMessage)
    held_before = (
        select(earlier.id).where(
            earlier.participant_id == OutboxMessage.participant_id,
            earlier.channel == OutboxMessage.channel, earlier.status == PENDING,
            earlier.id < OutboxMessage.id, earlier.claimed_until > now,
        ).exists()
    )
    claimed = session.scalars(
        update(OutboxMessage)
        .where(
            *pending, claimable(now), OutboxMessage.id >= first, ~held_before,
            tuple_(OutboxMessage.participant_id, OutboxMessage.channel).in_(
                [(row.participant_id, row.channel) for row in found]),
        )
        .values(sender=sender, claimed_until=until)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    ).all()
    # A released claim is cleared (None); one that is still set lapsed.
    lapsed = frozenset((row.participant_id, row.channel) for row in found
                       if row.claimed_until is not None)
    return Claimed(sorted(claimed, key=lambda row: row.id), lapsed)


def renew_claims(session: Session, sender: str, ids: Sequence[int], until: datetime) -> int:
    """Extend `sender`'s claims on the pending rows `ids` (those it is sending) to `until`;
    returns how many. A row claimed but never handed to a loop is not renewed: once its claim
    lapsed, any loop takes it."""
    renewed = 0
    ordered = sorted(ids)
    for start in range(0, len(ordered), 1000):
        # Rows are locked in the order of their ids, as sent marks lock them: an UPDATE's
        # own scan may take them in the order they lie on disk, and deadlock with a mark.
        held = (
            select(OutboxMessage.id)
            .where(OutboxMessage.id.in_(ordered[start:start + 1000]),
                   OutboxMessage.sender == sender, OutboxMessage.status == PENDING)
            .order_by(OutboxMessage.id)
            .with_for_update()
        )
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(held.scalar_subquery()))
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        renewed += int(getattr(result, "rowcount", 0) or 0)
    return renewed


def release_claims(session: Session, sender: str) -> int:
    """Give up every claim of `sender` (it stops): other senders may take the rows at once."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sender == sender, OutboxMessage.status == PENDING)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
