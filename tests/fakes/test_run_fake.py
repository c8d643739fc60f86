"""The fakes run in a process of their own (tests/fakes/run_fake.py) and report what they got."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]


def _start(kind: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.run_fake", kind], cwd=REPO,
                               text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def _ask(process: subprocess.Popen[str], command: str) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(command + "\n")
    process.stdin.flush()
    answer: dict[str, Any] = json.loads(process.stdout.readline())
    return answer


def test_telegram_fake_counts_and_dumps_messages_in_order(tmp_path: Path) -> None:
    process, info = _start("telegram")
    try:
        url = f"{info['base_url']}{info['token']}"
        for word in ("een", "twee"):
            sent = httpx.post(f"{url}/sendMessage", data={"chat_id": "42", "text": word})
            assert sent.status_code == 200
        httpx.post(f"{url}/editMessageText", data={"chat_id": "42", "message_id": "1",
                                                   "text": "een!"})
        refused = httpx.post(f"{url}/sendMessage", data={"chat_id": "42", "text": ""})
        assert refused.status_code == 400
        counted = _ask(process, "count")
        assert counted["messages"] == 2 and counted["refused"] == 1 and counted["last_at"] > 0
        dumped = tmp_path / "messages.json"
        assert _ask(process, f"dump {dumped}") == {"written": 2}
        messages = json.loads(dumped.read_text(encoding="utf-8"))
        assert [(m["chat"], m["id"]) for m in messages] == [("42", "1"), ("42", "2")]
        assert [json.loads(m["content"])["text"] for m in messages] == ["een", "twee"]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(timeout=15) == 0


def test_graph_fake_counts_messages_with_their_wamid_and_time(tmp_path: Path) -> None:
    process, info = _start("graph")
    try:
        sent = httpx.post(
            f"{info['base_url']}/v23.0/{info['phone_id']}/messages",
            headers={"Authorization": f"Bearer {info['token']}"},
            json={"messaging_product": "whatsapp", "to": "31612345678", "type": "text",
                  "text": {"body": "Hallo"}})
        assert sent.status_code == 200
        wamid = sent.json()["messages"][0]["id"]
        dumped = tmp_path / "messages.json"
        assert _ask(process, f"dump {dumped}") == {"written": 1}
        (message,) = json.loads(dumped.read_text(encoding="utf-8"))
        assert message["chat"] == "31612345678" and message["id"] == wamid
        assert message["at"] > 0 and "Hallo" in message["content"]
        assert _ask(process, "count")["messages"] == 1
    finally:
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(timeout=15) == 0
