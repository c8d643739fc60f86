"""Types shared by the story scrubber's layers: identifier kinds, spans, placeholders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Stand-in for text that an earlier rule (or an existing placeholder) already claimed. It is
# neither a word character nor whitespace, so later rules see it as a hard boundary.
MASK = "\x00"


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
