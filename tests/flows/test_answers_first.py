"""Answers first: a typed reply is read against the pending question before it is tried as an
intent or a command; a typed guess never ends or discards; nobody is stuck."""

from __future__ import annotations

import pytest

from flows.events import RecordConsent, SaveAnswer, SaveStory
from flows.forms.schema import Form
from flows.state import State
from flows.texts import Texts
from nlu.factory import build_intent_parser
from tests.scripts import EngineChat

PARSER = build_intent_parser(None)


@pytest.fixture
def chat(form: Form, texts: Texts) -> EngineChat:
    return EngineChat(form, texts, nlu=PARSER)


def _to_story(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.press("needed_help")


def _to_confirm(chat: EngineChat) -> None:
    _to_story(chat)
    chat.text("Mijn buurman hielp mij met de boodschappen toen ik ziek was.")
    chat.press("done")
    assert chat.state.step == "confirm"


def _to_question(chat: EngineChat, question_id: str) -> None:
    _to_confirm(chat)
    chat.press("save")
    chat.press("skip")
    for _ in range(12):
        if chat.state.question_id == question_id:
            return
        chat.press("skip" if chat.question().choices[-2].role == "skip" else "decline")
    raise AssertionError(f"never reached {question_id}")


def _answers(chat: EngineChat, question_id: str) -> list[object]:
    return [e.value for e in chat.effects
            if isinstance(e, SaveAnswer) and e.question_id == question_id]


def test_done_typed_on_a_multiple_choice_is_the_done_button(chat: EngineChat) -> None:
    _to_question(chat, "topics")
    chat.text("geld")
    chat.text("done")
    assert _answers(chat, "topics") == [{"options": ["money"]}]
    assert chat.state.step == "question" and chat.state.question_id == "frequency"


@pytest.mark.parametrize("typed", ["klaar", "gotowe", "готово", "tamam"])
def test_done_words_finish_a_multiple_choice(chat: EngineChat, typed: str) -> None:
    _to_question(chat, "topics")
    chat.text("1")
    chat.text(typed)
    assert _answers(chat, "topics") == [{"options": ["money"]}]


def test_a_second_typed_option_keeps_the_first(chat: EngineChat) -> None:
    _to_question(chat, "topics")
    chat.text("geld")
    chat.text("wonen")
    chat.text("geld")
    assert chat.state.selected == ["money", "housing"]


def test_several_options_in_one_reply(chat: EngineChat) -> None:
    _to_question(chat, "topics")
    chat.text("geld, wonen")
    assert chat.state.selected == ["money", "housing"]


def test_tweede_is_the_second_option_not_a_new_story(chat: EngineChat) -> None:
    _to_question(chat, "feeling")
    chat.text("tweede")
    assert _answers(chat, "feeling") == [{"option": "satisfied"}]
    assert chat.state.draft is not None and chat.state.draft.story_id


@pytest.mark.parametrize(("typed", "option"), [("1e", "glad"), ("2e", "satisfied"),
                                                ("de laatste", "angry")])
def test_ordinals_name_positions(chat: EngineChat, typed: str, option: str) -> None:
    _to_question(chat, "feeling")
    chat.text(typed)
    assert _answers(chat, "feeling") == [{"option": option}]


def test_hulp_at_the_prompt_is_the_help_button(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.text("hulp")
    assert chat.state.step == "story"
    assert chat.state.draft is not None and chat.state.draft.prompt_id == "needed_help"


def test_buurt_at_the_prompt_is_my_neighbourhood(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.text("buurt")
    assert chat.state.draft is not None and chat.state.draft.prompt_id == "neighbourhood"


@pytest.mark.parametrize(("language", "typed", "option"), [
    ("nl", "een beetje", "s2"), ("nl", "veel", "s4"), ("tr", "biraz", "s2"),
    ("pl", "wcale", "s1"), ("en", "not at all", "s1"), ("en", "a lot", "s4"),
    ("ru", "немного", "s2"),
])
def test_labels_typed_without_their_emoji_number(
    form: Form, texts: Texts, language: str, typed: str, option: str
) -> None:
    chat = EngineChat(form, texts, nlu=PARSER, state=State(language=language))
    _to_question(chat, "influence")
    chat.text(typed)
    assert _answers(chat, "influence") == [{"option": option}]


@pytest.mark.parametrize(("language", "typed", "yes", "option"), [
    ("nl", "een beetej", "ja", "s2"), ("en", "not at oll", "yes", "s1"),
    ("pl", "wcalr", "tak", "s1"),
])
def test_a_typo_of_a_label_is_asked_back_first(
    form: Form, texts: Texts, language: str, typed: str, yes: str, option: str
) -> None:
    chat = EngineChat(form, texts, nlu=PARSER, state=State(language=language))
    _to_question(chat, "influence")
    chat.text(typed)
    assert chat.state.step == "check" and _answers(chat, "influence") == []
    chat.text(yes)
    assert _answers(chat, "influence") == [{"option": option}]


@pytest.mark.parametrize(("language", "question", "typed", "option"), [
    ("en", "influence", "quite a lot", "s4"),
    ("tr", "feeling", "kızgınım", "angry"),  # noqa: RUF001 (Turkish: dotless i is a letter)
    ("nl", "feeling", "heel verdrietig", "sad"), ("pl", "feeling", "bardzo zła", "angry"),
])
def test_a_reply_holding_an_options_words_is_asked_back(
    form: Form, texts: Texts, language: str, question: str, typed: str, option: str
) -> None:
    chat = EngineChat(form, texts, nlu=PARSER, state=State(language=language))
    _to_question(chat, question)
    chat.text(typed)
    assert chat.state.step == "check"
    assert chat.state.check is not None and chat.state.check.choice_id == option


@pytest.mark.parametrize(("language", "typed"), [
    ("en", "not happy"), ("nl", "niet blij"), ("ru", "не радость"), ("pl", "nie radość"),
])
def test_a_turned_around_reply_is_not_the_option_it_names(
    form: Form, texts: Texts, language: str, typed: str
) -> None:
    chat = EngineChat(form, texts, nlu=PARSER, state=State(language=language))
    _to_question(chat, "feeling")
    chat.text(typed)
    assert chat.state.check is None or chat.state.check.choice_id != "glad"
    assert _answers(chat, "feeling") == []


def test_mensen_at_the_triad(chat: EngineChat) -> None:
    _to_question(chat, "helped")
    chat.text("mensen")
    assert _answers(chat, "helped") == [{"option": "a"}]


def test_an_age_typed_as_a_number(chat: EngineChat) -> None:
    chat.about.clear()
    _to_question(chat, "wish")
    chat.text("Eerder hulp")
    assert chat.state.question_id == "age_group"
    chat.text("45")
    about = [e for e in chat.effects if getattr(e, "question_id", "") == "age_group"]
    assert [getattr(e, "value", None) for e in about] == [{"option": "a45_65"}]


@pytest.mark.parametrize("typed", ["-1", "+1", "?", "..."])
def test_numbers_and_signs_never_restart(chat: EngineChat, typed: str) -> None:
    _to_question(chat, "feeling")
    chat.text(typed)
    assert chat.state.step == "question" and chat.state.question_id == "feeling"
    assert chat.state.draft is not None and chat.state.draft.story_id


def test_one_at_the_story_step_is_done(chat: EngineChat) -> None:
    _to_story(chat)
    chat.text("Mijn buurman hielp mij met de boodschappen.")
    chat.text("1")
    assert chat.state.step == "confirm"
    assert chat.state.draft is not None and "1" not in chat.state.draft.parts


def test_nee_hoor_at_confirm_asks_before_throwing_away(chat: EngineChat) -> None:
    _to_confirm(chat)
    chat.text("nee hoor")
    assert chat.state.step == "check"
    assert chat.state.draft is not None and chat.state.draft.parts
    chat.press("no")
    assert chat.state.step == "confirm"
    assert chat.state.draft is not None and chat.state.draft.parts
    chat.text("nee hoor")
    chat.press("yes")
    assert chat.state.step == "another" and chat.state.draft is None


@pytest.mark.parametrize(("language", "typed"), [
    ("nl", "voor na"), ("nl", "na"), ("nl", "voor"), ("nl", "hmm"), ("en", "before after"),
    ("pl", "przed po"), ("ru", "до после"), ("tr", "önce sonra"),
])
def test_a_non_answer_at_confirm_is_no_withdrawal(
    form: Form, texts: Texts, language: str, typed: str
) -> None:
    chat = EngineChat(form, texts, nlu=PARSER, state=State(language=language))
    _to_confirm(chat)
    parts = list(chat.state.draft.parts if chat.state.draft else [])
    chat.text(typed)
    # Not read as no: no "throw it away?" question, nothing saved, the story kept as it was.
    assert chat.state.step == "confirm" and chat.state.check is None
    assert chat.state.draft is not None and chat.state.draft.parts == parts
    assert not [e for e in chat.effects if isinstance(e, SaveStory)]
    assert chat.outbox[-1].question == "_confirm"


def test_ja_nee_is_not_yes(chat: EngineChat) -> None:
    chat.open()
    chat.text("ja nee")
    assert chat.state.step == "consent"
    assert not any(isinstance(e, RecordConsent) for e in chat.effects)


def test_typed_stop_asks_first_and_a_slash_command_does_not(chat: EngineChat) -> None:
    _to_confirm(chat)
    chat.text("ik wil stoppen")
    assert chat.state.step == "check"
    assert chat.state.draft is not None and chat.state.draft.parts
    chat.text("nee")
    assert chat.state.step == "confirm" and chat.state.draft.parts
    chat.command("stop")
    assert chat.state.step == "stopped"


def test_nonsense_never_discards(chat: EngineChat) -> None:
    _to_confirm(chat)
    for typed in ("asdf", "qwerty zxcv", "ppp", "?!", "hmm"):
        chat.text(typed)
    assert chat.state.draft is not None and chat.state.draft.parts
    chat.press("save")
    assert any(isinstance(e, SaveStory) for e in chat.effects)


def test_never_more_than_two_not_understood_in_a_row(chat: EngineChat, texts: Texts) -> None:
    _to_question(chat, "feeling")
    not_understood = texts.get("no_match", "nl")
    said = []
    for typed in ("qqq", "zzz", "xxx", "vvv"):
        said.append([t for t in chat.text(typed) if t.kind == "message"])
    assert [any(o.text == not_understood for o in out) for out in said] == [
        True, False, False, False]
    example = texts.get("no_match_example", "nl", example="Blij")
    assert any(o.text == example for o in said[1])
    assert said[1][-1].question == "feeling"


def test_a_long_text_at_the_prompt_is_the_story(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    story = "Ik had schulden en de buurvrouw hielp me met bellen naar de gemeente."
    chat.text(story)
    assert chat.state.step == "story"
    assert chat.state.draft is not None and chat.state.draft.parts == [story]
    chat.text("klaar")
    chat.press("save")
    saved = [e for e in chat.effects if isinstance(e, SaveStory)]
    assert saved[0].text == story and saved[0].prompt_id is None


def test_a_button_press_still_acts_at_once(chat: EngineChat) -> None:
    _to_confirm(chat)
    chat.press("withdraw")
    assert chat.state.step == "another" and chat.state.draft is None
