"""What the engine needs from outside, passed in so it stays pure: form, texts, clock, ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows.forms.schema import Form
from flows.texts import Texts


class IntentResultLike(Protocol):
    """The part of an NLU result the engine reads."""

    @property
    def intent(self) -> str: ...

    @property
    def confidence(self) -> float: ...


class IntentParserLike(Protocol):
    """Anything that can name the intent of a short reply."""

    def parse(self, text: str, language: str | None = None) -> IntentResultLike: ...


class AnswerWordsLike(Protocol):
    """Reading a typed reply against a question's choices: ordinals, typos, several options,
    done words and numbers within a label's range (nlu.answers is one)."""

    def ordinal_position(
        self, text: str, languages: Iterable[str] | None = None
    ) -> int | None: ...

    def fuzzy_match(self, reply: str, phrases: Mapping[str, str]) -> tuple[str, bool] | None:
        ...

    def split_options(
        self, text: str, languages: Iterable[str] | None = None, keep: Iterable[str] = ()
    ) -> list[str]: ...

    def is_done_word(
        self, text: str, languages: Iterable[str] | None = None, extra: Iterable[str] = ()
    ) -> bool: ...

    def choice_for_number(self, value: int, labels: Mapping[str, str]) -> str | None: ...


LanguageDetector = Callable[[str, str | None], tuple[str, float] | None]
LanguageNamer = Callable[[str, Sequence[str]], str | None]


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """Text with its identifying details replaced by placeholders, and how many of each.

    `replaced` counts by canonical placeholder word ("NAAM", "TELEFOON", ...)."""

    text: str
    replaced: Mapping[str, int] = field(default_factory=dict)


def _keep(text: str, language: str) -> Scrubbed:
    return Scrubbed(text)


def _as_stored(text: str, language: str) -> str:
    return text


def _never(text: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Context:
    """Everything one turn may read besides the state and the inbound event."""

    form: Form
    texts: Texts
    now: datetime
    new_id: Callable[[], str]
    about: dict[str, Any] = field(default_factory=dict)
    scrub: Callable[[str, str], Scrubbed] = _keep
    # Shows stored text with its placeholders in the resident's language ("[NAAM]" -> "[İSİM]").
    show_placeholders: Callable[[str, str], str] = _as_stored
    nlu: IntentParserLike | None = None
    answers: AnswerWordsLike | None = None
    detect_language: LanguageDetector | None = None
    # The language of a resident's first words however short, and of a language's name.
    guess_language: LanguageDetector | None = None
    language_named: LanguageNamer | None = None
    mentions_danger: Callable[[str], bool] = _never
    platform_language: str | None = None
    # Confidence needed to read a reply as yes/no/skip, and (higher) as a command in words.
    intent_threshold: float = 0.5
    command_threshold: float = 0.75
