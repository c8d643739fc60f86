"""Admins in chat: /export with filters (as files) and /stats, each export in the audit log."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.service import ConversationService
from bot.staff import reports
from storage.db import Database
from storage.export import iter_story_records
from storage.models import AuditEntry
from tests.bot.staff.people import (
    Person,
    add_campaign,
    become_admin,
    become_worker,
    files_of,
    invite_token,
    make_invite,
    texts_of,
)
from tests.conftest import FixedClock


def _three_stories(service: ConversationService, db: Database, clock: FixedClock) -> Person:
    """An untagged story on day one, a campaign story and an invite story on day two."""
    add_campaign(db, clock.now)
    admin = become_admin(service, db, clock.now)
    worker = become_worker(service, admin)
    Person(service, "anna").tell_story()
    clock.advance(days=1)
    Person(service, "bert").tell_story("c_oost-2026")
    Person(service, "cees").tell_story(invite_token(make_invite(worker, "debts")))
    return admin


def _csv(replies: list[dict[str, object]]) -> list[dict[str, str]]:
    [(payload, content)] = [(p, c) for p, c in files_of(replies, "document")
                            if str(p["filename"]).endswith(".csv")]
    assert payload["mime"] == "text/csv"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _exports(db: Database) -> list[dict[str, object]]:
    with db.transaction() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
        return [row.detail for row in rows]


def test_export_sends_the_csv_and_codebook_and_is_audited(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = _three_stories(staffed, db, clock)

    replies = admin.command("/export")

    rows = _csv(replies)
    tags = sorted((r["campaign"], r["team"], r["theme"], r["after_home_visit"]) for r in rows)
    assert tags == [("", "", "", "0"), ("oost-2026", "", "", "0"),
                    ("oost-2026", "Wijkteam Oost", "debts", "1")]
    names = [str(p["filename"]) for p, _ in files_of(replies, "document")]
    assert names[1].endswith("-codebook.json") and "3 verhalen" in replies[0]["caption"]
    assert _exports(db) == [{"via": "chat", "format": "csv", "campaign": None, "since": None,
                             "stories": 3}]


def test_export_filters_by_campaign_and_date(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = _three_stories(staffed, db, clock)

    by_campaign = _csv(admin.command("/export campagne=oost-2026"))
    by_date = _csv(admin.command("/export sinds=2026-03-03"))
    both = _csv(admin.command("/export campaign=oost-2026 since=2026-03-04"))

    assert {r["campaign"] for r in by_campaign} == {"oost-2026"} and len(by_campaign) == 2
    assert len(by_date) == 2
    assert both == []
    assert [d["campaign"] for d in _exports(db)] == ["oost-2026", None, "oost-2026"]
    assert _exports(db)[1]["since"] == "2026-03-02T23:00:00+00:00"


def test_a_wrong_filter_or_campaign_is_explained_and_exports_nothing(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = become_admin(staffed, db, clock.now)

    wrong = texts_of(admin.command("/export vanaf=gisteren"))
    unknown = texts_of(admin.command("/stats campagne=nergens"))

    assert "campagne=ID" in wrong[0] and "nergens" in unknown[0]
    assert _exports(db) == []


def test_stats_counts_per_day_theme_and_language(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = _three_stories(staffed, db, clock)

    [text] = texts_of(admin.command("/stats"))

    assert text.startswith("Verhalen: 3 (alle verhalen)")
    assert "03-03-2026: 2" in text and "02-03-2026: 1" in text
    assert "💶 Geld en schulden: 1" in text and "zonder thema: 2" in text
    assert "🇳🇱 Nederlands: 3" in text
    assert "schulden en wist niet" not in text
    [only] = texts_of(admin.command("/stats campagne=oost-2026"))
    assert only.startswith("Verhalen: 2 (campagne=oost-2026)")


def test_the_story_records_carry_their_tags(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    _three_stories(staffed, db, clock)

    with db.transaction() as session:
        tagged = [(r.campaign_id, r.team, r.theme, r.after_home_visit)
                  for r in iter_story_records(session, campaign_id="oost-2026")]
        recent = list(iter_story_records(session, datetime(2026, 3, 3, tzinfo=UTC)))

    assert set(tagged) == {("oost-2026", None, None, False),
                           ("oost-2026", "Wijkteam Oost", "debts", True)}
    assert len(recent) == 2


def test_a_large_export_goes_zipped_and_one_too_large_says_how_to_get_it(
    staffed: ConversationService, db: Database, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = _three_stories(staffed, db, clock)
    monkeypatch.setattr(reports, "ZIP_ABOVE", 100)

    [(payload, content), _] = files_of(admin.command("/export"), "document")

    assert payload["mime"] == "application/zip" and str(payload["filename"]).endswith(".csv.zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        [name] = archive.namelist()
        rows = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
    assert name.endswith(".csv") and len(rows) == 3

    monkeypatch.setattr(reports, "CHAT_FILE_LIMIT", 50)
    replies = admin.command("/export")

    assert files_of(replies, "document") == []
    assert "vertelpunt export" in texts_of(replies)[0] and "3 verhalen" in texts_of(replies)[0]
    assert len(_exports(db)) == 1  # only the export that was sent
