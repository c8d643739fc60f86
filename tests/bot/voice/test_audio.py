"""Decoding voice notes and encoding speech: formats, limits and unreadable input."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from bot.voice.audio import (
    AudioTooLong,
    AudioUnreadable,
    decode_for_transcription,
    encode_ogg_opus,
)
from tests.bot.voice.speech import spoken


def _tone(seconds: float, rate: int = 22_050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)


def test_speech_is_encoded_as_ogg_opus_a_player_reads_back() -> None:
    ogg = encode_ogg_opus(_tone(2.0), 22_050)
    with av.open(io.BytesIO(ogg)) as container:
        assert container.format.name == "ogg"
        assert container.streams.audio[0].codec_context.name in {"opus", "libopus"}
    decoded = decode_for_transcription(ogg, max_seconds=60)
    assert decoded.seconds == pytest.approx(2.0, abs=0.1)


def test_a_voice_note_is_decoded_to_16_khz_mono() -> None:
    decoded = decode_for_transcription(spoken("Hallo, dit is een test.", "nl"), 60)
    assert decoded.samples.dtype == np.float32
    assert 1.0 < decoded.seconds < 5.0
    assert float(np.abs(decoded.samples).max()) > 0.1


def test_audio_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(AudioTooLong):
        decode_for_transcription(encode_ogg_opus(_tone(4.0), 22_050), max_seconds=3)


@pytest.mark.parametrize("data", [b"", b"OggS" + b"\0" * 200, b"not audio at all" * 50])
def test_unreadable_bytes_are_a_typed_problem(data: bytes) -> None:
    with pytest.raises(AudioUnreadable):
        decode_for_transcription(data, max_seconds=60)
