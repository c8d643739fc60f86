"""The embedded matcher: what residents type, in every language, and what it must not mistake."""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

import time

import pytest

from nlu.dataset import load_examples
from nlu.evaluation import embedded_for, evaluate, held_out_split
from nlu.intents import FALLBACK_INTENT
from nlu.matcher import EmbeddedMatcher
from nlu.normalise import normalise_text

COMMANDS = {
    "affirm",
    "deny",
    "skip",
    "stop",
    "help",
    "greet",
    "thanks",
    "new_story",
    "delete_my_data",
    "change_language",
    "privacy",
}


@pytest.fixture(scope="module")
def matcher() -> EmbeddedMatcher:
    return EmbeddedMatcher.from_data()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("jaaaaaaa hoooor", "affirm"),
        ("JA!!!", "affirm"),
        ("jep", "affirm"),
        ("👍🏼", "affirm"),
        ("nee joh!", "deny"),
        ("Nopeee", "deny"),
        ("weet ik veel", "skip"),
        ("ik snap het niet", "help"),
        ("bedankt!!!🙏", "thanks"),
        ("Evet", "affirm"),
        ("HAYIR", "deny"),
        ("hayir ya", "deny"),
        ("نعم", "affirm"),
        ("لا", "deny"),
        ("Tak!", "affirm"),
        ("nie", "deny"),
        ("Так", "affirm"),
        ("ні", "deny"),
        ("?", "help"),
        ("؟", "help"),
        ("teşekürler", "thanks"),
        ("dziekuje bardzo", "thanks"),
        ("дякуюю", "thanks"),
        ("شكراا", "thanks"),
    ],
)
def test_everyday_replies(matcher: EmbeddedMatcher, text: str, intent: str) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("dankjewl", "nl", "thanks"),
        ("verwijdr mijn gegevens", "nl", "delete_my_data"),
        ("goedemorgn", "nl", "greet"),
        ("thank yu", "en", "thanks"),
        ("delete my dat", "en", "delete_my_data"),
        ("tesekkurlr", "tr", "thanks"),
        ("dzienkuje", "pl", "thanks"),
        ("дуже дякю", "uk", "thanks"),
        ("شكرا كثير", "ar", "thanks"),
        ("спосибо большое", "ru", "thanks"),
        ("удолите мои данные", "ru", "delete_my_data"),
    ],
)
def test_typos_still_match(matcher: EmbeddedMatcher, text: str, language: str, intent: str) -> None:
    known = {normalise_text(example.text) for example in load_examples()}
    assert normalise_text(text) not in known, "a typo test must not be in the training data"
    assert matcher.parse(text, language).intent == intent


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ik wilde stoppen met werken maar mijn baas zei nee", "nl"),
        ("ja, en toen belde ik de gemeente maar niemand nam op", "nl"),
        ("hulp bij schulden kreeg ik pas na een jaar", "nl"),
        ("mijn buurman helpt mij soms met de tuin", "nl"),
        ("I wanted to stop working but my boss said no", "en"),
        ("evet belediyeyi aradım ama kimse yardım etmedi", "tr"),
        ("nie dostałem pomocy od gminy przez pół roku", "pl"),
        ("так я дзвонила але ніхто не відповів", "uk"),
        ("да я звонила в муниципалитет но никто не ответил", "ru"),
        ("хватит уже тянуть с ремонтом, писала им три раза", "ru"),
    ],
)
def test_story_fragments_are_not_commands(
    matcher: EmbeddedMatcher, text: str, language: str
) -> None:
    assert matcher.parse(text, language).intent not in COMMANDS


@pytest.mark.parametrize("text", ["qwxz zzkv", "", "   ", "...", "🦒"])
def test_unsure_means_fallback(matcher: EmbeddedMatcher, text: str) -> None:
    result = matcher.parse(text)
    assert result.intent == FALLBACK_INTENT
    assert result.engine == "embedded"


def test_exact_matches_are_certain(matcher: EmbeddedMatcher) -> None:
    assert matcher.parse("Ja hoor!").confidence == 1.0


def test_held_out_accuracy_reaches_target() -> None:
    split = held_out_split()
    report = evaluate(embedded_for(split), split.test, split.train)
    assert report.accuracy >= 0.85, report.language_accuracy()
    assert min(report.language_accuracy().values()) >= 0.75


def test_parse_is_well_under_a_millisecond(matcher: EmbeddedMatcher) -> None:
    texts = [example.text for example in held_out_split().test]
    start = time.perf_counter()
    for text in texts:
        matcher.parse(text)
    mean_ms = (time.perf_counter() - start) * 1000 / len(texts)
    assert mean_ms < 1.0
