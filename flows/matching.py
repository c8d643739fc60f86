"""Typed answers to button questions: the number, the label, a synonym, then the intent."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

from flows.events import Choice

_EMOJI_OR_SYMBOL = re.compile(r"[^\w\s]", re.UNICODE)
_REPEATS = re.compile(r"(\w)\1+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_NUMBER_LIST = re.compile(r"^\s*\d{1,2}(\s*(,|en|and|\s)\s*\d{1,2})*\s*\.?\s*$")


# Letters that NFKD does not fold but people type either way: Turkish dotless i, Polish
# l with stroke, Arabic alef maqsura/ya and ta marbuta/ha, Ukrainian/Russian yo.
_FOLD = str.maketrans({"ı": "i", "ł": "l", "ى": "ي", "ة": "ه", "ё": "е", "ß": "ss"})  # noqa: RUF001


# Labels and synonyms are normalised again for every reply read against them: remembered.
@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation or emoji, repeated letters folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _EMOJI_OR_SYMBOL.sub(" ", no_marks).replace("_", " ")
    return _SPACES.sub(" ", _REPEATS.sub(r"\1", plain)).strip()


def symbols_of(text: str) -> str:
    """Only the emoji and symbols of a text, without spaces or variation selectors."""
    return "".join(
        ch
        for ch in text
        # Variation selectors, joiners and direction marks are not symbols a person types.
        if not ch.isalnum() and not ch.isspace() and ch not in "\ufe0f\u200d\u200e\u200f.,!?"
    )


def match_number(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice whose 1-based position the text names."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit():
        index = int(stripped) - 1
        if 0 <= index < len(choices):
            return choices[index]
    return None


def match_numbers(text: str, choices: Sequence[Choice]) -> list[Choice] | None:
    """Several positions at once ("1, 3 en 4"), for multiple-choice questions."""
    if not _NUMBER_LIST.match(text):
        return None
    picked = [match_number(n, choices) for n in re.findall(r"\d{1,2}", text)]
    if any(p is None for p in picked):
        return None
    return [p for p in picked if p is not None]


def match_label(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice whose label (without emoji) or emoji alone equals the text."""
    wanted = normalise(text)
    wanted_symbols = symbols_of(text) if not wanted else ""
    for choice in choices:
        for label in (choice.label, choice.short or ""):
            if not label:
                continue
            if wanted and normalise(label) == wanted:
                return choice
            if wanted_symbols and symbols_of(label) == wanted_symbols:
                return choice
    return None


def match_synonym(
    text: str, choices: Sequence[Choice], synonyms: Mapping[str, Sequence[str]]
) -> Choice | None:
    """The choice one of whose synonyms equals the text; `synonyms` maps choice id to words."""
    wanted = normalise(text)
    raw = text.strip()
    for choice in choices:
        for word in synonyms.get(choice.id, ()):
            if (wanted and normalise(word) == wanted) or (not wanted and word == raw):
                return choice
    return None
