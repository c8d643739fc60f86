"""Counts for the admins' dashboard, computed by the database (SQLite or PostgreSQL).

Every query groups in SQL and returns rows bounded by what is counted (days, questions,
option values), never one row per story, so memory does not grow with the stories.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import Answer, CheckIn, Participant, Story

HOME_VISIT = "home_visit"
"""The group dimension 'after a home visit or not' (values `yes`, `no`); every other
dimension is an about-you question id."""


@dataclass(frozen=True, slots=True)
class Group:
    """Stories whose teller or visit matches: for every dimension, one of its values."""

    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.parts)


@dataclass(frozen=True, slots=True)
class DashboardFilter:
    """Which confirmed stories a page counts; None (or an empty group) means all."""

    campaign_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None
    channel: str | None = None
    group: Group = Group()


def about_option(question_id: str) -> ColumnElement[str]:
    """The option a teller chose for an about-you question, as text (NULL when none)."""
    option: ColumnElement[str] = Participant.about[(question_id, "value", "option")].as_string()
    return option


def _dimension(name: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    if name == HOME_VISIT:
        wanted = {value == "yes" for value in values}
        return Story.after_home_visit.in_(sorted(wanted)) if wanted else false()
    return about_option(name).in_(values)


def group_condition(group: Group) -> ColumnElement[bool]:
    """The condition for one group (true for the empty group)."""
    if not group:
        return true()
    return and_(*(_dimension(name, values) for name, values in group.parts))


def story_conditions(where: DashboardFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions on stories (joined with their tellers) for a filter."""
    found: list[ColumnElement[bool]] = [Story.confirmed_at.is_not(None)]
    if where.campaign_id is not None:
        found.append(Story.campaign_id == where.campaign_id)
    if where.since is not None:
        found.append(Story.confirmed_at >= where.since)
    if where.until is not None:
        found.append(Story.confirmed_at < where.until)
    if where.language is not None:
        found.append(Story.language == where.language)
    if where.channel is not None:
        found.append(Story.channel == where.channel)
    if where.group:
        found.append(group_condition(where.group))
    return found


def _about_you(groups: tuple[Group, ...]) -> bool:
    return any(name != HOME_VISIT for group in groups for name, _ in group.parts)


def filtered_stories(
    where: DashboardFilter, *columns: Any, groups: tuple[Group, ...] = ()
) -> Select[Any]:
    """SELECT columns FROM stories WHERE filter, joined with their tellers when the
    filter's group or one of `groups` asks about them."""
    query = select(*columns).select_from(Story)
    if _about_you((where.group, *groups)):
        query = query.join(Participant, Participant.id == Story.participant_id)
    return query.where(*story_conditions(where))


def local_bucket(session: Session, column: Any, zone: tzinfo) -> ColumnElement[str]:
    """A moment as text to group by: the local day on PostgreSQL, the UTC hour on SQLite
    (which knows no time zones; `local_day` folds the hours into local days)."""
    if is_postgres(session):
        local = func.timezone(str(zone), column)
        return func.to_char(local, literal("YYYY-MM-DD", String))
    return func.strftime(literal("%Y-%m-%d %H", String), column)


def local_day(bucket: str, zone: tzinfo) -> date:
    """The local day of a bucket made by `local_bucket`."""
    if len(bucket) == 10:
        return date.fromisoformat(bucket)
    hour = datetime.strptime(bucket, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return hour.astimezone(zone).date()


def week_of(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


@dataclass(slots=True)
class Overview:
    """How many stories, per local day and week, and per campaign, theme, language,
    channel and home visit (None: no campaign or theme)."""

    total: int = 0
    per_day: Counter[date] = field(default_factory=Counter)
    per_week: Counter[date] = field(default_factory=Counter)
    per_campaign: Counter[str | None] = field(default_factory=Counter)
    per_theme: Counter[str | None] = field(default_factory=Counter)
    per_language: Counter[str] = field(default_factory=Counter)
    per_channel: Counter[str] = field(default_factory=Counter)
    per_home_visit: Counter[bool] = field(default_factory=Counter)


def _counts_by(session: Session, where: DashboardFilter, column: Any) -> Counter[Any]:
    query = filtered_stories(where, column, func.count()).group_by(column)
    rows: list[Any] = list(session.execute(query))
    return Counter({key: int(number) for key, number in rows})


def overview(session: Session, where: DashboardFilter, zone: tzinfo) -> Overview:
    """The overview page's counts."""
    found = Overview()
    bucket = local_bucket(session, Story.confirmed_at, zone)
    for key, number in _counts_by(session, where, bucket).items():
        day = local_day(key, zone)
        found.per_day[day] += number
        found.per_week[week_of(day)] += number
        found.total += number
    found.per_campaign = _counts_by(session, where, Story.campaign_id)
    found.per_theme = _counts_by(session, where, Story.theme)
    found.per_language = _counts_by(session, where, Story.language)
    found.per_channel = _counts_by(session, where, Story.channel)
    found.per_home_visit = Counter(
        {bool(k): v for k, v in _counts_by(session, where, Story.after_home_visit).items()})
    return found


@dataclass(slots=True)
class QuestionCounts:
    """Answers to one question: per option picked, and how many declined or skipped."""

    options: Counter[str] = field(default_factory=Counter)
    answered: int = 0
    declined: int = 0
    skipped: int = 0


def answer_counts(
    session: Session, where: DashboardFilter, question_ids: list[str],
    groups: tuple[Group, ...] = (Group(),),
) -> list[dict[str, QuestionCounts]]:
    """Per group (in order), per question: how often each option was picked."""
    # Stories of the groups first (a story in both groups counts in the first), then their
    # answers grouped by the answer's JSON text: choice questions have few distinct texts,
    # each decoded once here instead of every answer in SQL.
    label = case(*((group_condition(g), i) for i, g in enumerate(groups)), else_=-1)
    any_group = or_(*(group_condition(g) for g in groups))
    chosen = filtered_stories(where, Story.id.label("story_id"), label.label("grp"),
                              groups=groups).where(any_group).cte("chosen")
    query = (
        select(chosen.c.grp, Answer.question_id, Answer.status, cast(Answer.value, Text),
               func.count())
        .join(chosen, chosen.c.story_id == Answer.story_id)
        .where(Answer.question_id.in_(question_ids))
        .group_by(chosen.c.grp, Answer.question_id, Answer.status, cast(Answer.value, Text))
    )
    found: list[dict[str, QuestionCounts]] = [
        {q: QuestionCounts() for q in question_ids} for _ in groups
    ]
    rows: list[Any] = list(session.execute(query))
    for grp, question_id, status, value, number in rows:
        if grp < 0:
            continue
        _add_answer(found[grp][question_id], status, value, int(number))
    return found


def _add_answer(counts: QuestionCounts, status: str, value: str | None, number: int) -> None:
    if status == "declined":
        counts.declined += number
        return
    if status != "answered" or value is None:
        counts.skipped += number
        return
    decoded = orjson.loads(value) or {}
    counts.answered += number
    if "option" in decoded:
        counts.options[str(decoded["option"])] += number
    for option in decoded.get("options") or []:
        counts.options[str(option)] += number


@dataclass(slots=True)
class CheckInTrend:
    """Check-in answers (better, same, worse, declined) per campaign and local week."""

    weeks: dict[str | None, dict[date, Counter[str]]] = field(default_factory=dict)

    def add(self, campaign: str | None, week: date, answer: str, number: int) -> None:
        """Count `number` answers."""
        self.weeks.setdefault(campaign, {}).setdefault(week, Counter())[answer] += number


def checkin_trend(session: Session, where: DashboardFilter, zone: tzinfo) -> CheckInTrend:
    """How answered check-ins of the filtered stories turned out, week by week."""
    bucket = local_bucket(session, CheckIn.answered_at, zone)
    stories = filtered_stories(where, Story.id.label("story_id"),
                               Story.campaign_id.label("campaign")).cte("chosen")
    query = (
        select(stories.c.campaign, bucket, CheckIn.answer, func.count())
        .join(stories, stories.c.story_id == CheckIn.story_id)
        .where(CheckIn.answered_at.is_not(None), CheckIn.answer.is_not(None))
        .group_by(stories.c.campaign, bucket, CheckIn.answer)
    )
    found = CheckInTrend()
    rows: list[Any] = list(session.execute(query))
    for campaign, key, answer, number in rows:
        found.add(campaign, week_of(local_day(key, zone)), answer, int(number))
    return found
