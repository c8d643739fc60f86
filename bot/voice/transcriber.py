"""Speech to text, offline: faster-whisper with the packaged model, in the resident's language."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from bot.voice.audio import AudioSilent, AudioTooLarge, DecodedAudio, decode_for_transcription
from bot.voice.model import prepare_model

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

# A voice note longer than this gets a friendly "please keep it shorter".
MAX_SECONDS: Final = 300.0
# Telegram lets a bot download 20 MB; WhatsApp audio is at most 16 MB.
MAX_BYTES: Final = 20 * 1024 * 1024
# Below this loudness (RMS of samples in [-1, 1]) there is nothing to hear.
SILENCE_RMS: Final = 0.003
# Greedy decoding: on 30 s notes it costs 0.12-0.15 s of CPU per second of audio against
# 0.16-0.26 with a beam of five, for the same word error rate here (bench/bench_voice.py).
BEAM_SIZE: Final = 1
# One thread per model: two workers of one thread each take a little less CPU per note than
# one worker of two threads, and a long note then holds up only one of them.
CPU_THREADS: Final = 1


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was said, how long the audio was and the CPU time it took."""

    text: str
    audio_seconds: float
    cpu_seconds: float


class Transcriber:
    """One Whisper model, loaded on first use; one transcription at a time per instance."""

    def __init__(self, cpu_threads: int = CPU_THREADS, max_seconds: float = MAX_SECONDS,
                 max_bytes: int = MAX_BYTES, timestamps: bool = True) -> None:
        self.cpu_threads = cpu_threads
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        # Nothing here reads timestamps, but without them Whisper base hears worse in most
        # languages (Turkish 95% against 86% word errors on the bench's sentences, Arabic 107%
        # against 100%) for at most a tenth less CPU: kept on (bench/bench_voice.py).
        self.timestamps = timestamps
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Check the model files and load the model (seconds; done once)."""
        with self._lock:
            self._loaded()

    def _loaded(self) -> WhisperModel:
        if self._model is None:
            from faster_whisper import WhisperModel

            files = prepare_model()
            self._model = WhisperModel(
                str(files.directory), device="cpu", compute_type="int8",
                cpu_threads=self.cpu_threads, local_files_only=True,
            )
        return self._model

    def transcribe(self, data: bytes, language: str) -> Transcript:
        """The words in a voice note, in `language` (never the model's own guess); raises an
        AudioProblem for audio too long, too large, unreadable or silent."""
        if len(data) > self.max_bytes:
            raise AudioTooLarge(f"{len(data)} bytes")
        audio = decode_for_transcription(data, self.max_seconds)
        if _loudness(audio) < SILENCE_RMS:
            raise AudioSilent("below the silence level")
        started = time.process_time()
        with self._lock:
            text = self._recognise(self._loaded(), audio, language)
        cpu = time.process_time() - started
        if not text:
            raise AudioSilent("no speech recognised")
        return Transcript(text, audio.seconds, cpu)

    def _recognise(self, model: WhisperModel, audio: DecodedAudio, language: str) -> str:
        # The VAD filter skips pauses (faster, and Whisper invents words in silence). One
        # temperature and no repeated trigrams: Whisper's fallback to higher temperatures
        # and its loops on unclear speech cost up to eight times the CPU for worse text.
        segments, _info = model.transcribe(
            audio.samples, language=language, beam_size=BEAM_SIZE, vad_filter=True,
            condition_on_previous_text=False, temperature=0.0, no_repeat_ngram_size=3,
            without_timestamps=not self.timestamps,
        )
        return " ".join(s.text.strip() for s in segments if s.text.strip())


def _loudness(audio: DecodedAudio) -> float:
    return float(np.sqrt(np.mean(np.square(audio.samples, dtype=np.float64))))
