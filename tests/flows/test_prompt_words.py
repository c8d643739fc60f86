"""What residents type at "what would you like to tell about?": each prompt's own words in
every language, and a story typed there instead of a choice."""

from __future__ import annotations

import pytest

from flows.context import Scrubbed
from flows.events import SaveStory
from flows.forms.loader import load_form
from flows.forms.schema import Form
from flows.state import State
from flows.texts import Texts
from nlu.factory import build_intent_parser
from tests.conftest import DEFAULT_FORM
from tests.scripts import EngineChat

PARSER = build_intent_parser(None)
FORM = load_form(DEFAULT_FORM)
WORDS = [(lang, word, prompt.id) for prompt in FORM.prompts
         for lang, words in prompt.synonyms.items() for word in words]


def _at_prompt(form: Form, texts: Texts, language: str, scrub: object = None) -> EngineChat:
    chat = EngineChat(form, texts, nlu=PARSER, state=State(language=language), scrub=scrub)
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    assert chat.state.step == "prompt"
    return chat


def test_every_language_has_words_for_every_prompt() -> None:
    for prompt in FORM.prompts:
        assert set(prompt.synonyms) == set(FORM.languages), prompt.id


@pytest.mark.parametrize(("language", "typed", "prompt"), WORDS)
def test_a_prompt_named_in_the_residents_words(
    form: Form, texts: Texts, language: str, typed: str, prompt: str
) -> None:
    chat = _at_prompt(form, texts, language)
    chat.text(typed)
    assert chat.state.step == "story"
    assert chat.state.draft is not None and chat.state.draft.prompt_id == prompt


@pytest.mark.parametrize("typed", [
    "neighbourhood", "My neighbourhood", "where I live", "my neighborhood", "neighbourhod",
])
def test_english_words_for_the_neighbourhood(form: Form, texts: Texts, typed: str) -> None:
    chat = _at_prompt(form, texts, "en")
    chat.text(typed)
    assert chat.state.draft is not None and chat.state.draft.prompt_id == "neighbourhood"


def _scrub_anna(text: str, language: str) -> Scrubbed:
    return Scrubbed(text.replace("Anna", "[NAAM]"), {"NAAM": text.count("Anna")})


@pytest.mark.parametrize(("language", "story"), [
    ("nl", "Mijn buurvrouw Anna hielp me met de brieven van de gemeente."),
    ("pl", "Sąsiadka Anna pomogła mi z listami z urzędu, bo nie znam holenderskiego."),
    ("en", "My neighbour Anna helped me with the letters from the council last winter."),
])
def test_a_story_typed_at_the_prompt_is_kept_scrubbed(
    form: Form, texts: Texts, language: str, story: str
) -> None:
    chat = _at_prompt(form, texts, language, scrub=_scrub_anna)
    chat.text(story)
    assert chat.state.step == "story"
    said = [o.text for o in chat.outbox]
    for key in ("no_match", "no_match_free"):
        assert texts.get(key, language) not in said
    chat.text("1")
    chat.press("save")
    [saved] = [e for e in chat.effects if isinstance(e, SaveStory)]
    assert saved.prompt_id is None and saved.language == language
    assert saved.text == story.replace("Anna", "[NAAM]")


def test_a_prompt_word_inside_a_story_does_not_pick_the_prompt(
    form: Form, texts: Texts
) -> None:
    chat = _at_prompt(form, texts, "en")
    story = "Where I live the neighbours never say hello and I feel alone."
    chat.text(story)
    assert chat.state.draft is not None and chat.state.draft.parts == [story]


@pytest.mark.parametrize(("language", "typed", "prompt"), [
    ("nl", "gesprek met de gemeente", "conversation"), ("nl", "in onze wijk", "neighbourhood"),
    ("en", "about my neighbourhood", "neighbourhood"), ("pl", "o mojej okolicy", "neighbourhood"),
    ("ar", "كنت بحاجة لمساعدة", "needed_help"), ("ru", "про мой район", "neighbourhood"),
])
def test_a_short_reply_holding_a_prompts_words(
    form: Form, texts: Texts, language: str, typed: str, prompt: str
) -> None:
    chat = _at_prompt(form, texts, language)
    chat.text(typed)
    assert chat.state.draft is not None and chat.state.draft.prompt_id == prompt
    assert chat.state.draft.parts == []


@pytest.mark.parametrize("typed", ["mijn man sloeg mij", "over mijn werk"])
def test_common_words_of_a_label_name_no_prompt(form: Form, texts: Texts, typed: str) -> None:
    chat = _at_prompt(form, texts, "nl")
    chat.text(typed)
    assert chat.state.step == "prompt" and chat.state.draft is None


def test_i_want_to_tell_about_is_no_new_story_command(form: Form, texts: Texts) -> None:
    chat = _at_prompt(form, texts, "nl")
    chat.text("ik wil iets vertellen over mijn buurt en de buren")
    assert chat.state.step == "story" and chat.state.check is None
    assert chat.state.draft is not None
    assert chat.state.draft.parts == ["ik wil iets vertellen over mijn buurt en de buren"]
