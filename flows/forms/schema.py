"""The shape of a story form: questions, prompts, follow-up and every text, per language."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from flows.questions import QUESTION_TYPES, question_type

ShortId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,24}$")]
LocalText = dict[str, str]
LocalWords = dict[str, list[str]]



class Strict(BaseModel):
    """Unknown keys are mistakes in a form file, not extensions."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    """One answer to pick; `short` is the label for channels with tight limits."""

    id: ShortId
    label: LocalText
    short: LocalText = Field(default_factory=dict)
    synonyms: LocalWords = Field(default_factory=dict)
    description: LocalText = Field(default_factory=dict)


class Question(Strict):
    """A question about the story or about the resident."""

    id: ShortId
    type: str
    text: LocalText
    options: list[Option] = Field(default_factory=list)
    corners: list[Option] = Field(default_factory=list)
    skippable: bool = True
    max_characters: int = Field(default=1000, ge=1, le=4000)

    @field_validator("type")
    @classmethod
    def _known_type(cls, name: str) -> str:
        if name not in QUESTION_TYPES:
            known = ", ".join(QUESTION_TYPES)
            raise ValueError(f"no question type {name!r}; a form can use {known}")
        return name

    @model_validator(mode="after")
    def _options_fit_type(self) -> Question:
        problem = question_type(self.type).shape_problem(self)
        if problem is not None:
            raise ValueError(problem)
        ids = [o.id for o in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError("option ids must be unique within a question")
        return self


class Prompt(Strict):
    """A prompting question the resident can choose to answer with a story."""

    id: ShortId
    label: LocalText
    text: LocalText
    short: LocalText = Field(default_factory=dict)
    # What residents type for this prompt besides its label ("where I live").
    synonyms: LocalWords = Field(default_factory=dict)


class Consent(Strict):
    """The consent text shown, with the id and version recorded when someone agrees."""

    text_id: str
    version: int = Field(ge=1)
    minimum_age: int = Field(default=16, ge=0)


class FollowUp(Strict):
    """When to come back and ask how it is going, in days after the story."""

    days: list[int] = Field(default_factory=lambda: [14])


class StoryLimits(Strict):
    """How long a story and its title may be."""

    max_characters: int = Field(default=10000, ge=100)
    title_max_characters: int = Field(default=100, ge=10, le=200)


class Form(Strict):
    """A whole story form; each story records the id and version it answered."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    version: int = Field(ge=1)
    languages: list[str] = Field(min_length=1)
    default_language: str
    consent: Consent
    prompts: list[Prompt] = Field(min_length=1)
    story: StoryLimits = Field(default_factory=StoryLimits)
    questions: list[Question] = Field(default_factory=list)
    about: list[Question] = Field(default_factory=list)
    follow_up: FollowUp = Field(default_factory=FollowUp)
    texts: dict[str, LocalText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids_unique(self) -> Form:
        if self.default_language not in self.languages:
            raise ValueError("default_language must be one of languages")
        ids = [q.id for q in [*self.questions, *self.about]]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ValueError(f"question ids must be unique: {', '.join(doubles)}")
        return self

    def question(self, question_id: str) -> Question | None:
        """The story or about-you question with this id."""
        for q in [*self.questions, *self.about]:
            if q.id == question_id:
                return q
        return None
