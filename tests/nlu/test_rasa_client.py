"""RasaParser against a fake Rasa server on 127.0.0.1: fallback, circuit breaker, quiet logs."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nlu.intents import IntentResult
from nlu.matcher import EmbeddedMatcher
from nlu.rasa_client import RasaParser

RESIDENT_TEXT = "mijn buurman Jan de Vries helpt me"


class FakeRasa(ThreadingHTTPServer):
    """Answers POST /model/parse the way the test tells it to."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "ok"
        self.intent = "affirm"
        self.calls = 0

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeRasa

    def do_POST(self) -> None:
        fake = self.server
        fake.calls += 1
        length = int(self.headers.get("Content-Length", "0"))
        text = json.loads(self.rfile.read(length))["text"]
        if fake.mode == "slow":
            time.sleep(0.5)
        if fake.mode == "error":
            self._send(500, b'{"error": "boom"}')
        elif fake.mode == "garbage":
            self._send(200, b"<html>not json</html>")
        elif fake.mode == "wrong_shape":
            self._send(200, b'{"intent": {"name": 42}}')
        else:
            body = {"text": text, "intent": {"name": fake.intent, "confidence": 0.97}}
            self._send(200, json.dumps(body).encode())

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client already gave up (timeout test)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    server = FakeRasa()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def embedded() -> EmbeddedMatcher:
    return EmbeddedMatcher.from_data()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def parser(
    fake_rasa: FakeRasa, embedded: EmbeddedMatcher, clock: FakeClock
) -> Iterator[RasaParser]:
    with RasaParser(
        fake_rasa.url, fallback=embedded, timeout=0.2, open_seconds=30, clock=clock
    ) as rasa:
        yield rasa


def test_healthy_rasa_answers(parser: RasaParser, fake_rasa: FakeRasa) -> None:
    fake_rasa.intent = "thanks"
    assert parser.parse("dank je") == IntentResult("thanks", 0.97, "rasa")


@pytest.mark.parametrize("mode", ["slow", "error", "garbage", "wrong_shape"])
def test_unwell_rasa_falls_back_to_embedded(
    parser: RasaParser, fake_rasa: FakeRasa, mode: str
) -> None:
    fake_rasa.mode = mode
    result = parser.parse("jaaa hoor", "nl")
    assert result.engine == "embedded"
    assert result.intent == "affirm"
    assert parser.breaker.is_open


def test_timeout_is_short(parser: RasaParser, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "slow"
    start = time.perf_counter()
    parser.parse("nee joh")
    assert time.perf_counter() - start < 0.45


def test_open_breaker_spares_rasa_then_retries(
    parser: RasaParser, fake_rasa: FakeRasa, clock: FakeClock
) -> None:
    fake_rasa.mode = "error"
    parser.parse("ja")
    for _ in range(5):
        assert parser.parse("nee").engine == "embedded"
    assert fake_rasa.calls == 1
    fake_rasa.mode = "ok"
    clock.now += 29
    assert parser.parse("ja").engine == "embedded"
    clock.now += 2
    assert parser.parse("ja").engine == "rasa"
    assert fake_rasa.calls == 2
    assert not parser.breaker.is_open


def test_breaker_logs_once_when_opening_and_once_when_closing(
    parser: RasaParser,
    fake_rasa: FakeRasa,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="nlu.rasa_client")
    fake_rasa.mode = "error"
    for _ in range(3):
        parser.parse(RESIDENT_TEXT)
        clock.now += 31  # each retry fails again: still one outage
        parser.parse(RESIDENT_TEXT)
    fake_rasa.mode = "garbage"
    parser.parse(RESIDENT_TEXT)
    fake_rasa.mode = "ok"
    clock.now += 31
    for _ in range(3):
        assert parser.parse(RESIDENT_TEXT).engine == "rasa"
    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.WARNING, logging.INFO]
    assert "Jan" not in caplog.text
    assert RESIDENT_TEXT not in caplog.text


def test_unreachable_rasa_falls_back(embedded: EmbeddedMatcher) -> None:
    with RasaParser("http://127.0.0.1:9", fallback=embedded, timeout=0.2) as rasa:
        result = rasa.parse("dankjewel")
    assert result == IntentResult("thanks", 1.0, "embedded")


def test_blank_text_never_reaches_rasa(parser: RasaParser, fake_rasa: FakeRasa) -> None:
    assert parser.parse("   ").engine == "embedded"
    assert fake_rasa.calls == 0
