"""eSpeak NG, the offline speech engine, through the library the espeakng-loader wheel bundles."""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Final

import espeakng_loader
import numpy as np
import numpy.typing as npt

# espeak_AUDIO_OUTPUT: samples come back through the callback, synthesis returns when done.
_AUDIO_OUTPUT_SYNCHRONOUS: Final = 2
# espeakINITIALIZE_DONT_EXIT: a bad voice or data path returns an error instead of exit().
_INITIALIZE_DONT_EXIT: Final = 0x8000
_CHARS_UTF8: Final = 1
_POS_CHARACTER: Final = 1
_RATE: Final = 1
# Words per minute: a little slower than eSpeak's 175, for listeners who need time.
WORDS_PER_MINUTE: Final = 150
# Voices by our language codes: eSpeak NG's own names for them.
VOICES: Final = {
    "nl": "nl", "en": "en", "tr": "tr", "ar": "ar", "pl": "pl", "uk": "uk", "ru": "ru",
}

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class SpeechEngineError(RuntimeError):
    """eSpeak NG could not start or could not speak this text."""


@dataclass(frozen=True, slots=True)
class Speech:
    """Mono 16-bit samples at `sample_rate`."""

    samples: npt.NDArray[np.int16]
    sample_rate: int


def engine_version() -> str:
    """The bundled engine's package version, part of what a cached rendering depends on."""
    return metadata.version("espeakng-loader")


class Espeak:
    """One eSpeak NG instance per process: the library keeps global state, so one lock."""

    _lock = threading.Lock()
    _instance: Espeak | None = None

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        rate = self._lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent, _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise SpeechEngineError("eSpeak NG did not start")
        self.sample_rate = int(rate)
        self._chunks: list[npt.NDArray[np.int16]] = []
        # Kept on the instance: ctypes must not free the callback while the library holds it.
        self._callback = _SynthCallback(self._collect)
        self._lib.espeak_SetSynthCallback(self._callback)
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]

    @classmethod
    def shared(cls) -> Espeak:
        """The process's engine, started on first use."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = Espeak()
            return cls._instance

    def _collect(self, wav: ctypes.Array[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # 0: go on

    def speak(self, text: str, language: str, words_per_minute: int = WORDS_PER_MINUTE) -> Speech:
        """`text` spoken in `language`'s voice."""
        voice = VOICES.get(language)
        if voice is None:
            raise SpeechEngineError(f"no voice for language {language!r}")
        encoded = text.encode("utf-8") + b"\0"
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise SpeechEngineError(f"eSpeak NG has no voice {voice!r}")
            self._lib.espeak_SetParameter(_RATE, words_per_minute, 0)
            self._chunks = []
            status = self._lib.espeak_Synth(
                encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if status != 0:
            raise SpeechEngineError("eSpeak NG could not speak the text")
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return Speech(samples, self.sample_rate)
