"""`vertelpunt scrub --language L`: every supported language, and a clear error otherwise."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli.main import app

LINES = "Moja sąsiadka Agnieszka Nowak mi pomogła\nbel 0612345678\n"


@pytest.mark.parametrize("language", ["nl", "en", "tr", "ar", "pl", "uk", "ru"])
def test_scrub_works_in_every_language(language: str) -> None:
    result = CliRunner().invoke(app, ["scrub", "--language", language], input=LINES)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert "[TELEFOON]" in lines[1] and "0612345678" not in lines[1]


def test_scrub_finds_the_names_of_the_language_it_is_told() -> None:
    result = CliRunner().invoke(app, ["scrub", "--language", "pl"], input=LINES)
    assert result.output.splitlines()[0] == "Moja sąsiadka [NAAM] mi pomogła"


def test_scrub_refuses_an_unknown_language_with_exit_code_2() -> None:
    result = CliRunner().invoke(app, ["scrub", "--language", "xx"], input=LINES)
    assert result.exit_code == 2
    assert "Unknown language 'xx'" in result.output
    assert "nl, en, tr, ar, pl, uk, ru" in result.output
    assert "[TELEFOON]" not in result.output
