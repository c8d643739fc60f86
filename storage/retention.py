"""Retention: what is kept how long, and the purge that removes what has expired."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, delete, exists, func, not_, select
from sqlalchemy.orm import Session

from storage.db import Base
from storage.models import (
    CheckIn,
    ContactAddress,
    ConversationState,
    OutboxMessage,
    ProcessedUpdate,
)

OPEN_CHECKINS = ("scheduled", "claimed", "queued")


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of data is kept."""

    contact_after_last_checkin: timedelta = timedelta(days=90)
    unconfirmed_draft: timedelta = timedelta(days=7)
    sent_messages: timedelta = timedelta(days=7)
    update_ids: timedelta = timedelta(days=30)


@dataclass(slots=True)
class PurgeReport:
    """How many rows of each kind were (or would be) removed."""

    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per kind, for people."""
        return [f"{kind}: {count}" for kind, count in self.counts.items()]


def _contacts_done(now: datetime, policy: RetentionPolicy) -> ColumnElement[bool]:
    # A contact address is needed only while a check-in is still to be sent; it goes a
    # retention period after the last check-in of that participant was due.
    open_checkin = exists().where(
        CheckIn.participant_id == ContactAddress.participant_id,
        CheckIn.status.in_(OPEN_CHECKINS),
    )
    last_due = (
        select(func.max(CheckIn.due_at))
        .where(CheckIn.participant_id == ContactAddress.participant_id)
        .scalar_subquery()
    )
    cutoff = now - policy.contact_after_last_checkin
    return and_(not_(open_checkin), func.coalesce(last_due, ContactAddress.created_at) < cutoff)


def _stale_drafts(session: Session, now: datetime, policy: RetentionPolicy) -> list[str]:
    cutoff = now - policy.unconfirmed_draft
    rows = session.execute(
        select(ConversationState.participant_id, ConversationState.data).where(
            ConversationState.updated_at < cutoff
        )
    )
    stale = []
    for pid, data in rows:
        draft = cast(dict[str, Any], data).get("draft") or {}
        if draft.get("parts") and not draft.get("story_id"):
            stale.append(str(pid))
    return stale


def purge(session: Session, now: datetime, policy: RetentionPolicy, dry_run: bool) -> PurgeReport:
    """Remove (or count, with `dry_run`) everything past its retention period."""
    report = PurgeReport()
    old_sent = and_(OutboxMessage.status != "pending",
                    OutboxMessage.created_at < now - policy.sent_messages)
    targets: dict[str, tuple[type[Base], ColumnElement[bool]]] = {
        "contact addresses": (ContactAddress, _contacts_done(now, policy)),
        "sent messages": (OutboxMessage, old_sent),
        "update ids": (ProcessedUpdate, ProcessedUpdate.received_at < now - policy.update_ids),
    }
    for kind, (model, condition) in targets.items():
        count = session.scalar(select(func.count()).select_from(model).where(condition))
        report.counts[kind] = int(count or 0)
        if not dry_run:
            session.execute(delete(model).where(condition))
    drafts = _stale_drafts(session, now, policy)
    report.counts["unconfirmed drafts"] = len(drafts)
    if not dry_run:
        for pid in drafts:
            state = session.get(ConversationState, pid)
            if state is not None:
                state.data = {**state.data, "draft": None, "step": "stopped"}
    return report
