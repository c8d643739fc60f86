"""Language from the first word: offered at once in that language, before any consent."""

from __future__ import annotations

import pytest

from flows.forms.schema import Form
from flows.texts import Texts
from nlu.factory import build_intent_parser
from nlu.first_words import guess_language, language_named
from tests.scripts import EngineChat


def _guess(text: str, hint: str | None) -> tuple[str, float] | None:
    guess = guess_language(text, hint)
    return (guess.language, guess.probability) if guess else None


@pytest.fixture
def chat(form: Form, texts: Texts) -> EngineChat:
    return EngineChat(form, texts, nlu=build_intent_parser(None), guess_language=_guess,
                      language_named=language_named)


@pytest.mark.parametrize(("typed", "language"), [
    ("dzień dobry", "pl"), ("привет", "ru"), ("привіт", "uk"), ("مرحبا", "ar"),
    ("merhaba", "tr"),
])
def test_the_first_words_offer_their_language_in_it(
    chat: EngineChat, texts: Texts, typed: str, language: str
) -> None:
    out = chat.text(typed)
    assert chat.state.step == "language_offer" and chat.state.language == "nl"
    name = texts.language_name(language)
    assert out[-1].text == texts.get("language_offer", language, name=name)
    assert out[-1].choices[0].label == texts.get("choice.switch_language", language, name=name)


def test_after_the_switch_the_whole_hello_comes_in_the_new_language(
    chat: EngineChat, texts: Texts
) -> None:
    chat.text("dzień dobry")
    out = chat.text("tak")
    assert chat.state.language == "pl" and chat.state.step == "consent"
    shown = [o.text for o in out]
    for key in ("hello", "hello_what", "hello_anonymous", "hello_contact"):
        assert texts.get(key, "pl") in shown


def test_yes_in_another_language_is_not_consent(chat: EngineChat, texts: Texts) -> None:
    chat.open()
    chat.text("tak")
    assert chat.state.step == "language_offer" and not chat.effects
    chat.press("pl")
    assert chat.state.step == "consent" and chat.state.language == "pl"
    assert any(o.text == texts.get("hello_anonymous", "pl") for o in chat.last)
    chat.text("tak")
    assert chat.state.step == "age"


@pytest.mark.parametrize(("typed", "language"), [
    ("polski", "pl"), ("Türkçe", "tr"), ("عربي", "ar"), ("українська", "uk"),
    ("русский", "ru"), ("English", "en"),
])
def test_the_picker_understands_language_names(
    chat: EngineChat, typed: str, language: str
) -> None:
    chat.open()
    chat.press("yes")
    chat.command("taal")
    chat.text(typed)
    assert chat.state.language == language and chat.state.step == "age"


def test_after_taal_at_consent_the_explanation_comes_again(
    chat: EngineChat, texts: Texts
) -> None:
    chat.open()
    chat.command("taal")
    chat.press("en")
    assert chat.state.step == "consent"
    assert any(o.text == texts.get("hello_contact", "en") for o in chat.last)
