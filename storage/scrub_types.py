"""Types shared by the story scrubber's layers: identifier kinds, spans, placeholders."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# Stand-in for text that an earlier rule (or an existing placeholder) already claimed. It is
# neither a word character nor whitespace, so later rules see it as a hard boundary.
MASK = "\x00"


DATA_DIR = Path(__file__).parent / "data"


def read_word_file(path: Path) -> set[str]:
    """Read one word or phrase per line, skipping blank lines and '#' comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


# The languages the scrubber knows names, cues and placeholders of (ISO 639-1).
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk", "ru")
CACHE_ENV_VAR = "VERTELPUNT_CACHE_DIR"


class UnknownLanguage(ValueError):
    """The scrubber was asked for a language it has no names, cues or placeholders for."""

    def __init__(self, language: str) -> None:
        super().__init__(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
        self.language = language


def language_code(language: str) -> str:
    """Reduce "nl-NL", "NL" or "uk_UA" to a known code such as "nl", or raise UnknownLanguage."""
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise UnknownLanguage(language)
    return code


def cache_root() -> Path:
    """The scrubber's cache directory: $VERTELPUNT_CACHE_DIR or ~/.cache/vertelpunt."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "vertelpunt"


class Kind(StrEnum):
    """Type of identifier; its value is the Dutch placeholder word."""

    NAAM = "NAAM"
    ADRES = "ADRES"
    PLAATS = "PLAATS"
    POSTCODE = "POSTCODE"
    TELEFOON = "TELEFOON"
    EMAIL = "EMAIL"
    URL = "URL"
    GEBRUIKERSNAAM = "GEBRUIKERSNAAM"
    IBAN = "IBAN"
    BSN = "BSN"
    KENTEKEN = "KENTEKEN"
    DATUM = "DATUM"
    LEEFTIJD = "LEEFTIJD"
    INSTELLING = "INSTELLING"
    NUMMER = "NUMMER"


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range [start, end) of the text that holds one identifier."""

    start: int
    end: int
    kind: Kind


def word_set(words: str) -> frozenset[str]:
    """Turn a whitespace-separated word list into a set (keeps long lists readable)."""
    return frozenset(words.split())


PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(k.value for k in Kind) + r")\]")


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """Scrubbed text (canonical placeholders) and how many identifiers of each kind it lost."""

    text: str
    counts: dict[Kind, int]

    @property
    def total(self) -> int:
        """How many identifiers were replaced in all."""
        return sum(self.counts.values())
