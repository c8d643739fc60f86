"""The stories behind a pattern (one or more options of a question), a page at a time.

What is read is what an admin may see: scrubbed text, title, answers, when, where from.
Never the pseudonym of the teller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from storage.aggregates import DashboardFilter, filtered_stories, hash_joins
from storage.db import is_postgres
from storage.models import Answer, Story

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Pattern:
    """Stories whose answer to `question_id` is (or, for a multiple choice, holds) one of
    `options`."""

    question_id: str
    options: tuple[str, ...]
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class ReadStory:
    """One story as the dashboard shows it."""

    story_id: str
    confirmed_at: datetime | None
    title: str | None
    text: str
    language: str
    channel: str
    campaign_id: str | None
    theme: str | None
    after_home_visit: bool
    answers: dict[str, tuple[str, Any]]
    """Question id: (status, decoded value)."""


@dataclass(frozen=True, slots=True)
class StoryPage:
    """How many stories match in all, and the ones on this page."""

    total: int
    stories: list[ReadStory]


def _picked(session: Session, option: str) -> ColumnElement[bool]:
    if is_postgres(session):
        return cast(Answer.value["options"], JSONB).contains([option])
    picked = func.json_each(Answer.value, literal("$.options", String)).table_valued("value")
    return exists(select(1).select_from(picked).where(picked.c.value == option))


def _matching(session: Session, where: DashboardFilter, pattern: Pattern,
              *columns: Any) -> Select[Any]:
    """The filtered stories joined with their answer to the pattern's question, where it
    matches (one answer per story and question, so no story comes twice)."""
    if pattern.multiple:
        matches = or_(*(_picked(session, option) for option in pattern.options))
    else:
        matches = Answer.value["option"].as_string().in_(pattern.options)
    return filtered_stories(where, *columns).join(
        Answer, and_(Answer.story_id == Story.id, Answer.question_id == pattern.question_id,
                     Answer.status == "answered", matches))


def count_pattern(session: Session, where: DashboardFilter, pattern: Pattern) -> int:
    """How many filtered stories match the pattern."""
    query = _matching(session, where, pattern, func.count())
    with hash_joins(session):
        return int(session.execute(query).scalar_one())


def pattern_stories(
    session: Session, where: DashboardFilter, pattern: Pattern, page: int,
    size: int = PAGE_SIZE,
) -> StoryPage:
    """The page (from 0) of matching stories, newest first."""
    # One pass finds the page's ids and counts every match (a window over narrow rows);
    # only the page's stories are then read in full.
    query = (
        _matching(session, where, pattern, Story.id, func.count().over())
        .order_by(Story.confirmed_at.desc(), Story.id)
        .offset(max(page, 0) * size).limit(size)
    )
    with hash_joins(session):
        found: list[Any] = list(session.execute(query))
    ids = [row[0] for row in found]
    total = int(found[0][1]) if found else count_pattern(session, where, pattern)
    rows = {row[0]: row for row in session.execute(
        select(Story.id, Story.confirmed_at, Story.title, Story.text, Story.language,
               Story.channel, Story.campaign_id, Story.theme, Story.after_home_visit)
        .where(Story.id.in_(ids)))} if ids else {}
    answers = _answers_of(session, ids)
    stories = [ReadStory(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                         bool(row[8]), answers.get(row[0], {}))
               for row in (rows[story_id] for story_id in ids)]
    return StoryPage(total, stories)


def _answers_of(session: Session, story_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not story_ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    query = select(Answer.story_id, Answer.question_id, Answer.status,
                   cast(Answer.value, Text)).where(Answer.story_id.in_(story_ids))
    for story_id, question_id, status, value in session.execute(query):
        decoded = orjson.loads(value) if value is not None else None
        found.setdefault(story_id, {})[question_id] = (status, decoded)
    return found
