"""Export and codebook: every answer in its column, every column described."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from bot.export import write_codebook, write_export
from bot.service import ConversationService, InboundMessage
from flows.events import OpenedIn
from flows.forms.schema import Form
from storage.db import Database
from storage.export import iter_story_records
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
