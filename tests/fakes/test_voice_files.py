"""The fakes serve files as the real APIs do: voice notes in and out, behind their tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pywa.errors import WhatsAppError
from telegram import Bot

from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    telegram_bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
    async with telegram_bot:
        yield telegram_bot


async def test_a_voice_note_is_fetched_by_get_file_then_its_path(
    fake: FakeBotApi, bot: Bot
) -> None:
    stored = fake.add_file(b"OggS-voice", file_path="voice/file_7.oga")
    found = await bot.get_file(stored.file_id)
    assert found.file_path is not None and found.file_path.endswith("voice/file_7.oga")
    assert bytes(await found.download_as_bytearray()) == b"OggS-voice"


async def test_a_sent_voice_note_is_kept_with_its_bytes(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_voice(chat_id=42, voice=b"OggS-question", duration=3)
    assert sent.voice is not None and sent.voice.mime_type == "audio/ogg"
    assert fake.file_content(sent.voice.file_id) == b"OggS-question"
    assert fake.sent_messages(42)[-1]["voice"]["file_id"] == sent.voice.file_id


async def test_whatsapp_media_is_downloaded_with_the_bearer_token(graph: FakeGraphApi) -> None:
    graph.add_media("4455", b"OggS-voice")
    async with graph.async_client() as session:
        wa = graph.whatsapp(session=session)
        url = await wa.get_media_url("4455")
        assert await wa.get_media_bytes(url.url) == b"OggS-voice"
    async with graph.async_client() as session:
        raw = await session.get(url.url)
    assert raw.status_code == 401


async def test_unknown_whatsapp_media_is_an_error(graph: FakeGraphApi) -> None:
    async with graph.async_client() as session:
        with pytest.raises(WhatsAppError):
            await graph.whatsapp(session=session).get_media_url("999")


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


