"""Drawing messages for Telegram: callback data, check marks, long texts."""

from __future__ import annotations

import pytest

from bot.channels.messages import Question
from bot.channels.telegram.render import (
    MAX_CALLBACK_BYTES,
    MAX_TEXT,
    SELECTED_MARK,
    ButtonTooLong,
    answered_text,
    callback_data,
    choice_of,
    keyboard,
    message_texts,
)
from flows.events import ChoiceIn
from flows.forms.schema import Form
from flows.texts import Texts
from tests.scripts import FULL_CONVERSATION, EngineChat


def test_callback_data_round_trips_to_the_engine_event() -> None:
    assert choice_of(callback_data("12", "a45_65")) == ChoiceIn("a45_65", "12")
    assert choice_of("yes") == ChoiceIn("yes", "")  # no token: never today's question
    with pytest.raises(ButtonTooLong):
        callback_data("1", "x" * 64)


def test_every_button_of_the_default_form_fits_telegram(form: Form, texts: Texts) -> None:
    chat = EngineChat(form, texts)
    chat.open()
    for kind, value in FULL_CONVERSATION:
        chat.press(value) if kind == "choice" else chat.text(value)
    payloads = [Question.from_dict(o.as_dict()) for o in chat.outbox if o.choices]
    assert payloads
    for payload in payloads:
        markup = keyboard(payload)
        assert markup is not None
        for row in markup.inline_keyboard:
            for button in row:
                assert len(str(button.callback_data).encode()) <= MAX_CALLBACK_BYTES


def test_chosen_options_of_a_multiple_choice_question_get_a_check_mark() -> None:
    payload = Question.from_dict({"text": "Kies", "multi": True, "token": "3", "choices": [
        {"id": "a", "label": "🏠 Wonen", "selected": True}, {"id": "b", "label": "🩺 Zorg"}]})
    markup = keyboard(payload)
    assert markup is not None
    labels = [row[0].text for row in markup.inline_keyboard]
    assert labels == [f"{SELECTED_MARK} 🏠 Wonen", "🩺 Zorg"]


def test_long_texts_are_split_and_answers_fit() -> None:
    long = Question("woord " * 1500)
    pieces = message_texts(long)
    assert len(pieces) == 3 and all(len(p) <= MAX_TEXT for p in pieces)
    closed = answered_text("vraag " * 1000, "Uw antwoord: ✅ Ja")
    assert len(closed) <= MAX_TEXT and closed.endswith("Uw antwoord: ✅ Ja")


def test_descriptions_are_listed_under_the_question() -> None:
    payload = Question.from_dict({"text": "Waarover?", "choices": [
        {"id": "a", "label": "🤝 Hulp", "description": "Een moment dat u hulp nodig had."}]})
    assert message_texts(payload) == ["Waarover?\n\n🤝 Hulp: Een moment dat u hulp nodig had."]
