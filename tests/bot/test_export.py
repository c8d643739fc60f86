"""Export and codebook: every answer in its column, every column described."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

import bot.export as export_module
from bot.channels.messages import InboundMessage
from bot.export import StoryCells, write_codebook, write_export
from bot.service import ConversationService
from flows.events import OpenedIn
from flows.forms.schema import Form
from storage.db import Database
from storage.export import StoryRecord, iter_story_records
from tests.scripts import FULL_CONVERSATION, event_of


def _tell(service: ConversationService, user: str) -> None:
    for event in [OpenedIn(), *(event_of(k, v) for k, v in FULL_CONVERSATION)]:
        service.handle(InboundMessage("terminal", user, user, event))


def _export(db: Database, form: Form, fmt: str) -> str:
    out = io.StringIO()
    with db.transaction() as session:
        write_export(form, iter_story_records(session), out, fmt)
    return out.getvalue()


def test_export_row_holds_every_answer(service: ConversationService, db: Database,
                                       form: Form) -> None:
    _tell(service, "anna")
    rows = list(csv.DictReader(io.StringIO(_export(db, form, "csv"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["prompt"] == "needed_help" and row["title"] == "Hulp bij schulden"
    assert row["feeling"] == "sad" and row["feeling.na"] == "0"
    assert (row["helped.people"], row["helped.professional"], row["helped.myself"]) == (
        "0.5", "0.5", "0.0")
    assert row["influence"] == "0.75"
    assert row["topics.money"] == "1" and row["topics.contact"] == "1"
    assert row["topics.housing"] == "0"
    assert row["frequency"] == "often"
    assert row["belonging"] == "" and row["belonging.na"] == "1"
    assert row["wish"] == "Eerder hulp"
    assert row["age_group"] == "a45_65" and row["neighbourhood"] == "noord"
    assert row["gender"] == "" and row["gender.na"] == ""
    assert row["participant_id"] != "anna" and "anna" not in ",".join(row.values())


def test_jsonl_export_and_codebook_describe_each_other(service: ConversationService,
                                                       db: Database, form: Form) -> None:
    _tell(service, "anna")
    _tell(service, "bert")
    lines = _export(db, form, "jsonl").splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    book = io.StringIO()
    write_codebook(form, book, datetime(2026, 3, 2, tzinfo=UTC))
    described = {c["name"]: c for c in json.loads(book.getvalue())["columns"]}
    assert set(record) == set(described)
    triad = described["helped.people"]
    assert triad["type"] == "proportion" and triad["question_text"]["en"]
    sad = described["feeling"]["options"]["sad"]
    assert sad["nl"] == "😢 Verdrietig" and sad["en"] == "😢 Sad"
    assert set(sad) == set(form.languages)


def test_codebook_lists_the_placeholders_of_scrubbed_text(form: Form) -> None:
    book = io.StringIO()
    write_codebook(form, book, datetime(2026, 3, 2, tzinfo=UTC))
    placeholders = json.loads(book.getvalue())["placeholders"]
    assert placeholders["[NAAM]"]["ar"] == "[الاسم]"
    assert placeholders["[TELEFOON]"]["tr"] == "[TELEFON]"
    assert {"[NAAM]", "[ADRES]", "[TELEFOON]", "[EMAIL]", "[IBAN]", "[BSN]"} <= set(placeholders)


def test_export_skips_unconfirmed_and_pages_through_many(service: ConversationService,
                                                         db: Database, form: Form) -> None:
    import storage.export as export_module

    original = export_module.BATCH
    export_module.BATCH = 2
    try:
        for user in ("a", "b", "c", "d", "e"):
            _tell(service, user)
        rows = list(csv.DictReader(io.StringIO(_export(db, form, "csv"))))
    finally:
        export_module.BATCH = original
    assert len(rows) == 5 and len({r["story_id"] for r in rows}) == 5


def _record(n: int, answers: dict[str, tuple[str, Any]], about: dict[str, Any]) -> StoryRecord:
    return StoryRecord(
        participant_id=f"p{n}", story_id=f"s{n}", collected_at=None, language="nl",
        detected_language=None, channel="terminal", form_id="f", form_version=1, prompt=None,
        title=None, text="t",
        answers={q: (status, orjson.dumps(value).decode()) for q, (status, value)
                 in answers.items()},
        about=orjson.dumps(about).decode(),
    )


def test_cells_remembered_across_stories_are_each_storys_own(
    form: Form, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Few remembered answers, so the memory also starts afresh while the stories are read.
    monkeypatch.setattr(export_module, "REMEMBERED", 3)
    records = []
    for n in range(40):
        answers: dict[str, tuple[str, Any]] = {}
        for i, q in enumerate(form.questions):
            options = [o.id for o in q.options] or ["x"]
            status = ("answered", "declined", "skipped")[(n + i) % 3]
            value: Any = ({"text": f"tekst {n}"} if q.type == "free_text"
                          else {"options": options[: n % len(options)]}
                          if q.type == "multi_choice" else {"option": options[n % len(options)]})
            if (n + i) % 7:
                answers[q.id] = (status, value if status == "answered" else None)
        about = {q.id: {"status": "answered", "value": {"option": q.options[n % 2].id}}
                 for q in form.about[: n % (len(form.about) + 1)]}
        records.append(_record(n, answers, about))

    remembering = StoryCells(form)
    assert [remembering(r) for r in records] == [StoryCells(form)(r) for r in records]
    assert len({str(remembering(r)[16:]) for r in records}) > 10
