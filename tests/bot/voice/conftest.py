"""One Whisper model for the voice tests (loading it takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.voice.transcriber import Transcriber


@pytest.fixture(scope="session")
def transcriber() -> Iterator[Transcriber]:
    """The packaged model, loaded once, on two threads."""
    model = Transcriber(cpu_threads=2)
    model.load()
    yield model
