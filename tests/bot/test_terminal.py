"""`vertelpunt chat` as a real process: the JSON-lines interface, a kill and a restart."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.migrate import upgrade
from tests.conftest import REPO, TEST_SECRET
from tests.scripts import FULL_CONVERSATION


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    upgrade(url)
    return {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": TEST_SECRET,
            "PYTHONUNBUFFERED": "1"}


def _vertelpunt(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli.main", *args]


def _script_lines() -> str:
    lines = []
    for kind, value in FULL_CONVERSATION:
        lines.append(json.dumps({kind: value}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _messages(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_scripted_conversation_exports_every_answer(env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(_vertelpunt("chat", "--jsonl", "--user", "anna"), input=_script_lines(),
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    out = _messages(done.stdout)
    assert out[0]["text"] and out[0]["choices"] == []
    assert sum(1 for m in out if m.get("turn_end")) == len(FULL_CONVERSATION) + 1
    assert any("dank" in str(m.get("text", "")).lower() for m in out)
    export, book = tmp_path / "stories.csv", tmp_path / "codebook.json"
    subprocess.run(_vertelpunt("export", "--format", "csv", "--out", str(export),
                               "--codebook", str(book)), env=env, cwd=REPO, check=True,
                   timeout=120)
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    assert len(rows) == 1
    assert rows[0]["feeling"] == "sad" and rows[0]["topics.contact"] == "1"
    assert rows[0]["neighbourhood"] == "noord" and rows[0]["belonging.na"] == "1"
    columns = {c["name"] for c in json.loads(book.read_text(encoding="utf-8"))["columns"]}
    assert columns == set(rows[0])


def test_bad_json_lines_get_an_error_not_a_crash(env: dict[str, str]) -> None:
    lines = 'not json\n["list"]\n{"unknown": 1}\n{"choice": "yes"}\n'
    done = subprocess.run(_vertelpunt("chat", "--jsonl", "--user", "bea"), input=lines,
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    out = _messages(done.stdout)
    assert sum(1 for m in out if "error" in m) == 3
    assert out[-2]["question"] == "_age"


def test_killed_chat_shows_the_same_pending_question(env: dict[str, str]) -> None:
    proc = subprocess.Popen(_vertelpunt("chat", "--jsonl", "--user", "cor"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    assert proc.stdin and proc.stdout

    def until_turn_end() -> list[dict[str, object]]:
        got = []
        while True:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "chat ended early"
            message = json.loads(line)
            if message.get("turn_end"):
                return got
            got.append(message)

    until_turn_end()
    for kind, value in FULL_CONVERSATION[:9]:
        proc.stdin.write(json.dumps({kind: value}) + "\n")
        proc.stdin.flush()
        before = until_turn_end()
    proc.kill()
    proc.wait(timeout=30)
    pending = [m for m in before if m.get("question")][-1]
    assert pending["question"] == "helped"
    again = subprocess.run(_vertelpunt("chat", "--jsonl", "--user", "cor"), input="",
                           capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    shown = [m for m in _messages(again.stdout) if m.get("question")]
    assert shown[-1]["question"] == "helped" and shown[-1]["choices"] == pending["choices"]


def test_human_mode_shows_numbered_choices(env: dict[str, str]) -> None:
    done = subprocess.run(_vertelpunt("chat", "--user", "dirk"), input="1\n",
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert "[1] ✅ Ja" in done.stdout and "[2] 🧒 Nee, jonger" in done.stdout


def test_blank_nested_and_broken_lines_get_an_error_and_the_chat_goes_on(
    env: dict[str, str]
) -> None:
    bad = ["", "   \t", "[" * 100_000 + "]" * 100_000,
           '{"text": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001,
           '{"text": "\\ud800"}']
    lines = "\n".join([*bad, '{"choice": "yes"}']) + "\n"
    done = subprocess.run(_vertelpunt("chat", "--jsonl", "--user", "eva"), input=lines,
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    out = _messages(done.stdout)
    errors = [i for i, m in enumerate(out) if "error" in m]
    assert len(errors) == len(bad)
    assert all(out[i + 1] == {"turn_end": True} for i in errors)
    assert out[-2]["question"] == "_age"
