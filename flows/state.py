"""Where a resident is in the conversation; saved after every turn as JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from flows.events import AnswerMethod

Step = Literal[
    "new",
    "consent",
    "declined",
    "age",
    "parent",
    "refused",
    "prompt",
    "story",
    "confirm",
    "title",
    "question",
    "about",
    "follow_up",
    "another",
    "ended",
    "stopped",
    "language",
    "erase",
    "language_offer",
    "checkin",
    "checkin_story",
    "voice_check",
    "check",
]


class Draft(BaseModel):
    """The story being told: scrubbed parts until it is confirmed and stored."""

    prompt_id: str | None = None
    parts: list[str] = Field(default_factory=list)
    # The sent order of each part (TextIn.sent_order), None where unknown; read only as far
    # as `parts` goes (older drafts have none, emptied parts leave theirs).
    part_orders: list[list[int] | None] = Field(default_factory=list)
    # What scrubbing replaced in the parts, per canonical placeholder word ("NAAM": 2).
    replaced: dict[str, int] = Field(default_factory=dict)
    story_id: str | None = None
    detected_language: str | None = None
    detected_probability: float | None = None
    parent_story_id: str | None = None
    # A spoken part, scrubbed, until the resident keeps it, says it again or types it.
    heard: str | None = None
    heard_replaced: dict[str, int] = Field(default_factory=dict)


class CheckInRef(BaseModel):
    """The follow-up being answered, and the story it is about."""

    checkin_id: str
    story_id: str
    story_title: str | None = None


class Resume(BaseModel):
    """Where to return after a detour such as choosing a language."""

    step: Step
    question_id: str | None = None
    selected: list[str] = Field(default_factory=list)
    method: AnswerMethod | None = None


class Check(BaseModel):
    """A typed reply that would end, discard or refuse something, waiting for a yes: the
    choice of the question left, or the command, it stood for."""

    what: str
    choice_id: str | None = None
    command: str | None = None
    # The label of the choice asked back about ("Bedoelt u: Verdrietig?").
    label: str | None = None


class State(BaseModel):
    """The whole conversation state of one participant."""

    step: Step = "new"
    question_id: str | None = None
    token: int = 0
    language: str = "nl"
    consented: bool = False
    selected: list[str] = Field(default_factory=list)
    draft: Draft | None = None
    resume: Resume | None = None
    offered_language: str | None = None
    start_payload: str | None = None
    stories_told: int = 0
    checkin: CheckInRef | None = None
    # Said to be younger than 16 at the age question: help lines add De Kindertelefoon.
    under_16: bool = False
    # Listen mode: questions, choices and the confirmation also come as voice notes.
    listen: bool = False
    # Typed replies in a row not understood at the pending question (reset by a new one).
    misses: int = 0
    check: Check | None = None
    # How the pending question's answer is being given so far (a multiple choice is ticked
    # over several replies); None until something was given.
    answer_method: AnswerMethod | None = None
    # Help lines were shown since this story's conversation began (reset once it is done).
    help_lines: bool = False
