"""Name and place layer of the story scrubber for chat text that deduce cannot read.

deduce matches names and places case-sensitively against Dutch lists. Residents type
"mijn buurvrouw fatma" or "groetjes gülşen", so this layer matches in any case, adds names
the Dutch lists lack, and reads cues such as "meneer", "ik heet" and "mijn zoon".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from storage.scrub_patterns import Kind, Span, word_set
from storage.scrub_types import DATA_DIR, read_word_file

__all__ = [
    "DATA_DIR",
    "NameFinder",
    "NameLexicon",
    "build_lexicon",
    "fold_ascii",
    "is_sentence_start",
    "read_word_file",
]

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")

# Cues after which almost any word is a name ("meneer bakker", "ik heet gülşen").
_STRONG_CUES = frozenset(
    {
        ("ik", "heet"),
        ("naam", "is"),
        ("naam",),
        ("meneer",),
        ("mevrouw",),
        ("mevr",),
        ("mw",),
        ("mvr",),
        ("dhr",),
        ("mr",),
        ("mej",),
        ("juf",),
        ("juffrouw",),
        ("meester",),
        ("familie",),
        ("fam",),
        ("zuster",),
        ("groetjes",),
        ("groeten",),
        ("gr",),
        ("liefs",),
        ("groetjes", "van"),
        ("groeten", "van"),
        ("liefs", "van"),
        ("genaamd",),
        ("heette",),
        ("noemen", "hem"),
        ("noemen", "haar"),
        ("wijkagent",),
        ("dokter",),
    }
)
# Cues after which a name is likely, but only taken when the word looks like one.
_RELATION_CUES = word_set(
    """
    buurvrouw buurman buurmeisje buurjongen zoon zoontje dochter dochtertje kleinzoon
    kleindochter broer broertje zus zusje moeder vader mama papa mam pap oma opa tante oom
    neef nicht neefje nichtje vriend vriendin vriendje vriendinnetje collega man vrouw
    partner echtgenoot echtgenote schoonmoeder schoonvader zwager schoonzus stiefvader
    stiefmoeder huisgenoot coach trainer consulent begeleider casemanager huisarts
    verpleegkundige heet met en"""
)
_CUE_LAST_WORDS = frozenset(cue[-1] for cue in _STRONG_CUES) | _RELATION_CUES
_GREETINGS = word_set("groetjes groeten gr liefs")
_DETERMINERS = word_set("de het een deze die dat elke iedere geen welke zo'n")
_INTERFIXES = word_set("van de der den het ter ten 't te el al ben bin ibn da di du le la")
# Words that follow a person cue but are no name: verbs, pronouns, adverbs.
_NOT_A_NAME = word_set(
    """
    zei zegt zeggen heeft hebben had hadden woont woonde wonen komt kwam kwamen gaat ging
    gingen kan kon konden wil wilde wou moet moest mocht mag belde belt bellen helpt hielp
    werkt werkte doet deed vindt vond weet wist zit zat ligt lag staat stond krijgt kreeg
    betaalt betaalde snapt begrijpt houdt hield loopt liep zag ziet gaf geeft nam neemt liet
    laat dacht denkt zou zal blijft bleef wordt werd was is zijn ben bent stuurt stuurde
    schreef schrijft regelt regelde zorgt zorgde leeft praat praatte luistert vertelde
    vertelt vroeg vraagt kookt kookte brengt bracht haalt haalde kijkt keek heb
    ook nog al niet nooit altijd soms vaak weer even echt heel erg zo zeer wel geen een
    die dat dit deze en of maar want dus toen nu straks vandaag gisteren morgen daarna
    mijn jouw zijn haar ons onze hun jullie hij zij ze we wij jij je u ik men er hier daar
    m'n z'n d'r zelf samen alleen eigenlijk gewoon trouwens natuurlijk helaas gelukkig
    allemaal iedereen niemand iemand alles niks niets in op uit van met naar bij voor na
    door over om aan tot te als toch enzovoort enz thuis hoor he hè ja nee oke ok xx xxx
    was kreeg zit woonden heel nou maar tegen zonder onder boven achter naast tussen wat
    wie waar hoe waarom wanneer omdat terwijl sinds zodat mee terug weg binnen buiten"""
)


@dataclass(frozen=True, slots=True)
class NameLexicon:
    """Lower-case word sets the name layer matches against."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    phrases: dict[str, Kind]  # places and care institutions, words joined by one space
    phrase_lengths: dict[str, int]  # first word of a phrase -> most words in such a phrase
    guard: frozenset[str]
    ambiguous_first_names: frozenset[str]  # our names that are also ordinary words ("roos")
    not_a_name: frozenset[str]


class _Token(NamedTuple):
    """One word of the text (a NamedTuple: built for every word, so it must be cheap)."""

    start: int
    end: int
    text: str
    low: str
    fold: str


def fold_ascii(word: str) -> str:
    """Drop diacritics so "gülşen" also matches a resident who typed "gulsen"."""
    decomposed = unicodedata.normalize("NFKD", word.replace("\u0131", "i").replace("ł", "l"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _lower_forms(words: Iterable[str]) -> set[str]:
    forms: set[str] = set()
    for word in words:
        low = word.strip().lower()
        forms.update((low, fold_ascii(low)))
    return forms


def _phrase_key(phrase: str) -> str:
    """Normalise a list entry the way text is tokenised: "'s-Hertogenbosch" -> "s-hertogenbosch"."""
    return " ".join(fold_ascii(m.group().lower()) for m in _WORD.finditer(phrase))


def _plain_words(key: str, ordinary: set[str]) -> bool:
    """Tell whether a place is better read as plain words: "hoek", "de bus", "het zand"."""
    words = key.split(" ")
    if words[0] in {"de", "het", "t", "een"}:
        words = words[1:]
    return len(words) <= 1 and all(word in ordinary for word in words)


def _phrase_table(
    places: Iterable[str], institutions: Iterable[str], ordinary: set[str], names: set[str]
) -> tuple[dict[str, Kind], dict[str, int]]:
    phrases: dict[str, Kind] = {}
    for kind, entries in ((Kind.PLAATS, places), (Kind.INSTELLING, institutions)):
        for entry in entries:
            key = _phrase_key(entry)
            if len(key) >= 3 and key not in names and not _plain_words(key, ordinary):
                phrases[key] = kind
    lengths: dict[str, int] = {}
    for key in phrases:
        first, size = key.split(" ")[0], key.count(" ") + 1
        lengths[first] = max(size, lengths.get(first, 1))
    return phrases, lengths


def build_lexicon(
    dutch_first: Iterable[str],
    dutch_surnames: Iterable[str],
    places: Iterable[str],
    institutions: Iterable[str],
    common_words: Iterable[str],
) -> NameLexicon:
    """Combine deduce's Dutch lists with our own name lists and ordinary-word guard."""
    extra_first = _lower_forms(read_word_file(DATA_DIR / "extra_first_names.txt"))
    extra_surnames = _lower_forms(read_word_file(DATA_DIR / "extra_surnames.txt"))
    guard = _lower_forms(read_word_file(DATA_DIR / "name_word_guard_nl.txt"))
    not_a_name = frozenset(_NOT_A_NAME | _lower_forms(common_words))
    blocked = (guard - extra_first) | not_a_name
    first = {w for w in _lower_forms(dutch_first) if len(w) >= 3} | extra_first
    places = [*places, *read_word_file(DATA_DIR / "extra_places.txt")]
    phrases, lengths = _phrase_table(places, institutions, guard | not_a_name, first)
    return NameLexicon(
        first_names=frozenset(first - blocked),
        surnames=frozenset((_lower_forms(dutch_surnames) | extra_surnames) - not_a_name),
        phrases=phrases,
        phrase_lengths=lengths,
        guard=frozenset(guard - extra_first),
        ambiguous_first_names=frozenset(guard & extra_first),
        not_a_name=not_a_name,
    )


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _WORD.finditer(text):
        low = match.group().lower()
        fold = low if low.isascii() else fold_ascii(low)
        tokens.append(_Token(match.start(), match.end(), match.group(), low, fold))
    return tokens


def is_sentence_start(text: str, start: int) -> bool:
    """Tell whether a word opens a sentence, where capitals say nothing about names."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0:
        return True
    prev = text[i]
    return prev in '.!?…:;\n"“(' or unicodedata.category(prev).startswith("S")


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Tell whether only spaces or a hyphen separate two words (no comma, no period)."""
    return text[left.end : right.start].strip(" -") == ""


class NameFinder:
    """Finds names and places in one text with the help of a lexicon."""

    def __init__(self, lexicon: NameLexicon) -> None:
        self._lex = lexicon

    def find(self, text: str) -> list[Span]:
        """Return name and place spans found in text (placeholders already masked)."""
        tokens = _tokens(text)
        spans: list[Span] = []
        i = 0
        while i < len(tokens):
            phrase = self._phrase_at(tokens, i, text)
            if phrase is not None:
                spans.append(Span(tokens[i].start, tokens[phrase[0]].end, phrase[1]))
                i = phrase[0] + 1
                continue
            if self._is_name(tokens, i, text):
                last = self._extend_name(tokens, i, text)
                spans.append(Span(tokens[i].start, tokens[last].end, Kind.NAAM))
                i = last + 1
                continue
            i += 1
        return spans

    def _capital_mid_sentence(self, token: _Token, text: str) -> bool:
        return token.text[:1].isupper() and not is_sentence_start(text, token.start)

    def _phrase_at(self, tokens: list[_Token], i: int, text: str) -> tuple[int, Kind] | None:
        """Return (last word index, kind) of the longest place or institution at token i."""
        longest = self._lex.phrase_lengths.get(tokens[i].fold)
        if longest is None:
            return None
        for size in range(min(longest, len(tokens) - i), 0, -1):
            window = tokens[i : i + size]
            if not all(_adjacent(text, a, b) for a, b in pairwise(window)):
                continue
            kind = self._lex.phrases.get(" ".join(t.fold for t in window))
            if kind is not None:
                return i + size - 1, kind
        return None

    def _cue_before(self, tokens: list[_Token], i: int, text: str) -> str | None:
        """Name the kind of cue that directly precedes token i: "strong", "relation" or None."""
        if i == 0 or tokens[i - 1].low not in _CUE_LAST_WORDS:
            return None
        before = [t.low for t in tokens[max(0, i - 2) : i]]
        between = text[tokens[i - 1].end : tokens[i].start]
        if between.strip(" -") not in {"", ":", ","}:
            return None
        for size in (2, 1):
            if tuple(before[-size:]) in _STRONG_CUES and len(before) >= size:
                return "strong"
        if before and before[-1] in _RELATION_CUES:
            return "relation"
        return None

    def _looks_unknown_name(self, token: _Token, text: str) -> bool:
        """Tell whether a word unknown to the lists has the look of a name."""
        if token.low in self._lex.not_a_name or len(token.low) < 2:
            return False
        if self._capital_mid_sentence(token, text) or not token.low.isascii():
            return True
        # Dutch verb forms ("woont", "belde", "lopen") are the usual false hits here.
        return not token.low.endswith(("t", "de", "te", "en", "ig", "lijk", "heid", "ing"))

    def _is_name(self, tokens: list[_Token], i: int, text: str) -> bool:
        token = tokens[i]
        low = token.low
        if token.fold in self._lex.first_names:
            # "de roos", "een mark": a determiner before it makes an ambiguous name a word.
            after_determiner = i > 0 and tokens[i - 1].low in _DETERMINERS
            return not (after_determiner and low in self._lex.ambiguous_first_names)
        cue = self._cue_before(tokens, i, text)
        if cue == "strong" and low in _INTERFIXES:
            # "groeten van marieke" is a greeting from someone, not a surname "van marieke".
            greeting = tokens[i - 1].low in _GREETINGS
            return not greeting and self._interfix_surname_follows(tokens, i, text)
        if cue == "strong":
            return low not in self._lex.not_a_name
        if cue == "relation" and low not in self._lex.guard:
            return self._looks_unknown_name(token, text) and (
                self._capital_mid_sentence(token, text) or not token.low.isascii()
            )
        return False

    def _interfix_surname_follows(self, tokens: list[_Token], i: int, text: str) -> bool:
        """Tell whether "de jong" or "van der berg" starts at token i (after a strong cue)."""
        j = i
        while j < len(tokens) and tokens[j].low in _INTERFIXES and j - i < 3:
            j += 1
        if j >= len(tokens) or not _adjacent(text, tokens[j - 1], tokens[j]):
            return False
        return tokens[j].low in self._lex.surnames or self._capital_mid_sentence(tokens[j], text)

    def _is_surname(self, token: _Token, text: str) -> bool:
        low = token.low
        if low in self._lex.not_a_name:
            return False
        known = low in self._lex.surnames or low in self._lex.first_names
        return known or self._capital_mid_sentence(token, text)

    def _extend_name(self, tokens: list[_Token], i: int, text: str) -> int:
        """Return the index of the last word of the name that starts at token i."""
        last = i
        while last + 1 < len(tokens):
            j = last + 1
            while j < len(tokens) and tokens[j].low in _INTERFIXES and j - last <= 3:
                j += 1
            if j >= len(tokens) or not _adjacent(text, tokens[j - 1], tokens[j]):
                break
            if not all(
                _adjacent(text, a, b)
                for a, b in zip(tokens[last:j], tokens[last + 1 : j + 1], strict=False)
            ):
                break
            if not self._is_surname(tokens[j], text):
                break
            if (
                j == last + 1
                and tokens[j].low in self._lex.guard
                and not tokens[j].text[:1].isupper()
            ):
                break
            last = j
        return last

    def is_ordinary_word(self, low: str) -> bool:
        """Tell whether a lower-case word is an ordinary word that also occurs as a name."""
        return low in self._lex.guard or low in self._lex.not_a_name
