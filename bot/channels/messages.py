"""The messages every channel exchanges with the service: what comes in, what goes out.

Outbound payloads are stored in the outbox as JSON; each type has one `to_dict` and one
`from_dict`, and `payload_from_dict` reads every shape the outbox has ever held.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flows.events import Choice, Inbound, Outbound

FileKind = Literal["document", "photo"]
FILE_KINDS: tuple[FileKind, ...] = ("document", "photo")


@dataclass(frozen=True, slots=True)
class VoiceNote:
    """A voice note as the platform holds it: its file reference and what it says of length
    and size. The audio is fetched by a transcription worker, never stored."""

    file_ref: str
    seconds: int | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A platform update turned into an engine event, with where to reply. A forwarded
    message was written by someone else: it never acts with the sender's role."""

    channel: str
    user_id: str
    address: str
    event: Inbound
    update_id: str | None = None
    language_hint: str | None = None
    forwarded: bool = False
    # A voice note to transcribe before its turn (the event is then MediaIn("voice")).
    voice: VoiceNote | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A plain message."""

    text: str
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The outbox's JSON shape."""
        return {"kind": "message", "text": self.text, "choices": [], "multi": False,
                "question": None, "token": None, "language": self.language}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Text:
        """Read a stored plain message."""
        return cls(_str(data.get("text")), _optional(data.get("language")))


@dataclass(frozen=True, slots=True)
class Question:
    """A question, with the choices to answer it (none for a free-text question). `token`
    ties presses to this question; `redraw` shows it again with a changed selection."""

    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    question: str | None = None
    token: str | None = None
    language: str | None = None
    redraw: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The outbox's JSON shape."""
        return {"kind": "update" if self.redraw else "message", "text": self.text,
                "choices": [c.as_dict() for c in self.choices], "multi": self.multi,
                "question": self.question, "token": self.token, "language": self.language}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        """Read a stored question (kind `message` with choices or a question id, or `update`)."""
        raw = data.get("choices")
        choices = tuple(choice_from_dict(c) for c in raw if isinstance(c, Mapping)) if \
            isinstance(raw, list) else ()
        return cls(
            text=_str(data.get("text")), choices=choices, multi=data.get("multi") is True,
            question=_optional(data.get("question")), token=_optional(data.get("token")),
            language=_optional(data.get("language")), redraw=data.get("kind") == "update",
        )


@dataclass(frozen=True, slots=True)
class Answered:
    """The question with `token` was answered; `text` says with what. `sent` names the
    message to close when it was known as the turn ran (an erasure removes its record)."""

    text: str
    token: str | None = None
    language: str | None = None
    sent: SentQuestion | None = None

    def to_dict(self) -> dict[str, Any]:
        """The outbox's JSON shape."""
        data: dict[str, Any] = {"kind": "answered", "text": self.text, "choices": [],
                                "multi": False, "question": None, "token": self.token,
                                "language": self.language}
        if self.sent is not None:
            data["sent"] = {"message_id": self.sent.platform_message_id,
                            "question": self.sent.question.to_dict()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answered:
        """Read a stored answered notice."""
        sent = data.get("sent")
        known = None
        if (isinstance(sent, Mapping) and isinstance(sent.get("message_id"), str)
                and isinstance(sent.get("question"), Mapping)):
            known = SentQuestion(sent["message_id"], Question.from_dict(sent["question"]))
        return cls(_str(data.get("text")), _optional(data.get("token")),
                   _optional(data.get("language")), known)


@dataclass(frozen=True, slots=True)
class File:
    """A file (an export, a QR code) with its caption; `fallback` is what a channel without
    files shows instead."""

    kind: FileKind
    filename: str
    mime: str
    data: bytes
    caption: str
    fallback: str
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The outbox's JSON shape: the content in base64, the fallback as `text`."""
        return {"kind": self.kind, "text": self.fallback, "caption": self.caption,
                "choices": [], "filename": self.filename, "mime": self.mime,
                "language": self.language, "data": base64.b64encode(self.data).decode("ascii")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> File:
        """Read a stored file; content that is not base64 reads as empty."""
        kind: FileKind = "photo" if data.get("kind") == "photo" else "document"
        try:
            content = base64.b64decode(_str(data.get("data")), validate=True)
        except (binascii.Error, ValueError):
            content = b""
        caption = _str(data.get("caption"))
        return cls(kind, _str(data.get("filename")) or "file",
                   _str(data.get("mime")) or "application/octet-stream", content, caption,
                   _str(data.get("text")) or caption, _optional(data.get("language")))


@dataclass(frozen=True, slots=True)
class Speech:
    """A text to send as a voice note too (listen mode); `private` when it quotes the
    resident, so its rendering is never kept on disk."""

    text: str
    language: str | None = None
    private: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The outbox's JSON shape."""
        return {"kind": "speech", "text": self.text, "choices": [], "language": self.language,
                "private": self.private}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Speech:
        """Read a stored speech payload."""
        return cls(_str(data.get("text")), _optional(data.get("language")),
                   data.get("private") is True)


Payload = Text | Question | Answered | File | Speech


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """An outbox row ready to be sent by a channel; `claimed`: this process holds it and
    sends it now, else it waits in the outbox behind the chat's earlier rows; `after`: the
    chat's newest earlier row this process holds, which must go out first; `in_doubt`: taken
    over from a sender that stopped without giving it up, which may have sent it."""

    outbox_id: int
    participant_id: str
    channel: str
    address: str
    payload: Payload
    claimed: bool = True
    after: int | None = None
    in_doubt: bool = False


@dataclass(frozen=True, slots=True)
class SentQuestion:
    """A question as the platform has it: its message id there and what we sent."""

    platform_message_id: str
    question: Question


def payload_from_dict(data: Mapping[str, Any]) -> Payload:
    """A stored payload as its type; a row without a kind is a message, as rows once were."""
    kind = data.get("kind") or "message"
    if kind == "answered":
        return Answered.from_dict(data)
    if kind == "speech":
        return Speech.from_dict(data)
    if kind in FILE_KINDS:
        return File.from_dict(data)
    if kind == "update" or data.get("choices") or data.get("question") or data.get("token"):
        return Question.from_dict(data)
    # Kinds no channel knows read as plain text: shown, never dropped or crashing a sender.
    return Text.from_dict(data)


def payload_of(outbound: Outbound) -> Payload:
    """The engine's message as the payload channels render."""
    if outbound.kind == "answered":
        return Answered(outbound.text, outbound.token, outbound.language)
    if outbound.kind == "speech":
        return Speech(outbound.text, outbound.language, outbound.private)
    if outbound.kind == "update" or outbound.choices or outbound.question or outbound.token:
        return Question(outbound.text, outbound.choices, outbound.multi, outbound.question,
                        outbound.token, outbound.language, redraw=outbound.kind == "update")
    return Text(outbound.text, outbound.language)


def choice_from_dict(data: Mapping[str, Any]) -> Choice:
    """A stored choice (roles are not stored: they matter only inside the engine)."""
    short, description = data.get("short"), data.get("description")
    return Choice(
        id=_str(data.get("id")),
        label=_str(data.get("label")) or _str(data.get("id")),
        short=short if isinstance(short, str) and short else None,
        description=description if isinstance(description, str) and description else None,
        selected=data.get("selected") is True,
    )


def _str(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)
