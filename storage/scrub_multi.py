"""Name layer of the story scrubber for English, Turkish, Arabic, Polish, Ukrainian, Russian.

Each language has a name book (storage.scrub_namebook) and cues (storage/data/
scrub_cues.yaml). A word from the name lists that is no ordinary word of the language is a
name; one that is also an ordinary word ("grace", "umut", "نور") is a name only after a cue,
next to another name, or capitalised mid-sentence where the script has capitals. Arabic has
no capitals, so there cues and the lists carry it all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple

import yaml

from storage.scrub_namebook import NameBook, load_book, normalise_arabic
from storage.scrub_names import DATA_DIR, fold_ascii, is_sentence_start
from storage.scrub_types import LANGUAGES, Kind, Span

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\u02bc-][^\W\d_]+)*")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# One-letter Arabic prefixes written onto the next word: "and", "with/by", "for", "so", "like".
_ARABIC_PREFIXES = ("و", "ب", "ل", "ف", "ك")
# Case endings to strip before a list lookup ("nowaka" -> nowak, "олени" -> олена).
_ENDINGS: dict[str, tuple[str, ...]] = {
    "pl": ("owi", "ami", "ach", "em", "om", "ie", "ę", "ą", "a", "y", "i", "u", "o"),
    "uk": ("ові", "ою", "ею", "єм", "ом", "ем", "ій", "у", "ю", "і", "и", "а", "я", "е", "о"),
    "ru": ("ому", "ой", "ом", "ём", "ем", "ей", "ою", "у", "ю", "е", "ы", "и", "а", "я"),
}
# What a stem may end in when it is a name: "andrzej-a", "олен-а", "андре-й", "серг-ій".
_STEM_SUFFIXES = {"pl": ("", "a"), "uk": ("", "а", "й", "ій", "о"), "ru": ("", "а", "й", "я")}

# "inflected": a case form ("андреем") of a sure name that is also a frequent word form.
Status = Literal["sure", "maybe", "inflected"] | None


@dataclass(frozen=True, slots=True)
class CueBook:
    """The cue phrases of one language, as tuples of lower-case words."""

    strong: frozenset[tuple[str, ...]]
    relation: frozenset[tuple[str, ...]]
    conjunctions: frozenset[str]
    after: frozenset[str]
    joiners: frozenset[str]
    longest: int
    words: frozenset[str]  # every word of every cue: never a name itself
    governs: frozenset[str]  # prepositions before a name in a case form ("с андреем")
    surname_words: bool  # surnames are often ordinary words ("yıldız", "green")


def _phrases(raw: list[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(_fold_cue(phrase).split()) for phrase in raw)


def _fold_cue(phrase: str) -> str:
    return normalise_arabic(unicodedata.normalize("NFC", phrase.lower()))


@cache
def _cue_file() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(
        (DATA_DIR / "scrub_cues.yaml").read_text(encoding="utf-8")
    )
    return loaded


@cache
def load_cues(language: str) -> CueBook:
    """The cues of one language, read once from storage/data/scrub_cues.yaml."""
    raw = _cue_file()[language]
    assert isinstance(raw, dict)
    strong, relation = _phrases(raw["strong"]), _phrases(raw["relation"])
    return CueBook(
        strong=strong,
        relation=relation,
        conjunctions=frozenset(_fold_cue(w) for w in raw["and"]),
        after=frozenset(_fold_cue(w) for w in raw["after"]),
        joiners=frozenset(_fold_cue(w) for w in raw["joiners"]),
        governs=frozenset(_fold_cue(w) for w in raw.get("governs", ())),
        surname_words=bool(raw.get("surname_words", False)),
        longest=max((len(p) for p in strong | relation), default=1),
        words=frozenset(w for p in strong | relation for w in p)
        | frozenset(_fold_cue(w) for key in ("and", "after") for w in raw[key])
        | frozenset(_fold_cue(w) for w in raw.get("not_names", ())),
    )


@cache
def _never_names() -> re.Pattern[str]:
    raw = _cue_file()["never_names"]
    assert isinstance(raw, list)
    phrases = sorted((re.escape(str(p)) for p in raw), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)


def mask_never_names(text: str) -> str:
    """Hide shop names that start with a first name ("albert heijn") from the name finder."""
    return _never_names().sub(lambda m: "\x00" * len(m.group()), text)


@cache
def dutch_markers() -> frozenset[str]:
    """Dutch words that no other supported language writes the same way."""
    raw = _cue_file()["dutch_markers"]
    assert isinstance(raw, list)
    return frozenset(raw)


class Token(NamedTuple):
    """One word of the text, with its lower-case lookup form."""

    start: int
    end: int
    text: str
    low: str


def tokens(text: str) -> list[Token]:
    """Split text into words; Arabic words are normalised (hamza forms, taa marbuta)."""
    found = []
    for match in _WORD.finditer(text):
        low = unicodedata.normalize("NFC", match.group().lower())
        if _ARABIC.search(low):
            low = normalise_arabic(low)
        found.append(Token(match.start(), match.end(), match.group(), low))
    return found


def _adjacent(text: str, left: Token, right: Token) -> bool:
    return text[left.end : right.start].strip(" -") == ""


class MultiNameFinder:
    """Finds person names in text of one language with its name book and cues."""

    def __init__(self, book: NameBook, cues: CueBook, guests: tuple[NameBook, ...] = ()) -> None:
        self._book = book
        self._cues = cues
        # The other languages' books: a resident writes the names of neighbours and workers
        # from everywhere ("mark jansen" in English, "oleksandr" in Dutch).
        self._guests = guests
        self._endings = _ENDINGS.get(book.language, ())
        self._stem_suffixes = _STEM_SUFFIXES.get(book.language, ())

    def find(self, text: str) -> list[Span]:
        """Return the name spans in text (placeholders and patterns already masked)."""
        words = tokens(mask_never_names(text))
        spans: list[Span] = []
        named: set[int] = set()
        i = 0
        while i < len(words):
            if self._starts_name(words, i, text, named):
                last = self._extend(words, self._past_interfix(words, i), text)
                start = words[i].start + (1 if self._prefixed(words[i]) else 0)
                spans.append(Span(start, words[last].end, Kind.NAAM))
                named.update(range(i, last + 1))
                i = last + 1
            else:
                i += 1
        return spans

    def lookup(self, word: str) -> Status:
        """Tell whether a lower-case word is surely a name, maybe one, or none."""
        if word in self._cues.words:
            return None
        found = {self._form_status(word, form) for form in self._forms(word)}
        for status in ("sure", "inflected", "maybe"):
            if status in found:
                return status
        return self._guest_lookup(word)

    def _form_status(self, word: str, form: str) -> Status:
        book = self._book
        if not book.is_name(form):
            return None
        if form != word and form in self._inflected(word) and form not in book.ambiguous:
            # "олександром" is a name when "олександр" surely is one; as a frequent word
            # form it still needs a cue ("з олександром").
            return "inflected" if word in book.ordinary else "sure"
        if form != word and word in book.ordinary:
            return None  # "zmiany" and "üç" are words, whatever "zmian" and "uc" are
        if form in book.ambiguous or word in book.ambiguous:
            return "maybe"
        return "sure" if len(form) > 2 else "maybe"

    def _guest_lookup(self, word: str) -> Status:
        """A name of another language's book that is no word here nor there is a name."""
        book = self._book
        if len(word) < 4 or word in book.frequent or word in book.ambiguous:
            return None
        for guest in self._guests:
            if word in guest.frequent and (word in guest.ambiguous or not guest.is_name(word)):
                return None  # "moja" is a Polish word wherever else it is a name
        for guest in self._guests:
            if guest.is_name(word) and word not in guest.ambiguous:
                return "sure"
        return None

    def _inflected(self, word: str) -> set[str]:
        stems = {
            word[: -len(e)] for e in self._endings if word.endswith(e) and len(word) > len(e) + 2
        }
        return stems | {stem + suffix for stem in stems for suffix in self._stem_suffixes}

    def _forms(self, word: str) -> list[str]:
        forms = [word]
        for mark in ("'", "\u2019", "\u02bc"):
            if mark in word:
                forms.append(word.split(mark)[0])  # Turkish suffix: "ayşe'ye" -> ayşe
        if word.isascii() is False and not _ARABIC.search(word) and not _CYRILLIC.search(word):
            forms.append(fold_ascii(word))
        if _ARABIC.search(word) and len(word) > 3 and word.startswith(_ARABIC_PREFIXES):
            forms.append(word[1:])
        forms.extend(sorted(self._inflected(word)))
        return forms

    def _cue_before(self, words: list[Token], i: int, text: str, named: set[int]) -> str | None:
        if i == 0 or text[words[i - 1].end : words[i].start].strip(" -,:") != "":
            return None
        previous = words[i - 1].low
        if _ARABIC.search(previous) and previous.startswith("و") and len(previous) > 3:
            previous = previous[1:]  # "وصديقتها ليلى": "and her friend Layla"
            words = [*words[: i - 1], words[i - 1]._replace(low=previous), *words[i:]]
        if previous in self._cues.conjunctions and (i - 2) in named:
            return "and"  # "ayşe ve fatma": only a listed name counts after it
        for size in range(min(self._cues.longest, i), 0, -1):
            phrase = tuple(w.low for w in words[i - size : i])
            if phrase in self._cues.strong:
                return "strong"
            if phrase in self._cues.relation:
                return "relation"
        return None

    def _capital(self, token: Token, text: str) -> bool:
        return token.text[:1].isupper() and not is_sentence_start(text, token.start)

    def _starts_name(self, words: list[Token], i: int, text: str, named: set[int]) -> bool:
        token = words[i]
        if token.low in self._cues.joiners:
            return self._cued_interfix(words, i, text, named)
        status = self.lookup(token.low)
        if status == "sure":
            return True
        cue = self._cue_before(words, i, text, named)
        after = self._name_follows(words, i, text)
        if status == "inflected":
            return (
                self._capital(token, text)
                or cue is not None
                or (i > 0 and words[i - 1].low in self._cues.governs)
            )
        if status == "maybe":
            if self._capital(token, text):
                return True
            if cue == "and" and token.low in self._book.ordinary:
                return False  # "andrzej z biura": after "z" only a name that is no word
            return (cue is not None or after) and token.low not in self._book.function
        if token.low in self._book.ordinary or len(token.low) < 3:
            return False
        # An unknown word right after "my name is" or "my neighbour" is most likely a name.
        return cue in ("strong", "relation") or (after and self._capital(token, text))

    def _word_surname(self, token: Token) -> bool:
        """Tell whether a listed word after a first name is read as the surname."""
        if token.low in self._book.function:
            return False
        if self._cues.surname_words:
            return True  # Turkish, English, Polish: "yıldız", "green", "mróz"
        # Elsewhere only an Arabic family name with the article ("العلي") or an unguarded one.
        return token.low.startswith("ال") or (
            token.low not in self._book.guard and not _ARABIC.search(token.low)
        )

    def _prefixed(self, token: Token) -> bool:
        """Tell whether an Arabic word is a name only without its one-letter prefix."""
        low = token.low
        return (
            len(low) > 3
            and low.startswith(_ARABIC_PREFIXES)
            and _ARABIC.search(low) is not None
            and not self._book.is_name(low)
            and self._book.is_name(low[1:])
        )

    def _past_interfix(self, words: list[Token], i: int) -> int:
        """Index of the first word after the interfix a name starts with ("van dijk")."""
        j = i
        while j + 1 < len(words) and words[j].low in self._cues.joiners and j - i < 3:
            j += 1
        return j

    def _cued_interfix(self, words: list[Token], i: int, text: str, named: set[int]) -> bool:
        """ "mr van dijk": after a cue, an interfix starts the surname that follows it."""
        if self._cue_before(words, i, text, named) is None:
            return False
        j = i
        while j < len(words) and words[j].low in self._cues.joiners and j - i < 3:
            j += 1
        if j >= len(words) or not _adjacent(text, words[j - 1], words[j]):
            return False
        return words[j].low not in self._book.ordinary or self.lookup(words[j].low) is not None

    def _name_follows(self, words: list[Token], i: int, text: str) -> bool:
        """A title after the word ("ayşe hanım") or a sure name right after it."""
        if i + 1 >= len(words) or not _adjacent(text, words[i], words[i + 1]):
            return False
        nxt = words[i + 1].low
        if nxt in self._cues.after:
            return True
        # "back john" is no name; "mark jansen" is: a frequent word does not join a name.
        return words[i].low not in self._book.function and self.lookup(nxt) == "sure"

    def _extend(self, words: list[Token], i: int, text: str) -> int:
        last = i
        while last + 1 < len(words):
            j = last + 1
            while j < len(words) and words[j].low in self._cues.joiners and j - last <= 2:
                j += 1
            if j >= len(words) or not all(
                _adjacent(text, words[k], words[k + 1]) for k in range(last, j)
            ):
                break
            after_interfix = j > last + 1 and words[j].low not in self._book.ordinary
            if not after_interfix and not self._continues_name(words[j], text, last == i):
                break
            last = j
        return last

    def _continues_name(self, token: Token, text: str, first_word_only: bool) -> bool:
        if self._prefixed(token):
            return False  # "حسين وزينب": "and Zainab" starts a name of its own
        status = self.lookup(token.low)
        if status == "sure" or (status == "maybe" and token.text[:1].isupper()):
            return True
        if status == "maybe" and first_word_only and self._word_surname(token):
            return True  # "ramazan yıldız": a listed surname that is also a word
        if first_word_only and status is None and token.low not in self._book.ordinary:
            # "jan bakker": a name of another language, even one that is a word there.
            return any(guest.is_name(token.low) for guest in self._guests)
        unknown = status is None and token.low not in self._book.ordinary
        return unknown and self._capital(token, text)


@cache
def finder(language: str) -> MultiNameFinder:
    """The name finder of one language (its book and the others' are read on first use)."""
    guests = tuple(load_book(other) for other in LANGUAGES if other != language)
    return MultiNameFinder(load_book(language), load_cues(language), guests)


@cache
def foreign_in_dutch() -> MultiNameFinder:
    """A finder for the other languages' names inside Dutch text (Dutch names and cues
    are deduce's and storage.scrub_names's work, so the Dutch book lends no names here)."""
    dutch = load_book("nl")
    words_only = NameBook(
        language="nl",
        first_names=frozenset(),
        surnames=frozenset(),
        ambiguous=dutch.ambiguous,
        function=frozenset(),
        ordinary=dutch.ordinary,
        frequent=dutch.ordinary,  # Dutch text gives no cues: only a name that is no word
    )
    guests = tuple(load_book(other) for other in LANGUAGES if other != "nl")
    return MultiNameFinder(words_only, load_cues("nl"), guests)
