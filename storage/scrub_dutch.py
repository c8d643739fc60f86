"""Dutch layer of the story scrubber: deduce (names, places, streets, care institutions)
and our own name layer for lower-case and foreign names (storage.scrub_names).

deduce's lookup structures take about two minutes to build, so they are cached on disk
(cache_dir) and loaded once per process.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.scrub_names import NameFinder, build_lexicon, is_sentence_start
from storage.scrub_types import Kind, Span, cache_root, word_set

__all__ = ["cache_dir", "cache_ready", "deduce_spans", "deduce_windows", "dutch_names", "warm_up"]

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
_NEVER_A_NAME = word_set(
    """
    januari februari maart april mei juni juli augustus september oktober november
    december maandag dinsdag woensdag donderdag vrijdag zaterdag zondag pasen kerst
    pinksteren gemeente"""
)

_log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Directory for deduce's lookup-structure cache: $VERTELPUNT_CACHE_DIR or ~/.cache."""
    return cache_root() / "deduce"


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
    # deduce.annotator, which Deduce() imports by name later, turns every warning of the
    # process back on (warnings.simplefilter("default")) when it is first imported.
    with warnings.catch_warnings():
        import deduce  # type: ignore[import-untyped]  # deduce ships no type information
        import deduce.annotator  # type: ignore[import-untyped]
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


def dutch_names(masked: str) -> list[Span]:
    """Names and places our own Dutch name layer finds (patterns already masked)."""
    return _get_engine().names.find(masked)


def deduce_spans(text: str) -> list[Span]:
    """Names, places and institutions deduce finds in text."""
    return _deduce_spans(_get_engine(), text)
