"""The language of first words and greetings, and of a language asked for by name."""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.first_words import BY_LETTERS, CueFileError, guess_language, language_named, load_cues
from nlu.intents import SUPPORTED_LANGUAGES


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("привет", "ru"), ("Здравствуйте!", "ru"), ("да", "ru"), ("спасибо", "ru"),
        ("добрий день", "uk"), ("Привіт", "uk"), ("дякую", "uk"), ("ні", "uk"),
        ("dzień dobry", "pl"), ("dzien dobry", "pl"), ("Cześć", "pl"), ("witam", "pl"),
        ("merhaba", "tr"), ("Selam", "tr"), ("günaydın", "tr"), ("evet", "tr"),
        ("مرحبا", "ar"), ("السلام عليكم", "ar"), ("marhaba", "ar"),
        ("hello", "en"), ("Hi!", "en"), ("thanks", "en"),
        ("hoi", "nl"), ("Goedemorgen", "nl"), ("hallo", "nl"),
    ],
)
def test_greetings_and_first_words_name_their_language(text: str, language: str) -> None:
    guess = guess_language(text)
    assert guess is not None and guess.language == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("ещё", "ru"), ("объясните", "ru"), ("їжа", "uk"), ("є", "uk"), ("ağrı", "tr"),
     ("dziękuję", "pl"), ("łóżko", "pl")],
)
def test_own_letters_decide_at_once(text: str, language: str) -> None:
    assert guess_language(text) == guess_language(text, hint="nl")
    guess = guess_language(text)
    assert guess is not None and guess.language == language and guess.probability == BY_LETTERS


@pytest.mark.parametrize("text", ["ok", "👋", "???", "12", "hmm", "سلام پدر"])
def test_what_says_nothing_about_a_language_is_none(text: str) -> None:
    assert guess_language(text) is None


def test_a_word_shared_by_two_languages_follows_the_hint() -> None:
    # "hey" opens messages in Dutch and English alike.
    assert guess_language("hey") is None
    for hint in ("nl", "en"):
        guess = guess_language("hey", hint=hint)
        assert guess is not None and guess.language == hint
    assert guess_language("hey", hint="tr") is None


def test_long_text_goes_to_the_detector() -> None:
    russian = "Я получил письмо из муниципалитета и ничего не понял"
    guess = guess_language(russian)
    assert guess is not None and guess.language == "ru" and guess.probability > BY_LETTERS - 0.2


def test_only_languages_on_offer() -> None:
    assert guess_language("привет", supported=("nl", "en", "uk")) is None
    assert guess_language("merhaba", supported=("nl", "en")) is None
    assert guess_language("مرحبا", supported=("nl", "en")) is None


def test_persian_is_not_taken_for_arabic() -> None:
    assert guess_language("سلام، چطوری؟") is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("polski", "pl"), ("polish", "pl"), ("Pools", "pl"), ("po polsku", "pl"),
        ("Türkçe", "tr"), ("turkce", "tr"), ("turks", "tr"), ("Turkish please", "tr"),
        ("عربي", "ar"), ("العربية", "ar"), ("arabic", "ar"), ("Arabisch", "ar"),
        ("українська", "uk"), ("Українською", "uk"), ("ukrainian", "uk"), ("Oekraïens", "uk"),
        ("украинский", "uk"), ("русский", "ru"), ("по-русски", "ru"), ("Russian", "ru"),
        ("Russisch graag", "ru"), ("English", "en"), ("engels", "en"), ("in het Engels", "en"),
        ("nederlands", "nl"), ("Dutch", "nl"), ("голландский", "nl"), ("ru", "ru"), ("UK", "uk"),
    ],
)
def test_a_language_is_understood_by_its_name_in_any_script(text: str, language: str) -> None:
    assert language_named(text) == language


@pytest.mark.parametrize(
    "text",
    ["Nederlands of Engels", "ik woon al tien jaar in Nederland en spreek Pools", "hallo", ""],
)
def test_no_single_language_named_is_none(text: str) -> None:
    assert language_named(text) is None


def test_a_named_language_must_be_on_offer() -> None:
    assert language_named("русский", supported=("nl", "en")) is None


def test_every_supported_language_has_cues_and_names() -> None:
    cues = load_cues()
    assert set(cues.cues) == set(SUPPORTED_LANGUAGES) == set(cues.names)
    assert all(cues.cues[code] and cues.names[code] for code in SUPPORTED_LANGUAGES)


def test_a_malformed_cue_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "languages.yml"
    broken.write_text("languages:\n  nl:\n    cues: [ja, yes]\n    names: nederlands\n")
    with pytest.raises(CueFileError):
        load_cues(broken)
