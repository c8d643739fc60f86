"""The engine on its own: a whole conversation, typed answers, commands and bad input."""

from __future__ import annotations

import pytest

from flows.context import Scrubbed
from flows.events import (
    EraseParticipant,
    RecordConsent,
    SaveAbout,
    SaveAnswer,
    SaveStory,
    SaveTitle,
    ScheduleFollowUps,
)
from flows.forms.schema import Form
from flows.texts import Texts
from tests.scripts import FULL_CONVERSATION, EngineChat, event_of


@pytest.fixture
def chat(form: Form, texts: Texts) -> EngineChat:
    return EngineChat(form, texts)


def _through_consent(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")


def _to_story_step(chat: EngineChat) -> None:
    _through_consent(chat)
    chat.press("needed_help")


def _to_questions(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.text("Mijn buurman hielp mij met de boodschappen.")
    chat.press("done")
    chat.press("save")
    chat.press("skip")


def test_new_resident_gets_hello_and_consent_question(chat: EngineChat) -> None:
    out = chat.open()
    assert "Vertelpunt" in out[0].text
    assert out[-1].question == "_consent"
    assert [c.id for c in out[-1].choices] == ["yes", "more", "no"]
    assert chat.effects == []


def test_whole_conversation_gives_every_effect(chat: EngineChat) -> None:
    chat.open()
    for kind, value in FULL_CONVERSATION:
        chat.send(event_of(kind, value))
    stories = [e for e in chat.effects if isinstance(e, SaveStory)]
    assert len(stories) == 1
    assert stories[0].prompt_id == "needed_help"
    assert "buurvrouw" in stories[0].text and "schulden" in stories[0].text
    assert [e.title for e in chat.effects if isinstance(e, SaveTitle)] == ["Hulp bij schulden"]
    answers = {e.question_id: (e.status, e.value) for e in chat.effects
               if isinstance(e, SaveAnswer)}
    assert answers == {
        "feeling": ("answered", {"option": "sad"}),
        "helped": ("answered", {"option": "ab"}),
        "influence": ("answered", {"option": "s4"}),
        "topics": ("answered", {"options": ["money", "contact"]}),
        "frequency": ("answered", {"option": "often"}),
        "belonging": ("declined", None),
        "wish": ("answered", {"text": "Eerder hulp"}),
    }
    about = {e.question_id: e.status for e in chat.effects if isinstance(e, SaveAbout)}
    assert about == {"age_group": "answered", "neighbourhood": "answered", "gender": "skipped"}
    assert any(isinstance(e, ScheduleFollowUps) and e.days == (14,) for e in chat.effects)
    scopes = [e.scope for e in chat.effects if isinstance(e, RecordConsent)]
    assert scopes == ["story", "follow_up"]
    assert chat.state.step == "ended"


def test_nothing_is_stored_when_the_resident_says_no(chat: EngineChat) -> None:
    chat.open()
    chat.press("more")
    assert "bewaren" in chat.texts_of_last()[0]
    chat.press("no")
    assert chat.effects == []
    assert chat.state.step == "declined"


def test_under_sixteen_needs_a_parent(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_no")
    assert chat.question().question == "_parent"
    chat.press("no")
    assert chat.effects == [] and chat.state.step == "refused"
    chat.command("start")
    chat.press("yes")
    chat.press("age_no")
    chat.press("yes")
    scopes = [e.scope for e in chat.effects if isinstance(e, RecordConsent)]
    assert scopes == ["parent", "story"]
    assert chat.state.step == "prompt"


@pytest.mark.parametrize("typed", ["1", "ja", "Ja hoor", "JAAA", "✅", "jep 👍", "yes"])
def test_typed_answers_to_a_button_question(chat: EngineChat, typed: str) -> None:
    chat.open()
    chat.text(typed)
    assert chat.state.step == "age"


@pytest.mark.parametrize(("typed", "option"), [
    ("2", "satisfied"), ("verdrietig", "sad"), ("😠", "angry"), ("kwaad", "angry"),
    ("Niet fijn", "not_nice"), ("gaat wel", "neutral"),
])
def test_typed_answers_to_a_form_question(chat: EngineChat, typed: str, option: str) -> None:
    _to_questions(chat)
    chat.text(typed)
    answers = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert answers[-1].value == {"option": option}


def test_skip_and_rather_not_say_are_stored_differently(chat: EngineChat) -> None:
    _to_questions(chat)
    chat.text("sla over")
    chat.text("zeg ik liever niet")
    statuses = [(e.question_id, e.status) for e in chat.effects if isinstance(e, SaveAnswer)]
    assert statuses == [("feeling", "skipped"), ("helped", "declined")]


def test_multi_choice_toggles_until_done(chat: EngineChat) -> None:
    _to_questions(chat)
    for option in ("glad", "c", "s1"):
        chat.press(option)
    assert chat.question().question == "topics"
    chat.press("done")
    assert "Kies er één of meer" in chat.texts_of_last()[0] or chat.state.question_id == "topics"
    chat.press("money")
    chat.press("housing")
    chat.press("money")
    update = chat.last[-1]
    assert update.kind == "update"
    assert [c.id for c in update.choices if c.selected] == ["housing"]
    chat.text("3, 5")
    chat.press("done")
    last = [e for e in chat.effects if isinstance(e, SaveAnswer)][-1]
    assert last.value == {"options": ["housing", "health", "contact"]}


def test_story_text_is_never_a_command_word(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.text("stop")
    chat.text("Ik wilde stoppen met werken maar dat mocht niet.")
    assert chat.state.step == "story"
    assert chat.state.draft is not None and chat.state.draft.parts[0] == "stop"
    chat.command("help")
    assert chat.state.step == "story"
    chat.text("klaar")
    assert chat.state.step == "confirm"


def test_story_is_scrubbed_before_it_is_kept(form: Form, texts: Texts) -> None:
    chat = EngineChat(
        form, texts, scrub=lambda text, lang: Scrubbed(text.replace("Fatma", "[NAAM]"), {"NAAM": 1})
    )
    _to_story_step(chat)
    chat.text("Fatma hielp mij.")
    chat.press("done")
    assert "[NAAM] hielp mij." in chat.texts_of_last()
    chat.press("save")
    story = next(e for e in chat.effects if isinstance(e, SaveStory))
    assert "Fatma" not in story.text


def test_retell_and_withdraw(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.text("eerste versie van het verhaal")
    chat.press("done")
    chat.press("retell")
    assert chat.state.step == "story" and chat.state.draft and chat.state.draft.parts == []
    chat.text("tweede versie")
    chat.press("done")
    chat.press("withdraw")
    assert not any(isinstance(e, SaveStory) for e in chat.effects)
    assert chat.state.step == "another"


def test_stale_button_gets_a_gentle_reply(chat: EngineChat) -> None:
    chat.open()
    old_token = chat.question().token
    chat.press("yes", old_token)
    out = chat.press("age_yes", old_token)
    assert "eerdere vraag" in out[0].text
    assert chat.state.step == "age"
    chat.press("needed_help")
    assert chat.state.step == "age"


def test_unknown_command_empty_and_unmatched(chat: EngineChat) -> None:
    chat.open()
    assert "ken ik niet" in chat.command("foo")[0].text
    assert "leeg" in chat.text("   ")[0].text
    out = chat.text("misschien morgen")
    assert "begreep ik niet" in out[0].text and out[-1].question == "_consent"
    assert chat.state.step == "consent"


def test_long_emoji_and_right_to_left_input(chat: EngineChat) -> None:
    chat.open()
    chat.text("x" * 5000)
    chat.text("🎉🎉🎉")
    chat.text("مرحبا كيف حالك")
    assert chat.state.step == "consent"
    chat.press("yes")
    chat.press("age_yes")
    chat.press("needed_help")
    chat.text("🙂🙂")
    assert "woorden" in chat.texts_of_last()[0]
    chat.text("ساعدني جاري كثيرا " * 10)
    chat.text("a" * 12000)
    assert chat.state.step == "confirm"
    chat.press("save")
    story = next(e for e in chat.effects if isinstance(e, SaveStory))
    assert len(story.text) <= form_limit(chat) and "ساعدني" in story.text
    assert all(len(o.text) <= 4096 for o in chat.outbox)


def form_limit(chat: EngineChat) -> int:
    return chat.form.story.max_characters + 2


def test_title_too_long_is_asked_again(chat: EngineChat) -> None:
    _to_story_step(chat)
    chat.text("verhaal")
    chat.press("done")
    chat.press("save")
    out = chat.text("t" * 500)
    assert "te lang" in out[0].text and chat.state.step == "title"


def test_message_after_the_end_says_what_next(chat: EngineChat) -> None:
    chat.open()
    for kind, value in FULL_CONVERSATION:
        chat.send(event_of(kind, value))
    out = chat.text("hallo?")
    assert out[-1].question == "_another"
    chat.text("ja")
    assert chat.state.step == "prompt"


def test_voice_gets_please_type(chat: EngineChat) -> None:
    from flows.events import MediaIn

    chat.open()
    out = chat.send(MediaIn("voice"))
    assert "Typ" in out[0].text and out[-1].question == "_consent"


def test_language_switch_keeps_the_pending_question(chat: EngineChat) -> None:
    _to_questions(chat)
    chat.command("taal")
    chat.press("en")
    assert chat.state.language == "en" and chat.state.question_id == "feeling"
    assert chat.last[-1].text == "How did this make you feel?"
    chat.text("happy")
    last = [e for e in chat.effects if isinstance(e, SaveAnswer)][-1]
    assert last.value == {"option": "glad"}


def test_erase_asks_first_then_erases(chat: EngineChat) -> None:
    _to_questions(chat)
    chat.command("verwijder")
    chat.press("erase_no")
    assert chat.state.question_id == "feeling"
    assert not any(isinstance(e, EraseParticipant) for e in chat.effects)
    chat.command("verwijder")
    chat.press("erase_yes")
    assert isinstance(chat.effects[-1], EraseParticipant)
    assert chat.state.step == "new" and not chat.state.consented


def test_about_you_is_asked_only_once(form: Form, texts: Texts) -> None:
    about = {q.id: {"status": "answered", "value": None} for q in form.about}
    chat = EngineChat(form, texts, about=about)
    chat.open()
    for kind, value in FULL_CONVERSATION[:17]:
        chat.send(event_of(kind, value))
    assert chat.state.step == "follow_up"


def test_commands_in_words_use_the_intent(form: Form, texts: Texts) -> None:
    class Parser:
        def parse(self, text: str, language: str | None = None) -> object:
            from types import SimpleNamespace

            intent = {"ik wil stoppen": "stop", "tuurlijk man": "affirm"}.get(text, "x")
            return SimpleNamespace(intent=intent, confidence=0.99)

    chat = EngineChat(form, texts, nlu=Parser())
    chat.open()
    chat.text("tuurlijk man")
    assert chat.state.step == "age"
    chat.text("ik wil stoppen")
    assert chat.state.step == "check"
    chat.press("yes")
    assert chat.state.step == "stopped"


def test_danger_shows_help_lines_and_keeps_the_story(form: Form, texts: Texts) -> None:
    chat = EngineChat(form, texts, mentions_danger=lambda text: "niet meer leven" in text)
    _to_story_step(chat)
    out = chat.text("ik wil niet meer leven")
    assert any("0800-0113" in o.text for o in out)
    chat.press("done")
    chat.press("save")
    assert any(isinstance(e, SaveStory) for e in chat.effects)


def test_detected_language_is_offered_not_switched(form: Form, texts: Texts) -> None:
    chat = EngineChat(form, texts, detect_language=lambda text, hint: ("en", 0.99))
    _to_story_step(chat)
    chat.text("My neighbour helped me a lot when I was ill last winter.")
    assert chat.state.language == "nl" and chat.state.step == "language_offer"
    chat.press("en")
    assert chat.state.language == "en" and chat.state.step == "story"
    assert chat.state.draft is not None and len(chat.state.draft.parts) == 1
