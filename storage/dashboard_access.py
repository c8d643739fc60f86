"""Single-use dashboard links and the sessions they open, stored by hash only.

Like every repository these flush at most, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, delete, exists, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import DashboardLink, DashboardSession, Role
from storage.roles import ADMIN


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a live dashboard session belongs to, and in which language they read."""

    participant_id: str
    language: str
    expires_at: datetime


def add_link(session: Session, token_hash: str, participant_id: str, language: str,
             now: datetime, expires_at: datetime) -> None:
    """Store a new single-use link by its hash; links and sessions long gone are removed."""
    session.execute(delete(DashboardLink).where(DashboardLink.expires_at < now))
    session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    session.add(DashboardLink(token_hash=token_hash, participant_id=participant_id,
                              language=language, created_at=now, expires_at=expires_at,
                              used_at=None))
    session.flush()


def _is_admin(participant_id: ColumnElement[str] | InstrumentedAttribute[str]) -> Exists:
    return exists().where(Role.participant_id == participant_id, Role.role == ADMIN,
                          Role.revoked_at.is_(None))


def use_link(session: Session, token_hash: str, now: datetime) -> tuple[str, str] | None:
    """Use a link once: its admin and language, or None when unknown, used, expired or
    its admin lost the role."""
    # One conditional UPDATE: two browsers opening the same link cannot both win.
    statement = (
        update(DashboardLink)
        .where(DashboardLink.token_hash == token_hash, DashboardLink.used_at.is_(None),
               DashboardLink.expires_at > now, _is_admin(DashboardLink.participant_id))
        .values(used_at=now)
        .returning(DashboardLink.participant_id, DashboardLink.language)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    return (row[0], row[1]) if row else None


def open_session(session: Session, id_hash: str, participant_id: str, language: str,
                 now: datetime, expires_at: datetime) -> None:
    """Store a new session by the hash of its id."""
    session.add(DashboardSession(id_hash=id_hash, participant_id=participant_id,
                                 language=language, created_at=now, expires_at=expires_at,
                                 ended_at=None))
    session.flush()


def signed_in(session: Session, id_hash: str, now: datetime) -> SignedIn | None:
    """The live session with this hash: not ended, not expired, its admin still an admin."""
    row = session.execute(
        select(DashboardSession.participant_id, DashboardSession.language,
               DashboardSession.expires_at)
        .where(DashboardSession.id_hash == id_hash, DashboardSession.ended_at.is_(None),
               DashboardSession.expires_at > now, _is_admin(DashboardSession.participant_id))
    ).first()
    return SignedIn(row[0], row[1], row[2]) if row else None


def set_language(session: Session, id_hash: str, language: str) -> None:
    """Remember the language a session reads the dashboard in."""
    session.execute(update(DashboardSession).where(DashboardSession.id_hash == id_hash)
                    .values(language=language).execution_options(synchronize_session=False))


def end_session(session: Session, id_hash: str, now: datetime) -> None:
    """Log one session out."""
    session.execute(update(DashboardSession).where(DashboardSession.id_hash == id_hash)
                    .values(ended_at=now).execution_options(synchronize_session=False))


def end_sessions_of_former_admins(session: Session, now: datetime) -> int:
    """End every open session whose admin lost the role; returns how many."""
    statement = (
        update(DashboardSession)
        .where(DashboardSession.ended_at.is_(None),
               or_(DashboardSession.expires_at <= now,
                   ~_is_admin(DashboardSession.participant_id)))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)
