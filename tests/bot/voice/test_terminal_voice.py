"""Voice in the terminal: a voice note by file path, and the voice notes listen mode sends."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from bot.channels.terminal import TerminalChat
from bot.service import ConversationService
from bot.voice.transcriber import Transcriber
from tests.bot.voice.speech import spoken

STORY = "De buurvrouw heeft me geholpen met de brief van de gemeente."


def _run(chat: TerminalChat, out: io.StringIO, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    start = len(out.getvalue().splitlines())
    chat.run([json.dumps(line) + "\n" for line in lines])
    return [json.loads(line) for line in out.getvalue().splitlines()[start:]]


def test_a_voice_note_by_path_is_heard_and_read_back_to_keep(
    service: ConversationService, transcriber: Transcriber, tmp_path: Path
) -> None:
    note = tmp_path / "story.ogg"
    note.write_bytes(spoken(STORY, "nl"))
    out = io.StringIO()
    chat = TerminalChat(service, "anna", out, jsonl=True, files_dir=tmp_path / "files")
    chat.transcriber = transcriber
    lines = _run(chat, out, {"choice": "yes"}, {"choice": "age_yes"},
                 {"choice": "needed_help"}, {"voice": str(note)})
    heard = [line for line in lines if "gemeente" in line.get("text", "").lower()]
    assert heard and lines[-2]["question"] == "_voice_check"
    read_back = [line for line in lines if "voice" in line]
    assert len(read_back) == 1 and Path(read_back[0]["voice"]).read_bytes()[:4] == b"OggS"
    assert "gemeente" in read_back[0]["text"].lower()


def test_listen_mode_reports_the_voice_note_of_every_question(
    service: ConversationService, tmp_path: Path
) -> None:
    out = io.StringIO()
    chat = TerminalChat(service, "bram", out, jsonl=True, files_dir=tmp_path)
    lines = _run(chat, out, {"choice": "listen"}, {"choice": "yes"})
    voices = [line for line in lines if "voice" in line]
    assert len(voices) == 3  # the hello, the consent question, the age question
    assert all(Path(v["voice"]).exists() for v in voices)
    assert voices[-1]["text"].startswith(service.texts.get("age_question", "nl"))


def test_a_missing_voice_file_is_an_error_line(
    service: ConversationService, tmp_path: Path
) -> None:
    out = io.StringIO()
    chat = TerminalChat(service, "cor", out, jsonl=True, files_dir=tmp_path)
    lines = _run(chat, out, {"voice": str(tmp_path / "absent.ogg")})
    assert any("cannot read" in line.get("error", "") for line in lines)
