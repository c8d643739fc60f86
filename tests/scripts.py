"""Scripted residents: drive the engine or the service through whole conversations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flows.context import Context
from flows.engine import run_turn
from flows.events import ChoiceIn, CommandIn, Effect, Inbound, OpenedIn, Outbound, TextIn
from flows.forms.schema import Form
from flows.state import State
from flows.texts import Texts
from nlu import answers

# The default form from hello to thanks, every question answered, as (kind, value) pairs.
FULL_CONVERSATION: list[tuple[str, str]] = [
    ("choice", "yes"),            # consent
    ("choice", "age_yes"),        # 16 or older
    ("choice", "needed_help"),    # prompt
    ("text", "Ik had schulden en wist niet waar ik heen moest."),
    ("text", "De buurvrouw hielp me met bellen naar de gemeente."),
    ("choice", "done"),
    ("choice", "save"),
    ("text", "Hulp bij schulden"),  # title
    ("choice", "sad"),            # feeling
    ("choice", "ab"),             # helped (triad)
    ("choice", "s4"),             # influence (scale)
    ("choice", "money"),          # topics (multi)
    ("choice", "contact"),
    ("choice", "done"),
    ("choice", "often"),          # frequency
    ("choice", "decline"),        # belonging: rather not say
    ("text", "Eerder hulp"),      # wish (free text)
    ("choice", "a45_65"),         # age group
    ("choice", "noord"),          # neighbourhood
    ("choice", "skip"),           # gender
    ("choice", "yes"),            # follow-up
    ("choice", "no"),             # another story? no
]


def event_of(kind: str, value: str) -> Inbound:
    """A scripted step as an engine event."""
    if kind == "choice":
        return ChoiceIn(value)
    if kind == "command":
        name, _, payload = value.lstrip("/").partition(" ")
        return CommandIn(name, payload)
    return TextIn(value)


@dataclass
class EngineChat:
    """One resident talking to the pure engine, keeping every message and effect."""

    form: Form
    texts: Texts
    about: dict[str, Any] = field(default_factory=dict)
    state: State = field(default_factory=State)
    outbox: list[Outbound] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    last: list[Outbound] = field(default_factory=list)
    scrub: Any = None
    show_placeholders: Any = None
    nlu: Any = None
    detect_language: Any = None
    mentions_danger: Any = None
    guess_language: Any = None
    language_named: Any = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)

    def context(self) -> Context:
        """The context of the next turn."""
        extra: dict[str, Any] = {}
        for name in ("scrub", "show_placeholders", "nlu", "detect_language", "mentions_danger",
                     "guess_language", "language_named"):
            if getattr(self, name) is not None:
                extra[name] = getattr(self, name)
        return Context(
            form=self.form,
            texts=self.texts,
            now=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            new_id=lambda: f"s{next(self._ids)}",
            about=self.about,
            answers=answers,
            **extra,
        )

    def send(self, event: Inbound) -> list[Outbound]:
        """One turn; returns the messages of this turn."""
        self.state, result = run_turn(self.state, event, self.context())
        self.outbox.extend(result.outbox)
        self.effects.extend(result.effects)
        self.last = result.outbox
        return result.outbox

    def open(self) -> list[Outbound]:
        """The resident opens the chat."""
        return self.send(OpenedIn())

    def text(self, text: str) -> list[Outbound]:
        """The resident types."""
        return self.send(TextIn(text))

    def press(self, choice_id: str, token: str | None = None) -> list[Outbound]:
        """The resident presses a button."""
        return self.send(ChoiceIn(choice_id, token))

    def command(self, name: str, payload: str = "") -> list[Outbound]:
        """The resident sends a command."""
        return self.send(CommandIn(name, payload))

    def question(self) -> Outbound:
        """The last question asked (a message with buttons or a question id)."""
        asked = [o for o in self.outbox if o.kind == "message" and o.question]
        return asked[-1]

    def texts_of_last(self) -> list[str]:
        """Texts of the last turn's messages."""
        return [o.text for o in self.last if o.kind in ("message", "update")]
