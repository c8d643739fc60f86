"""The export (CSV or JSON lines, with its codebook) of the stories a filter selects."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session

from bot.export import write_codebook, write_export
from flows.forms.schema import Form
from storage.aggregates import HOME_VISIT, DashboardFilter, Group
from storage.export import StoryRecord, iter_story_records

FORMATS = {"csv": "csv", "jsonl": "jsonl"}
# Spooled: a small export stays in memory, a large one goes to a temporary file.
IN_MEMORY = 8 * 1024 * 1024
CHUNK = 64 * 1024


def _in_group(record: StoryRecord, group: Group) -> bool:
    about: dict[str, Any] | None = None
    for name, values in group.parts:
        if name == HOME_VISIT:
            if ("yes" if record.after_home_visit else "no") not in values:
                return False
            continue
        if about is None:
            about = orjson.loads(record.about) if record.about else {}
        given = (about or {}).get(name) or {}
        option = (given.get("value") or {}).get("option") if given.get("status") == "answered" \
            else None
        if option not in values:
            return False
    return True


def matching_records(session: Session, where: DashboardFilter) -> Iterator[StoryRecord]:
    """The filter's stories, streamed from the export's batches."""
    # The export reads by campaign and start date in SQL; the rest of the dashboard's filter
    # is checked here, one story at a time, so memory stays flat.
    for record in iter_story_records(session, where.since, where.campaign_id):
        at = record.collected_at
        if where.until is not None and at is not None and at >= where.until:
            continue
        if where.language is not None and record.language != where.language:
            continue
        if where.channel is not None and record.channel != where.channel:
            continue
        if where.group and not _in_group(record, where.group):
            continue
        yield record


def build_export(
    session: Session, form: Form, where: DashboardFilter, fmt: str, now: datetime, stamp: str
) -> tuple[IO[bytes], int]:
    """A zip with the stories and the codebook, rewound; and how many stories it holds."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"vertelpunt-{stamp}.{fmt}", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            count = write_export(form, matching_records(session, where), text, fmt)
            text.flush()
            text.detach()
        book = io.StringIO()
        write_codebook(form, book, now)
        archive.writestr(f"vertelpunt-{stamp}-codebook.json", book.getvalue())
    spool.seek(0)
    return spool, count


def chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The file in pieces, closed at the end."""
    try:
        while piece := spool.read(CHUNK):
            yield piece
    finally:
        spool.close()
