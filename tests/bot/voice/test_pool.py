"""How many transcription workers a process runs."""

from __future__ import annotations

import pytest

from bot.service import ConversationService
from bot.settings import Settings
from bot.voice.pool import WorkerPool, worker_count
from bot.voice.transcriber import CPU_THREADS
from tests.conftest import TEST_SECRET


def test_by_default_one_worker_for_each_core() -> None:
    settings = Settings(secret_key=TEST_SECRET)
    assert [worker_count(settings, cores) for cores in (1, 2, 8)] == [1, 2, 8]


def test_workers_per_core_scale_with_the_machine_and_leave_at_least_one() -> None:
    settings = Settings(secret_key=TEST_SECRET, voice_workers_per_core=0.5)
    assert [worker_count(settings, cores) for cores in (1, 2, 8)] == [1, 1, 4]


def test_a_fixed_number_of_workers_wins_and_zero_means_none() -> None:
    assert worker_count(Settings(secret_key=TEST_SECRET, voice_workers=3), 8) == 3
    assert worker_count(Settings(secret_key=TEST_SECRET, voice_workers=0), 8) == 0


def test_an_empty_setting_means_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERTELPUNT_VOICE_WORKERS", "")
    monkeypatch.setenv("VERTELPUNT_VOICE_WORKERS_PER_CORE", "2")
    assert worker_count(Settings(secret_key=TEST_SECRET), 2) == 4


def test_each_worker_of_a_pool_has_its_own_model_on_the_set_threads(
    service: ConversationService,
) -> None:
    settings = Settings(secret_key=TEST_SECRET, voice_workers=2)
    pool = WorkerPool(service, settings, {})
    transcribers = [worker.transcriber for worker in pool.workers]
    assert len({id(t) for t in transcribers}) == 2
    assert all(t.cpu_threads == settings.voice_cpu_threads == CPU_THREADS for t in transcribers)
