"""Forms are data: the default form is valid, and every problem is reported with its place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flows.forms.loader import check_form_text
from tests.conftest import DEFAULT_FORM, REPO

BROKEN = """\
id: broken
version: 1
languages: [nl, en]
default_language: nl
consent: {text_id: c, version: 1}
prompts:
  - id: p
    label: {nl: "🤝 Hulp", en: "🤝 Help"}
    text: {nl: "Vertel", en: "Tell"}
questions:
  - id: feeling
    type: single_choice
    text: {nl: "Hoe voelde u zich?"}
    options:
      - id: glad
        label: {nl: "😀", en: "😀 Glad"}
      - id: sad
        label: {nl: "😢 Verdrietig maar ook heel erg moe", en: "😢 Sad"}
  - id: scale
    type: scale
    text: {nl: "x", en: "x"}
    options: []
"""


def test_default_form_has_no_problems() -> None:
    form, problems = check_form_text(DEFAULT_FORM.read_text(encoding="utf-8"))
    assert form is not None and problems == []


def test_shape_problems_have_lines() -> None:
    form, problems = check_form_text(BROKEN)
    assert form is None
    assert any(p.path == "questions[1]" and p.line == 19 and "five" in p.message
               for p in problems), problems


def test_content_problems_have_paths_and_lines() -> None:
    fixed = BROKEN.replace("options: []", "options: " + str(
        [{"id": f"s{i}", "label": {"nl": f"{i}️⃣ Punt", "en": f"{i}️⃣ Point"}} for i in range(5)]))
    form, problems = check_form_text(fixed)
    assert form is not None
    text = "\n".join(map(str, problems))
    assert "questions[0].text: text missing in en" in text
    assert "questions[0].options[0].label.nl: a button needs a word" in text
    assert "WhatsApp shows at most" in text
    assert "the text `hello` is missing" in text
    assert any(p.line == 13 for p in problems)


def test_cli_check_reports_and_fails(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "forms", "check", str(broken)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 1 and "broken.yaml:19: questions[1]:" in done.stdout
    ok = subprocess.run([sys.executable, "-m", "bot.cli.main", "forms", "check",
                         str(DEFAULT_FORM)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert ok.returncode == 0 and "ok" in ok.stdout


def test_bot_refuses_to_start_on_a_broken_form(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    env = {"VERTELPUNT_FORM": str(broken),
           "VERTELPUNT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin"}
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "chat"], input="",
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert done.returncode == 4 and "cannot be used" in done.stderr
