"""Writes the export (CSV or JSON lines) and its codebook."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

import orjson

from flows.codebook import answer_values, codebook, columns
from flows.forms.schema import Form
from storage.export import StoryRecord


def export_row(form: Form, record: StoryRecord) -> dict[str, Any]:
    """One story as a mapping of column name to cell."""
    row: dict[str, Any] = {
        "participant_id": record.participant_id,
        "story_id": record.story_id,
        "collected_at": record.collected_at.isoformat() if record.collected_at else "",
        "language": record.language,
        "detected_language": record.detected_language or "",
        "channel": record.channel,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "prompt": record.prompt or "",
        "title": record.title or "",
        "text": record.text,
        "parent_story_id": record.parent_story_id or "",
        "campaign": record.campaign_id or "",
        "team": record.team or "",
        "theme": record.theme or "",
        "after_home_visit": int(record.after_home_visit),
    }
    for outcome in record.checkins:
        prefix = f"checkin{outcome.sequence}."
        row[prefix + "status"] = outcome.status
        row[prefix + "due"] = outcome.due_at.isoformat()
        row[prefix + "sent"] = outcome.sent_at.isoformat() if outcome.sent_at else ""
        row[prefix + "answered_at"] = outcome.answered_at.isoformat() if outcome.answered_at else ""
        row[prefix + "answer"] = outcome.answer or ""
    for q in form.questions:
        status, value = record.answers.get(q.id, ("", None))
        row.update(answer_values(q, status, value))
    for q in form.about:
        given = record.about.get(q.id) or {}
        row.update(answer_values(q, given.get("status", ""), given.get("value")))
    return row


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
        row = export_row(form, record)
        cells = [row.get(n, "") for n in names]
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
