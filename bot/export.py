"""Writes the export (CSV or JSON lines) and its codebook."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

import orjson

from flows.codebook import answer_cells, codebook, columns
from flows.forms.schema import Form
from storage.export import StoryRecord


def _moment(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def export_cells(form: Form, record: StoryRecord) -> list[Any]:
    """One story as cells in the order of `columns(form)`."""
    cells: list[Any] = [
        record.participant_id, record.story_id, _moment(record.collected_at), record.language,
        record.detected_language or "", record.channel, record.form_id, record.form_version,
        record.prompt or "", record.title or "", record.text, record.parent_story_id or "",
        record.campaign_id or "", record.team or "", record.theme or "",
        int(record.after_home_visit),
    ]
    for q in form.questions:
        status, value = record.answers.get(q.id, ("", None))
        cells.extend(answer_cells(q, status, value))
    for q in form.about:
        given = record.about.get(q.id) or {}
        cells.extend(answer_cells(q, given.get("status", ""), given.get("value")))
    outcomes = {o.sequence: o for o in record.checkins}
    for number in range(1, len(form.follow_up.days) + 1):
        o = outcomes.get(number)
        cells.extend(
            [o.status, _moment(o.due_at), _moment(o.sent_at), _moment(o.answered_at),
             o.answer or ""] if o else ["", "", "", "", ""]
        )
    return cells


def write_export(
    form: Form, records: Iterable[StoryRecord], out: TextIO, fmt: str
) -> int:
    """Write every record as CSV or JSON lines; returns how many stories were written."""
    names = [c.name for c in columns(form)]
    writer = csv.writer(out)
    if fmt == "csv":
        writer.writerow(names)
    count = 0
    for record in records:
        cells = export_cells(form, record)
        if fmt == "csv":
            writer.writerow(cells)
        else:
            out.write(orjson.dumps(dict(zip(names, cells, strict=True))).decode() + "\n")
        count += 1
    return count


def write_codebook(form: Form, out: TextIO, exported_at: datetime) -> None:
    """Write the codebook as JSON."""
    book = codebook(form)
    book["exported_at"] = exported_at.isoformat()
    json.dump(book, out, ensure_ascii=False, indent=2)
    out.write("\n")
