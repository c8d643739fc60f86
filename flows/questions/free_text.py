"""A free text question: the answer in the resident's own words, scrubbed before it is kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.matching import match_label, match_synonym, normalise
from flows.questions.base import (
    Column,
    NoWords,
    Picked,
    QuestionType,
    Reading,
    Synonyms,
    TooLong,
    Written,
    column,
    skip_choices,
)

if TYPE_CHECKING:
    from flows.asks import Ask
    from flows.context import Context
    from flows.events import Choice
    from flows.forms.schema import Question
    from flows.state import State


class FreeText(QuestionType):
    """Typed text is the answer; the only buttons are skip and "rather not say"."""

    name = "free_text"
    free_text = True
    few_values = False

    def shape_problem(self, question: Question) -> str | None:
        """Free text has no options."""
        if question.options:
            return "a free_text question has no options"
        return None

    def choices(self, ctx: Context, question: Question, state: State) -> tuple[Choice, ...]:
        """Skip and decline only."""
        return skip_choices(ctx, question, state.language)

    def read_typed(self, text: str, ask: Ask, synonyms: Synonyms) -> Reading | None:
        """A button's label or synonym typed is that button; any other words are the answer."""
        choice = match_label(text, ask.choices) or match_synonym(text, ask.choices, synonyms)
        if choice is not None:
            return Picked(choice)
        return read_words(text, ask.max_characters)

    def value_columns(self, question: Question, where: str) -> list[Column]:
        """One text column."""
        return [column(question, question.id, "string", f"Free text ({where}), scrubbed.")]

    def value_cells(self, question: Question, value: dict[str, Any] | None) -> list[Any]:
        """The text as stored (scrubbed)."""
        return [value.get("text", "") if value is not None else ""]


def read_words(text: str, limit: int) -> Reading:
    """Typed words as an answer of at most `limit` characters (free text, a title)."""
    clean = text.strip()
    if len(clean) > limit:
        return TooLong(limit)
    if not normalise(clean):
        return NoWords()
    return Written(clean)


QUESTION_TYPE = FreeText()
