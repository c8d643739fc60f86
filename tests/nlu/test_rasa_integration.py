"""The real Rasa NLU service from nlu/.venv with the trained model, through RasaParser.

Needs `make nlu`. Outside CI it is skipped (with the reason) when the virtualenv or the
model is missing; with CI=true a missing Rasa fails the run instead of hiding it.
"""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nlu.evaluation import evaluate, held_out_split
from nlu.matcher import EmbeddedMatcher
from nlu.rasa_client import RasaParser

pytestmark = pytest.mark.rasa

REPO = Path(__file__).resolve().parents[2]
RASA = REPO / "nlu" / ".venv" / "bin" / "rasa"
MODEL = REPO / "nlu" / "models" / "nlu.tar.gz"
READY_TIMEOUT = 180.0


def _missing() -> str | None:
    """Why the Rasa service cannot be started here, or None when it can."""
    if not RASA.exists():
        return f"{RASA} is missing (run `make nlu`)"
    if not MODEL.exists():
        return f"{MODEL} is missing (run `make nlu`)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /status until a model is loaded; fail with the log's tail if Rasa dies or stalls."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Rasa exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status = httpx.get(f"{url}/status", timeout=2.0)
            if status.status_code == 200 and status.json().get("model_file"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    pytest.fail(f"Rasa not ready after {READY_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    problem = _missing()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI=true needs the Rasa service")
        pytest.skip(problem)
    workdir = tmp_path_factory.mktemp("rasa")
    log = workdir / "rasa.log"
    port = _free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [str(RASA), "run", "--enable-api", "--model", str(MODEL)]
    command += ["--interface", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def parser(rasa_url: str) -> Iterator[RasaParser]:
    # Generous timeout: this checks answers, not speed, on a machine shared with other jobs.
    with RasaParser(rasa_url, fallback=EmbeddedMatcher.from_data(), timeout=5.0) as rasa:
        yield rasa


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("jaaa hoor", "affirm"),
        ("nee joh", "deny"),
        ("weet ik veel", "skip"),
        ("ik snap het niet", "help"),
        ("yes please", "affirm"),
        ("delete my data", "delete_my_data"),
        ("evet", "affirm"),
        ("hayır", "deny"),
        ("نعم", "affirm"),
        ("شكرا", "thanks"),
        ("tak", "affirm"),
        ("nie", "deny"),
        ("так", "affirm"),
        ("ні", "deny"),
        ("ik wilde stoppen met werken maar toen kwamen de schulden", "out_of_scope"),
    ],
)
def test_rasa_understands_replies_in_each_language(
    parser: RasaParser, text: str, intent: str
) -> None:
    result = parser.parse(text)
    assert result.engine == "rasa"
    assert result.intent == intent


def test_rasa_reaches_target_on_held_out_split(parser: RasaParser) -> None:
    split = held_out_split()
    report = evaluate(parser, split.test, split.train)
    assert report.engines == {"rasa": report.total}
    assert report.accuracy >= 0.95, report.language_accuracy()
