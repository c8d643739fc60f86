"""Audio in and out: any voice note decoded to 16 kHz mono, speech encoded as OGG/Opus."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import av
import numpy as np
import numpy.typing as npt

from flows.events import VoiceProblem

# What Whisper listens to.
TRANSCRIBE_RATE: Final = 16_000
# Opus works at 48 kHz; a voice note at 24 kbit/s is clear speech at a few KB per second.
OPUS_RATE: Final = 48_000
OPUS_BIT_RATE: Final = 24_000


class AudioProblem(Exception):
    """A voice note that cannot be transcribed; `reason` says why, for the resident's reply."""

    reason: VoiceProblem = "unreadable"


class AudioUnreadable(AudioProblem):
    """Not audio we can decode."""

    reason: VoiceProblem = "unreadable"


class AudioTooLong(AudioProblem):
    """Longer than the limit."""

    reason: VoiceProblem = "too_long"


class AudioTooLarge(AudioProblem):
    """More bytes than we accept (or than the platform lets a bot download)."""

    reason: VoiceProblem = "too_large"


class AudioSilent(AudioProblem):
    """No speech in it."""

    reason: VoiceProblem = "silent"


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """Mono float samples in [-1, 1] at 16 kHz."""

    samples: npt.NDArray[np.float32]

    @property
    def seconds(self) -> float:
        """Length in seconds."""
        return len(self.samples) / TRANSCRIBE_RATE


def decode_for_transcription(data: bytes, max_seconds: float) -> DecodedAudio:
    """Decode any audio FFmpeg reads (OGG/Opus, MP3, M4A, WAV) to 16 kHz mono; stop reading
    as soon as it is longer than `max_seconds`."""
    limit = int(max_seconds * TRANSCRIBE_RATE)
    chunks: list[npt.NDArray[np.float32]] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioUnreadable("no audio stream")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=TRANSCRIBE_RATE)
            for frame in container.decode(audio=0):
                for out in [*resampler.resample(frame)]:
                    total += _append(chunks, out)
                if total > limit:
                    raise AudioTooLong(f"longer than {max_seconds:.0f} s")
            for out in resampler.resample(None):
                total += _append(chunks, out)
    except av.FFmpegError as error:
        raise AudioUnreadable(type(error).__name__) from error
    if total > limit:
        raise AudioTooLong(f"longer than {max_seconds:.0f} s")
    if total == 0:
        raise AudioUnreadable("no samples")
    return DecodedAudio(np.concatenate(chunks))


def _append(chunks: list[npt.NDArray[np.float32]], frame: av.AudioFrame) -> int:
    samples = frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)
    chunks.append(samples)
    return len(samples)


def encode_ogg_opus(samples: npt.NDArray[np.int16], sample_rate: int) -> bytes:
    """Mono 16-bit samples as an OGG/Opus voice note (what Telegram's sendVoice and
    WhatsApp's voice messages play)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE)
        stream.bit_rate = OPUS_BIT_RATE
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = sample_rate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
