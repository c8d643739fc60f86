"""`vertelpunt admins|workers|campaigns|audit|export`: the operator side of roles, campaigns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.service import ConversationService
from storage.db import Database
from storage.models import Campaign
from tests.bot.staff.people import Person, texts_of
from tests.conftest import REPO, TEST_SECRET

runner = CliRunner()
EXAMPLE = REPO / "campaigns" / "example.yaml"


@pytest.fixture(autouse=True)
def environment(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line on the test database, with both apps configured for links."""
    for name, value in {"DATABASE_URL": db.url, "SECRET_KEY": TEST_SECRET,
                        "TELEGRAM_BOT_USERNAME": "@VertelpuntBot",
                        "WHATSAPP_NUMBER": "+31 20 123 4567"}.items():
        monkeypatch.setenv(f"VERTELPUNT_{name}", value)


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _audit() -> list[dict[str, object]]:
    code, out, _ = _run("audit", "--json")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_the_first_admin_code_comes_from_the_operator(service: ConversationService) -> None:
    code, out, err = _run("admins", "add-code")

    assert code == 0 and f"/admin {out.strip()}" in err
    ada = Person(service, "ada")
    assert "beheerder" in texts_of(ada.command(f"/admin {out.strip()}"))[0]
    listed = _run("admins", "list")[1]
    assert ada.participant_id in listed
    assert [(e["actor"], e["action"]) for e in _audit()] == [
        ("operator", "code_created"), (ada.participant_id, "role_granted")]


def test_worker_codes_revoking_and_the_audit_log(service: ConversationService) -> None:
    assert _run("workers", "add-code", "--team", "Wijkteam Oost", "--campaign", "nergens")[0] == 2
    code = _run("workers", "add-code", "--team", "  Wijkteam   Oost ")[1].strip()
    wim = Person(service, "wim")
    assert "Wijkteam Oost" in texts_of(wim.command(f"/werker {code}"))[0]

    revoked = _run("workers", "revoke", "--team", "wijkteam oost")

    assert revoked[0] == 0 and "revoked 1 worker" in revoked[1]
    assert _run("workers", "revoke", "--team", "wijkteam oost")[0] == 1
    assert _run("workers", "revoke")[0] == 2
    assert wim.participant_id not in _run("workers", "list")[1]
    assert wim.participant_id in _run("workers", "list", "--all")[1]
    actions = [e["action"] for e in _audit()]
    assert actions == ["code_created", "role_granted", "role_revoked"]
    assert "Wijkteam Oost" in _run("audit")[1]


def test_campaigns_load_from_a_file_and_again_as_an_update(db: Database) -> None:
    first = _run("campaigns", "load", str(EXAMPLE))
    again = _run("campaigns", "load", str(EXAMPLE))

    assert first[0] == 0 and "added campaign oost-2026" in first[1]
    assert "updated campaign oost-2026" in again[1]
    with db.transaction() as session:
        campaign = session.scalars(select(Campaign)).one()
    assert [t["id"] for t in campaign.themes] == ["support_at_home", "youth", "debts",
                                                  "neighbourhood"]
    assert campaign.themes[2]["label"]["ar"] == "💶 المال والديون"
    assert campaign.ends_at is not None and campaign.ends_at.isoformat().startswith(
        "2026-12-31T23:00")
    assert "oost-2026" in _run("campaigns", "list")[1]


def test_a_broken_campaign_file_names_each_problem_and_stores_nothing(
    tmp_path: Path, db: Database
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("campaigns:\n  - id: Oost 2026\n    name: x\n    municipality: y\n"
                      "    form: f\n    colour: red\n    themes: [{id: a, label: {}}]\n",
                      encoding="utf-8")

    code, _, err = _run("campaigns", "load", str(broken))

    assert code == 2
    assert "campaigns.0.id" in err and "campaigns.0.colour" in err
    assert "campaigns.0.themes.0.label" in err
    with db.transaction() as session:
        assert session.scalars(select(Campaign)).all() == []


def test_a_campaign_added_by_hand_gets_public_start_links_and_qr_codes(tmp_path: Path) -> None:
    added = _run("campaigns", "add", "zuid", "--name", "Zuid", "--municipality", "Voorbeeld",
                 "--theme", "debts=💶 Schulden", "--starts", "2026-01-01")
    assert added[0] == 0, added

    code, out, _ = _run("campaigns", "link", "zuid", "--qr-dir", str(tmp_path))

    assert code == 0
    assert "telegram: https://t.me/VertelpuntBot?start=c_zuid" in out
    assert "whatsapp: https://wa.me/31201234567?text=" in out and "c_zuid" in out
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["zuid-telegram.png",
                                                             "zuid-whatsapp.png"]
    assert _run("campaigns", "link", "nergens")[0] == 2


def test_export_by_campaign_is_audited(service: ConversationService, tmp_path: Path) -> None:
    _run("campaigns", "load", str(EXAMPLE))
    Person(service, "anna").tell_story("c_oost-2026")
    Person(service, "bert").tell_story()
    out = tmp_path / "stories.csv"

    code, _, err = _run("export", "--out", str(out), "--campaign", "oost-2026")

    assert code == 0 and "1 stories" in err
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["campaign"] for r in rows] == ["oost-2026"]
    [entry] = [e for e in _audit() if e["action"] == "export"]
    assert entry["actor"] == "operator"
    assert entry["detail"] == {"via": "cli", "format": "csv", "campaign": "oost-2026",
                               "since": None, "stories": 1}
    assert _run("export", "--out", str(out), "--campaign", "nergens")[0] == 2
