"""Scrub identifying details from story text before it is stored.

Layers find identifiers: our patterns (phone, e-mail, IBAN, BSN, plates, dates, streets,
...; storage.scrub_patterns) in every language; for Dutch, deduce and our Dutch name layer
(storage.scrub_dutch); for the other languages, their name books and cues
(storage.scrub_multi), plus the Dutch layer where the resident mixes in Dutch. Spans are
merged and each is replaced by a typed canonical placeholder such as ``[NAAM]``; what the
resident sees can be shown in their language (storage.scrub_placeholders).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from storage.scrub_dutch import cache_dir, cache_ready, deduce_spans, dutch_names
from storage.scrub_dutch import warm_up as warm_up_dutch
from storage.scrub_multi import dutch_markers, finder, foreign_in_dutch, tokens
from storage.scrub_namebook import books_ready, ensure_books
from storage.scrub_patterns import MASK, PLACEHOLDER_RE, Kind, Span, find_pattern_spans
from storage.scrub_placeholders import localise_placeholders
from storage.scrub_types import (
    CACHE_ENV_VAR,
    LANGUAGES,
    ScrubResult,
    UnknownLanguage,
    language_code,
)

__all__ = [
    "CACHE_ENV_VAR",
    "LANGUAGES",
    "Kind",
    "ScrubResult",
    "UnknownLanguage",
    "cache_dir",
    "cache_ready",
    "find_spans",
    "language_code",
    "localise_placeholders",
    "ready",
    "scrub_language",
    "scrub_lines",
    "scrub_story_text",
    "scrub_with_report",
    "warm_up",
]

# Between overlapping findings of equal length, the first kind in this list wins.
_KIND_ORDER = (
    Kind.IBAN,
    Kind.BSN,
    Kind.TELEFOON,
    Kind.EMAIL,
    Kind.URL,
    Kind.GEBRUIKERSNAAM,
    Kind.KENTEKEN,
    Kind.POSTCODE,
    Kind.ADRES,
    Kind.DATUM,
    Kind.LEEFTIJD,
    Kind.NUMMER,
    Kind.INSTELLING,
    Kind.PLAATS,
    Kind.NAAM,
)
_RANK = {kind: rank for rank, kind in enumerate(_KIND_ORDER)}


def _mask(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in ranges:
        chars[start:end] = MASK * (end - start)
    return "".join(chars)


def _weight(span: Span) -> tuple[int, int]:
    # The longest finding names the merged span ("Jan van Bergen" is a name, not the place
    # "Bergen"); between equally long ones the more specific kind wins.
    return (span.start - span.end, _RANK[span.kind])


def _merge(text: str, spans: Iterable[Span]) -> list[Span]:
    """Union overlapping spans (longest finding names them), then join same-kind neighbours."""
    merged: list[Span] = []
    leaders: list[Span] = []  # per merged span, the finding that names it
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            leader = min(leaders[-1], span, key=_weight)
            leaders[-1] = leader
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end), leader.kind)
        elif merged and span.kind == merged[-1].kind and _only_space(text, merged[-1], span):
            merged[-1] = Span(merged[-1].start, span.end, span.kind)
        else:
            merged.append(span)
            leaders.append(span)
    return merged


def _only_space(text: str, left: Span, right: Span) -> bool:
    return text[left.end : right.start].strip(" -") == ""


def _render(text: str, spans: list[Span]) -> str:
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.extend((text[position : span.start], f"[{span.kind.value}]"))
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def warm_up(languages: Iterable[str] = LANGUAGES) -> None:
    """Load deduce and the name books of the given languages once (building caches if needed)."""
    warm_up_dutch()
    ensure_books()
    for language in languages:
        code = language_code(language)
        if code != "nl":
            finder(code)
    if "nl" in languages:
        foreign_in_dutch()


def ready() -> bool:
    """Whether deduce's cache and the name books are built (else the first start is slow)."""
    return cache_ready() and books_ready()


# Arabic-Indic and Persian digits, read as the digits they are (one character each, so
# every offset stays the same).
_DIGITS = str.maketrans(
    {chr(base + d): str(d) for base in (0x0660, 0x06F0) for d in range(10)}
    | {"\u066b": ",", "\u066c": "."}
)


def mixes_in_dutch(text: str) -> bool:
    """Tell whether a story in another language also holds Dutch (two Dutch-only words)."""
    markers = dutch_markers()
    return len({t.low for t in tokens(text) if t.low in markers}) >= 2


def find_spans(text: str, language: str = "nl") -> list[Span]:
    """Find the identifiers in text as merged, non-overlapping spans."""
    code = language_code(language)
    protected = [m.span() for m in PLACEHOLDER_RE.finditer(text)]
    masked = _mask(text.translate(_DIGITS), protected)
    spans = find_pattern_spans(masked)
    masked = _mask(masked, ((s.start, s.end) for s in spans))
    if code != "nl":
        spans += finder(code).find(masked)
    if code == "nl" or mixes_in_dutch(text):
        spans += dutch_names(masked)
        spans += foreign_in_dutch().find(masked)
        spans += [s for s in deduce_spans(text) if not _touches(s, protected)]
    return _merge(text, spans)


def _touches(span: Span, ranges: list[tuple[int, int]]) -> bool:
    return any(span.start < end and start < span.end for start, end in ranges)


def scrub_language(language: str) -> str:
    """The language to scrub a conversation's text in: its own when known, else Dutch."""
    try:
        return language_code(language)
    except UnknownLanguage:
        return "nl"  # the patterns and the Dutch names still run


def scrub_with_report(text: str, language: str = "nl") -> ScrubResult:
    """Scrub a story and count what was replaced, per kind of identifier."""
    if not text.strip():
        language_code(language)
        return ScrubResult(text, {})
    spans = find_spans(text, language)
    return ScrubResult(_render(text, spans), dict(Counter(span.kind for span in spans)))


def scrub_story_text(text: str, language: str = "nl") -> str:
    """Replace identifying details in a story with typed placeholders such as [NAAM]."""
    return scrub_with_report(text, language).text


_LINE_BREAKS = str.maketrans({ch: " " for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def scrub_lines(lines: Iterable[str], language: str = "nl") -> Iterator[str]:
    """Scrub one story per input line; each output is exactly one line, without newline."""
    for line in lines:
        yield scrub_story_text(line.rstrip("\r\n").translate(_LINE_BREAKS), language)
