"""Campaigns and the invites workers hand out; an invite never records who used it.

Like every repository these flush at most, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Campaign, Invite

InviteStart = Literal["started", "used", "expired", "unknown"]


@dataclass(frozen=True, slots=True)
class InviteCounts:
    """What a worker may see of their invites: numbers only."""

    sent: int
    started: int
    stories: int


@dataclass(frozen=True, slots=True)
class InviteTags:
    """What a story told through an invite records: never the worker, never the resident."""

    campaign_id: str | None
    team: str | None
    theme: str | None


def save_campaign(session: Session, values: dict[str, Any], now: datetime) -> bool:
    """Create a campaign, or replace the settings of the one with that id; True when new."""
    row = session.get(Campaign, values["id"])
    if row is None:
        session.add(Campaign(**values, created_at=now))
        session.flush()
        return True
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    return False


def get_campaign(session: Session, campaign_id: str) -> Campaign | None:
    """One campaign by id."""
    return session.get(Campaign, campaign_id)


def list_campaigns(session: Session) -> list[Campaign]:
    """Every campaign, by id."""
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def active_campaigns(session: Session, now: datetime) -> list[Campaign]:
    """Campaigns running now (an open start or end counts as running), by id."""
    query = (
        select(Campaign)
        .where(or_(Campaign.starts_at.is_(None), Campaign.starts_at <= now),
               or_(Campaign.ends_at.is_(None), Campaign.ends_at > now))
        .order_by(Campaign.id)
    )
    return list(session.scalars(query))


def is_active(campaign: Campaign, now: datetime) -> bool:
    """Whether a campaign runs at `now`."""
    started = campaign.starts_at is None or campaign.starts_at <= now
    return started and (campaign.ends_at is None or campaign.ends_at > now)


def add_invite(
    session: Session,
    token_hash: str,
    tags: InviteTags,
    worker_id: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new invite by the hash of its token."""
    session.add(Invite(token_hash=token_hash, campaign_id=tags.campaign_id, team=tags.team,
                       theme=tags.theme, worker_id=worker_id, created_at=now,
                       expires_at=expires_at, started_at=None, stories=0))
    session.flush()


def start_invite(session: Session, token_hash: str, now: datetime) -> InviteStart:
    """Mark an invite as used by the resident starting with it, or say why it cannot be."""
    # One conditional UPDATE: two residents starting with the same link cannot both win.
    claimed = session.execute(
        update(Invite)
        .where(Invite.token_hash == token_hash, Invite.started_at.is_(None),
               Invite.expires_at > now)
        .values(started_at=now)
        .returning(Invite.token_hash)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is not None:
        return "started"
    row = session.execute(
        select(Invite.started_at).where(Invite.token_hash == token_hash)
    ).first()
    if row is None:
        return "unknown"
    return "used" if row[0] is not None else "expired"


def count_invite_story(session: Session, token_hash: str) -> InviteTags | None:
    """Count one more story for a started invite; returns the tags for that story."""
    row = session.execute(
        update(Invite)
        .where(Invite.token_hash == token_hash, Invite.started_at.is_not(None))
        .values(stories=Invite.stories + 1)
        .returning(Invite.campaign_id, Invite.team, Invite.theme)
        .execution_options(synchronize_session=False)
    ).first()
    return InviteTags(row[0], row[1], row[2]) if row else None


def worker_counts(session: Session, worker_id: str) -> InviteCounts:
    """How many invites a worker made, how many were used, how many stories they brought."""
    row = session.execute(
        select(func.count(), func.count(Invite.started_at),
               func.coalesce(func.sum(Invite.stories), 0))
        .where(Invite.worker_id == worker_id)
    ).one()
    return InviteCounts(int(row[0]), int(row[1]), int(row[2]))
