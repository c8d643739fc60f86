"""Writes the export (CSV or JSON lines) and its codebook."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

import orjson

from flows.codebook import answer_cells, codebook, columns
from flows.forms.schema import Form, Question
from flows.questions import question_type
from storage.export import StoryRecord
from storage.scrub_placeholders import all_placeholders

# How many distinct answers of one question (or about-you texts) are remembered; past it
# the memory starts afresh, so it stays bounded whatever is stored.
REMEMBERED = 4096

_UNANSWERED: tuple[str, str | None] = ("", None)


def _moment(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _decode(text: str | None) -> Any:
    return orjson.loads(text) if text is not None else None


class StoryCells:
    """Turns stories told with one form into cells in the order of `columns(form)`.

    The cells of an answer depend only on its question, status and value, and most question
    types have few distinct values: their cells are worked out once per distinct (status,
    value text) and reused. Free text is worked out every time.
    """

    def __init__(self, form: Form) -> None:
        # Per question: its id, the question, its remembered cells, whether to remember.
        self._questions: list[tuple[str, Question, dict[tuple[str, str | None], list[Any]], bool]]
        self._questions = [(q.id, q, {}, question_type(q.type).few_values)
                           for q in form.questions]
        self._about_questions = form.about
        self._about: dict[str | None, list[Any]] = {}
        self._checkins = len(form.follow_up.days)
        self._no_checkins: list[Any] = [""] * (5 * self._checkins)

    def __call__(self, record: StoryRecord) -> list[Any]:
        """One story as cells."""
        cells: list[Any] = [
            record.participant_id, record.story_id, _moment(record.collected_at),
            record.language, record.detected_language or "", record.channel, record.form_id,
            record.form_version, record.prompt or "", record.title or "", record.text,
            record.parent_story_id or "", record.campaign_id or "", record.team or "",
            record.theme or "", int(record.after_home_visit),
            "" if record.help_lines_shown is None else int(record.help_lines_shown),
        ]
        answers, methods = record.answers, record.methods
        for question_id, question, known, remember in self._questions:
            answer = answers.get(question_id, _UNANSWERED)
            found = known.get(answer)
            if found is None:
                found = answer_cells(question, answer[0], _decode(answer[1]))
                if remember:
                    if len(known) >= REMEMBERED:
                        known.clear()
                    known[answer] = found
            cells += found
            cells.append(methods.get(question_id, ""))
        about = self._about.get(record.about)
        if about is None:
            about = self._about_cells(record.about)
        cells += about
        cells += self._checkin_cells(record) if record.checkins else self._no_checkins
        return cells

    def _about_cells(self, text: str | None) -> list[Any]:
        about = _decode(text) or {}
        cells: list[Any] = []
        for q in self._about_questions:
            given = about.get(q.id) or {}
            cells += answer_cells(q, given.get("status", ""), given.get("value"))
            cells.append(given.get("method", ""))
        if len(self._about) >= REMEMBERED:
            self._about.clear()
        self._about[text] = cells
        return cells

    def _checkin_cells(self, record: StoryRecord) -> list[Any]:
        outcomes = {o.sequence: o for o in record.checkins}
        cells: list[Any] = []
        for number in range(1, self._checkins + 1):
            o = outcomes.get(number)
            cells += (
                [o.status, _moment(o.due_at), _moment(o.sent_at), _moment(o.answered_at),
                 o.answer or ""] if o else ["", "", "", "", ""]
            )
        return cells


def write_export(
    form: Form, records: Iterable[StoryRecord], out: TextIO, fmt: str
) -> int:
    """Write every record as CSV or JSON lines; returns how many stories were written."""
    names = [c.name for c in columns(form)]
    cells_of = StoryCells(form)
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(names)
        for record in records:
            writer.writerow(cells_of(record))
            count += 1
        return count
    for record in records:
        out.write(orjson.dumps(dict(zip(names, cells_of(record), strict=True))).decode() + "\n")
        count += 1
    return count


def write_codebook(form: Form, out: TextIO, exported_at: datetime) -> None:
    """Write the codebook as JSON."""
    book = codebook(form)
    # The text columns hold these canonical placeholders; residents saw them in their language.
    book["placeholders"] = all_placeholders()
    book["exported_at"] = exported_at.isoformat()
    json.dump(book, out, ensure_ascii=False, indent=2)
    out.write("\n")
