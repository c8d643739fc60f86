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

from sqlalchemy import ColumnElement, Select, String, exists, func, literal, select
from sqlalchemy.orm import Session

from storage.aggregates import DashboardFilter, Group, Selection, answers_counted
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


def _residents(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """Conditions that a participant id column names a resident who started in the period."""
    # Staff talk to the bot too; they are not residents. There are few: a hashed NOT IN.
    found: list[Any] = [column.not_in(select(Role.participant_id))]
    if since is not None or until is not None:
        started = select(Participant.id)
        if since is not None:
            started = started.where(Participant.created_at >= since)
        if until is not None:
            started = started.where(Participant.created_at < until)
        found.append(column.in_(started))
    return found


def _draft_parts(session: Session) -> ColumnElement[Any]:
    if is_postgres(session):
        return func.json_array_length(ConversationState.data["draft"]["parts"])
    return func.json_array_length(ConversationState.data, literal("$.draft.parts", String))


def funnel_steps(session: Session, since: datetime | None, until: datetime | None) -> FunnelSteps:
    """Residents who became participants in the period, and how far they got."""
    # One statement. Distinct residents are found by hashing (a DISTINCT in a subquery),
    # not by sorting (count(DISTINCT ...)). Residents who told a story are those with a
    # confirmed one, and those whose conversation still holds story parts but who have none
    # confirmed (looked up by teller: there are few).
    def among(column: Any, *selected: Any) -> Select[Any]:
        return select(*selected).where(*_residents(column, since, until))

    def residents(column: Any, *conditions: Any) -> Any:
        distinct = among(column, column.label("resident")).where(*conditions).distinct()
        return select(func.count()).select_from(distinct.subquery()).scalar_subquery()

    def consented(scope: str) -> Any:
        return residents(ConsentRecord.participant_id, ConsentRecord.scope == scope,
                         ConsentRecord.given.is_(True))

    confirmed = Story.confirmed_at.is_not(None)
    has_confirmed = exists(select(1).where(
        Story.participant_id == ConversationState.participant_id, confirmed))
    telling = among(ConversationState.participant_id, func.count()).where(
        ConversationState.data["step"].as_string().in_(WAITING_STEPS),
        _draft_parts(session) > 0, ~has_confirmed).scalar_subquery()
    row = session.execute(select(
        among(Participant.id, func.count()).scalar_subquery(), consented("story"),
        consented("follow_up"), residents(Story.participant_id, confirmed), telling,
        residents(CheckIn.participant_id, CheckIn.answered_at.is_not(None)),
    )).one()
    told = int(row[3]) + int(row[4])
    return FunnelSteps(started=int(row[0]), consented=int(row[1]), follow_up=int(row[2]),
                       told=told, confirmed=int(row[3]), checkin_answered=int(row[5]))


def question_reach(
    session: Session, where: DashboardFilter, question_ids: list[str]
) -> list[QuestionReach]:
    """Per story question, in order: answers of the filtered stories by status, and the
    residents waiting at it now."""
    counted = answers_counted(session, Selection(where), Group(), question_ids,
                              Answer.question_id, Answer.status)
    reach = {q: QuestionReach(q) for q in question_ids}
    for (question_id, status), number in counted.items():
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
