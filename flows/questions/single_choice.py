"""A single choice: one option, for example a feeling with faces."""

from __future__ import annotations

from flows.questions.base import QuestionType


class SingleChoice(QuestionType):
    """Pick one option; exported as the option id."""

    name = "single_choice"


QUESTION_TYPE = SingleChoice()
