"""The WhatsApp channel's own texts (phrases.yaml), looked up per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

PHRASES_FILE = Path(__file__).resolve().parent / "phrases.yaml"
FALLBACK_LANGUAGE = "nl"
KEYS = ("invite", "list_button", "type_number", "type_numbers")


class PhrasesError(ValueError):
    """phrases.yaml is not a mapping of language to the expected texts."""


@lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES_FILE) -> dict[str, dict[str, str]]:
    """Every language's phrases; refuses a file with a missing or non-text entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise PhrasesError(f"{path}: expected a mapping of languages")
    for language, texts in data.items():
        if not isinstance(texts, dict):
            raise PhrasesError(f"{path}: {language} must be a mapping")
        for key in KEYS:
            if not isinstance(texts.get(key), str) or not texts[key].strip():
                raise PhrasesError(f"{path}: {language}.{key} must be a text")
    return {str(lang): {str(k): str(v) for k, v in texts.items()} for lang, texts in data.items()}


def phrase(key: str, language: str | None) -> str:
    """The phrase `key` in `language`, or in Dutch when that language has none."""
    phrases = load_phrases()
    texts = phrases.get(language or "") or phrases[FALLBACK_LANGUAGE]
    return texts[key]
