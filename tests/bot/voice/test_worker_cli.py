"""`vertelpunt worker`: says what is missing instead of starting without work."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import TEST_SECRET


def test_worker_needs_to_be_told_which_work() -> None:
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code != 0 and "--transcribe" in result.output


def test_worker_without_any_channel_refuses(monkeypatch: pytest.MonkeyPatch,
                                            sqlite_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "v.db"
    database.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("VERTELPUNT_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("VERTELPUNT_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("VERTELPUNT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("VERTELPUNT_WHATSAPP_PHONE_ID", raising=False)
    result = CliRunner().invoke(app, ["worker", "--transcribe"])
    assert result.exit_code != 0 and "no channel is configured" in result.output
