"""Answered questions close their keyboards; a press on such a button later is stale."""

from __future__ import annotations

import pytest

from flows.context import Scrubbed
from flows.events import EraseParticipant, Outbound, SaveAnswer, SaveTitle
from flows.forms.schema import Form
from flows.texts import Texts
from tests.scripts import FULL_CONVERSATION, EngineChat, event_of

STALE = "eerdere vraag"


@pytest.fixture
def chat(form: Form, texts: Texts) -> EngineChat:
    return EngineChat(form, texts)


def _closed(out: list[Outbound], token: str | None) -> list[str]:
    """The texts of the `answered` notices for the question with `token`."""
    return [o.text for o in out if o.kind == "answered" and o.token == token]


def _until(chat: EngineChat, step: tuple[str, str]) -> None:
    chat.open()
    for kind, value in FULL_CONVERSATION[: FULL_CONVERSATION.index(step)]:
        chat.send(event_of(kind, value))


def test_a_typed_title_closes_the_title_question(chat: EngineChat) -> None:
    _until(chat, ("text", "Hulp bij schulden"))
    title = chat.question()
    assert title.question == "_title"

    out = chat.text("Hulp bij schulden")

    assert _closed(out, title.token) == ["Uw antwoord: Hulp bij schulden"]
    assert [e.title for e in chat.effects if isinstance(e, SaveTitle)] == ["Hulp bij schulden"]
    stale = chat.press("skip", title.token)
    assert STALE in stale[0].text and chat.state.question_id == "feeling"


def test_a_typed_free_text_answer_closes_its_question(chat: EngineChat) -> None:
    _until(chat, ("text", "Eerder hulp"))
    wish = chat.question()
    assert wish.question == "wish"

    out = chat.text("Eerder hulp")

    assert _closed(out, wish.token) == ["Uw antwoord: Eerder hulp"]
    answers = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert answers[-1].question_id == "wish" and answers[-1].value == {"text": "Eerder hulp"}
    stale = chat.press("decline", wish.token)
    assert STALE in stale[0].text
    assert [e.question_id for e in chat.effects if isinstance(e, SaveAnswer)].count("wish") == 1


def test_the_answer_shown_is_the_scrubbed_text(form: Form, texts: Texts) -> None:
    chat = EngineChat(
        form, texts, scrub=lambda text, lang: Scrubbed(text.replace("Fatma", "[NAAM]"), {"NAAM": 1})
    )
    _until(chat, ("text", "Hulp bij schulden"))
    title = chat.question()
    out = chat.text("Fatma hielp")
    assert _closed(out, title.token) == ["Uw antwoord: [NAAM] hielp"]


@pytest.mark.parametrize("finish", [("choice", "done"), ("text", "klaar")])
def test_done_closes_the_story_question(chat: EngineChat, finish: tuple[str, str]) -> None:
    _until(chat, ("choice", "done"))
    story = chat.question()
    assert story.question == "_story"

    out = chat.send(event_of(*finish))

    assert _closed(out, story.token) == ["Uw antwoord: ✅ Klaar"]
    assert chat.state.step == "confirm"
    stale = chat.press("done", story.token)
    assert STALE in stale[0].text and chat.state.step == "confirm"


def test_done_on_an_empty_story_keeps_the_question_open(chat: EngineChat) -> None:
    _until(chat, ("text", "Ik had schulden en wist niet waar ik heen moest."))
    story = chat.question()

    out = chat.press("done", story.token)

    assert _closed(out, story.token) == []
    assert chat.state.step == "story"
    chat.text("Toch nog iets.")
    chat.press("done", story.token)
    assert chat.state.step == "confirm"


def test_the_language_picker_closes_when_a_language_is_chosen(chat: EngineChat) -> None:
    _until(chat, ("choice", "sad"))
    chat.command("taal")
    picker = chat.question()
    assert picker.question == "_language"

    out = chat.press("en", picker.token)

    assert len(_closed(out, picker.token)) == 1 and "English" in _closed(out, picker.token)[0]
    assert chat.state.language == "en" and chat.state.question_id == "feeling"
    stale = chat.press("nl", picker.token)
    assert "earlier question" in stale[0].text and chat.state.language == "en"


def test_the_language_offer_closes_when_answered(form: Form, texts: Texts) -> None:
    chat = EngineChat(form, texts, detect_language=lambda text, hint: ("en", 0.99))
    _until(chat, ("text", "Ik had schulden en wist niet waar ik heen moest."))
    chat.text("My neighbour helped me a lot when I was ill last winter.")
    offer = chat.question()
    assert offer.question == "_language_offer"

    out = chat.press("keep_language", offer.token)

    assert len(_closed(out, offer.token)) == 1
    assert chat.state.language == "nl" and chat.state.step == "story"
    stale = chat.press("en", offer.token)
    assert STALE in stale[0].text and chat.state.language == "nl"


def test_cancelling_the_erasure_closes_it_and_its_old_yes_erases_nothing(
    chat: EngineChat,
) -> None:
    _until(chat, ("choice", "sad"))
    chat.command("verwijder")
    confirm = chat.question()
    assert confirm.question == "_erase"

    out = chat.press("erase_no", confirm.token)

    assert len(_closed(out, confirm.token)) == 1
    stale = chat.press("erase_yes", confirm.token)
    assert STALE in stale[0].text
    assert not any(isinstance(e, EraseParticipant) for e in chat.effects)
    assert chat.state.question_id == "feeling"


def test_confirming_the_erasure_closes_it_erases_and_a_later_press_starts_afresh(
    chat: EngineChat,
) -> None:
    _until(chat, ("choice", "sad"))
    chat.command("verwijder")
    confirm = chat.question()

    out = chat.press("erase_yes", confirm.token)

    assert len(_closed(out, confirm.token)) == 1 and "gewist" in out[-1].text
    assert isinstance(chat.effects[-1], EraseParticipant)
    again = chat.press("erase_yes", confirm.token)
    assert again[-1].question == "_consent"
    assert sum(isinstance(e, EraseParticipant) for e in chat.effects) == 1
