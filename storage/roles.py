"""Roles of staff (admins, workers), the one-time codes that grant them, and the audit log.

Like every repository these flush at most, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import AccessCode, AuditEntry, Role

ADMIN = "admin"
WORKER = "worker"


@dataclass(frozen=True, slots=True)
class Grant:
    """What a redeemed code grants: a role, for a team and campaign when it is a worker's."""

    role: str
    team: str | None
    campaign_id: str | None


@dataclass(frozen=True, slots=True)
class HeldRole:
    """A role as listed for an admin: who (a pseudonym), which role, team, since when."""

    participant_id: str
    role: str
    team: str | None
    campaign_id: str | None
    granted_at: datetime
    revoked_at: datetime | None


def active_roles(session: Session, participant_id: str) -> dict[str, HeldRole]:
    """The roles a participant holds now, by role name."""
    rows = session.scalars(
        select(Role).where(Role.participant_id == participant_id, Role.revoked_at.is_(None))
    )
    return {row.role: _held(row) for row in rows}


def _held(row: Role) -> HeldRole:
    return HeldRole(row.participant_id, row.role, row.team, row.campaign_id, row.granted_at,
                    row.revoked_at)


def grant_role(session: Session, participant_id: str, grant: Grant, now: datetime) -> None:
    """Give a participant a role (again): a revoked role comes back with the new team."""
    row = session.get(Role, (participant_id, grant.role))
    if row is None:
        session.add(Role(participant_id=participant_id, role=grant.role, team=grant.team,
                         campaign_id=grant.campaign_id, granted_at=now, revoked_at=None))
    else:
        row.team, row.campaign_id = grant.team, grant.campaign_id
        row.granted_at, row.revoked_at = now, None
    session.flush()


def revoke_roles(
    session: Session,
    role: str,
    now: datetime,
    *,
    team: str | None = None,
    participant_id: str | None = None,
) -> list[HeldRole]:
    """Revoke the active roles of a team (any case) or of one participant; returns them."""
    query = select(Role).where(Role.role == role, Role.revoked_at.is_(None))
    if team is not None:
        query = query.where(func.lower(Role.team) == team.casefold())
    if participant_id is not None:
        query = query.where(Role.participant_id == participant_id)
    rows = list(session.scalars(query))
    for row in rows:
        row.revoked_at = now
    session.flush()
    return [_held(row) for row in rows]


def list_roles(session: Session, include_revoked: bool = False) -> list[HeldRole]:
    """Every role, by role, team and grant time; revoked ones only when asked."""
    query = select(Role).order_by(Role.role, Role.team, Role.granted_at)
    if not include_revoked:
        query = query.where(Role.revoked_at.is_(None))
    return [_held(row) for row in session.scalars(query)]


def add_access_code(
    session: Session,
    code_hash: str,
    grant: Grant,
    created_by: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new one-time code by its hash."""
    session.add(AccessCode(code_hash=code_hash, role=grant.role, team=grant.team,
                           campaign_id=grant.campaign_id, created_by=created_by,
                           created_at=now, expires_at=expires_at, used_at=None))
    session.flush()


def redeem_code(session: Session, code_hash: str, role: str, now: datetime) -> Grant | None:
    """Use a code for `role` once: None when it is unknown, for another role, used or expired."""
    # One conditional UPDATE: two people sending the same code at once cannot both win.
    statement = (
        update(AccessCode)
        .where(AccessCode.code_hash == code_hash, AccessCode.role == role,
               AccessCode.used_at.is_(None), AccessCode.expires_at > now)
        .values(used_at=now)
        .returning(AccessCode.role, AccessCode.team, AccessCode.campaign_id)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    return Grant(row[0], row[1], row[2]) if row else None


def void_codes(session: Session, team: str, now: datetime) -> int:
    """Expire the unused worker codes of a team (its workers were revoked); returns how many."""
    statement = (
        update(AccessCode)
        .where(AccessCode.role == WORKER, func.lower(AccessCode.team) == team.casefold(),
               AccessCode.used_at.is_(None), AccessCode.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def audit(session: Session, actor: str, action: str, detail: dict[str, Any],
          now: datetime) -> None:
    """Write one audit entry: who (a pseudonym, or `operator` at the command line), what."""
    session.add(AuditEntry(actor=actor, action=action, detail=detail, at=now))
    session.flush()


def count_audited(session: Session, actor: str, action: str, after: datetime) -> int:
    """How many `action` entries `actor` has in the audit log later than `after`."""
    query = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.actor == actor, AuditEntry.action == action, AuditEntry.at > after)
    return int(session.scalar(query) or 0)


def last_audited(session: Session, actor: str, action: str) -> datetime | None:
    """When `actor` last had an `action` entry in the audit log; None when never."""
    query = select(func.max(AuditEntry.at)).where(AuditEntry.actor == actor,
                                                  AuditEntry.action == action)
    return session.scalar(query)


def audit_entries(
    session: Session, since: datetime | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Audit entries in the order they were written; from `since`, the last `limit` of them."""
    # Written order, not `at`: clocks of several processes need not agree to the second.
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(session.scalars(query).all()))
