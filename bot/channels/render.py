"""One set of graceful fallbacks for drawing outbound payloads; channels override what they
draw better (buttons, edits, files), as Rasa's output channels degrade.

A channel that can only send text gets, without writing anything else: choices as numbered
lines (the resident types the number or the word), their descriptions listed below, a redraw
shown as the question again, nothing for an answered question (the next message shows it
was taken), and a file as its fallback text.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Generic, TypeVar

from bot.channels.messages import Answered, File, Payload, Question, Speech, Text
from flows.events import Choice

Drawn = TypeVar("Drawn")
# A chosen option of a multiple-choice question; labels already start with their own emoji,
# and "✅" is the done button's, so the mark must differ from both.
SELECTED_MARK = "☑️"


def with_descriptions(question: Question) -> str:
    """The question's text; choices that carry a description list it below (buttons cannot)."""
    described = [c for c in question.choices if c.description]
    if not described:
        return question.text
    lines = [f"{c.label}: {c.description}" for c in described]
    return question.text + "\n\n" + "\n".join(lines)


class Renderer(ABC, Generic[Drawn]):
    """Draws payloads as a channel's messages (`Drawn`); only `plain` must be written."""

    def render(self, payload: Payload) -> list[Drawn]:
        """The messages for one payload (none: nothing to show)."""
        if isinstance(payload, Question):
            return self.redraw(payload) if payload.redraw else self.question(payload)
        if isinstance(payload, Answered):
            return self.answered(payload)
        if isinstance(payload, File):
            return self.file(payload)
        if isinstance(payload, Speech):
            return self.speech(payload)
        return self.text(payload)

    @abstractmethod
    def plain(self, text: str, language: str | None) -> list[Drawn]:
        """Text alone, split as the channel needs."""

    def text(self, payload: Text) -> list[Drawn]:
        """A plain message."""
        return self.plain(payload.text, payload.language)

    def question(self, payload: Question) -> list[Drawn]:
        """A question: its choices as numbered lines below the text."""
        return self.plain(self.numbered(payload), payload.language)

    def redraw(self, payload: Question) -> list[Drawn]:
        """A question's selection changed: shown again, as the channel cannot edit it."""
        return self.question(replace(payload, redraw=False))

    def answered(self, payload: Answered) -> list[Drawn]:
        """A question was answered: nothing, the next message shows it was taken."""
        return []

    def speech(self, payload: Speech) -> list[Drawn]:
        """A voice note: nothing for a channel without sound, the text was shown already."""
        return []

    def file(self, payload: File) -> list[Drawn]:
        """A file: its fallback text (where to get it instead)."""
        return self.plain(payload.fallback, payload.language)

    def numbered(self, payload: Question) -> str:
        """The text, descriptions, one numbered line per choice, and how to answer."""
        if not payload.choices:
            return payload.text
        lines = [self.numbered_line(n, c, payload.multi)
                 for n, c in enumerate(payload.choices, start=1)]
        hint = self.number_hint(payload)
        parts = [with_descriptions(payload), "\n".join(lines), *([hint] if hint else [])]
        return "\n\n".join(parts)

    def numbered_line(self, number: int, choice: Choice, multi: bool) -> str:
        """One choice as a line; a chosen one is marked."""
        mark = f"{SELECTED_MARK} " if choice.selected else ""
        return f"{number}. {mark}{choice.label or choice.id}"

    def number_hint(self, payload: Question) -> str | None:
        """A line saying to type the number(s), where the channel has one."""
        return None
