"""Transcribing voice notes offline, in the resident's language, with typed problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.voice.audio import AudioSilent, AudioTooLarge, AudioTooLong, encode_ogg_opus
from bot.voice.model import SHA256, ModelFilesInvalid, prepare_model, sha256_of
from bot.voice.transcriber import Transcriber
from tests.bot.voice.speech import spoken


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("nl", "De buurvrouw heeft me geholpen met de brief van de gemeente.",
         {"geholpen", "brief", "gemeente"}),
        ("en", "My neighbour helped me with the letter from the council.",
         {"helped", "letter", "council"}),
    ],
)
def test_spoken_words_come_back_as_text(
    transcriber: Transcriber, language: str, text: str, expected: set[str]
) -> None:
    result = transcriber.transcribe(spoken(text, language), language)
    words = {w.strip(".,!?").lower() for w in result.text.split()}
    # Synthetic speech through the small model loses a word now and then: two of three.
    assert len(expected & words) >= 2, result.text
    assert result.audio_seconds > 2.0 and result.cpu_seconds > 0


def test_silence_is_a_typed_problem(transcriber: Transcriber) -> None:
    silence = encode_ogg_opus(np.zeros(3 * 16_000, dtype=np.int16), 16_000)
    with pytest.raises(AudioSilent):
        transcriber.transcribe(silence, "nl")


def test_too_many_bytes_are_refused_before_decoding() -> None:
    with pytest.raises(AudioTooLarge):
        Transcriber(max_bytes=100).transcribe(b"OggS" + b"\0" * 200, "nl")


def test_too_long_is_refused() -> None:
    with pytest.raises(AudioTooLong):
        Transcriber(max_seconds=1).transcribe(spoken("Dit is een lange zin.", "nl"), "nl")


def test_the_model_directory_is_joined_from_the_packages_and_checked(tmp_path: Path) -> None:
    files = prepare_model(tmp_path)
    for name, digest in SHA256.items():
        assert sha256_of(files.directory / name) == digest


def test_a_damaged_model_file_is_rebuilt(tmp_path: Path) -> None:
    files = prepare_model(tmp_path)
    (files.directory / "model.bin").write_bytes(b"damaged")
    prepare_model(tmp_path)
    assert sha256_of(files.directory / "model.bin") == SHA256["model.bin"]


def test_a_missing_model_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setattr("bot.voice.model.PART_PACKAGES", ("absent_package", "absent_package"))
    with pytest.raises(ModelFilesInvalid):
        prepare_model(tmp_path)


def test_a_note_of_noise_without_speech_is_silent(transcriber: Transcriber) -> None:
    # Loud enough to pass the loudness check: the voice detector finds no speech in it, so
    # Whisper never hears it (and cannot invent words in it).
    noise = np.random.default_rng(7).normal(0, 0.05, 5 * 16_000) * 32_767
    with pytest.raises(AudioSilent, match="no speech"):
        transcriber.transcribe(encode_ogg_opus(noise.astype(np.int16), 16_000), "nl")
