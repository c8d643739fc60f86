"""Transcription jobs: stored by the intake, claimed by workers, fed in as typed text."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from telegram import Bot

from bot.channels.messages import InboundMessage, QueuedMessage, Text, VoiceNote
from bot.service import ConversationService
from bot.voice.audio import encode_ogg_opus
from bot.voice.intake import VoiceIntake
from bot.voice.sources import TelegramAudio, WhatsAppAudio
from bot.voice.transcriber import Transcriber
from bot.voice.worker import TranscriptionWorker, WorkerOptions
from flows.events import ChoiceIn, MediaIn, OpenedIn
from flows.state import State
from storage.db import Database
from storage.models import ConversationState, ProcessedUpdate, TranscriptionJob
from tests.bot.voice.speech import spoken
from tests.conftest import FixedClock
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeBotApi

CHAT = "4242"
STORY = "De buurvrouw heeft me geholpen met de brief van de gemeente."


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    telegram_bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
    async with telegram_bot:
        yield telegram_bot


class Delivered:
    """Replies handed to a channel, by the worker."""

    def __init__(self) -> None:
        self.items: list[QueuedMessage] = []

    async def __call__(self, queued: list[QueuedMessage]) -> None:
        self.items.extend(queued)

    @property
    def texts(self) -> list[str]:
        return [item.payload.text for item in self.items if isinstance(item.payload, Text)]


def _to_story_step(service: ConversationService, channel: str = "telegram") -> None:
    for event in (OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes"), ChoiceIn("needed_help")):
        assert service.handle(InboundMessage(channel, CHAT, CHAT, event)) is not None


def _voice(update_id: str, channel: str = "telegram") -> InboundMessage:
    return InboundMessage(channel, CHAT, CHAT, MediaIn("voice"), update_id=update_id)


def _heard(db: Database) -> str:
    """The spoken part waiting for the resident to keep it (lower case)."""
    with db.transaction() as session:
        data = session.scalars(select(ConversationState.data)).one()
    state = State.model_validate(data)
    assert state.step == "voice_check" and state.draft is not None
    return (state.draft.heard or "").lower()


def _jobs(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(TranscriptionJob)) or 0)


def _worker(service: ConversationService, transcriber: Transcriber, bot: Bot,
            delivered: Delivered) -> TranscriptionWorker:
    return TranscriptionWorker(service, transcriber, {"telegram": TelegramAudio(bot)},
                               {"telegram": delivered})


async def test_a_telegram_voice_note_becomes_part_of_the_story(
    service: ConversationService, db: Database, transcriber: Transcriber, fake: FakeBotApi,
    bot: Bot, caplog: pytest.LogCaptureFixture,
) -> None:
    _to_story_step(service)
    audio = spoken(STORY, "nl")
    stored = fake.add_file(audio, file_path="voice/file_1.oga")
    accepted = VoiceIntake(service).accept(_voice("901"), VoiceNote(stored.file_id, 5, len(audio)))
    assert accepted == []
    with db.transaction() as session:
        job = session.scalars(select(TranscriptionJob)).one()
        assert job.file_ref == stored.file_id and CHAT.encode() not in job.address
    delivered = Delivered()
    with caplog.at_level(logging.INFO):
        assert await _worker(service, transcriber, bot, delivered).run_once()
    words = _heard(db)
    assert "gemeente" in words  # the small model may mishear a word or two of the rest
    assert delivered.items and all(item.address == CHAT for item in delivered.items)
    assert _jobs(db) == 0  # the job and its file reference are gone
    assert "gemeente" not in caplog.text.lower()
    assert [c.method for c in fake.calls_to("getFile")] == ["getFile"]


async def test_a_whatsapp_voice_note_is_fetched_through_the_graph_api(
    service: ConversationService, db: Database, transcriber: Transcriber,
) -> None:
    _to_story_step(service, "whatsapp")
    with FakeGraphApi() as graph:
        graph.add_media("7781", spoken(STORY, "nl"))
        async with graph.async_client() as session:
            source = WhatsAppAudio(graph.whatsapp(session=session))
            VoiceIntake(service).accept(_voice("m1", "whatsapp"), VoiceNote("7781"))
            worker = TranscriptionWorker(service, transcriber, {"whatsapp": source})
            assert await worker.run_once()
    assert "gemeente" in _heard(db)


async def test_a_redelivered_voice_note_makes_one_job(
    service: ConversationService, db: Database
) -> None:
    intake = VoiceIntake(service)
    intake.accept(_voice("5"), VoiceNote("file-a"))
    intake.accept(_voice("5"), VoiceNote("file-a"))
    assert _jobs(db) == 1


async def test_a_killed_workers_job_is_finished_by_another(
    service: ConversationService, db: Database, transcriber: Transcriber, fake: FakeBotApi,
    bot: Bot, clock: FixedClock,
) -> None:
    _to_story_step(service)
    stored = fake.add_file(spoken(STORY, "nl"))
    VoiceIntake(service).accept(_voice("77"), VoiceNote(stored.file_id))
    options = WorkerOptions(stale_after=timedelta(minutes=10))
    killed = TranscriptionWorker(service, transcriber, {}, options=options)
    job = killed._claim()  # claimed, then the process died
    assert job is not None
    other = TranscriptionWorker(service, transcriber, {"telegram": TelegramAudio(bot)},
                                options=options)
    assert not await other.run_once()  # the claim still holds
    clock.advance(minutes=11)
    assert await other.run_once()
    assert "gemeente" in _heard(db) and _jobs(db) == 0
    with db.transaction() as session:
        assert session.scalar(select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.update_id == f"voice:{job.id}")) is not None


async def test_a_voice_note_while_many_wait_gets_one_moment_and_is_still_heard(
    service: ConversationService, db: Database, transcriber: Transcriber, fake: FakeBotApi,
    bot: Bot,
) -> None:
    _to_story_step(service)
    intake = VoiceIntake(service, busy_after=1)
    first = fake.add_file(spoken("Ik had hulp nodig.", "nl"))
    second = fake.add_file(spoken(STORY, "nl"))
    assert intake.accept(_voice("1"), VoiceNote(first.file_id)) == []
    busy = intake.accept(_voice("2"), VoiceNote(second.file_id))
    assert [q.payload for q in busy] == [Text(service.texts.get("voice.wait", "nl"), "nl")]
    worker = _worker(service, transcriber, bot, Delivered())
    assert await worker.run_once() and await worker.run_once()
    # The second note was heard after the first: it is the one waiting to be kept.
    assert "gemeente" in _heard(db) and _jobs(db) == 0


@pytest.mark.parametrize(
    ("note", "problem"),
    [(VoiceNote("f", seconds=301), "too_long"), (VoiceNote("f", size=30_000_000), "too_large")],
)
async def test_what_the_platform_says_rules_out_a_note_before_download(
    service: ConversationService, transcriber: Transcriber, fake: FakeBotApi, bot: Bot,
    note: VoiceNote, problem: str,
) -> None:
    _to_story_step(service)
    VoiceIntake(service).accept(_voice("3"), note)
    delivered = Delivered()
    assert await _worker(service, transcriber, bot, delivered).run_once()
    assert delivered.texts[0] == service.texts.get(f"voice.{problem}", "nl")
    assert fake.calls_to("getFile") == []


async def test_silence_and_a_lost_file_get_a_friendly_word(
    service: ConversationService, db: Database, transcriber: Transcriber, fake: FakeBotApi,
    bot: Bot,
) -> None:
    _to_story_step(service)
    silence = fake.add_file(b"OggS" + bytes(400))
    intake = VoiceIntake(service)
    intake.accept(_voice("10"), VoiceNote(silence.file_id))
    intake.accept(_voice("11"), VoiceNote("no-such-file"))
    delivered = Delivered()
    worker = _worker(service, transcriber, bot, delivered)
    assert await worker.run_once() and await worker.run_once()
    unreadable = service.texts.get("voice.unreadable", "nl")
    assert delivered.texts.count(unreadable) == 2
    assert _jobs(db) == 0


async def test_a_note_of_noise_gets_the_friendly_silence_reply(
    service: ConversationService, db: Database, transcriber: Transcriber, fake: FakeBotApi,
    bot: Bot,
) -> None:
    _to_story_step(service)
    noise = np.random.default_rng(3).normal(0, 0.05, 4 * 16_000) * 32_767
    stored = fake.add_file(encode_ogg_opus(noise.astype(np.int16), 16_000))
    VoiceIntake(service).accept(_voice("12"), VoiceNote(stored.file_id))
    delivered = Delivered()
    assert await _worker(service, transcriber, bot, delivered).run_once()
    assert delivered.texts[0] == service.texts.get("voice.silent", "nl")
    assert _jobs(db) == 0
