"""Text to a voice note: eSpeak NG encoded as OGG/Opus, fixed texts cached on disk."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Final

from bot.voice.audio import encode_ogg_opus
from bot.voice.espeak import VOICES, WORDS_PER_MINUTE, Espeak, engine_version
from storage.scrub import cache_dir

# Emoji, pictographs and their joiners: eSpeak would read their names aloud.
_UNSPOKEN: Final = frozenset({"So", "Sk", "Cs", "Co", "Cn"})
_JOINERS: Final = re.compile("[\u200d\ufe0e\ufe0f\u20e3]")
_SPACES: Final = re.compile(r"[ \t]+")
_FORMAT: Final = "ogg-opus-24k"


def speakable(text: str) -> str:
    """The text as it should be read: without emoji and markup symbols, one space apart."""
    kept = "".join(ch for ch in _JOINERS.sub("", text)
                   if unicodedata.category(ch) not in _UNSPOKEN)
    kept = kept.replace("*", "").replace("_", " ")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in kept.splitlines()).strip()


class Speaker:
    """Speaks texts in the residents' languages; what is spoken often is cached on disk, keyed
    by text, language, voice and engine, so a changed text is rendered anew."""

    def __init__(self, cache_root: Path | None = None,
                 words_per_minute: int = WORDS_PER_MINUTE) -> None:
        self.directory = (cache_root or cache_dir().parent) / "voice-prompts"
        self.words_per_minute = words_per_minute
        self._engine_version = engine_version()

    def voice(self, language: str) -> str:
        """The voice that reads `language` (the language itself when no voice has it)."""
        return VOICES.get(language, language)

    def speak(self, text: str, language: str) -> bytes:
        """`text` as an OGG/Opus voice note, rendered now and never written to disk (for
        what a resident told)."""
        speech = Espeak.shared().speak(speakable(text), language, self.words_per_minute)
        return encode_ogg_opus(speech.samples, speech.sample_rate)

    def voice_note(self, text: str, language: str, private: bool) -> bytes:
        """A speech payload as a voice note: the resident's own words (`private`) rendered
        fresh and forgotten, every other text from the cache."""
        return self.speak(text, language) if private else self.speak_fixed(text, language)

    def cache_key(self, text: str, language: str) -> str:
        """The name of a fixed text's rendering: every input that changes the sound."""
        parts = (_FORMAT, self._engine_version, self.voice(language), str(self.words_per_minute),
                 language, text)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def cached_path(self, text: str, language: str) -> Path:
        """Where the rendering of a fixed text is (or will be) kept."""
        return self.directory / language / f"{self.cache_key(text, language)}.ogg"

    def speak_fixed(self, text: str, language: str) -> bytes:
        """A fixed text (a question, a choice list) as a voice note, from the cache when it
        was rendered before."""
        path = self.cached_path(text, language)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        audio = self.speak(text, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: two processes rendering the same text both succeed.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".ogg")
        with os.fdopen(handle, "wb") as out:
            out.write(audio)
        os.replace(temporary, path)
        return audio
