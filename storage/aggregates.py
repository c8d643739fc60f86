"""Counts for the admins' dashboard, computed by the database (SQLite or PostgreSQL).

Every query groups in SQL and returns rows bounded by what is counted (days, questions,
option values), never one row per story, so memory does not grow with the stories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Date,
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
    text,
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


COUNTING_WORK_MEM = "64MB"


def tune_for_counting(session: Session) -> None:
    """Let this transaction's counts group and sort in memory, without compiling them.

    PostgreSQL's default of 4 MB per sort or hash makes a year of stories spill to disk,
    and its just-in-time compiler spends longer on a dashboard query than it saves.
    Nothing to tune on SQLite.
    """
    if is_postgres(session):
        session.execute(text(f"SET LOCAL work_mem = '{COUNTING_WORK_MEM}'"))
        session.execute(text("SET LOCAL jit = off"))


@contextmanager
def hash_joins(session: Session) -> Iterator[None]:
    """On PostgreSQL, join as sets (hash joins), not by a lookup per row (nested loops).

    For a condition inside JSON (an option picked, an about-you answer) the planner
    guesses a few hundred matching rows where there may be tens of thousands, and then
    looks each one up; joining the sets takes half the time or less.
    """
    if not is_postgres(session):
        yield
        return
    session.execute(text("SET LOCAL enable_nestloop = off"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL enable_nestloop = on"))


def about_option(question_id: str) -> ColumnElement[str]:
    """The option a teller chose for an about-you question, as text (NULL when none)."""
    option: ColumnElement[str] = Participant.about[(question_id, "value", "option")].as_string()
    return option


class Selection:
    """The stories of a filter, and conditions for groups of them.

    About-you answers are read once per teller, into a table of tellers with one column
    per dimension used. SQLite materialises it, rather than parse the JSON again in every
    condition or row of a join; PostgreSQL reads JSONB without parsing it and inlines the
    table, so that it can split the joins over parallel workers.
    """

    def __init__(self, where: DashboardFilter, groups: tuple[Group, ...] = ()) -> None:
        self.where = where
        used = sorted({name for group in (where.group, *groups) for name, _ in group.parts
                       if name != HOME_VISIT})
        self.tellers: Any = None
        if used:
            self.tellers = select(
                Participant.id.label("teller_id"),
                *(about_option(name).label(f"about_{name}") for name in used),
            ).cte("tellers").prefix_with("MATERIALIZED", dialect="sqlite")

    def _dimension(self, name: str, values: tuple[str, ...]) -> ColumnElement[bool]:
        if name == HOME_VISIT:
            wanted = {value == "yes" for value in values}
            return Story.after_home_visit.in_(sorted(wanted)) if wanted else false()
        column: ColumnElement[str] = self.tellers.c[f"about_{name}"]
        return column.in_(values)

    def condition(self, group: Group) -> ColumnElement[bool]:
        """The condition for one group (true for the empty group)."""
        if not group:
            return true()
        return and_(*(self._dimension(name, values) for name, values in group.parts))

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions on stories (joined with their tellers) for the filter."""
        where = self.where
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
            found.append(self.condition(where.group))
        return found

    def every_story(self, *columns: Any) -> Select[Any]:
        """SELECT columns FROM stories (with their tellers when needed), unfiltered."""
        query = select(*columns).select_from(Story)
        if self.tellers is not None:
            query = query.join(self.tellers, self.tellers.c.teller_id == Story.participant_id)
        return query

    def stories(self, *columns: Any) -> Select[Any]:
        """SELECT columns FROM stories (with their tellers when needed) WHERE filter."""
        return self.every_story(*columns).where(*self.conditions())

    def keeps_most(self, session: Session, group: Group) -> bool:
        """Whether the filter and the group keep more than half of all stories."""
        kept = and_(*self.conditions(), self.condition(group))
        query = self.every_story(func.count(case((kept, 1))), func.count())
        row: Any = session.execute(query).one()
        return 2 * int(row[0]) > int(row[1])

    def left_out(self, group: Group) -> ColumnElement[bool]:
        """The stories the filter or the group leave out (a condition that is NULL counts
        as leaving a story out)."""
        return or_(*(kept.is_not(true()) for kept in (*self.conditions(),
                                                      self.condition(group))))


def answers_counted(
    session: Session, chosen: Selection, group: Group, question_ids: list[str], *keys: Any
) -> Counter[tuple[Any, ...]]:
    """Answers to the questions of the stories a selection and a group keep, counted per
    `keys` (columns of the answers).

    When they keep most stories, every answer to the questions is counted from the answers
    alone, and the answers of the stories left out are taken away: joining each answer to
    its story costs more than counting it, and the stories left out are few. Every answer
    belongs to exactly one story (a foreign key), so the difference is exact.
    """
    counted: Counter[tuple[Any, ...]] = Counter()
    asked = Answer.question_id.in_(question_ids)
    if chosen.keeps_most(session, group):
        everything = select(*keys, func.count()).where(asked).group_by(*keys)
        left_out = (
            chosen.every_story(*keys, func.count())
            .join(Answer, Answer.story_id == Story.id)
            .where(asked, chosen.left_out(group))
            .group_by(*keys)
        )
        for row in session.execute(everything):
            counted[tuple(row[:-1])] += int(row[-1])
        for row in session.execute(left_out):
            counted[tuple(row[:-1])] -= int(row[-1])
        return +counted  # without the keys that no story kept
    query = (
        chosen.stories(*keys, func.count())
        .join(Answer, Answer.story_id == Story.id)
        .where(asked, chosen.condition(group))
        .group_by(*keys)
    )
    with hash_joins(session):
        for row in session.execute(query):
            counted[tuple(row[:-1])] += int(row[-1])
    return counted


def filtered_stories(where: DashboardFilter, *columns: Any) -> Select[Any]:
    """SELECT columns FROM stories WHERE filter."""
    return Selection(where).stories(*columns)


def local_bucket(session: Session, column: Any, zone: tzinfo) -> ColumnElement[Any]:
    """A moment as a value to group by: the local date on PostgreSQL, the UTC hour as text
    on SQLite (which knows no time zones; `local_day` folds the hours into local days)."""
    if is_postgres(session):
        # A date is four bytes to hash; to_char would format text for every story.
        return cast(func.timezone(str(zone), column), Date)
    return func.strftime(literal("%Y-%m-%d %H", String), column)


def local_day(bucket: date | str, zone: tzinfo) -> date:
    """The local day of a bucket made by `local_bucket`."""
    if isinstance(bucket, date):
        return bucket
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


def _counts_by_each(
    session: Session, where: DashboardFilter, columns: list[Any]
) -> list[Counter[Any]]:
    """Counts per value of each column: on PostgreSQL in one scan (GROUPING SETS), on
    SQLite (which has none) one query per column."""
    if not is_postgres(session):
        return [_counts_by(session, where, column) for column in columns]
    found: list[Counter[Any]] = [Counter() for _ in columns]
    # grouping(...) has a bit per column, set for the columns a row is not grouped by.
    mask = func.grouping(*columns)
    query = filtered_stories(where, mask, *columns, func.count()).group_by(
        func.grouping_sets(*columns))
    rows: list[Any] = list(session.execute(query))
    last = len(columns) - 1
    for row in rows:
        index = next(k for k in range(len(columns)) if not (row[0] >> (last - k)) & 1)
        found[index][row[1 + index]] += int(row[-1])
    return found


def overview(session: Session, where: DashboardFilter, zone: tzinfo) -> Overview:
    """The overview page's counts."""
    found = Overview()
    bucket = local_bucket(session, Story.confirmed_at, zone)
    per_bucket, found.per_campaign, found.per_theme, found.per_language, found.per_channel, \
        per_home_visit = _counts_by_each(session, where, [
            bucket, Story.campaign_id, Story.theme, Story.language, Story.channel,
            Story.after_home_visit])
    for key, number in per_bucket.items():
        day = local_day(key, zone)
        found.per_day[day] += number
        found.per_week[week_of(day)] += number
        found.total += number
    found.per_home_visit = Counter({bool(k): v for k, v in per_home_visit.items()})
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
    """Per group (in order), per question: how often each option was picked (a story in
    both groups counts in the first)."""
    # Answers are grouped by answer JSON text (choice questions have few): the rows grow
    # with the questions' options, not with the stories.
    found: list[dict[str, QuestionCounts]] = [
        {q: QuestionCounts() for q in question_ids} for _ in groups
    ]
    value = cast(Answer.value, Text)
    if len(groups) == 1:
        # One group: every story it keeps is on its side, and most pages keep most stories.
        counted = answers_counted(session, Selection(where, groups), groups[0], question_ids,
                                  Answer.question_id, Answer.status, value)
        for (question_id, status, answer), number in counted.items():
            _add_answer(found[0][question_id], status, answer, number)
        return found
    # Each story's side (the first group it is in) is decided where stories meet their
    # tellers, so stories in neither group leave before their answers are joined.
    chosen = Selection(where, groups)
    side = case(*((chosen.condition(group), index) for index, group in enumerate(groups)))
    query = (
        chosen.stories(side, Answer.question_id, Answer.status, value, func.count())
        .join(Answer, Answer.story_id == Story.id)
        .where(Answer.question_id.in_(question_ids), side.is_not(None))
        .group_by(side, Answer.question_id, Answer.status, value)
    )
    # The planner cannot estimate how many tellers an about-you condition keeps, and would
    # look up their answers one by one.
    with hash_joins(session):
        rows: list[Any] = list(session.execute(query))
    for index, question_id, status, answer, number in rows:
        _add_answer(found[index][question_id], status, answer, int(number))
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
    query = (
        filtered_stories(where, Story.campaign_id, bucket, CheckIn.answer, func.count())
        .join(CheckIn, CheckIn.story_id == Story.id)
        .where(CheckIn.answered_at.is_not(None), CheckIn.answer.is_not(None))
        .group_by(Story.campaign_id, bucket, CheckIn.answer)
    )
    found = CheckInTrend()
    rows: list[Any] = list(session.execute(query))
    for campaign, key, answer, number in rows:
        found.add(campaign, week_of(local_day(key, zone)), answer, int(number))
    return found
