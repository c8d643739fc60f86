"""Read a typed reply against the choices of a pending question: pure, fast primitives.

Residents type what a button says without its emoji or number ("een beetje"), an ordinal
("de tweede", "2e", "ikincisi", "друга"), a word with a typo ("beetej"), several options at
once ("geld, huis", "para ve ev") or "klaar" for the done button. These functions turn such a
reply into something the engine can compare with its choices; they never decide what the
engine does with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.intents import SUPPORTED_LANGUAGES
from nlu.normalise import normalise_text

WORDS_PATH: Final = Path(__file__).resolve().parent / "data" / "answers.yml"
LAST: Final = -1
"""Position returned for "the last one"; the caller counts it from the end."""
# Commas (also Arabic and Chinese), semicolons, slashes, plus, ampersand, a dash between spaces.
_SEPARATORS: Final = re.compile("[,;/+&\n\u060c\u3001]+|\\s[-\u2013]\\s")
# A number, an optional dot, dash or apostrophe (also U+2019), and a suffix: "2e", "2.si".
_NUMBER_ORDINAL: Final = re.compile("(\\d{1,2})([.\\-'\u2019]?)(\\w*)\\.?")
_ARABIC_AND: Final = "و"
_ORDINAL_WORDS_MAX: Final = 4
"""An ordinal reply is short: "de tweede", "the second one", "nummer 2 graag"."""
# What a label starts with before its words: emoji, a keycap number (2️⃣), "[1]", "1." or "1)".
_DECORATION: Final = re.compile(r"^(?:\s|\[\d{1,2}\]|\d{1,2}[.)](?=\s)|\d\ufe0f?\u20e3|[^\w\s])+")


class AnswerWordsError(ValueError):
    """The answer words file is malformed."""


@dataclass(frozen=True, slots=True)
class LanguageAnswerWords:
    """One language's ordinals (normalised word to position), last, fillers, joiners, done."""

    number_suffixes: frozenset[str]
    ordinals: Mapping[str, int]
    last: frozenset[str]
    fillers: frozenset[str]
    joiners: frozenset[str]
    done: frozenset[str]


def _word_list(raw: object, where: str) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise AnswerWordsError(f"{where} must be a list of words")
    return frozenset(filter(None, (normalise_text(item) for item in raw)))


def _ordinals(raw: object, where: str) -> dict[str, int]:
    if not isinstance(raw, list):
        raise AnswerWordsError(f"{where} must list the words for positions 1, 2, 3 ...")
    return {
        word: position
        for position, words in enumerate(raw, start=1)
        for word in _word_list(words, f"{where}[{position}]")
    }


def _language(entry: object, where: str) -> LanguageAnswerWords:
    if not isinstance(entry, dict):
        raise AnswerWordsError(f"{where} must be a mapping")
    return LanguageAnswerWords(
        number_suffixes=_word_list(entry.get("number_suffixes"), f"{where}.number_suffixes"),
        ordinals=_ordinals(entry.get("ordinals"), f"{where}.ordinals"),
        last=_word_list(entry.get("last"), f"{where}.last"),
        fillers=_word_list(entry.get("fillers"), f"{where}.fillers"),
        joiners=_word_list(entry.get("joiners"), f"{where}.joiners"),
        done=_word_list(entry.get("done"), f"{where}.done"),
    )


@lru_cache(maxsize=4)
def load_answer_words(path: Path = WORDS_PATH) -> dict[str, LanguageAnswerWords]:
    """Every language's answer words, normalised."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    languages = document.get("languages") if isinstance(document, dict) else None
    if not isinstance(languages, dict):
        raise AnswerWordsError(f"{path}: expected a 'languages' mapping")
    return {str(code): _language(entry, f"{path}: {code}") for code, entry in languages.items()}


@dataclass(frozen=True, slots=True)
class _Merged:
    """The answer words of several languages at once."""

    languages: tuple[LanguageAnswerWords, ...]
    number_suffixes: frozenset[str]
    fillers: frozenset[str]
    joiners: frozenset[str]
    done: frozenset[str]


@lru_cache(maxsize=64)
def _merged(codes: tuple[str, ...]) -> _Merged:
    words = load_answer_words()
    chosen = tuple(words[code] for code in dict.fromkeys(codes) if code in words)
    return _Merged(
        languages=chosen,
        number_suffixes=frozenset().union(*(w.number_suffixes for w in chosen)),
        fillers=frozenset().union(*(w.fillers for w in chosen)),
        joiners=frozenset().union(*(w.joiners for w in chosen)),
        done=frozenset().union(*(w.done for w in chosen)),
    )


def _of(languages: Iterable[str] | None) -> _Merged:
    return _merged(SUPPORTED_LANGUAGES if languages is None else tuple(languages))


def _is_symbol(token: str) -> bool:
    return not any(char.isalnum() for char in token)


@lru_cache(maxsize=4096)
def reply_key(text: str) -> str:
    """A reply as the matcher compares it: case, accents and emoji folded away, numbers kept."""
    return " ".join(token for token in normalise_text(text).split() if not _is_symbol(token))


@lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """A button label as residents type it: without its leading emoji or number ("2️⃣ Een
    beetje" is "een beetje", "[1] ✅ Klaar" is "klaar"), compared as `reply_key` compares."""
    return reply_key(_DECORATION.sub("", label))


def _number_ordinal(token: str, suffixes: frozenset[str], after_filler: bool) -> int | None:
    """2e, 2nd, 2., 2-й, 2'si; a bare number only after a word like "nummer" or "de"."""
    found = _NUMBER_ORDINAL.fullmatch(token)
    if found is None:
        return None
    digits, separator, suffix = found.groups()
    if (suffix and reply_key(suffix) in suffixes) or (separator == "." and not suffix):
        return int(digits)
    if not separator and not suffix and after_filler:
        return int(digits)
    return None


def ordinal_position(text: str, languages: Iterable[str] | None = None) -> int | None:
    """The 1-based position an ordinal reply names ("de tweede", "2e", "ikincisi", "второй");
    `LAST` for "the last one"; None for anything else, a bare number included."""
    words = _of(languages)
    tokens = [t.strip(",;:!?") or t for t in text.casefold().split()]
    if len(tokens) > _ORDINAL_WORDS_MAX:
        return None
    kept = [t for t in tokens if reply_key(t) not in words.fillers and not _is_symbol(t)]
    if len(kept) != 1:
        return None
    number = _number_ordinal(kept[0], words.number_suffixes, after_filler=len(kept) < len(tokens))
    if number is not None:
        return number if number > 0 else None
    word = reply_key(kept[0])
    for language in words.languages:
        if word in language.ordinals:
            return language.ordinals[word]
        if word in language.last:
            return LAST
    return None


def allowed_edits(length: int) -> int:
    """Typos forgiven in a reply of this many characters: none in a short word."""
    if length <= 3:
        return 0
    return 1 if length <= 6 else 2


def _keyed(phrases: Mapping[str, str]) -> dict[str, set[str]]:
    keyed: dict[str, set[str]] = {}
    for phrase, choice_id in phrases.items():
        key = label_key(phrase)
        if key:
            keyed.setdefault(key, set()).add(choice_id)
    return keyed


def fuzzy_match(reply: str, phrases: Mapping[str, str]) -> tuple[str, bool] | None:
    """The choice id whose phrase (a label or synonym) the reply equals or is a small typo of.

    `phrases` maps labels and synonyms, as written, to choice ids. None when nothing is close
    enough, or when phrases of two different choices are equally close: a guess must not
    pick one of two.

    Returns the choice id and whether the reply was a typo (True) or the phrase itself.
    """
    wanted = reply_key(reply)
    if not wanted:
        return None
    keyed = _keyed(phrases)
    if wanted in keyed:
        ids = keyed[wanted]
        return (next(iter(ids)), False) if len(ids) == 1 else None
    limit = allowed_edits(len(wanted))
    found = process.extract(wanted, list(keyed), scorer=OSA.distance, score_cutoff=limit, limit=8)
    usable = [(key, d) for key, d, _ in found if d <= allowed_edits(len(key))]
    if not usable:
        return None
    best = min(distance for _, distance in usable)
    ids = set().union(*(keyed[key] for key, distance in usable if distance == best))
    return (ids.pop(), True) if len(ids) == 1 else None


def _plain(text: str) -> str:
    """Folded like `reply_key`, but "een" is not collapsed into the joiner "en"."""
    tokens = normalise_text(text, collapse_repeats=False).split()
    return " ".join(token for token in tokens if not _is_symbol(token))


@lru_cache(maxsize=1024)
def _multiword_keys(keep: frozenset[str]) -> tuple[str, ...]:
    """The phrases of several words, folded as `_plain` folds, longest first."""
    keys = {_plain(_DECORATION.sub("", phrase)) for phrase in keep}
    return tuple(sorted((key for key in keys if " " in key), key=len, reverse=True))


def _protect(piece: str, keep: tuple[str, ...]) -> str:
    """Join the words of known phrases ("geld en schulden") so a joiner inside stays."""
    for phrase in keep:
        if f" {phrase} " in f" {piece} ":
            piece = f" {piece} ".replace(f" {phrase} ", f" {phrase.replace(' ', '_')} ").strip()
    return piece


def _split_on_joiners(piece: str, joiners: frozenset[str]) -> list[str]:
    parts: list[list[str]] = [[]]
    for token in piece.split():
        arabic_and = token.startswith(_ARABIC_AND + "ال") and len(token) > 3
        if token in joiners or arabic_and:
            parts.append([token[1:]] if arabic_and else [])
        else:
            parts[-1].append(token)
    return [reply_key(" ".join(part).replace("_", " ")) for part in parts if part]


def split_options(
    text: str, languages: Iterable[str] | None = None, keep: Iterable[str] = ()
) -> list[str]:
    """One reply as the several options it names ("geld, huis", "para ve ev"), each as a
    reply key. `keep` lists phrases (label keys, synonyms) that hold a joiner themselves."""
    joiners = _of(languages).joiners
    kept = _multiword_keys(frozenset(keep))
    parts: list[str] = []
    for piece in _SEPARATORS.split(text):
        parts.extend(_split_on_joiners(_protect(_plain(piece), kept), joiners))
    return [part for part in parts if part]


def is_done_word(
    text: str, languages: Iterable[str] | None = None, extra: Iterable[str] = ()
) -> bool:
    """True when the reply is only the done button typed ("klaar", "gotowe", "готово");
    `extra` adds the form's own words."""
    wanted = reply_key(text)
    if not wanted:
        return False
    return wanted in _of(languages).done or wanted in {reply_key(word) for word in extra}


def _numbers(label: str) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", _DECORATION.sub("", label))]


def choice_for_number(value: int, labels: Mapping[str, str]) -> str | None:
    """The choice whose label names a range holding `value` ("45" in "🧑 45 tot 65").

    `labels` maps choice ids to labels. Two numbers make a range from the first up to (not
    including) the second; a label with one number is everything below it when that number
    is the lowest of all labels ("Jonger dan 16"), and from it upwards when it is the
    highest ("80 of ouder"), in any language. None when no label is a range or none holds
    the value. A small number is the choice's own number first: the caller decides.
    """
    numbers = {choice_id: _numbers(label) for choice_id, label in labels.items()}
    every = [number for found in numbers.values() for number in found]
    if not every:
        return None
    lowest, highest = min(every), max(every)
    for choice_id, found in numbers.items():
        if len(found) == 2 and found[0] <= value < found[1]:
            return choice_id
        if found == [lowest] and value < lowest:
            return choice_id
        if found == [highest] and value >= highest:
            return choice_id
    return None
