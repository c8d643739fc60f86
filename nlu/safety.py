"""Spot danger and despair in a resident's text so the bot can show help lines.

Signposting, not diagnosis: a match only means "show 113 / Veilig Thuis / 112" (and De
Kindertelefoon for a resident under 16); it never labels, scores or reports a person.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from itertools import permutations
from pathlib import Path
from typing import Final

import yaml

from nlu.normalise import normalise_text

LEXICON_PATH: Final = Path(__file__).resolve().parent / "data" / "safety.yml"
_GAP: Final = ".."
_GAP_PATTERN: Final = r"(?:\S+ ){0,4}"
_ANY_ORDER: Final = " + "
_ANY_ORDER_PARTS_MAX: Final = 3
"""Three parts make six orders; more would make the pattern slow for little gain."""


class DangerCategory(StrEnum):
    """Kinds of danger, each pointing to its own help line."""

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    DOMESTIC_VIOLENCE = "domestic_violence"
    ABUSE = "abuse"
    ACUTE_DANGER = "acute_danger"


class LexiconError(ValueError):
    """The safety lexicon file is malformed."""


def _word_pattern(word: str) -> str:
    """Regex for one lexicon word, honouring a leading or trailing '*'."""
    prefix = r"\S*" if word.startswith("*") else ""
    suffix = r"\S*" if word.endswith("*") else ""
    core = normalise_text(word.strip("*"))
    if not core:
        raise LexiconError(f"lexicon word {word!r} is empty after normalisation")
    return prefix + re.escape(core) + suffix


def _sequence_pattern(words: list[str]) -> str:
    """Regex for words in this order ('..' allowing a few others between), ending in a space."""
    parts: list[str] = []
    for word in words:
        if word == _GAP:
            parts.append(_GAP_PATTERN)
        else:
            parts.append(_word_pattern(word) + " ")
    return "".join(parts)


def phrase_pattern(phrase: str) -> str:
    """Regex that matches a lexicon phrase on whole words of normalised text.

    Parts joined by ' + ' may come in any order, with a few other words between them:
    "zabić + się" matches "chcę się zabić" and "zabić się chcę".
    """
    parts = [part.split() for part in phrase.split(_ANY_ORDER)]
    if len(parts) > _ANY_ORDER_PARTS_MAX or not all(parts):
        raise LexiconError(f"lexicon phrase {phrase!r}: one to three parts joined by ' + '")
    orders = permutations(parts) if len(parts) > 1 else [parts]
    bodies = sorted(
        {_GAP_PATTERN.join(_sequence_pattern(part) for part in order) for order in orders}
    )
    body = "|".join(body.removesuffix(" ") for body in bodies)
    return rf"(?<!\S)(?:{body})(?!\S)"


def _compile(phrases: list[str]) -> re.Pattern[str]:
    """One alternation per category, longest phrases first."""
    patterns = sorted((phrase_pattern(phrase) for phrase in phrases), key=len, reverse=True)
    return re.compile("|".join(patterns))


def _phrases(by_language: object, category: str) -> list[str]:
    """All phrases of one category, across languages."""
    if not isinstance(by_language, dict):
        raise LexiconError(f"category {category!r} must map languages to phrase lists")
    phrases: list[str] = []
    for language, items in by_language.items():
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise LexiconError(f"{category}.{language} must be a list of phrases")
        phrases.extend(items)
    return phrases


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> dict[DangerCategory, re.Pattern[str]]:
    """Load and compile the lexicon: one regex per category."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(categories, dict):
        raise LexiconError(f"{path}: expected a 'categories' mapping")
    try:
        return {
            DangerCategory(name): _compile(_phrases(by_language, name))
            for name, by_language in categories.items()
        }
    except ValueError as error:
        raise LexiconError(f"{path}: {error}") from error


def danger_categories(text: str) -> frozenset[DangerCategory]:
    """Every kind of danger the text mentions; empty when none."""
    normalised = normalise_text(text)
    if not normalised:
        return frozenset()
    return frozenset(
        category for category, pattern in load_lexicon().items() if pattern.search(normalised)
    )


def mentions_danger(text: str) -> bool:
    """True when the text mentions danger or despair (signposting, not diagnosis)."""
    return bool(danger_categories(text))
