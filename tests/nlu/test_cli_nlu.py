"""`vertelpunt nlu parse` and `vertelpunt nlu eval` as a person at a terminal uses them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli.nlu import RASA_URL_ENV, app, rasa_url_from_env

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RASA_URL_ENV, raising=False)


def test_parse_one_text_as_json() -> None:
    result = runner.invoke(app, ["parse", "--json", "jaaa hoor"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "intent": "affirm",
        "confidence": 1.0,
        "engine": "embedded",
    }


def test_parse_reads_one_text_per_line_from_stdin() -> None:
    result = runner.invoke(app, ["parse"], input="nee joh\nweet ik veel\n\nevet\n")
    assert result.exit_code == 0, result.output
    intents = [line.split("\t")[0] for line in result.output.splitlines()]
    assert intents == ["deny", "skip", "nlu_fallback", "affirm"]


def test_parse_json_lines_from_stdin() -> None:
    result = runner.invoke(app, ["parse", "--json"], input="ik snap het niet\nتم\n")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["intent"] == "help"
    assert len(lines) == 2
    assert all(line["engine"] == "embedded" for line in lines)


def test_eval_without_rasa_says_so() -> None:
    result = runner.invoke(app, ["eval"])
    assert result.exit_code == 0, result.output
    assert "embedded: accuracy" in result.output
    assert "per language:" in result.output
    assert f"rasa: not evaluated ({RASA_URL_ENV} is not set)" in result.output


def test_eval_with_unreachable_rasa_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RASA_URL_ENV, "http://127.0.0.1:9")
    result = runner.invoke(app, ["eval"])
    assert "rasa: not evaluated (no Rasa server answers at http://127.0.0.1:9)" in result.output


def test_rasa_url_comes_from_one_place() -> None:
    assert rasa_url_from_env({RASA_URL_ENV: "http://rasa:5005"}) == "http://rasa:5005"
    assert rasa_url_from_env({RASA_URL_ENV: ""}) is None
    assert rasa_url_from_env({}) is None
