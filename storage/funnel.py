"""How far residents got, counted from what the database already holds.

Nothing is stored for this: a resident started when they became a participant, consented
when a story consent was recorded, told a story when one was stored or their conversation
holds story parts not yet confirmed, and so on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from storage.aggregates import DashboardFilter, filtered_stories
from storage.db import is_postgres
from storage.models import (
    Answer,
    CheckIn,
    ConsentRecord,
    ConversationState,
    Participant,
    Role,
    Story,
)

WAITING_STEPS = ("story", "confirm")


@dataclass(frozen=True, slots=True)
class FunnelSteps:
    """Residents at each step (each step counts residents, not stories)."""

    started: int
    consented: int
    told: int
    confirmed: int
    follow_up: int
    checkin_answered: int


@dataclass(slots=True)
class QuestionReach:
    """For one story question: how many stories reached it, and how residents answered."""

    question_id: str
    reached: int = 0
    answered: int = 0
    declined: int = 0
    skipped: int = 0
    waiting: int = 0
    """Residents whose conversation is at this question now (they may have left)."""


@dataclass(frozen=True, slots=True)
class Funnel:
    """The funnel of residents and the drop-off per question."""

    steps: FunnelSteps
    questions: list[QuestionReach] = field(default_factory=list)


def _residents(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    # Staff talk to the bot too; they are not residents.
    found: list[ColumnElement[bool]] = [~exists().where(Role.participant_id == Participant.id)]
    if since is not None:
        found.append(Participant.created_at >= since)
    if until is not None:
        found.append(Participant.created_at < until)
    return found


def _draft_parts(session: Session) -> ColumnElement[Any]:
    if is_postgres(session):
        return func.json_array_length(ConversationState.data["draft"]["parts"])
    return func.json_array_length(ConversationState.data, literal("$.draft.parts", String))


def funnel_steps(session: Session, since: datetime | None, until: datetime | None) -> FunnelSteps:
    """Residents who became participants in the period, and how far they got."""
    def consent(scope: str) -> ColumnElement[bool]:
        return exists().where(ConsentRecord.participant_id == Participant.id,
                              ConsentRecord.scope == scope, ConsentRecord.given.is_(True))

    has_story = exists().where(Story.participant_id == Participant.id,
                               Story.confirmed_at.is_not(None))
    waiting = exists().where(
        ConversationState.participant_id == Participant.id,
        ConversationState.data["step"].as_string().in_(WAITING_STEPS),
        _draft_parts(session) > 0,
    )
    answered = exists().where(CheckIn.participant_id == Participant.id,
                              CheckIn.answered_at.is_not(None))

    def counted(condition: ColumnElement[bool]) -> Any:
        return func.count().filter(condition)

    row = session.execute(
        select(func.count(), counted(consent("story")), counted(or_(has_story, waiting)),
               counted(has_story), counted(consent("follow_up")), counted(answered))
        .select_from(Participant).where(*_residents(since, until))
    ).one()
    return FunnelSteps(*(int(value) for value in row))


def question_reach(
    session: Session, where: DashboardFilter, question_ids: list[str]
) -> list[QuestionReach]:
    """Per story question, in order: answers of the filtered stories by status, and the
    residents waiting at it now."""
    chosen = filtered_stories(where, Story.id.label("story_id")).cte("chosen")
    rows = session.execute(
        select(Answer.question_id, Answer.status, func.count())
        .join(chosen, chosen.c.story_id == Answer.story_id)
        .where(Answer.question_id.in_(question_ids))
        .group_by(Answer.question_id, Answer.status)
    )
    reach = {q: QuestionReach(q) for q in question_ids}
    for question_id, status, number in rows:
        found = reach[question_id]
        found.reached += int(number)
        if status in ("answered", "declined", "skipped"):
            setattr(found, status, getattr(found, status) + int(number))
    pending = ConversationState.data["question_id"].as_string()
    waiting: Counter[str] = Counter(dict(session.execute(
        select(pending, func.count())
        .where(ConversationState.data["step"].as_string() == "question",
               pending.in_(question_ids))
        .group_by(pending)
    ).all()))
    for question_id, number in waiting.items():
        reach[question_id].waiting = int(number)
    return [reach[q] for q in question_ids]


def funnel(session: Session, where: DashboardFilter, question_ids: list[str]) -> Funnel:
    """The funnel for a period, and the drop-off per question for the whole filter."""
    return Funnel(funnel_steps(session, where.since, where.until),
                  question_reach(session, where, question_ids))
