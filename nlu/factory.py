"""Choose the intent parser: Rasa with an embedded fallback, or the embedded matcher alone."""

from __future__ import annotations

from nlu.intents import IntentParser
from nlu.matcher import EmbeddedMatcher
from nlu.rasa_client import DEFAULT_TIMEOUT, RasaParser


def build_intent_parser(rasa_url: str | None, timeout: float = DEFAULT_TIMEOUT) -> IntentParser:
    """Rasa at `rasa_url` backed by the embedded matcher; the matcher alone when no URL."""
    embedded = EmbeddedMatcher.from_data()
    if rasa_url is None:
        return embedded
    return RasaParser(rasa_url, fallback=embedded, timeout=timeout)
