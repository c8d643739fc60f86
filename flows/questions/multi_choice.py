"""A multiple choice: tick any options, then done; exported as 0/1 per option."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.matching import match_numbers
from flows.questions.base import (
    Answer,
    Column,
    NothingPicked,
    Pressed,
    QuestionType,
    Reading,
    Synonyms,
    Toggled,
    column,
    read_choice,
    skip_answer,
    system_choice,
)

if TYPE_CHECKING:
    from flows.asks import Ask
    from flows.context import Context
    from flows.events import Choice
    from flows.forms.schema import Question


class MultiChoice(QuestionType):
    """Options are ticked and unticked on the same message until done is pressed."""

    name = "multi_choice"
    multi = True
    extra_buttons = 1

    def extra_choices(self, ctx: Context, lang: str) -> tuple[Choice, ...]:
        """Done, after the options."""
        return (system_choice(ctx, lang, "done"),)

    def press(self, ask: Ask, choice: Choice) -> Pressed:
        """An option ticks or unticks; done answers with what is ticked."""
        skipped = skip_answer(choice)
        if skipped is not None:
            return skipped
        if choice.role != "done":
            return Toggled((choice.id,))
        picked = [c for c in ask.choices if c.selected]
        if not picked:
            return NothingPicked()
        return Answer(tuple(c.label for c in picked), "answered",
                      {"options": [c.id for c in picked]})

    def read_typed(self, text: str, ask: Ask, synonyms: Synonyms) -> Reading | None:
        """Several numbers ("1, 3 en 4") tick those options; else one choice, as pressed."""
        picked = match_numbers(text, ask.choices)
        if picked and len(picked) > 1:
            return Toggled(tuple(c.id for c in picked if c.role == "option"))
        return read_choice(text, ask.choices, synonyms)

    def value_columns(self, question: Question, where: str) -> list[Column]:
        """One 0/1 column per option."""
        return [column(question, f"{question.id}.{o.id}", "binary",
                       f"1 when '{o.id}' was picked, else 0.", {o.id: o.label})
                for o in question.options]

    def value_cells(self, question: Question, value: dict[str, Any] | None) -> list[Any]:
        """1 for each option picked, 0 for the others; empty when not answered."""
        if value is None:
            return ["" for _ in question.options]
        picked = set(value.get("options", []))
        return [int(o.id in picked) for o in question.options]


QUESTION_TYPE = MultiChoice()
