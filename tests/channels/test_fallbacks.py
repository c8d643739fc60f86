"""The shared fallbacks: a channel that writes only `plain` still shows everything."""

from __future__ import annotations

from bot.channels.messages import Answered, File, Question, Text
from bot.channels.render import Renderer
from flows.events import Choice


class TextOnly(Renderer[str]):
    """A channel that can send nothing but text."""

    def plain(self, text: str, language: str | None) -> list[str]:
        return [text]


QUESTION = Question(
    "Waar ging het over?",
    (Choice("help", "🤝 Hulp", description="Een moment dat u hulp nodig had."),
     Choice("home", "🏠 Wonen", selected=True)),
    multi=True, question="topics", token="3", language="nl",
)


def test_choices_become_numbered_lines_under_their_descriptions() -> None:
    [text] = TextOnly().render(QUESTION)

    assert text == ("Waar ging het over?\n\n🤝 Hulp: Een moment dat u hulp nodig had.\n\n"
                    "1. 🤝 Hulp\n2. ☑️ 🏠 Wonen")


def test_a_redraw_shows_the_question_again_and_an_answer_shows_nothing() -> None:
    renderer = TextOnly()
    redraw = Question(QUESTION.text, QUESTION.choices, multi=True, token="3", redraw=True)

    assert renderer.render(redraw) == renderer.render(QUESTION)
    assert renderer.render(Answered("Uw antwoord: 🏠 Wonen", "3")) == []


def test_a_file_becomes_its_fallback_text_and_text_stays_text() -> None:
    export = File("document", "verhalen.csv", "text/csv", b"a,b", "2 verhalen",
                  "Bestanden krijgt u op Telegram.")

    assert TextOnly().render(export) == ["Bestanden krijgt u op Telegram."]
    assert TextOnly().render(Text("Dank u wel.")) == ["Dank u wel."]


def test_a_channel_overrides_only_what_it_does_better() -> None:
    class WithHint(TextOnly):
        def number_hint(self, payload: Question) -> str | None:
            return "Typ de nummers."

    [text] = WithHint().render(QUESTION)

    assert text.endswith("2. ☑️ 🏠 Wonen\n\nTyp de nummers.")
