"""Tests for the scrubber in every supported language: recall per identifier type and
ordinary words kept on tests/data/scrub_<lang>.yaml, placeholders, report, mixing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from storage.scrub import (
    LANGUAGES,
    Kind,
    UnknownLanguage,
    localise_placeholders,
    scrub_story_text,
    scrub_with_report,
)
from storage.scrub_placeholders import all_placeholders, placeholder_words
from tests.storage.test_scrub import Case, Figures, evaluate, still_present

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
OTHER_LANGUAGES = ("en", "tr", "ar", "pl", "uk", "ru")
STRUCTURED = ("telefoon", "email", "iban", "bsn", "postcode", "datum", "adres")
RECALL_THRESHOLDS = {kind: 1.0 for kind in STRUCTURED} | {"naam": 0.9, "straat": 0.9}
WORDS_KEPT_THRESHOLD = 0.97
_WORD = re.compile(r"[^\W_]+")


def load_language_cases(language: str) -> list[Case]:
    """Read one language's annotated stories."""
    raw = yaml.safe_load((DATA_DIR / f"scrub_{language}.yaml").read_text(encoding="utf-8"))
    return [Case(item["text"], tuple((k, v) for k, v in item["spans"])) for item in raw]


def removed(kind: str, value: str, output: str) -> bool:
    """A name counts as removed only when none of its words is left; others as a whole."""
    if kind == "naam":
        return not any(still_present(word, output) for word in value.split() if len(word) > 1)
    return not still_present(value, output)


def evaluate_language(language: str, cases: list[Case]) -> Figures:
    """Scrub every story of one language; measure recall per type and ordinary words kept."""
    return evaluate(cases, language, removed)


@pytest.fixture(scope="module", params=OTHER_LANGUAGES)
def language_figures(request: pytest.FixtureRequest) -> tuple[str, Figures]:
    language: str = request.param
    return language, evaluate_language(language, load_language_cases(language))


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_each_language_has_its_own_large_set(language: str) -> None:
    cases = load_language_cases(language)
    assert len(cases) >= 40
    kinds = {kind for case in cases for kind, _ in case.spans}
    assert set(RECALL_THRESHOLDS) <= kinds
    assert sum(1 for case in cases for kind, _ in case.spans if kind == "naam") >= 25


def test_recall_per_type(language_figures: tuple[str, Figures]) -> None:
    language, figures = language_figures
    for kind, threshold in RECALL_THRESHOLDS.items():
        misses = [m for m in figures.misses if m.startswith(kind + ":")]
        assert figures.recall[kind] >= threshold, (language, kind, misses)


def test_ordinary_words_are_kept(language_figures: tuple[str, Figures]) -> None:
    language, figures = language_figures
    assert figures.words_kept >= WORDS_KEPT_THRESHOLD, (language, figures.lost_words)


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        ("tr", "Komşum Ayşe Yılmaz bana çok yardım etti", "Yılmaz"),
        ("uk", "Моя сусідка Олена Коваленко допомогла мені", "Коваленко"),
        ("pl", "Moja sąsiadka Agnieszka Nowak mi pomogła", "Nowak"),
        ("ar", "جارتي فاطمة الزهراء ساعدتني كثيرا", "فاطمة"),
        ("en", "My neighbour John Peterson helped me a lot", "Peterson"),
        ("ru", "Меня зовут Наталья Смирнова и я живу в Неймегене", "Смирнова"),
    ],
)
def test_names_in_each_language_are_removed(language: str, text: str, name: str) -> None:
    output = scrub_story_text(text, language)
    assert name not in output
    assert "[NAAM]" in output


def test_report_counts_what_was_replaced() -> None:
    result = scrub_with_report("my neighbour john smith called me on 0612345678", "en")
    assert result.text == "my neighbour [NAAM] called me on [TELEFOON]"
    assert result.counts == {Kind.NAAM: 1, Kind.TELEFOON: 1}
    assert result.total == 2


def test_report_of_a_story_without_identifiers_is_empty() -> None:
    result = scrub_with_report("the bus was late again today", "en")
    assert result.counts == {}
    assert result.total == 0


def test_placeholders_are_shown_in_the_residents_language() -> None:
    stored = scrub_story_text("رقمي ٠٦١٢٣٤٥٦٧٨ وجاري اسمه محمد", "ar")
    assert stored == "رقمي [TELEFOON] وجاري اسمه [NAAM]"
    assert localise_placeholders(stored, "ar") == "رقمي [الهاتف] وجاري اسمه [الاسم]"
    assert localise_placeholders("[NAAM] [TELEFOON]", "tr") == "[İSİM] [TELEFON]"


def test_every_language_has_a_placeholder_for_every_kind() -> None:
    for language in LANGUAGES:
        words = placeholder_words(language)
        assert set(words) == set(Kind)
        assert all(word and "[" not in word and "]" not in word for word in words.values())
    assert all_placeholders()["[NAAM]"]["ar"] == "[الاسم]"


def test_arabic_indic_digits_are_read_as_digits() -> None:
    output = scrub_story_text("ولدت في ١٢/٠٣/١٩٨٥ ورقمي +٣١٦١٢٣٤٥٦٧٨", "ar")
    assert output == "ولدت في [DATUM] ورقمي [TELEFOON]"


def test_a_dutch_street_without_a_number_is_removed_in_any_language() -> None:
    for language in LANGUAGES:
        output = scrub_story_text("vlak bij de Hatertseweg", language)
        assert output == "vlak bij de [ADRES]", language


def test_ordinary_words_with_a_street_ending_are_kept() -> None:
    text = "we reden over de snelweg naar het schoolplein en waren onderweg"
    assert scrub_story_text(text, "nl") == text


def test_dutch_mixed_into_another_language_is_read_as_dutch_too() -> None:
    text = "my buurvrouw ingrid de boer heeft mij geholpen with the forms"
    output = scrub_story_text(text, "en")
    assert "ingrid" not in output and "boer" not in output


def test_foreign_names_inside_dutch_text_are_removed() -> None:
    output = scrub_story_text("vandaag kwam oleksandr shevchenko langs met zijn dochter", "nl")
    assert "oleksandr" not in output and "shevchenko" not in output


def test_unknown_language_is_an_error() -> None:
    with pytest.raises(UnknownLanguage):
        scrub_story_text("hello", "xx")


def test_language_codes_with_a_region_are_understood() -> None:
    assert scrub_story_text("call 0612345678", "en-GB") == "call [TELEFOON]"
