"""Streams confirmed stories with their answers, in batches, so memory stays flat."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Text, and_, cast, select
from sqlalchemy.orm import Session

from storage.models import Answer, CheckIn, Participant, Story

BATCH = 2000


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """One confirmed story as exported: its fields, answers and the teller's about-you.

    Answer values and the about-you are the JSON text as stored (None when SQL NULL), not
    decoded: an export decodes each distinct text once rather than every story's answers.
    """

    participant_id: str
    story_id: str
    collected_at: datetime | None
    language: str
    detected_language: str | None
    channel: str
    form_id: str
    form_version: int
    prompt: str | None
    title: str | None
    text: str
    answers: dict[str, tuple[str, str | None]]
    """Question id: (status, value as JSON text)."""
    about: str | None
    """The teller's about-you answers as JSON text: {question id: {"status", "value"}}."""
    parent_story_id: str | None = None
    checkins: tuple[CheckInOutcome, ...] = ()
    campaign_id: str | None = None
    team: str | None = None
    theme: str | None = None
    after_home_visit: bool = False
    help_lines_shown: bool | None = None
    """None for stories stored before this was recorded."""
    methods: dict[str, str] = field(default_factory=dict)
    """Question id: how the answer was given (tapped, typed, confirmed), where recorded."""


@dataclass(frozen=True, slots=True)
class CheckInOutcome:
    """What became of one follow-up of a story."""

    sequence: int
    status: str
    due_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    answer: str | None


# Stories and answers are read from the driver's cursor as plain tuples: a SQLAlchemy Row
# for each (a story and its ten-odd answers) costs more than everything else done with
# them. Their columns are text and numbers that need no conversion, except the time a
# story was confirmed, which is converted as its column type does.
def _driver_rows(conn: Connection, query: Executable) -> Sequence[Any]:
    with conn.execute(query) as result:
        return result.cursor.fetchall()


def _confirmed_at_reader(conn: Connection) -> Callable[[Any], Any]:
    dialect = conn.dialect
    column_type = Story.__table__.c.confirmed_at.type.dialect_impl(dialect)
    return column_type.result_processor(dialect, None) or (lambda value: value)


def _story_batch(
    conn: Connection, after: str, since: datetime | None, campaign_id: str | None
) -> Sequence[Any]:
    query = (
        select(
            Story.participant_id, Story.id, Story.confirmed_at, Story.language,
            Story.detected_language, Story.channel, Story.form_id, Story.form_version,
            Story.prompt_id, Story.title, Story.text, cast(Participant.about, Text),
            Story.parent_story_id, Story.campaign_id, Story.team, Story.theme,
            Story.after_home_visit, Story.help_lines_shown,
        )
        .join(Participant, Participant.id == Story.participant_id)
        .where(Story.confirmed_at.is_not(None), Story.id > after)
        .order_by(Story.id)
        .limit(BATCH)
    )
    if since is not None:
        query = query.where(Story.confirmed_at >= since)
    if campaign_id is not None:
        query = query.where(Story.campaign_id == campaign_id)
    return _driver_rows(conn, query)


# Answers and check-ins of a batch are read by a range of story ids when every story is
# exported: a 2,000-item IN list costs more to send and parse than the rows it selects, and
# the few rows of unconfirmed stories in the range are skipped. A filtered export takes the
# list: its batch may span most of the table, and the range would read all of that.
def _of_batch(column: Any, story_ids: list[str], filtered: bool) -> Any:
    if filtered:
        return column.in_(story_ids)
    return and_(column >= story_ids[0], column <= story_ids[-1])


Answers = dict[str, tuple[str, str | None]]
Methods = dict[str, str]


def _answers(
    conn: Connection, story_ids: list[str], filtered: bool
) -> dict[str, tuple[Answers, Methods]]:
    found: dict[str, tuple[Answers, Methods]] = {sid: ({}, {}) for sid in story_ids}
    query = select(
        Answer.story_id, Answer.question_id, Answer.status, cast(Answer.value, Text),
        Answer.method,
    ).where(_of_batch(Answer.story_id, story_ids, filtered))
    for story_id, question_id, status, value, method in _driver_rows(conn, query):
        of_story = found.get(story_id)
        if of_story is not None:
            of_story[0][question_id] = (status, value)
            if method:
                of_story[1][question_id] = method
    return found


def _checkins(
    conn: Connection, story_ids: list[str], filtered: bool
) -> dict[str, list[CheckInOutcome]]:
    found: dict[str, list[CheckInOutcome]] = {}
    query = (
        select(CheckIn.story_id, CheckIn.sequence, CheckIn.status, CheckIn.due_at,
               CheckIn.sent_at, CheckIn.answered_at, CheckIn.answer)
        .where(_of_batch(CheckIn.story_id, story_ids, filtered))
        .order_by(CheckIn.sequence)
    )
    for row in conn.execute(query):
        found.setdefault(row[0], []).append(
            CheckInOutcome(row[1], row[2], row[3], row[4], row[5], row[6])
        )
    return found


def iter_story_records(
    session: Session, since: datetime | None = None, campaign_id: str | None = None
) -> Iterator[StoryRecord]:
    """Every confirmed story (from `since`, of one campaign), ordered by id, a batch at a time."""
    conn = session.connection()
    confirmed_at = _confirmed_at_reader(conn)
    after = ""
    while True:
        batch = _story_batch(conn, after, since, campaign_id)
        if not batch:
            return
        ids = [row[1] for row in batch]
        filtered = since is not None or campaign_id is not None
        answers, checkins = _answers(conn, ids, filtered), _checkins(conn, ids, filtered)
        for row in batch:
            outcomes = checkins.get(row[1])
            yield StoryRecord(
                participant_id=row[0], story_id=row[1], collected_at=confirmed_at(row[2]),
                language=row[3], detected_language=row[4], channel=row[5], form_id=row[6],
                form_version=row[7], prompt=row[8], title=row[9], text=row[10],
                answers=answers[row[1]][0], about=row[11], parent_story_id=row[12],
                checkins=tuple(outcomes) if outcomes else (), campaign_id=row[13],
                team=row[14], theme=row[15], after_home_visit=bool(row[16]),
                help_lines_shown=None if row[17] is None else bool(row[17]),
                methods=answers[row[1]][1],
            )
        after = batch[-1][1]
