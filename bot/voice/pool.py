"""Transcription workers of one process: each with its own model, run as asyncio tasks."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from datetime import timedelta

from bot.service import ConversationService
from bot.settings import Settings
from bot.voice.intake import Deliver
from bot.voice.sources import AudioSource
from bot.voice.transcriber import Transcriber
from bot.voice.worker import TranscriptionWorker, WorkerOptions

log = logging.getLogger(__name__)


def worker_count(settings: Settings, cores: int | None = None) -> int:
    """The workers a process runs: VERTELPUNT_VOICE_WORKERS when set (0: none), else
    VERTELPUNT_VOICE_WORKERS_PER_CORE for each core of this machine, at least one."""
    if settings.voice_workers is not None:
        return settings.voice_workers
    available = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, round(available * settings.voice_workers_per_core))


class WorkerPool:
    """`count` workers sharing the jobs with every other process's."""

    def __init__(
        self,
        service: ConversationService,
        settings: Settings,
        sources: Mapping[str, AudioSource],
        deliver: Mapping[str, Deliver] | None = None,
        count: int | None = None,
    ) -> None:
        options = WorkerOptions(stale_after=timedelta(seconds=settings.voice_claim_seconds))
        self.workers = [
            TranscriptionWorker(
                service,
                Transcriber(settings.voice_cpu_threads, settings.voice_max_seconds),
                sources, deliver, options,
            )
            for _ in range(worker_count(settings) if count is None else count)
        ]
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start working; each model is checked and loaded with its first job (seconds)."""
        self._stopping.clear()
        self._tasks = [asyncio.create_task(w.run_forever(self._stopping)) for w in self.workers]
        log.info("voice: %d transcription workers started", len(self.workers))

    async def stop(self) -> None:
        """Let the jobs under way finish, then stop."""
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def wait(self) -> None:
        """Until the workers stop."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
