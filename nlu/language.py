"""Guess the language of a resident's free text, leaning on the platform's hint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from langdetect.lang_detect_exception import LangDetectException

from nlu.detector import Detectors

_DETECTORS = Detectors()


def warm_up() -> None:
    """Load every language profile (0.4 s) before the first text comes in."""
    _DETECTORS.load()

MIN_CHARS: Final = 25
"""Shorter texts ("ok", "nee joh") say too little about their language."""
CONFIDENT: Final = 0.80
"""Probability at which the detector's best guess is taken without a hint."""
HINT_FLOOR: Final = 0.20
"""Probability at which the hinted language, if among the candidates, is preferred."""
_TAKEN_FOR: Final = {"af": "nl"}
"""langdetect often calls informal Dutch Afrikaans; no resident group writes Afrikaans."""


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A supported language and how likely the detector thinks it is."""

    language: str
    probability: float


def _candidates(text: str) -> list[tuple[str, float]]:
    """The detector's candidate languages, most likely first; empty when it cannot tell."""
    try:
        found = _DETECTORS.probabilities(text)
    except LangDetectException:
        return []
    merged: dict[str, float] = {}
    for guess in found:
        code = _TAKEN_FOR.get(str(guess.lang), str(guess.lang))
        merged[code] = merged.get(code, 0.0) + float(guess.prob)
    return sorted(merged.items(), key=lambda item: -item[1])


def detect_language(text: str, hint: str | None, supported: Sequence[str]) -> LanguageGuess | None:
    """Return the supported language of `text`, or None when it is too short or unclear."""
    letters = sum(char.isalpha() for char in text)
    if len(text.strip()) < MIN_CHARS or letters < MIN_CHARS // 2:
        return None
    candidates = [(code, prob) for code, prob in _candidates(text) if code in supported]
    if not candidates:
        return None
    if hint is not None and hint in supported:
        for code, prob in candidates:
            if code == hint and prob >= HINT_FLOOR:
                return LanguageGuess(code, round(prob, 4))
    code, prob = candidates[0]
    if prob >= CONFIDENT:
        return LanguageGuess(code, round(prob, 4))
    return None
