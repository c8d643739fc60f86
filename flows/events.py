"""What goes into the engine (inbound events) and what comes out (messages and effects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

MediaKind = Literal[
    "voice", "audio", "photo", "video", "document", "sticker", "location", "contact", "edited",
    "other",
]


@dataclass(frozen=True, slots=True)
class TextIn:
    """Free text the resident typed."""

    text: str
    # When the resident sent it (seconds since the epoch, by the platform's clock) and the
    # platform's number for it in the chat, where known: parts of a story keep this order,
    # whatever order concurrent deliveries arrive in.
    sent_at: int | None = None
    sequence: int | None = None

    @property
    def sent_order(self) -> list[int] | None:
        """The key story parts are ordered by, or None (then: the order of arrival)."""
        if self.sent_at is None:
            return None
        return [self.sent_at, self.sequence if self.sequence is not None else 0]


@dataclass(frozen=True, slots=True)
class ChoiceIn:
    """A button press; `token` names the question the button belonged to, when known."""

    choice_id: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class CommandIn:
    """A slash command such as /start, with its optional payload."""

    name: str
    payload: str = ""


@dataclass(frozen=True, slots=True)
class MediaIn:
    """Voice, a photo or another kind of message the bot cannot read yet."""

    kind: MediaKind


VoiceProblem = Literal["too_long", "too_large", "unreadable", "silent"]


@dataclass(frozen=True, slots=True)
class SpokenIn:
    """A voice note, transcribed: what was said, or why it could not be heard."""

    transcript: str = ""
    problem: VoiceProblem | None = None


@dataclass(frozen=True, slots=True)
class OpenedIn:
    """The resident opened the chat (the terminal starting, for example)."""


@dataclass(frozen=True, slots=True)
class CheckInIn:
    """A follow-up is due: ask how it is going now with the story told earlier."""

    checkin_id: str
    story_id: str
    story_title: str | None = None


Inbound = TextIn | ChoiceIn | CommandIn | MediaIn | SpokenIn | OpenedIn | CheckInIn

ChoiceRole = Literal[
    "option", "yes", "no", "more", "skip", "decline", "done", "command", "language"
]


@dataclass(frozen=True, slots=True)
class Choice:
    """One button; `short` is the label for channels with tight limits."""

    id: str
    label: str
    role: ChoiceRole = "option"
    short: str | None = None
    description: str | None = None
    selected: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Serialisable form, for the outbox."""
        data: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.short:
            data["short"] = self.short
        if self.description:
            data["description"] = self.description
        if self.selected:
            data["selected"] = True
        return data


OutboundKind = Literal["message", "update", "answered", "speech"]


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message for the resident. `update` redraws the question with `token`;
    `answered` tells a channel the question with `token` was answered with `text`;
    `speech` is `text` to send as a voice note, `private` when it quotes the resident (it is
    then never kept on disk)."""

    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    question: str | None = None
    token: str | None = None
    kind: OutboundKind = "message"
    language: str | None = None
    private: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Serialisable form, for the outbox."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "choices": [c.as_dict() for c in self.choices],
            "multi": self.multi,
            "question": self.question,
            "token": self.token,
            "language": self.language,
        }
        if self.private:
            data["private"] = True
        return data


@dataclass(frozen=True, slots=True)
class RecordConsent:
    """Store that consent was given or withdrawn for a scope."""

    scope: Literal["story", "parent", "follow_up"]
    text_id: str
    text_version: int
    given: bool


@dataclass(frozen=True, slots=True)
class SaveStory:
    """Store a confirmed story (its text already scrubbed)."""

    story_id: str
    prompt_id: str | None
    text: str
    language: str
    form_id: str
    form_version: int
    detected_language: str | None = None
    detected_probability: float | None = None
    parent_story_id: str | None = None
    start_payload: str | None = None
    # Help lines were shown in the conversation that led to this story.
    help_lines_shown: bool = False


@dataclass(frozen=True, slots=True)
class SaveTitle:
    """Store the optional title of a story."""

    story_id: str
    title: str


AnswerStatus = Literal["answered", "declined", "skipped"]
AnswerMethod = Literal["tapped", "typed", "confirmed"]
"""How an answer was given: a button pressed, typed and read as an answer, or typed and
confirmed after the bot asked back whether that was meant."""


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """Store an answer about a story; `value` depends on the question type."""

    story_id: str
    question_id: str
    status: AnswerStatus
    value: Any = None
    method: AnswerMethod = "tapped"


@dataclass(frozen=True, slots=True)
class SaveAbout:
    """Store a sticky about-you answer on the participant."""

    question_id: str
    status: AnswerStatus
    value: Any = None
    method: AnswerMethod = "tapped"


@dataclass(frozen=True, slots=True)
class NoteHelpLines:
    """Help lines were shown after the story was stored, while its questions were asked."""

    story_id: str


@dataclass(frozen=True, slots=True)
class SetLanguage:
    """Remember the resident's language."""

    language: str


@dataclass(frozen=True, slots=True)
class ScheduleFollowUps:
    """The resident agreed to be asked later how it is going."""

    story_id: str
    days: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SaveCheckInAnswer:
    """Store how it is going now: better, same, worse or declined."""

    checkin_id: str
    answer: str


@dataclass(frozen=True, slots=True)
class StopCheckIns:
    """The resident wants no more follow-ups: cancel them and forget the contact address."""


@dataclass(frozen=True, slots=True)
class PostponeCheckIn:
    """The resident is in the middle of something; ask again later."""

    checkin_id: str


@dataclass(frozen=True, slots=True)
class EraseParticipant:
    """Remove every row of this participant."""


Effect = (
    RecordConsent
    | SaveStory
    | SaveTitle
    | SaveAnswer
    | SaveAbout
    | NoteHelpLines
    | SetLanguage
    | ScheduleFollowUps
    | SaveCheckInAnswer
    | StopCheckIns
    | PostponeCheckIn
    | EraseParticipant
)


@dataclass(slots=True)
class TurnResult:
    """What one turn produced."""

    outbox: list[Outbound] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
