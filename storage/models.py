"""Typed tables. Pseudonyms only: no platform id or phone number in story-side tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime

PSEUDONYM = String(64)
PARTICIPANT_FK = "participants.id"
ABOUT_JSON = JSON().with_variant(JSONB(), "postgresql")


class Participant(Base):
    """A resident, worker or admin, known only by a pseudonym."""

    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    # JSONB on PostgreSQL: the dashboard reads one answer out of it per teller, and JSONB
    # is not parsed again for each read.
    about: Mapped[dict[str, Any]] = mapped_column(ABOUT_JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ConversationState(Base):
    """Where a participant is in the conversation; saved after every turn."""

    __tablename__ = "conversation_states"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey(PARTICIPANT_FK, ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Story(Base):
    """One experience told by a resident, scrubbed before it was stored."""

    __tablename__ = "stories"
    # The dashboard reads stories newest first and by period.
    __table_args__ = (Index("ix_stories_confirmed_at_id", "confirmed_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey(PARTICIPANT_FK, ondelete="CASCADE"), index=True
    )
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    prompt_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    detected_language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    detected_probability: Mapped[float | None] = mapped_column(nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    parent_story_id: Mapped[str | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), nullable=True
    )
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    theme: Mapped[str | None] = mapped_column(String(64), nullable=True)
    after_home_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    # Help lines were shown in the conversation that led to the story or during its
    # questions; stories stored before this was recorded have NULL (not known).
    help_lines_shown: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Answer(Base):
    """A resident's answer to one question about their story."""

    __tablename__ = "answers"
    # The dashboard counts and finds the answers to one question.
    __table_args__ = (UniqueConstraint("story_id", "question_id"),
                      Index("ix_answers_question_id_status", "question_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    # tapped, typed or confirmed (flows.events.AnswerMethod); NULL for answers stored
    # before the method was recorded.
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsentRecord(Base):
    """Which consent text (id and version) a participant agreed to or withdrew, and when."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey(PARTICIPANT_FK, ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(32))
    text_id: Mapped[str] = mapped_column(String(64))
    text_version: Mapped[int] = mapped_column(Integer)
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """An update id already handled; the primary key stops duplicate deliveries."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ParkedUpdate(Base):
    """An update answered before its turn ran (the process was busy): kept, encrypted, until
    the turn committed, so that a crash in between loses nothing. Rows live for moments."""

    __tablename__ = "parked_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(128))
    # The resident's pseudonym: the updates of one resident are run in order.
    participant_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the platform's update, encrypted
    parked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the turn that made it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),
                      Index("ix_outbox_participant_id_channel_status", "participant_id",
                            "channel", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key: the reply confirming an erasure outlives the participant's rows.
    participant_id: Mapped[str] = mapped_column(PSEUDONYM, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    ephemeral: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The process run that claimed the row to send it, and until when the claim holds; once
    # it lapsed (the process died or lost its database), any sender may claim the row.
    sender: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    platform_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ContactAddress(Base):
    """Where to reach a participant on a channel, encrypted at rest."""

    __tablename__ = "contact_addresses"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey(PARTICIPANT_FK, ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[bytes] = mapped_column(LargeBinary)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Erasure(Base):
    """A pseudonymous note that a participant's data was erased, and when."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(PSEUDONYM, index=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(String(16))


class CheckIn(Base):
    """A follow-up due at a time: ask how it is going now with a story."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_status_due_at", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey(PARTICIPANT_FK, ondelete="CASCADE"), index=True
    )
    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answer: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Role(Base):
    """An admin or worker role held by a pseudonym (roles work only in private chats)."""

    __tablename__ = "roles"

    participant_id: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AccessCode(Base):
    """A one-time code that grants a role; only its hash is stored."""

    __tablename__ = "access_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Campaign(Base):
    """A listening campaign: which form, which themes and neighbourhoods, when active."""

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(200))
    form_id: Mapped[str] = mapped_column(String(64))
    themes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Invite(Base):
    """A personal one-time invite a worker hands a resident after a home visit. It records
    counts for the worker, never who used it."""

    __tablename__ = "invites"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    theme: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker_id: Mapped[str] = mapped_column(PSEUDONYM, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Who (a pseudonym) did what and when: exports and role changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class DashboardLink(Base):
    """A single-use link that opens a dashboard session for an admin; only its hash is kept."""

    __tablename__ = "dashboard_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(PSEUDONYM, index=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DashboardSession(Base):
    """An admin's signed-in browser; only the hash of its cookie's id is kept."""

    __tablename__ = "dashboard_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(PSEUDONYM, index=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TranscriptionJob(Base):
    """A voice note waiting to be transcribed: the platform's reference to the file (never the
    audio), deleted once the job is done; the reply address is encrypted as in the outbox."""

    __tablename__ = "transcription_jobs"
    __table_args__ = (Index("ix_transcription_jobs_status_created_at", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # No foreign key: a voice note can be the very first message, before the participant row.
    participant_id: Mapped[str] = mapped_column(PSEUDONYM, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[bytes] = mapped_column(LargeBinary)
    file_ref: Mapped[str | None] = mapped_column(String(256), nullable=True)
    seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language_hint: Mapped[str | None] = mapped_column(String(16), nullable=True)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    problem: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
