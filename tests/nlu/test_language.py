"""Language detection of free text: repeatable, cautious on short text, guided by the hint."""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

import pytest

from nlu.intents import SUPPORTED_LANGUAGES
from nlu.language import LanguageGuess, detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ik heb een brief van de gemeente gekregen en ik snap er niks van", "nl"),
        ("I got a letter from the council and I do not understand it at all", "en"),
        ("Belediyeden bir mektup aldım ve hiçbir şey anlamadım", "tr"),
        ("وصلتني رسالة من البلدية ولم أفهم شيئا منها", "ar"),
        ("Dostałem list z gminy i nic z tego nie rozumiem", "pl"),
        ("Я отримав лист від громади і нічого не зрозумів", "uk"),
        ("Я получил письмо из муниципалитета и ничего не понял", "ru"),
    ],
)
def test_detects_each_supported_language(text: str, language: str) -> None:
    guess = detect_language(text, None, SUPPORTED_LANGUAGES)
    assert guess is not None
    assert guess.language == language
    assert guess.probability >= 0.8


@pytest.mark.parametrize("text", ["ok", "nee joh", "evet", "ja ik denk het wel", "       x"])
def test_short_text_says_nothing(text: str) -> None:
    assert detect_language(text, "nl", SUPPORTED_LANGUAGES) is None


def test_unsupported_language_is_none() -> None:
    german = "Das ist ein deutscher Satz über die Gemeinde und das Wetter"
    bulgarian = "Получих писмо от общината и нищо не разбрах от него"
    assert detect_language(german, None, SUPPORTED_LANGUAGES) is None
    assert detect_language(bulgarian, None, SUPPORTED_LANGUAGES) is None


def test_only_languages_on_offer_are_returned() -> None:
    english = "I got a letter from the council and I do not understand it at all"
    assert detect_language(english, None, ["nl", "tr"]) is None


def test_hint_decides_a_mixed_text() -> None:
    mixed = "my buurman is heel nice and helpful"
    assert detect_language(mixed, None, SUPPORTED_LANGUAGES) is None
    nl = detect_language(mixed, "nl", SUPPORTED_LANGUAGES)
    en = detect_language(mixed, "en", SUPPORTED_LANGUAGES)
    assert nl is not None and nl.language == "nl"
    assert en is not None and en.language == "en"


def test_hint_does_not_override_a_clear_text() -> None:
    dutch = "Ik heb een brief van de gemeente gekregen en ik snap er niks van"
    assert detect_language(dutch, "tr", SUPPORTED_LANGUAGES) == LanguageGuess("nl", 1.0)


def test_informal_dutch_taken_for_afrikaans_counts_as_dutch() -> None:
    guess = detect_language("ik wil graag in het Engels please thank you", None, ["nl", "en"])
    assert guess is not None and guess.language == "nl"


def test_same_text_same_answer() -> None:
    text = "Merhaba ben Ayse ik woon in Rotterdam"
    answers = {detect_language(text, "nl", SUPPORTED_LANGUAGES) for _ in range(20)}
    assert len(answers) == 1
