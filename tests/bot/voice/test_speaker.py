"""Speaking texts: every language has a voice; fixed texts are cached by text and language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.voice.audio import decode_for_transcription
from bot.voice.speaker import Speaker, speakable
from tests.bot.voice.speech import SENTENCES


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_every_language_is_spoken_as_a_voice_note(language: str, tmp_path: Path) -> None:
    audio = Speaker(tmp_path).speak(SENTENCES[language], language)
    assert audio[:4] == b"OggS"
    assert decode_for_transcription(audio, 60).seconds > 2.0


def test_emoji_are_not_read_aloud() -> None:
    assert speakable("😀 Blij\n⏭️ Sla over") == "Blij\nSla over"


def test_a_fixed_text_is_rendered_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    speaker = Speaker(tmp_path)
    first = speaker.speak_fixed("Hoe voelde u zich?", "nl")
    path = speaker.cached_path("Hoe voelde u zich?", "nl")
    assert path.read_bytes() == first
    path.write_bytes(b"OggS-kept")  # proves the second call reads the file
    assert speaker.speak_fixed("Hoe voelde u zich?", "nl") == b"OggS-kept"


def test_a_changed_text_or_language_gets_its_own_rendering(tmp_path: Path) -> None:
    speaker = Speaker(tmp_path)
    paths = {speaker.cached_path("Hoe voelde u zich?", "nl"),
             speaker.cached_path("Hoe voelde u zich nu?", "nl"),
             speaker.cached_path("Hoe voelde u zich?", "en")}
    assert len(paths) == 3
    speaker.speak_fixed("Hoe voelde u zich nu?", "nl")
    assert [p.name for p in (tmp_path / "voice-prompts" / "nl").iterdir()] == [
        speaker.cached_path("Hoe voelde u zich nu?", "nl").name
    ]


def test_what_a_resident_told_is_never_written_to_the_cache(tmp_path: Path) -> None:
    Speaker(tmp_path).speak("Mijn verhaal over de buurt.", "nl")
    assert not (tmp_path / "voice-prompts").exists()
