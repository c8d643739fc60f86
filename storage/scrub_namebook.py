"""Per-language name books for the story scrubber, extracted from installed packages.

The names come from the ``names-dataset`` package (first and last names by country, in
the scripts people write them in) and Faker's person providers (Ukrainian names, which
names-dataset lacks); the ordinary words come from ``wordfreq``. Loading names-dataset
takes about 2 GB and a minute, so a child process extracts a compact book per language
once, into the cache directory, and the serving process reads only the books it needs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from storage.scrub_names import DATA_DIR, fold_ascii, read_word_file
from storage.scrub_types import LANGUAGES, cache_root

__all__ = [
    "NameBook",
    "book_dir",
    "books_ready",
    "ensure_books",
    "load_book",
    "normalise_arabic",
]

_log = logging.getLogger(__name__)
_FORMAT = 13  # bump when the extraction changes, so old caches are rebuilt

# Countries whose residents write a language's names (names-dataset has no Ukraine: the
# Ukrainian book takes Russian-script names plus Faker's Ukrainian lists).
COUNTRIES: dict[str, tuple[str, ...]] = {
    "nl": ("NL", "BE"),
    "en": ("GB", "US", "IE"),
    "tr": ("TR",),
    "ar": ("EG", "SA", "MA", "SY", "IQ", "JO", "PS", "LB", "DZ", "TN", "AE"),
    "pl": ("PL",),
    "uk": ("RU",),
    "ru": ("RU",),
}
_FAKER_LOCALES: dict[str, tuple[str, ...]] = {
    "nl": ("nl_NL",),
    "en": ("en_GB", "en_US"),
    "tr": ("tr_TR",),
    "ar": ("ar_AA", "ar_SA", "ar_PS"),
    "pl": ("pl_PL",),
    "uk": ("uk_UA", "ru_RU"),
    "ru": ("ru_RU", "uk_UA"),
}
# Languages with their own script, whose Latin spellings of names can be Dutch or English words.
_OWN_SCRIPT = ("ar", "uk", "ru")
_TOP_FIRST = 5000  # per country, by how many people carry the name
_TOP_LAST = 8000
_TOP_RANKED = 400  # names this common are names even when they are also a frequent word
_ORDINARY_WORDS = 40000  # wordfreq's most frequent words of the language
_TRANSLITERATED_WORDS = 8000  # of which these are also kept in Latin spelling
_FREQUENT_WORDS = 3000  # of which these are no name from another language's book either
_AMBIGUOUS_ZIPF = 3.3  # a name that is a word this frequent needs a cue or a capital
_FUNCTION_ZIPF = 5.6  # a word this frequent is never taken for a name on its own
_FUNCTION_WORD_ZIPF = 5.0  # a word this frequent (and no top name) is no name even after a cue


# Alif maqsura stays: "على" (on) and "علي" (Ali) must not become one word.
_ARABIC_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ـ": None})


def normalise_arabic(word: str) -> str:
    """One spelling for the hamza forms of alif and for taa marbuta, as residents type."""
    return word.translate(_ARABIC_FORMS)


@dataclass(frozen=True, slots=True)
class NameBook:
    """Lower-case name and word sets of one language (with ASCII-folded forms)."""

    language: str
    first_names: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]  # names that are also ordinary words of the language
    function: frozenset[str]  # names that are words as frequent as "bana", "back"
    ordinary: frozenset[str]  # the language's frequent words
    frequent: frozenset[str]  # its few thousand most frequent words
    guard: frozenset[str] = frozenset()  # hand-picked words that are never a name alone

    def is_name(self, word: str) -> bool:
        """Tell whether a lower-case word is a first name or surname of this book."""
        return word in self.first_names or word in self.surnames


def book_dir() -> Path:
    """Where the extracted books of the installed package versions live."""
    versions = f"nd{version('names-dataset')}-wf{version('wordfreq')}-fk{version('faker')}"
    return cache_root() / "namebooks" / f"v{_FORMAT}-{versions}"


def books_ready() -> bool:
    """Whether every language's book has been extracted."""
    return all((book_dir() / f"{lang}.json").exists() for lang in LANGUAGES)


_build_lock = threading.Lock()


def ensure_books() -> None:
    """Extract the books in a child process when they are missing (once per install)."""
    if books_ready():
        return
    with _build_lock:
        if books_ready():
            return
        _log.info("extracting name books into %s (about two minutes, once)", book_dir())
        # A child process, so the 2 GB that names-dataset needs is returned at its exit.
        subprocess.run(
            [sys.executable, "-m", "storage.scrub_namebook", str(book_dir())],
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )


_books: dict[str, NameBook] = {}


def load_book(language: str) -> NameBook:
    """Return the name book of one language, read from the cache on first use."""
    book = _books.get(language)
    if book is None:
        ensure_books()
        raw = json.loads((book_dir() / f"{language}.json").read_text(encoding="utf-8"))
        guard = _lower_forms(read_word_file(DATA_DIR / f"name_word_guard_{language}.txt"))
        guard |= {normalise_arabic(word) for word in guard}
        ordinary = frozenset(raw["ordinary"]) | guard
        book = NameBook(
            language=language,
            first_names=frozenset(raw["first"]),
            surnames=frozenset(raw["last"]),
            ambiguous=frozenset(raw["ambiguous"]) | guard,
            function=frozenset(raw["function"]) - guard,
            frequent=frozenset(raw["frequent"]),
            guard=frozenset(guard),
            ordinary=ordinary,
        )
        _books[language] = book
    return book


# --- extraction (runs in the child process) ---------------------------------------------

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "ye", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "'": "", "\u2019": "",
}  # fmt: skip
# Second spellings residents use: Ukrainian "и" as y, "г" as h, "х" as h, "й" as i.
_VARIANTS = (("и", "y"), ("г", "h"), ("х", "h"), ("й", "i"), ("ю", "iu"), ("я", "ia"))


def _cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def transliterations(word: str) -> set[str]:
    """Latin spellings of a Cyrillic name: "олена" -> olena; "сергій" -> serhii, sergiy."""
    if not _cyrillic(word):
        return set()
    forms = {"".join(_CYRILLIC_TO_LATIN.get(ch, ch) for ch in word)}
    for letter, latin in _VARIANTS:
        if letter in word:
            table = {**_CYRILLIC_TO_LATIN, letter: latin}
            forms.add("".join(table.get(ch, ch) for ch in word))
    return {form for form in forms if form.isascii()}


def _clean(name: str) -> str | None:
    """Lower-case a list entry; drop entries that are not one plain word."""
    low = unicodedata.normalize("NFC", name.strip().lower())
    if " " in low or len(low) < 2 or not all(ch.isalpha() or ch in "'-" for ch in low):
        return None
    return low


def _lower_forms(words: Iterable[str]) -> set[str]:
    forms: set[str] = set()
    for word in words:
        low = word.strip().lower()
        forms.update((low, fold_ascii(low)))
    return forms


def _ranked(path: Path, top: int) -> dict[str, list[str]]:
    """Per country of any language, its `top` most common names in rank order."""
    import gc
    import gzip
    import pickle

    countries = {cc for ccs in COUNTRIES.values() for cc in ccs}
    gc.disable()  # millions of small dicts: the collector would only slow the load down
    with gzip.open(path, "rb") as handle:
        data = pickle.load(handle)  # the installed package's own data file
    ranked: dict[str, list[tuple[int, str]]] = {cc: [] for cc in countries}
    for name, info in data.items():
        for cc, rank in info["rank"].items():
            if cc in countries and rank is not None and rank <= top:
                ranked[cc].append((rank, name))
    del data
    gc.enable()
    return {cc: [name for _, name in sorted(pairs)] for cc, pairs in ranked.items()}


def _faker_names(locale: str) -> tuple[set[str], set[str]]:
    import importlib

    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    first = set(getattr(provider, "first_names", ()))
    for attr in ("first_names_male", "first_names_female"):
        first |= set(getattr(provider, attr, ()))
    last = set(getattr(provider, "last_names", ()))
    for attr in ("last_names_male", "last_names_female"):
        last |= set(getattr(provider, attr, ()))
    return first, last


def _book(
    lang: str, first: dict[str, list[str]], last: dict[str, list[str]]
) -> dict[str, list[str]]:
    import wordfreq

    firsts = [name for cc in COUNTRIES[lang] for name in first[cc]]
    lasts = [name for cc in COUNTRIES[lang] for name in last[cc]]
    top = {
        _clean(n)
        for cc in COUNTRIES[lang]
        for n in first[cc][:_TOP_RANKED] + last[cc][:_TOP_RANKED]
    }
    for locale in _FAKER_LOCALES[lang]:
        extra_first, extra_last = _faker_names(locale)
        firsts += sorted(extra_first)
        lasts += sorted(extra_last)
        top |= {_clean(n) for n in extra_first | extra_last}
    first_set = {c for c in map(_clean, firsts) if c}
    last_set = {c for c in map(_clean, lasts) if c}
    for names in (first_set, last_set, top):
        names |= {fold_ascii(n) for n in names if n}
        names |= {t for n in list(names) if n and len(n) >= 4 for t in transliterations(n)}
    ordinary = {w for w in wordfreq.top_n_list(lang, _ORDINARY_WORDS) if w.isalpha()}
    frequent = {w for w in wordfreq.top_n_list(lang, _FREQUENT_WORDS) if w.isalpha()}
    if lang in ("uk", "ru"):
        # Residents also write Russian and Ukrainian in Latin letters: "meni", "dobre".
        latin = wordfreq.top_n_list(lang, _TRANSLITERATED_WORDS)
        ordinary |= {t for w in latin if w.isalpha() for t in transliterations(w)}
        frequent |= {t for w in frequent for t in transliterations(w)}
    if lang == "uk":
        # Russian spellings of names the Ukrainian way: "юлия" -> юлія, "ирина" -> ірина.
        for names in (first_set, last_set):
            names |= {n.replace("и", "і").replace("ы", "и") for n in names if _cyrillic(n)}
    ambiguous, function = set(), set()
    for name in first_set | last_set:
        zipf = wordfreq.zipf_frequency(name, lang)
        if zipf >= _FUNCTION_ZIPF or (zipf >= _AMBIGUOUS_ZIPF and name not in top):
            ambiguous.add(name)
        elif (
            lang in _OWN_SCRIPT
            and name not in top
            and _word_of_mixed_in_language(wordfreq, name, lang)
        ):
            ambiguous.add(name)  # "bel" spelled from a Russian name is a Dutch word
        if zipf >= _FUNCTION_WORD_ZIPF and name not in top:
            function.add(name)
    if lang == "ar":
        for words in (first_set, last_set, ordinary, ambiguous, function):
            words |= {normalise_arabic(w) for w in words}
    return {
        "first": sorted(first_set),
        "last": sorted(last_set),
        "ambiguous": sorted(ambiguous),
        "function": sorted(function),
        "ordinary": sorted(ordinary),
        "frequent": sorted(frequent),
    }


def _word_of_mixed_in_language(wordfreq: Any, name: str, lang: str) -> bool:
    """Tell whether a name is a frequent word of Dutch or English, which residents mix in."""
    others = [other for other in ("nl", "en") if other != lang]
    return any(wordfreq.zipf_frequency(name, other) >= _AMBIGUOUS_ZIPF for other in others)


def build(target: Path) -> None:
    """Extract every language's book into target (each file written atomically)."""
    from importlib.resources import files

    data = Path(str(files("names_dataset"))) / "v3"
    first = _ranked(data / "first_names.pkl.gz", _TOP_FIRST)
    last = _ranked(data / "last_names.pkl.gz", _TOP_LAST)
    target.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        fd, staging = tempfile.mkstemp(dir=target, suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(_book(lang, first, last), handle, ensure_ascii=False)
        os.chmod(staging, 0o644)  # mkstemp makes it private; the cache is readable to all
        os.replace(staging, target / f"{lang}.json")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
