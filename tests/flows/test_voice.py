"""Voice in the engine: spoken parts checked before they are kept, spoken answers, listen mode."""

from __future__ import annotations

import pytest

from flows.context import Scrubbed
from flows.events import Outbound, SaveAnswer, SpokenIn, VoiceProblem
from flows.forms.schema import Form
from flows.texts import Texts
from tests.scripts import EngineChat

SPOKEN = "De buurvrouw hielp mij met de brief van de gemeente."


@pytest.fixture
def chat(form: Form, texts: Texts) -> EngineChat:
    return EngineChat(form, texts,
                      scrub=lambda text, language: Scrubbed(text.replace("buurvrouw", "[X]")))


def _to_story_step(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.press("needed_help")


def _speech(out: list[Outbound]) -> list[Outbound]:
    return [o for o in out if o.kind == "speech"]


def _to_questions(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.text("Mijn buurman hielp mij met de boodschappen.")
    chat.press("done")
    chat.press("save")
    chat.press("skip")


def test_a_spoken_part_is_shown_scrubbed_and_read_back_before_it_is_kept(
    chat: EngineChat, texts: Texts
) -> None:
    _to_story_step(chat)
    out = chat.send(SpokenIn(SPOKEN))
    scrubbed = SPOKEN.replace("buurvrouw", "[X]")
    assert texts.get("voice.heard", "nl") in [o.text for o in out]
    assert scrubbed in [o.text for o in out if o.kind == "message"]
    assert [(o.text, o.private) for o in _speech(out)] == [(scrubbed, True)]
    assert out[-1].question == "_voice_check"
    assert [c.id for c in out[-1].choices] == ["keep_voice", "say_again", "type_instead"]
    assert chat.state.draft is not None and chat.state.draft.parts == []
    chat.press("keep_voice")
    assert chat.state.draft.parts == [scrubbed] and chat.state.step == "story"


@pytest.mark.parametrize(("choice", "said"), [("say_again", "voice.say_again"),
                                             ("type_instead", "voice.type_it")])
def test_say_it_again_or_type_it_keeps_nothing(
    chat: EngineChat, texts: Texts, choice: str, said: str
) -> None:
    _to_story_step(chat)
    chat.send(SpokenIn(SPOKEN))
    out = chat.press(choice)
    assert texts.get(said, "nl") in [o.text for o in out]
    assert chat.state.step == "story" and chat.state.draft is not None
    assert chat.state.draft.parts == [] and chat.state.draft.heard is None


def test_typing_at_the_check_drops_the_spoken_part_and_keeps_the_typed_one(
    chat: EngineChat
) -> None:
    _to_story_step(chat)
    chat.send(SpokenIn(SPOKEN))
    chat.text("Ik typ het liever zelf.")
    assert chat.state.draft is not None and chat.state.draft.parts == ["Ik typ het liever zelf."]


def test_saying_the_number_of_the_keep_button_keeps_it(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.send(SpokenIn(SPOKEN))
    chat.send(SpokenIn("Eén."))
    assert chat.state.draft is not None and len(chat.state.draft.parts) == 1


def test_saying_done_finishes_the_story(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.send(SpokenIn(SPOKEN))
    chat.press("keep_voice")
    chat.send(SpokenIn("Klaar."))
    assert chat.state.step == "confirm"


@pytest.mark.parametrize("said", ["Twee.", "2", "Tevreden"])
def test_a_spoken_answer_to_a_choice_question_is_matched_like_typed_text(
    chat: EngineChat, said: str
) -> None:
    _to_questions(chat)
    assert chat.question().question == "feeling"
    chat.send(SpokenIn(said))
    answers = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert answers[-1].question_id == "feeling"
    assert answers[-1].value == {"option": "satisfied"}


@pytest.mark.parametrize("problem", ["too_long", "too_large", "unreadable", "silent"])
def test_a_voice_note_that_cannot_be_heard_gets_a_friendly_word_and_the_question_again(
    chat: EngineChat, texts: Texts, problem: VoiceProblem
) -> None:
    _to_story_step(chat)
    out = chat.send(SpokenIn(problem=problem))
    assert out[0].text == texts.get(f"voice.{problem}", "nl")
    assert out[-1].question == "_story"


def test_listen_mode_from_the_hello_reads_every_question_with_numbers(
    chat: EngineChat, texts: Texts
) -> None:
    chat.open()
    out = chat.press("listen")
    assert chat.state.listen
    spoken = [o.text for o in _speech(out)]
    assert texts.get("hello_what", "nl") in spoken[0]
    assert spoken[-1].startswith(texts.get("consent_question", "nl"))
    assert "Zeg of typ het nummer:\néén, ✅ Ja.\ntwee, ℹ️ Vertel meer.\ndrie, ❌ Nee." in spoken[-1]  # noqa: RUF001
    assert [c.id for c in out[0].choices] == [] and chat.question().question == "_consent"
    out = chat.press("yes")
    assert _speech(out) and _speech(out)[-1].text.startswith(texts.get("age_question", "nl"))
    assert not any(o.private for o in _speech(out))


def test_listen_mode_reads_the_story_back_at_the_confirmation(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.command("voorlezen")
    chat.text("Mijn buurman hielp mij.")
    out = chat.press("done")
    private = [o.text for o in _speech(out) if o.private]
    assert private == ["Mijn buurman hielp mij."]


def test_voorlezen_switches_listen_mode_off_again(chat: EngineChat, texts: Texts) -> None:
    _to_story_step(chat)
    assert texts.get("voice.listen_on", "nl") in [o.text for o in chat.command("voorlezen")]
    out = chat.command("voorlezen")
    assert texts.get("voice.listen_off", "nl") in [o.text for o in out]
    assert not chat.state.listen and _speech(out) == []
