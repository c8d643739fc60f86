"""The small interface through which the conversation engine asks what a reply means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

INTENTS: Final[tuple[str, ...]] = (
    "affirm",
    "deny",
    "skip",
    "stop",
    "help",
    "greet",
    "thanks",
    "new_story",
    "delete_my_data",
    "change_language",
    "privacy",
    "out_of_scope",
)
FALLBACK_INTENT: Final = "nlu_fallback"
SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("nl", "en", "tr", "ar", "pl", "uk", "ru")


@dataclass(frozen=True, slots=True)
class IntentResult:
    """What a text most likely means, how sure the engine is, and which engine said so."""

    intent: str
    confidence: float
    engine: str


class IntentParser(Protocol):
    """Anything that turns a resident's free text into an intent."""

    def parse(self, text: str, language: str | None = None) -> IntentResult:
        """Classify one text; `language` is a hint, not a filter."""
        ...
