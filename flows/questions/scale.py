"""A scale: five options from pole to pole, exported as a number from 0 to 1."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.questions.base import Column, QuestionType, column

if TYPE_CHECKING:
    from flows.forms.schema import Question

POINTS = 5


class Scale(QuestionType):
    """Pick one of five points; the first is 0, the last 1."""

    name = "scale"

    def shape_problem(self, question: Question) -> str | None:
        """A scale has exactly five options."""
        if len(question.options) != POINTS:
            return "a scale question has exactly five options, from pole to pole"
        return None

    def value_columns(self, question: Question, where: str) -> list[Column]:
        """One number column; the codebook says which option is which number."""
        points = ", ".join(f"{o.id}={i / 4:g}" for i, o in enumerate(question.options))
        labels = {o.id: o.label for o in question.options}
        return [column(question, question.id, "number", f"Scale 0 to 1 ({points}).", labels)]

    def value_cells(self, question: Question, value: dict[str, Any] | None) -> list[Any]:
        """The chosen point as a number from 0 to 1."""
        ids = [o.id for o in question.options]
        option = value.get("option") if value is not None else None
        return [ids.index(option) / (len(ids) - 1) if option in ids else ""]


QUESTION_TYPE = Scale()
