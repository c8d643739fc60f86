"""Help lines on every message that suggests danger, at every step, in every language."""

from __future__ import annotations

import pytest

from flows.forms.schema import Form
from flows.state import State
from flows.texts import Texts
from nlu.safety import mentions_danger
from tests.scripts import FULL_CONVERSATION, EngineChat, event_of

SUICIDE_LINE = "0800-0113"
CHILD_LINE = "0800-0432"


def _chat(form: Form, texts: Texts, language: str = "nl") -> EngineChat:
    return EngineChat(form, texts, state=State(language=language), mentions_danger=mentions_danger)


def _lines(chat: EngineChat) -> list[str]:
    return [message.text for message in chat.last]


def _count(chat: EngineChat, number: str) -> int:
    return sum(number in text for text in _lines(chat))


def test_at_the_question_for_another_story(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.open()
    for kind, value in FULL_CONVERSATION[:-1]:
        chat.send(event_of(kind, value))
    assert chat.state.step == "another"
    chat.text("ik wil dood")
    assert _count(chat, SUICIDE_LINE) == 1
    assert _lines(chat)[0] == texts.get("danger", "nl")


def test_after_stop(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.open()
    chat.command("stop")
    chat.text("ik ben bang dat hij me vermoordt")
    assert _count(chat, SUICIDE_LINE) == 1 and chat.state.step == "stopped"


@pytest.mark.parametrize(
    ("language", "text"),
    [("ru", "хочу умереть"), ("ru", "муж меня бьёт"), ("pl", "chcę się zabić"),
     ("ar", "زوجي يضربني"), ("tr", "kocam beni dövüyor"), ("uk", "хочу померти"),
     ("en", "I want to die"), ("nl", "ik wil dood")],
)
def test_at_the_consent_question_in_each_language(
    form: Form, texts: Texts, language: str, text: str
) -> None:
    chat = _chat(form, texts, language)
    chat.open()
    chat.text(text)
    assert _lines(chat)[0] == texts.get("danger", language)
    assert _count(chat, CHILD_LINE) == 0
    # The help lines never count as an answer: nothing was agreed or refused.
    assert chat.state.step == "consent" and chat.effects == []


def test_as_the_very_first_message(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.text("ik wil niet meer leven")
    assert _lines(chat)[0] == texts.get("danger", "nl")
    assert chat.state.step == "consent"


def test_once_for_story_text_and_free_text(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.open()
    for kind, value in FULL_CONVERSATION[:3]:
        chat.send(event_of(kind, value))
    chat.text("Mijn man slaat me en niemand helpt.")
    assert _count(chat, SUICIDE_LINE) == 1 and chat.state.step == "story"
    for kind, value in FULL_CONVERSATION[5:16]:
        chat.send(event_of(kind, value))
    assert chat.state.question_id == "wish"
    chat.text("Dat iemand zag dat hij me slaat")
    assert _count(chat, SUICIDE_LINE) == 1


def test_under_16_also_get_de_kindertelefoon(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts, "ru")
    chat.open()
    chat.press("yes")
    chat.press("age_no")
    chat.text("отчим бьёт меня")
    assert _count(chat, SUICIDE_LINE) == 1 and _count(chat, CHILD_LINE) == 1
    chat.press("yes")
    chat.press("needed_help")
    chat.text("Я хочу умереть, меня никто не слушает.")
    assert _lines(chat)[1] == texts.get("danger_child", "ru")


def test_the_about_answer_under_16_counts_too(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.about = {"age_group": {"status": "answered", "value": {"option": "under_16"}}}
    chat.open()
    chat.text("ik wil dood")
    assert _count(chat, CHILD_LINE) == 1


def test_a_resident_of_16_or_older_gets_the_adult_lines_only(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.text("ik wil dood")
    assert _count(chat, SUICIDE_LINE) == 1 and _count(chat, CHILD_LINE) == 0


def test_everyday_text_gets_no_help_lines(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts)
    chat.open()
    chat.text("ja hoor")
    assert _count(chat, SUICIDE_LINE) == 0 and chat.state.step == "age"
