"""What every question type does, and what reading an answer to it can give.

A question type is checked when a form is loaded, asked with its buttons, read when the
resident presses a button or types, and described and exported in columns. Export cells
live here, in flows, not in storage: they follow the form, and storage never reads a form
(dependencies point bot -> flows -> storage). Storage yields each answer as it was stored;
bot/export.py turns it into cells with the question's type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from flows.events import AnswerStatus, Choice, ChoiceRole
from flows.matching import match_label, match_number, match_synonym

if TYPE_CHECKING:
    from flows.asks import Ask
    from flows.context import Context
    from flows.forms.schema import LocalText, Option, Question
    from flows.state import State

Synonyms = Mapping[str, Sequence[str]]
"""Words residents type for a choice, by choice id."""


@dataclass(frozen=True, slots=True)
class Column:
    """One export column and what it means."""

    name: str
    type: str
    description: str
    question: str | None = None
    text: LocalText = field(default_factory=dict)
    options: dict[str, LocalText] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The codebook entry."""
        entry: dict[str, Any] = {"name": self.name, "type": self.type,
                                 "description": self.description}
        if self.question:
            entry["question"] = self.question
            entry["question_text"] = self.text
        if self.options:
            entry["options"] = self.options
        return entry


@dataclass(frozen=True, slots=True)
class Answer:
    """The question is answered (or skipped, or "rather not say"): close it with `labels`
    and store `value`."""

    labels: tuple[str, ...]
    status: AnswerStatus
    value: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Toggled:
    """Tick or untick these options of a multiple choice and show it again."""

    option_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NothingPicked:
    """Done was pressed on a multiple choice with nothing ticked."""


Pressed = Answer | Toggled | NothingPicked
"""What a button of the question does."""


@dataclass(frozen=True, slots=True)
class Picked:
    """The typed reply names this choice: as if its button was pressed; `guessed` when it
    was read from a typo, to be asked back where the answer is stored."""

    choice: Choice
    guessed: bool = False


@dataclass(frozen=True, slots=True)
class Written:
    """The typed reply is the answer in the resident's own words (not yet scrubbed)."""

    text: str


@dataclass(frozen=True, slots=True)
class TooLong:
    """The typed answer is longer than the question takes."""

    limit: int


@dataclass(frozen=True, slots=True)
class NoWords:
    """The typed answer has no letters or digits (only emoji or punctuation)."""


Reading = Picked | Toggled | Written | TooLong | NoWords
"""What a typed reply says as an answer to the question."""


def system_choice(ctx: Context, lang: str, role: ChoiceRole, key: str | None = None) -> Choice:
    """A catalogue button such as yes, no or skip; its id is its key."""
    name = key or role
    return Choice(id=name, label=ctx.texts.get(f"choice.{name}", lang), role=role)


def read_choice(text: str, choices: Sequence[Choice], synonyms: Synonyms) -> Picked | None:
    """The choice a typed reply names: its number, its label or one of its synonyms."""
    choice = (
        match_number(text, choices)
        or match_label(text, choices)
        or match_synonym(text, choices, synonyms)
    )
    return Picked(choice) if choice is not None else None


class QuestionType:
    """A question whose answer is one of its options; types override what differs."""

    name: ClassVar[str]
    multi: ClassVar[bool] = False
    """Several options can be ticked before done."""
    free_text: ClassVar[bool] = False
    """Answered in the resident's own words."""
    few_values: ClassVar[bool] = True
    """Answers take few distinct values, so an export may reuse their cells."""
    extra_buttons: ClassVar[int] = 0
    """Buttons beyond the options, skip and "rather not say" (channel limits count them)."""

    def shape_problem(self, question: Question) -> str | None:
        """What makes this question unusable as this type, if anything."""
        if len(question.options) < 2:
            return f"a {self.name} question needs at least two options"
        return None

    def labelled_parts(self, question: Question) -> dict[str, list[Option]]:
        """Parts besides the options whose labels a form gives in every language (a triad's
        corners), by their key in the form."""
        return {}

    def choices(self, ctx: Context, question: Question, state: State) -> tuple[Choice, ...]:
        """The buttons of the question, with skip and decline when it can be skipped."""
        lang = state.language
        options = [
            Choice(
                id=o.id,
                label=ctx.texts.local(o.label, lang),
                short=ctx.texts.local(o.short, lang) if o.short else None,
                description=ctx.texts.local(o.description, lang) if o.description else None,
                selected=o.id in state.selected,
            )
            for o in question.options
        ]
        return (*options, *self.extra_choices(ctx, lang), *skip_choices(ctx, question, lang))

    def extra_choices(self, ctx: Context, lang: str) -> tuple[Choice, ...]:
        """Buttons after the options (a multiple choice's done)."""
        return ()

    def press(self, ask: Ask, choice: Choice) -> Pressed:
        """What pressing `choice` (or typing it) does."""
        skipped = skip_answer(choice)
        if skipped is not None:
            return skipped
        return Answer((choice.label,), "answered", {"option": choice.id})

    def read_typed(self, text: str, ask: Ask, synonyms: Synonyms) -> Reading | None:
        """What a typed reply answers; None when it is not understood as an answer."""
        return read_choice(text, ask.choices, synonyms)

    def value_columns(self, question: Question, where: str) -> list[Column]:
        """The export columns of an answer, before its `.na` column."""
        labels = {o.id: o.label for o in question.options}
        return [column(question, question.id, "category", f"Chosen option id ({where}).",
                       labels)]

    def value_cells(self, question: Question, value: dict[str, Any] | None) -> list[Any]:
        """The cells of `value_columns`; `value` is None when not answered."""
        return [value.get("option", "") if value is not None else ""]


def skip_choices(ctx: Context, question: Question, lang: str) -> tuple[Choice, ...]:
    """Skip and "rather not say", when the question can be skipped."""
    if not question.skippable:
        return ()
    return (system_choice(ctx, lang, "skip"), system_choice(ctx, lang, "decline"))


def skip_answer(choice: Choice) -> Answer | None:
    """Skip or "rather not say" pressed: stored differently, closed with the label."""
    if choice.role == "skip":
        return Answer((choice.label,), "skipped")
    if choice.role == "decline":
        return Answer((choice.label,), "declined")
    return None


def column(question: Question, name: str, kind: str, description: str,
           options: dict[str, LocalText] | None = None) -> Column:
    """A column of a question's answer, with its text and option labels."""
    return Column(name, kind, description, question=question.id, text=question.text,
                  options=options or {})
