"""The terminal channel: one resident in a terminal, or a JSON-lines machine interface."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.channels.messages import File, InboundMessage, Question, QueuedMessage, Speech
from bot.channels.render import Renderer, with_descriptions
from bot.service import ConversationService
from bot.voice.audio import AudioProblem
from bot.voice.speaker import Speaker
from bot.voice.transcriber import Transcriber
from flows.events import Choice, ChoiceIn, CommandIn, Inbound, OpenedIn, SpokenIn, TextIn

log = logging.getLogger(__name__)
CHANNEL = "terminal"
# Files staff receive (exports, QR codes) hold stories or invite links: private to this user.
DEFAULT_FILES_DIR = Path(tempfile.gettempdir()) / "vertelpunt-files"


def parse_typed(line: str) -> Inbound:
    """A typed line: a /command with its payload, or text."""
    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        name, _, payload = stripped[1:].partition(" ")
        return CommandIn(name=name, payload=payload.strip())
    return TextIn(text=line.rstrip("\n"))


class BadJsonLine(ValueError):
    """A line of the JSON-lines interface that is not one of the accepted objects."""


@dataclass(frozen=True, slots=True)
class VoiceFile:
    """A voice note given by its path (`{"voice": "note.ogg"}`, or `/spraak note.ogg`)."""

    path: Path


def parse_voice(line: str) -> VoiceFile | None:
    """`/spraak PATH` (or `/voice PATH`) typed in the terminal chat."""
    head, _, rest = line.strip().partition(" ")
    if head in ("/spraak", "/voice") and rest.strip():
        return VoiceFile(Path(rest.strip()).expanduser())
    return None


def parse_json_line(line: str) -> Inbound | VoiceFile:
    """`{"text": ...}`, `{"choice": ...}`, `{"command": "/stop"}` or `{"voice": "note.ogg"}`
    as an engine event (a voice note as its file, transcribed by the chat)."""
    if not line.strip():
        raise BadJsonLine("empty line")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadJsonLine(f"not JSON: {error.msg}") from error
    except RecursionError:
        raise BadJsonLine("not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise BadJsonLine("expected an object")
    if not _printable(data):
        raise BadJsonLine("not valid Unicode")
    return _event_of(data)


def _printable(data: dict[str, Any]) -> bool:
    # A lone surrogate ("\ud800") is valid JSON but no text: it could not be written back.
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _event_of(data: dict[str, Any]) -> Inbound | VoiceFile:
    token = data.get("token")
    if isinstance(data.get("choice"), str):
        return ChoiceIn(choice_id=data["choice"], token=token if isinstance(token, str) else None)
    if isinstance(data.get("command"), str):
        event = parse_typed(data["command"] if data["command"].startswith("/") else
                            "/" + data["command"])
        return event if isinstance(event, CommandIn) else CommandIn(name="")
    if isinstance(data.get("text"), str):
        return TextIn(text=data["text"])
    if isinstance(data.get("voice"), str) and data["voice"]:
        return VoiceFile(Path(data["voice"]).expanduser())
    raise BadJsonLine(
        'expected {"text": ...}, {"choice": ...}, {"command": ...} or {"voice": ...}')


class TerminalRenderer(Renderer[str]):
    """Payloads as terminal text: choices as numbered lines, files written to a folder."""

    def __init__(self, files_dir: Path = DEFAULT_FILES_DIR,
                 speaker: Speaker | None = None) -> None:
        self.files_dir = files_dir
        self.speaker = speaker or Speaker()

    def plain(self, text: str, language: str | None) -> list[str]:
        """Text as it is: a terminal has no length limit."""
        return [text]

    def numbered(self, payload: Question) -> str:
        """The text with the choices right below it, numbered in brackets."""
        lines = [self.numbered_line(n, c, payload.multi)
                 for n, c in enumerate(payload.choices, start=1)]
        return "\n".join([with_descriptions(payload), *lines])

    def numbered_line(self, number: int, choice: Choice, multi: bool) -> str:
        """`  [1] label`, a chosen one marked."""
        mark = "☑ " if choice.selected else ""
        return f"  [{number}] {mark}{choice.label}"

    def file(self, payload: File) -> list[str]:
        """A file is written to the files folder; its caption and path are shown."""
        return [render_file(payload, save_file(payload, self.files_dir), jsonl=False)]

    def speech(self, payload: Speech) -> list[str]:
        """The voice note the bot would send, written to the files folder; its path shown."""
        return [f"🔊 {self.voice_file(payload)}"]

    def voice_file(self, payload: Speech) -> Path:
        """Speak the text into the files folder (named by its content); returns the path."""
        audio = self.speaker.voice_note(payload.text, payload.language or "nl",
                                        payload.private)
        name = f"voice-{hashlib.sha256(audio).hexdigest()[:16]}.ogg"
        return save_file(File("document", name, "audio/ogg", audio, "", ""), self.files_dir)


class JsonLinesRenderer(TerminalRenderer):
    """Payloads as objects of the machine interface, one per line."""

    def plain(self, text: str, language: str | None) -> list[str]:
        """A message without choices."""
        return [_json_message(text, (), multi=False, question=None)]

    def question(self, payload: Question) -> list[str]:
        """The choices as objects with their ids, so a program can answer with one."""
        return [_json_message(payload.text, payload.choices, payload.multi, payload.question)]

    def file(self, payload: File) -> list[str]:
        """The file written to the files folder, its path in `file`."""
        return [render_file(payload, save_file(payload, self.files_dir), jsonl=True)]

    def speech(self, payload: Speech) -> list[str]:
        """The voice note it would send: `{"voice": path, "text": what it says}`."""
        return [json.dumps({"voice": str(self.voice_file(payload)), "text": payload.text},
                           ensure_ascii=False)]


def _json_message(
    text: str, choices: Iterable[Choice], multi: bool, question: str | None
) -> str:
    return json.dumps(
        {
            "text": text,
            "choices": [{"id": c.id, "label": c.label, **({"selected": True} if c.selected
                                                          else {})} for c in choices],
            "multi": multi,
            "question": question,
        },
        ensure_ascii=False,
    )


def save_file(payload: File, directory: Path) -> Path:
    """Write a file payload to `directory`; returns where it went."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Only the last part of the name: a payload never chooses where a file lands.
    path = directory / (Path(payload.filename).name or "file")
    path.write_bytes(payload.data)
    return path


def render_file(payload: File, path: Path, jsonl: bool) -> str:
    """A file message: its caption and where the file was written."""
    caption = payload.caption or payload.fallback
    if jsonl:
        return json.dumps({"text": caption, "file": str(path), "kind": payload.kind,
                           "choices": [], "multi": False, "question": None},
                          ensure_ascii=False)
    return f"📎 {caption}\n  {path}"


class TerminalChat:
    """Talks to one resident (`user`) over a pair of text streams."""

    def __init__(
        self, service: ConversationService, user: str, out: TextIO, jsonl: bool = False,
        files_dir: Path = DEFAULT_FILES_DIR,
    ) -> None:
        self.service = service
        self.user = user
        self.out = out
        self.jsonl = jsonl
        self.files_dir = files_dir
        self.renderer = JsonLinesRenderer(files_dir) if jsonl else TerminalRenderer(files_dir)
        self.transcriber: Transcriber | None = None
        self.participant_id = service.participant_id(CHANNEL, user)

    def _deliver(self, queued: Iterable[QueuedMessage]) -> None:
        self._show(queued)
        self._turn_end()

    def _show(self, queued: Iterable[QueuedMessage]) -> None:
        shown = []
        for item in queued:
            for drawn in self.renderer.render(item.payload):
                self.out.write(drawn + "\n")
            shown.append((item.outbox_id, None))
        self.service.mark_sent(shown)

    def _turn_end(self) -> None:
        if self.jsonl:
            self.out.write('{"turn_end": true}\n')
        else:
            self.out.write("> ")
        self.out.flush()

    def send(self, event: Inbound) -> None:
        """Run one turn for the resident and show the replies."""
        message = asyncio.run(self.service.intake.prepare(
            InboundMessage(CHANNEL, self.user, self.user, event)))
        if message is None:  # held by an intake step: nothing to show yet
            self._turn_end()
            return
        self._deliver(self.service.handle(message) or [])

    def send_voice(self, voice: VoiceFile) -> None:
        """A voice note from a file: transcribed here, in the resident's language, then its
        turn as if it had come through a channel."""
        try:
            audio = voice.path.read_bytes()
        except OSError as error:
            self._error(f"cannot read {voice.path}: {error.strerror}")
            return
        if self.transcriber is None:
            self.transcriber = Transcriber()
        language = self.service.language_of(self.participant_id)
        try:
            heard = self.transcriber.transcribe(audio, language)
        except AudioProblem as problem:
            self.send(SpokenIn(problem=problem.reason))
            return
        self.send(SpokenIn(heard.text))

    def open(self) -> None:
        """As if the resident opened the chat; first, shown, any replies a crash left unsent."""
        leftovers = [
            q for q in self.service.unsent(CHANNEL) if q.participant_id == self.participant_id
        ]
        self._show(leftovers)
        self.send(OpenedIn())

    def _error(self, message: str) -> None:
        if self.jsonl:
            self.out.write(json.dumps({"error": message}) + "\n")
        self._turn_end()

    def run(self, lines: Iterable[str]) -> None:
        """Open the chat, then take one line at a time until the input ends."""
        self.open()
        for line in lines:
            if self.jsonl:
                try:
                    event = parse_json_line(line)
                except BadJsonLine as error:
                    self._error(str(error))
                    continue
            else:
                event = parse_voice(line) or parse_typed(line)
            self._turn(event)

    def _turn(self, event: Inbound | VoiceFile) -> None:
        # Whatever a line holds, the chat goes on: a turn that fails is said, not fatal.
        try:
            if isinstance(event, VoiceFile):
                self.send_voice(event)
            else:
                self.send(event)
        except Exception as error:
            log.debug("terminal: turn failed", exc_info=error)
            self._error(f"that did not work ({type(error).__name__}); try again")
