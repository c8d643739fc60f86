"""One staff command in progress: who asks, with which roles, and the replies it makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session

from bot.channels.messages import Answered, File, FileKind, Payload, Question, Text
from bot.settings import Settings
from flows.events import Choice
from flows.forms.schema import Form
from flows.texts import Texts
from storage.roles import HeldRole

# Staff buttons are told apart from the story's by this prefix, before the engine runs.
CHOICE_PREFIX = "staff:"


@dataclass(frozen=True, slots=True)
class StaffOptions:
    """What the staff commands need to know: where residents start, and how long things last."""

    telegram_username: str | None = None
    whatsapp_number: str | None = None
    invite_days: int = 30
    code_days: int = 7
    timezone: str = "Europe/Amsterdam"
    public_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffOptions:
        """The options of the running service."""
        return cls(
            telegram_username=(settings.telegram_bot_username or "").lstrip("@") or None,
            whatsapp_number=settings.whatsapp_number or None,
            invite_days=settings.invite_days,
            code_days=settings.access_code_days,
            timezone=settings.timezone,
            public_url=settings.public_url or None,
        )

    @property
    def zone(self) -> ZoneInfo:
        """The local time zone, for dates staff read."""
        return ZoneInfo(self.timezone)


class ThemeOption(BaseModel):
    """One theme button of an invite: which campaign and theme it stands for."""

    campaign_id: str
    theme: str | None = None
    label: str


class PendingInvite(BaseModel):
    """A worker asked for an invite and is choosing its theme."""

    token: str
    options: list[ThemeOption]
    card_language: str


class StaffState(BaseModel):
    """A staff member's own short state, kept beside the story conversation's."""

    counter: int = 0
    pending: PendingInvite | None = None

    def next_token(self) -> str:
        """A token for staff buttons that no story question ever has."""
        self.counter += 1
        # Story tokens are counters written without a leading zero; staff ones have one, so
        # a channel that looks a question up by its token never confuses the two.
        return f"0{self.counter}"


@dataclass(slots=True)
class StaffTurn:
    """One staff command: the database session of the turn, the sender and their roles."""

    session: Session
    participant_id: str
    channel: str
    language: str
    now: datetime
    roles: dict[str, HeldRole]
    state: StaffState
    form: Form
    texts: Texts
    options: StaffOptions
    replies: list[tuple[Payload, bool]] = field(default_factory=list)

    def text(self, key: str, language: str | None = None, **values: Any) -> str:
        """A staff text from the catalogue (`staff.<key>`)."""
        return self.texts.get(f"staff.{key}", language or self.language, **values)

    def say(self, key: str, *, secret: bool = False, **values: Any) -> None:
        """Reply with a catalogue text; a secret reply is deleted once it was sent."""
        self.say_text(self.text(key, **values), secret=secret)

    def say_text(self, text: str, *, secret: bool = False) -> None:
        """Reply with a text as it is."""
        self.replies.append((Text(text, self.language), secret))

    def ask(self, text: str, choices: list[Choice], token: str) -> None:
        """Reply with buttons."""
        self.replies.append((Question(text, tuple(choices), token=token,
                                      language=self.language), False))

    def answered(self, token: str, label: str) -> None:
        """Tell the channel which button closed the question with `token`."""
        text = self.texts.get("answered", self.language, label=label)
        self.replies.append((Answered(text, token, self.language), False))

    def send_file(self, kind: FileKind, filename: str, mime: str, data: bytes, caption: str,
                  fallback: str | None = None) -> None:
        """Reply with a file; channels without files show `fallback` (else the caption).
        Files are always secret: a QR code is a link, an export holds stories."""
        file = File(kind, filename, mime, data, caption, fallback or caption, self.language)
        self.replies.append((file, True))

    def local_date(self, moment: datetime) -> str:
        """A date as staff read it, in local time."""
        return moment.astimezone(self.options.zone).strftime("%d-%m-%Y")
