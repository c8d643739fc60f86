"""The language of a resident's first words and of a language asked for by name.

Greetings and one-word replies ("привет", "dzień dobry", "merhaba", "hoi") are far too short
for a statistical detector, so the script, a language's own letters and the words residents
open with decide; longer text goes to langdetect as well (`nlu.language.detect_language`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import yaml

from nlu.intents import SUPPORTED_LANGUAGES
from nlu.language import MIN_CHARS, LanguageGuess, detect_language
from nlu.normalise import normalise_text

CUES_PATH: Final = Path(__file__).resolve().parent / "data" / "languages.yml"
BY_LETTERS: Final = 0.99
"""Probability given when the script or a language's own letters decide."""
BY_WORDS: Final = 0.9
"""Probability given when the opening words decide."""
_OWN_LETTERS: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("uk", frozenset("іїєґ")),
    ("ru", frozenset("ыэъё")),
    ("tr", frozenset("ğşıç")),
    ("pl", frozenset("ąęłńśźżć")),
)
# Persian and Urdu write with Arabic letters too; these letters are theirs, not Arabic's.
_NOT_ARABIC: Final = frozenset("پچژگکیٹڈڑںےھ")
_CYRILLIC: Final = ("uk", "ru")
_NAME_WORDS_MAX: Final = 4
"""A name counts only in a short request ("Engels graag", "по-русски пожалуйста")."""


class CueFileError(ValueError):
    """The language cue file is malformed."""


@dataclass(frozen=True, slots=True)
class LanguageCues:
    """Opening words and language names per language, normalised for whole-word lookup."""

    cues: dict[str, frozenset[str]]
    names: dict[str, frozenset[str]]


def _words(path: Path, language: str, raw: object, field: str) -> frozenset[str]:
    """One list of the cue file, normalised."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise CueFileError(f"{path}: {language}.{field} must be a list of words")
    return frozenset(filter(None, (normalise_text(item) for item in raw)))


@lru_cache(maxsize=4)
def load_cues(path: Path = CUES_PATH) -> LanguageCues:
    """Load the cue words and language names of every language."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    languages = document.get("languages") if isinstance(document, dict) else None
    if not isinstance(languages, dict):
        raise CueFileError(f"{path}: expected a 'languages' mapping")
    cues: dict[str, frozenset[str]] = {}
    names: dict[str, frozenset[str]] = {}
    for language, entry in languages.items():
        if not isinstance(entry, dict):
            raise CueFileError(f"{path}: {language} needs cues and names")
        cues[str(language)] = _words(path, str(language), entry.get("cues"), "cues")
        names[str(language)] = _words(path, str(language), entry.get("names"), "names")
    return LanguageCues(cues, names)


def _script(text: str) -> str | None:
    """'arabic', 'cyrillic' or 'latin': the script most of the letters are in."""
    counts = {"arabic": 0, "cyrillic": 0, "latin": 0}
    for char in text:
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            counts["arabic"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["cyrillic"] += 1
        elif (char.isascii() and char.isalpha()) or 0x00C0 <= code <= 0x024F:
            counts["latin"] += 1
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else None


def _own_letters(text: str, among: Iterable[str]) -> str | None:
    """The one language among `among` whose own letters the text uses most."""
    wanted = set(among)
    scores = {
        language: sum(char in letters for char in text)
        for language, letters in _OWN_LETTERS
        if language in wanted
    }
    return _single_best(scores, None)


def _single_best(scores: dict[str, int], hint: str | None) -> str | None:
    """The language with the highest score; the hint breaks a tie; None when nothing scored."""
    best = max(scores.values(), default=0)
    if best == 0:
        return None
    leaders = [language for language, score in scores.items() if score == best]
    if len(leaders) == 1:
        return leaders[0]
    return hint if hint in leaders else None


def _phrases_in(normalised: str, phrases: frozenset[str]) -> int:
    """How many of the phrases occur in the text on whole words."""
    padded = f" {normalised} "
    return sum(f" {phrase} " in padded for phrase in phrases)


def _by_words(normalised: str, among: Sequence[str], hint: str | None) -> str | None:
    """The language whose opening words the text uses most."""
    cues = load_cues().cues
    scores = {code: _phrases_in(normalised, cues.get(code, frozenset())) for code in among}
    return _single_best(scores, hint)


def _guess(language: str | None, probability: float) -> LanguageGuess | None:
    return LanguageGuess(language, probability) if language else None


def _letters_then_words(
    text: str, normalised: str, among: Sequence[str], hint: str | None
) -> LanguageGuess | None:
    """A language's own letters (ы, ї, ş, ł) decide at once; otherwise its opening words."""
    letters = _own_letters(text.casefold(), among)
    if letters:
        return LanguageGuess(letters, BY_LETTERS)
    return _guess(_by_words(normalised, among, hint), BY_WORDS)


def guess_language(
    text: str, hint: str | None = None, supported: Sequence[str] = SUPPORTED_LANGUAGES
) -> LanguageGuess | None:
    """The supported language of any text, however short; None when it cannot be told.

    Long text is left to langdetect first; short text (greetings, one word) is read by its
    script, the language's own letters and the words residents open with. The hint (the
    conversation's language) only breaks ties: "hey" opens Dutch and English alike.
    """
    normalised = normalise_text(text)
    script = _script(text)
    if not normalised or script is None:
        return None
    if len(text.strip()) >= MIN_CHARS:
        found = detect_language(text, hint, supported)
        if found is not None and (script != "cyrillic" or found.language in _CYRILLIC):
            return found
    if script == "arabic":
        arabic = "ar" in supported and not any(char in _NOT_ARABIC for char in text)
        return LanguageGuess("ar", BY_LETTERS) if arabic else None
    if script == "cyrillic":
        among = [code for code in _CYRILLIC if code in supported]
    else:
        among = [code for code in supported if code not in _CYRILLIC]
    return _letters_then_words(text, normalised, among, hint)


def language_named(text: str, supported: Sequence[str] = SUPPORTED_LANGUAGES) -> str | None:
    """The language a short reply names ("polski", "Türkçe", "عربي", "по-русски"); else None."""
    normalised = normalise_text(text)
    if not normalised or len(normalised.split()) > _NAME_WORDS_MAX:
        return None
    if normalised in supported:
        return normalised
    names = load_cues().names
    named = [code for code in supported if _phrases_in(normalised, names.get(code, frozenset()))]
    return named[0] if len(named) == 1 else None
