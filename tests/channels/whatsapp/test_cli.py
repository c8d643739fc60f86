"""`vertelpunt whatsapp templates list|submit`, against the fake Graph API."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.channels.whatsapp.templates import load_templates
from bot.cli.whatsapp import app
from tests.fakes.graph_api import FakeGraphApi

runner = CliRunner()
LANGUAGES = {"nl", "en", "tr", "ar", "pl", "uk", "ru"}


@pytest.fixture
def configured(graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch) -> FakeGraphApi:
    """The environment of a configured business account, pointed at the fake."""
    for name, value in {
        "WHATSAPP_TOKEN": graph.token or "", "WHATSAPP_BUSINESS_ACCOUNT_ID": graph.waba_id,
        "WHATSAPP_PHONE_ID": graph.phone_id, "WHATSAPP_API_URL": graph.base_url,
    }.items():
        monkeypatch.setenv(f"VERTELPUNT_{name}", value)
    return graph


def test_every_template_has_every_language() -> None:
    for definition in load_templates().values():
        assert set(definition.texts) == LANGUAGES


def test_list_shows_each_template_language() -> None:
    result = runner.invoke(app, ["templates", "list"])

    assert result.exit_code == 0, result.output
    assert "vertelpunt_checkin" in result.output and "vertelpunt_continue" in result.output
    assert "Hoe gaat het nu met u?" in result.output


def test_submit_creates_every_language_for_review(configured: FakeGraphApi) -> None:
    result = runner.invoke(app, ["templates", "submit"])

    assert result.exit_code == 0, result.output
    created = {(t.name, t.language, t.status) for t in configured.templates}
    assert {(name, language) for name, language, _ in created} == {
        (name, language) for name in ("vertelpunt_checkin", "vertelpunt_continue")
        for language in LANGUAGES
    }
    assert {status for _, _, status in created} == {"PENDING"}
    assert configured.rejected == []


def test_submitting_again_reports_what_exists_and_fails(configured: FakeGraphApi) -> None:
    runner.invoke(app, ["templates", "submit", "--only", "checkin"])

    again = runner.invoke(app, ["templates", "submit", "--only", "checkin"])

    assert again.exit_code == 1
    assert "already exists" in again.output


def test_list_remote_shows_metas_review_status(configured: FakeGraphApi) -> None:
    runner.invoke(app, ["templates", "submit", "--only", "checkin"])
    configured.set_template_status("vertelpunt_checkin", "nl", "APPROVED")

    result = runner.invoke(app, ["templates", "list", "--remote"])

    assert result.exit_code == 0, result.output
    assert "APPROVED" in result.output and "not submitted" in result.output


def test_submit_without_a_token_says_which_setting_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VERTELPUNT_WHATSAPP_TOKEN", "")
    monkeypatch.setenv("VERTELPUNT_WHATSAPP_BUSINESS_ACCOUNT_ID", "")

    result = runner.invoke(app, ["templates", "submit"])

    assert result.exit_code == 3
    assert "VERTELPUNT_WHATSAPP_TOKEN" in result.output


def test_invite_prints_a_link() -> None:
    result = runner.invoke(app, ["invite", "buurt7", "--number", "+31 20 123 4567",
                                 "--language", "en"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "https://wa.me/31201234567?text=I%20want%20to%20tell%20my%20story.%20Code%3A%20buurt7")


def test_invite_refuses_a_bad_code() -> None:
    result = runner.invoke(app, ["invite", "two words", "--number", "31201234567"])

    assert result.exit_code == 2
