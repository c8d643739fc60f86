"""Placeholders in the resident's language, for what the resident sees.

Stored and exported text keeps one canonical set, the Dutch ``[NAAM]``, ``[TELEFOON]``, ...
(storage.scrub_types.Kind); the resident reads ``[الاسم]`` or ``[İSİM]`` instead. The words
live in storage/data/placeholders.yaml.
"""

from __future__ import annotations

from functools import cache

import yaml

from storage.scrub_names import DATA_DIR
from storage.scrub_types import LANGUAGES, PLACEHOLDER_RE, Kind, language_code

__all__ = ["all_placeholders", "localise_placeholders", "placeholder_words"]


@cache
def placeholder_words(language: str) -> dict[Kind, str]:
    """The placeholder word of every identifier kind in one language."""
    raw = yaml.safe_load((DATA_DIR / "placeholders.yaml").read_text(encoding="utf-8"))
    words = raw[language_code(language)]
    return {kind: str(words[kind.value]) for kind in Kind}


def localise_placeholders(text: str, language: str) -> str:
    """Show the canonical placeholders of scrubbed text in the resident's language."""
    words = placeholder_words(language)
    return PLACEHOLDER_RE.sub(lambda m: f"[{words[Kind(m.group()[1:-1])]}]", text)


def all_placeholders() -> dict[str, dict[str, str]]:
    """Every language's placeholder per canonical placeholder, for the codebook."""
    return {
        f"[{kind.value}]": {lang: f"[{placeholder_words(lang)[kind]}]" for lang in LANGUAGES}
        for kind in Kind
    }
