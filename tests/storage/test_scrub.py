"""Tests for storage.scrub: recall per identifier type, ordinary words kept, behaviour."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from storage.scrub import scrub_lines, scrub_story_text
from storage.scrub_patterns import PLACEHOLDER_RE, passes_eleven_check

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "scrub_nl.yaml"

RECALL_THRESHOLDS = {
    "telefoon": 1.0,
    "email": 1.0,
    "iban": 1.0,
    "bsn": 1.0,
    "postcode": 1.0,
    "kenteken": 1.0,
    "datum": 1.0,
    "naam": 0.9,
    "adres": 0.9,
}
WORDS_KEPT_THRESHOLD = 0.95
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Case:
    """One annotated story from the data file."""

    text: str
    spans: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Figures:
    """What the scrubber achieved on the annotated stories."""

    recall: dict[str, float]
    counts: dict[str, int]
    words_kept: float
    misses: list[str]
    lost_words: list[str]


def load_cases(path: Path = DATA_FILE) -> list[Case]:
    """Read the annotated stories."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(item["text"], tuple((s["type"], s["value"]) for s in item["spans"])) for item in raw
    ]


def still_present(value: str, output: str) -> bool:
    """Tell whether an identifier value still appears as a whole in the output."""
    pattern = r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])"
    return re.search(pattern, output, re.IGNORECASE) is not None


def ordinary_words(case: Case) -> list[str]:
    """Words of a story outside every annotated identifier."""
    text = case.text
    for value in sorted((value for _, value in case.spans), key=len, reverse=True):
        text = text.replace(value, " ")
    return _WORD.findall(text)


def whole_value_removed(kind: str, value: str, output: str) -> bool:
    """An identifier counts as removed when its value no longer appears as a whole."""
    return not still_present(value, output)


def evaluate(
    cases: list[Case],
    language: str = "nl",
    is_removed: Callable[[str, str, str], bool] = whole_value_removed,
) -> Figures:
    """Scrub every story in `language` and measure recall per type (`is_removed` says what
    counts as removed) and the share of ordinary words kept."""
    found: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    misses, lost = [], []
    kept = words = 0
    for case in cases:
        output = scrub_story_text(case.text, language)
        for kind, value in case.spans:
            total[kind] += 1
            if is_removed(kind, value, output):
                found[kind] += 1
            else:
                misses.append(f"{kind}: {value!r} in {output!r}")
        output_words = _WORD.findall(output)
        for word in ordinary_words(case):
            words += 1
            if word in output_words:
                kept += 1
            else:
                lost.append(f"{word!r} in {output!r}")
    recall = {kind: found[kind] / total[kind] for kind in total}
    return Figures(recall, dict(total), kept / words, misses, lost)


@pytest.fixture(scope="module")
def figures() -> Figures:
    return evaluate(load_cases())


def test_data_file_is_large_and_covers_every_type() -> None:
    cases = load_cases()
    assert len(cases) >= 200
    kinds = {kind for case in cases for kind, _ in case.spans}
    assert set(RECALL_THRESHOLDS) <= kinds
    assert sum(1 for case in cases if not case.spans) >= 50


@pytest.mark.parametrize("kind", sorted(RECALL_THRESHOLDS))
def test_recall_per_type(figures: Figures, kind: str) -> None:
    misses = [m for m in figures.misses if m.startswith(kind + ":")]
    assert figures.recall[kind] >= RECALL_THRESHOLDS[kind], misses


def test_ordinary_words_are_kept(figures: Figures) -> None:
    assert figures.words_kept >= WORDS_KEPT_THRESHOLD, figures.lost_words


def test_bsn_eleven_check() -> None:
    assert passes_eleven_check("111222333")
    assert passes_eleven_check("123.456.782")
    assert not passes_eleven_check("123456789")


def test_nine_digits_failing_the_eleven_check_are_kept() -> None:
    text = "we telden 123456789 stemmen"
    assert scrub_story_text(text) == text


def test_nine_digits_passing_the_eleven_check_are_removed() -> None:
    assert scrub_story_text("we telden 123456782 stemmen") == "we telden [BSN] stemmen"


def test_placeholders_are_typed_dutch_words_in_brackets() -> None:
    output = scrub_story_text("bel 06-12345678 of mail jan@example.nl, kenteken 12-ABC-3")
    assert output == "bel [TELEFOON] of mail [EMAIL], kenteken [KENTEKEN]"


def test_adjacent_name_words_become_one_placeholder() -> None:
    assert scrub_story_text("ik heet fatma yilmaz") == "ik heet [NAAM]"


def test_other_language_gets_the_pattern_layer() -> None:
    output = scrub_story_text("call me on +31 6 1234 5678 or mail anna@example.com", "en")
    assert output == "call me on [TELEFOON] or mail [EMAIL]"


def test_other_language_skips_dutch_name_lists() -> None:
    assert scrub_story_text("Mark said hello", "en") == "Mark said hello"


@pytest.mark.parametrize("case", load_cases()[:120:3], ids=lambda c: c.text[:30])
def test_scrubbing_is_idempotent(case: Case) -> None:
    once = scrub_story_text(case.text)
    assert scrub_story_text(once) == once


def test_existing_placeholders_are_left_alone() -> None:
    text = "[NAAM] woont op [ADRES] en is [LEEFTIJD]"
    assert scrub_story_text(text) == text


def test_empty_and_blank_text() -> None:
    assert scrub_story_text("") == ""
    assert scrub_story_text("   ") == "   "


def test_scrub_lines_gives_one_line_per_input_line() -> None:
    lines = ["bel 0612345678\n", "geen gegevens\r\n", "raar\u2028gesplitst\x0bverhaal", ""]
    output = list(scrub_lines(lines))
    assert output == ["bel [TELEFOON]", "geen gegevens", "raar gesplitst verhaal", ""]
    assert not any("\n" in line or "\r" in line for line in output)


def test_output_contains_only_known_placeholders() -> None:
    output = scrub_story_text("meneer kaya, NL91ABNA0417164300, 3512 JK, geboren 3-3-1950")
    for bracketed in re.findall(r"\[[^\]]*\]", output):
        assert PLACEHOLDER_RE.fullmatch(bracketed), bracketed


def test_loading_deduce_leaves_the_process_s_warning_filters_alone() -> None:
    """deduce turns every warning back on when one of its modules is first imported; a fresh
    process that loads the Dutch scrubber keeps the filters it had (a server would otherwise
    print warnings it silenced, on every first occurrence)."""
    import subprocess
    import sys

    probe = (
        "import warnings\n"
        "warnings.filterwarnings('ignore', message='probe')\n"
        "before = list(warnings.filters)\n"
        "from storage import scrub_dutch\n"
        "scrub_dutch.warm_up()\n"
        "print(warnings.filters == before)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=300, check=True)
    assert result.stdout.strip().splitlines()[-1] == "True"
