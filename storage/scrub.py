"""Scrub identifying details from story text before it is stored.

Three layers find identifiers: deduce (Dutch names, places, streets, care institutions),
our own patterns (phone, e-mail, IBAN, BSN, plates, dates, ages, ...; storage.scrub_patterns)
and our own name layer for lower-case and non-Dutch names (storage.scrub_names). Their
spans are merged and each is replaced by a typed Dutch placeholder such as ``[NAAM]``.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import re
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.scrub_names import NameFinder, build_lexicon, is_sentence_start
from storage.scrub_patterns import (
    MASK,
    PLACEHOLDER_RE,
    Kind,
    Span,
    find_pattern_spans,
    word_set,
)

__all__ = [
    "CACHE_ENV_VAR",
    "Kind",
    "cache_dir",
    "find_spans",
    "scrub_lines",
    "scrub_story_text",
    "warm_up",
]

CACHE_ENV_VAR = "VERTELPUNT_CACHE_DIR"
_CACHE_FILE = Path("cache") / "lookup_structs.pickle"  # where deduce puts it under cache_path

# deduce processors that our pattern layer replaces (it handles chat spellings better and
# is cheaper) or whose output we do not use: we merge and redact spans ourselves.
_DROPPED_GROUPS = (
    "dates",
    "ages",
    "identifiers",
    "phone_numbers",
    "email_addresses",
    "urls",
    "post_processing",
)
_DROPPED_IN_GROUP = {
    "locations": ("street_pattern", "postal_code", "postbus"),
    "names": ("patient_name",),
}
_TAG_KINDS = {
    "persoon": Kind.NAAM,
    "patient": Kind.NAAM,
    "ziekenhuis": Kind.INSTELLING,
    "zorginstelling": Kind.INSTELLING,
}
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
_NEVER_A_NAME = word_set(
    """
    januari februari maart april mei juni juli augustus september oktober november
    december maandag dinsdag woensdag donderdag vrijdag zaterdag zondag pasen kerst
    pinksteren gemeente"""
)

_log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Directory for deduce's lookup-structure cache: $VERTELPUNT_CACHE_DIR or ~/.cache."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        root = Path(override).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "vertelpunt"
    return root / "deduce"


def cache_ready() -> bool:
    """Whether deduce's lookup structures are already built (else the first start is slow)."""
    from importlib.metadata import version

    return (cache_dir() / f"deduce-{version('deduce')}" / _CACHE_FILE).exists()


def _import_deduce() -> Any:
    """Import deduce without letting it reconfigure logging and warnings for the process."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # deduce calls logging.basicConfig(stream=sys.stdout, level=DEBUG) on import, which
    # would print to stdout (breaking `vertelpunt scrub`) and log at DEBUG everywhere.
    with warnings.catch_warnings():
        import deduce  # type: ignore[import-untyped]  # deduce ships no type information
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return deduce


def _build_into(deduce: Any, target: Path) -> Any:
    """Build deduce's lookup structures and move the cache file atomically into target."""
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent))
    try:
        model = deduce.Deduce(cache_path=staging, build_lookup_structs=True)
        (target / _CACHE_FILE).parent.mkdir(parents=True, exist_ok=True)
        # Atomic, so a process starting meanwhile never reads a half-written pickle.
        os.replace(staging / _CACHE_FILE, target / _CACHE_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return model


def _load_model(deduce: Any) -> Any:
    """Load deduce from our cache, building the cache first when it is missing or broken."""
    target = cache_dir() / f"deduce-{deduce.__version__}"
    if (target / _CACHE_FILE).exists():
        try:
            return deduce.Deduce(cache_path=target)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError) as exc:
            _log.warning(
                "deduce cache at %s unreadable (%s); rebuilding", target, type(exc).__name__
            )
    _log.info("building deduce lookup structures into %s (about a minute, once)", target)
    return _build_into(deduce, target)


def _trim_processors(model: Any) -> None:
    for group in _DROPPED_GROUPS:
        model.processors.remove_processor(group)
    for group, names in _DROPPED_IN_GROUP.items():
        for name in names:
            model.processors[group].remove_processor(name)


def _raw_list(deduce: Any, name: str) -> set[str]:
    base = Path(deduce.__file__).parent / "data" / "lookup"
    items: set[str] = deduce.lookup_structs.load_raw_itemsets(base, [name])[name.split("/")[-1][4:]]
    return items


@dataclass(frozen=True, slots=True)
class _Engine:
    model: Any
    names: NameFinder


def _build_engine() -> _Engine:
    deduce = _import_deduce()
    was_enabled = gc.isenabled()
    gc.collect()
    # Unpickling millions of small objects with the collector on is 3x slower, and later
    # full collections would rescan them all: load with gc off, then freeze them.
    gc.disable()
    try:
        model = _load_model(deduce)
        _trim_processors(model)
        lexicon = build_lexicon(
            dutch_first=_raw_list(deduce, "names/lst_first_name"),
            dutch_surnames=_raw_list(deduce, "names/lst_surname")
            | _raw_list(deduce, "names/lst_interfix_surname"),
            places=_raw_list(deduce, "locations/lst_placename"),
            institutions=_raw_list(deduce, "institutions/lst_hospital")
            | _raw_list(deduce, "institutions/lst_hospital_abbr"),
            common_words=_raw_list(deduce, "whitelist/lst_common_word")
            | _raw_list(deduce, "whitelist/lst_stop_word"),
        )
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
    return _Engine(model=model, names=NameFinder(lexicon))


_engine: _Engine | None = None
_engine_lock = threading.Lock()


def _get_engine() -> _Engine:
    global _engine  # one lazily built engine per process is the point
    engine = _engine
    if engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = _build_engine()
            engine = _engine
    return engine


def warm_up() -> None:
    """Load deduce and the name lists once (building deduce's cache if needed)."""
    _get_engine()


def _deduce_kind(tag: str, value: str) -> Kind | None:
    if tag == "locatie":
        return Kind.ADRES if any(ch.isdigit() for ch in value) else Kind.PLAATS
    return _TAG_KINDS.get(tag)


_WINDOW_CONTEXT = 40  # characters of context deduce sees on each side of a capitalised word
_WINDOW_JOINER = "\n\n"  # deduce's context patterns never cross a newline token


def deduce_windows(text: str) -> list[tuple[int, int]]:
    """Parts of text around words with a capital: the only places deduce can find anything.

    deduce's name, place, street and institution lookups are case-sensitive (the one
    lower-case list, hospitals, is in our name layer), so lower-case chat text far from any
    capital cannot produce a deduce annotation; skipping it halves deduce's cost.
    """
    windows: list[tuple[int, int]] = []
    for word in _NON_SPACE.finditer(text):
        if word.group() == word.group().lower():
            continue
        start = text.rfind(" ", 0, max(0, word.start() - _WINDOW_CONTEXT)) + 1
        end = text.find(" ", min(len(text), word.end() + _WINDOW_CONTEXT))
        end = len(text) if end == -1 else end
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


_NON_SPACE = re.compile(r"\S+")


def _deduce_spans(engine: _Engine, text: str) -> list[Span]:
    windows = deduce_windows(text)
    if not windows:
        return []
    joined = _WINDOW_JOINER.join(text[start:end] for start, end in windows)
    offsets, position = [], 0
    for start, end in windows:
        offsets.append((position, position + end - start, start - position))
        position += end - start + len(_WINDOW_JOINER)
    spans = []
    for annotation in engine.model.deidentify(joined).annotations:
        shift = next((d for lo, hi, d in offsets if lo <= annotation.start_char < hi), None)
        kind = _deduce_kind(annotation.tag, annotation.text)
        if shift is None or kind is None:
            continue
        start, end = annotation.start_char + shift, annotation.end_char + shift
        if kind is Kind.NAAM:
            start = _skip_title(text, start, end)
        if start < end and not _is_false_name(engine, text, start, text[start:end]):
            spans.append(Span(start, end, kind))
    return spans


_TITLE = re.compile(
    r"(?:(?:de\s+heer|meneer|mevrouw|mijnheer|mevr|mvr|mw|dhr|dr|drs|ir|mr|prof|ing|mej|"
    r"collega|zuster|juf)\.?\s+)+",
    re.IGNORECASE,
)


def _skip_title(text: str, start: int, end: int) -> int:
    """Keep "mevrouw" or "dhr." readable: deduce includes such a title in the name."""
    match = _TITLE.match(text, start, end)
    return match.end() if match else start


def _is_false_name(engine: _Engine, text: str, start: int, value: str) -> bool:
    """Tell whether deduce took an ordinary word for a name only because of its capital."""
    low = value.lower()
    if low in _NEVER_A_NAME:
        return True
    single = " " not in value
    return single and is_sentence_start(text, start) and engine.names.is_ordinary_word(low)


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


def _is_dutch(language: str) -> bool:
    return language.strip().lower().replace("_", "-").split("-")[0] == "nl"


def find_spans(text: str, language: str = "nl") -> list[Span]:
    """Find the identifiers in text as merged, non-overlapping spans."""
    protected = [m.span() for m in PLACEHOLDER_RE.finditer(text)]
    masked = _mask(text, protected)
    spans = find_pattern_spans(masked)
    if _is_dutch(language):
        engine = _get_engine()
        masked = _mask(masked, ((s.start, s.end) for s in spans))
        spans += engine.names.find(masked)
        spans += [s for s in _deduce_spans(engine, text) if not _touches(s, protected)]
    return _merge(text, spans)


def _touches(span: Span, ranges: list[tuple[int, int]]) -> bool:
    return any(span.start < end and start < span.end for start, end in ranges)


def scrub_story_text(text: str, language: str = "nl") -> str:
    """Replace identifying details in a story with typed placeholders such as [NAAM]."""
    if not text.strip():
        return text
    return _render(text, find_spans(text, language))


_LINE_BREAKS = str.maketrans({ch: " " for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def scrub_lines(lines: Iterable[str], language: str = "nl") -> Iterator[str]:
    """Scrub one story per input line; each output is exactly one line, without newline."""
    for line in lines:
        yield scrub_story_text(line.rstrip("\r\n").translate(_LINE_BREAKS), language)
