"""The confirmation says honestly what scrubbing replaced, in the resident's language."""

from __future__ import annotations

from flows.context import Scrubbed
from flows.events import SaveStory
from flows.forms.schema import Form
from flows.state import State
from flows.texts import Texts, load_catalogue
from tests.scripts import EngineChat


def _scrub(text: str, language: str) -> Scrubbed:
    """A stand-in scrubber: "Fatma" is a name, "0612345678" a phone number."""
    counts = {"NAAM": text.count("Fatma"), "TELEFOON": text.count("0612345678")}
    text = text.replace("Fatma", "[NAAM]").replace("0612345678", "[TELEFOON]")
    return Scrubbed(text, {kind: n for kind, n in counts.items() if n})


def _show(text: str, language: str) -> str:
    """A stand-in display: the name placeholder in the resident's language."""
    return text.replace("[NAAM]", "[NAME]" if language == "en" else "[NAAM]")


def _chat(form: Form, texts: Texts, language: str) -> EngineChat:
    chat = EngineChat(form, texts, state=State(language=language), scrub=_scrub)
    chat.show_placeholders = _show
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.press("needed_help")
    return chat


def test_confirmation_counts_what_was_replaced(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts, "en")
    chat.text("Fatma helped me and Fatma called 0612345678")
    chat.text("then Fatma came back")
    chat.press("done")
    said = chat.texts_of_last()
    assert "names (3)" in said[0] and "phone numbers (1)" in said[0]
    assert "[NAME] helped me and [NAME] called [TELEFOON]" in "\n".join(said)


def test_confirmation_asks_to_check_for_names_when_nothing_was_found(
    form: Form, texts: Texts
) -> None:
    chat = _chat(form, texts, "en")
    chat.text("the bus was late again")
    chat.press("done")
    said = chat.texts_of_last()
    assert said[0] == texts.get("scrub.nothing_found", "en")
    assert "names" in said[0].lower() and "(" not in said[0]


def test_stored_story_keeps_the_canonical_placeholders(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts, "en")
    chat.text("Fatma helped me")
    chat.press("done")
    chat.press("save")
    story = next(e for e in chat.effects if isinstance(e, SaveStory))
    assert story.text == "[NAAM] helped me"


def test_telling_it_again_starts_the_count_afresh(form: Form, texts: Texts) -> None:
    chat = _chat(form, texts, "nl")
    chat.text("Fatma hielp mij")
    chat.press("done")
    chat.press("retell")
    chat.text("de buurvrouw hielp mij")
    chat.press("done")
    assert chat.texts_of_last()[0] == texts.get("scrub.nothing_found", "nl")


def test_every_language_has_the_confirmation_texts(form: Form) -> None:
    for language in form.languages:
        scrub_texts = load_catalogue(language)["scrub"]
        for key in ("replaced", "nothing_found", "names", "addresses", "phones", "other"):
            assert scrub_texts[key].strip(), (language, key)
        assert "{what}" in scrub_texts["replaced"] and "{n}" in scrub_texts["names"]
