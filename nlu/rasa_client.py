"""Ask a Rasa NLU server for intents; answer with the embedded matcher while it is unwell."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Final

import httpx

from nlu.intents import FALLBACK_INTENT, INTENTS, IntentParser, IntentResult

ENGINE: Final = "rasa"
DEFAULT_TIMEOUT: Final = 0.3
DEFAULT_OPEN_SECONDS: Final = 30.0
_KNOWN_INTENTS: Final = frozenset((*INTENTS, FALLBACK_INTENT))

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer; the message names why, never the resident's text."""


class CircuitBreaker:
    """Stops calling a failing service for a while; logs only when it opens and closes."""

    def __init__(self, open_seconds: float, clock: Callable[[], float]) -> None:
        self._open_seconds = open_seconds
        self._clock = clock
        self._retry_at: float | None = None
        self._failing = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """True while calls should skip the service."""
        with self._lock:
            return self._retry_at is not None and self._clock() < self._retry_at

    def record_failure(self, reason: str) -> None:
        """Open (or keep open) the breaker; warn only on the first failure of an outage."""
        with self._lock:
            self._retry_at = self._clock() + self._open_seconds
            first = not self._failing
            self._failing = True
        if first:
            logger.warning(
                "Rasa NLU unavailable (%s); using the embedded matcher, retrying every %.0f s",
                reason,
                self._open_seconds,
            )

    def record_success(self) -> None:
        """Close the breaker; tell once that the service is back."""
        with self._lock:
            recovered = self._failing
            self._failing = False
            self._retry_at = None
        if recovered:
            logger.info("Rasa NLU is answering again")


def _result_from_json(payload: object) -> IntentResult:
    """Read `{"intent": {"name": ..., "confidence": ...}}` from Rasa's /model/parse answer."""
    intent = payload.get("intent") if isinstance(payload, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    confidence = intent.get("confidence") if isinstance(intent, dict) else None
    if name not in _KNOWN_INTENTS or not isinstance(name, str):
        raise RasaUnavailable("malformed response")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise RasaUnavailable("malformed response")
    return IntentResult(name, round(float(confidence), 4), ENGINE)


class RasaParser:
    """IntentParser backed by `POST {url}/model/parse`, with a circuit breaker and a fallback."""

    def __init__(
        self,
        url: str,
        fallback: IntentParser,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        open_seconds: float = DEFAULT_OPEN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fallback = fallback
        self._client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
        self.breaker = CircuitBreaker(open_seconds, clock)

    def parse(self, text: str, language: str | None = None) -> IntentResult:
        """Classify with Rasa when it is healthy, else with the fallback parser."""
        if not text.strip() or self.breaker.is_open:
            return self._fallback.parse(text, language)
        try:
            result = self._ask_rasa(text)
        except RasaUnavailable as error:
            self.breaker.record_failure(str(error))
            return self._fallback.parse(text, language)
        self.breaker.record_success()
        return result

    def _ask_rasa(self, text: str) -> IntentResult:
        """One call to Rasa; every way it can go wrong becomes RasaUnavailable."""
        try:
            response = self._client.post("/model/parse", json={"text": text})
        except httpx.TimeoutException as error:
            raise RasaUnavailable("timeout") from error
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"connection error: {type(error).__name__}") from error
        if response.status_code != httpx.codes.OK:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as error:
            raise RasaUnavailable("response is not JSON") from error
        return _result_from_json(payload)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> RasaParser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
