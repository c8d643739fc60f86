"""Text normalisation shared by the embedded matcher and the safety lexicon."""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Letters that Unicode does not decompose but residents type without their mark anyway.
_FOLD: Final = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "æ": "ae",
        "œ": "oe",
        "ة": "ه",
        "ى": "ي",
        "’": "",
        "'": "",
        "`": "",
        "´": "",
        "ـ": "",
    }
)
_REPEATS: Final = re.compile(r"(.)\1+")
_SKIN_TONES: Final = range(0x1F3FB, 0x1F400)
_QUESTION_MARKS: Final = ("?", "؟", "¿", "？")
"""A reply of only question marks asks for help, so it survives normalisation."""


def _map_char(char: str) -> str:
    """Map one decomposed character to what the normalised text keeps of it."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or ord(char) in _SKIN_TONES:
        return ""
    if category[0] in "LN":
        return char
    if category == "So":
        return f" {char} "
    return " "


def normalise_text(text: str, *, collapse_repeats: bool = True) -> str:
    """Fold case, accents, repeated letters, punctuation and emoji variants into one form.

    Without `collapse_repeats`, "een" stays apart from the joiner "en" (nlu.answers).
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD)
    mapped = "".join(_map_char(char) for char in decomposed)
    spaced = " ".join(mapped.split())
    collapsed = _REPEATS.sub(r"\1", spaced) if collapse_repeats else spaced
    if not collapsed and any(mark in text for mark in _QUESTION_MARKS):
        return "?"
    return collapsed
