"""A triad: a balance between three corners, asked in chat as seven positions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.questions.base import Column, QuestionType, column

if TYPE_CHECKING:
    from flows.forms.schema import Option, Question

# The three corners, the three midpoints between two corners, and the centre.
POSITIONS: tuple[str, ...] = ("a", "b", "c", "ab", "bc", "ca", "abc")
PROPORTIONS: dict[str, tuple[float, float, float]] = {
    "a": (1.0, 0.0, 0.0),
    "b": (0.0, 1.0, 0.0),
    "c": (0.0, 0.0, 1.0),
    "ab": (0.5, 0.5, 0.0),
    "bc": (0.0, 0.5, 0.5),
    "ca": (0.5, 0.0, 0.5),
    "abc": (1 / 3, 1 / 3, 1 / 3),
}
UNANSWERED: tuple[str, str, str] = ("", "", "")


class Triad(QuestionType):
    """Pick a position; exported as three proportions summing to 1."""

    name = "triad"

    def shape_problem(self, question: Question) -> str | None:
        """Three corners, and the seven positions as options in order."""
        if len(question.corners) != 3:
            return "a triad question has exactly three corners"
        if [o.id for o in question.options] != list(POSITIONS):
            return f"a triad question has the options {', '.join(POSITIONS)}"
        return None

    def labelled_parts(self, question: Question) -> dict[str, list[Option]]:
        """The corners, whose labels head the export's columns."""
        return {"corners": question.corners}

    def value_columns(self, question: Question, where: str) -> list[Column]:
        """One proportion column per corner."""
        return [column(question, f"{question.id}.{c.id}", "proportion",
                       "Share of this corner; the three corners sum to 1.", {c.id: c.label})
                for c in question.corners]

    def value_cells(self, question: Question, value: dict[str, Any] | None) -> list[Any]:
        """The share of each corner."""
        position = value.get("option", "") if value is not None else ""
        return list(PROPORTIONS.get(position, UNANSWERED))


QUESTION_TYPE = Triad()
