"""A whole story by voice in Telegram: voice notes in through getFile, questions out as voice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.channels.telegram import install_telegram
from bot.runtime import Runtime
from bot.server import create_app
from bot.voice.install import install_voice
from storage.db import Database
from storage.models import Answer, Story, TranscriptionJob
from tests.bot.voice.speech import spoken
from tests.channels.telegram.harness import FAST, Harness, Resident
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory

# Transcribing on a busy test machine takes seconds; the replies come when it is done.
HEARD_SECONDS = 120.0
STORY = "My neighbour helped me with the letter from the council."


@asynccontextmanager
async def voice_app(runtime: Runtime, fake: FakeBotApi) -> AsyncIterator[Harness]:
    """The webhook app with voice installed: the intake step and one worker."""
    app = create_app(runtime)
    channel = install_telegram(app, runtime, polling=False, options=FAST)
    install_voice(app, runtime, {"telegram": channel.sender}, app.state.send_loops)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://vertelpunt.test") as client,
    ):
        harness = Harness("webhook", app, channel, fake, client)
        await harness.settle()
        yield harness


class Speaking(Resident):
    """A resident who speaks: each voice note is a file the fake Bot API serves."""

    async def say(self, text: str, wait_for: str) -> None:
        """Send `text` spoken as a voice note; wait until the bot shows button `wait_for`."""
        update = self.updates.voice(duration=5, user=self.user)
        file_id = update["message"]["voice"]["file_id"]
        self.harness.fake.add_file(spoken(text, "en"), file_id=file_id)
        before = len(self.messages)
        await self.harness.deliver(update)
        await self.harness.fake.wait_for_async(
            lambda: self._offers(wait_for, before), timeout=HEARD_SECONDS)
        await self.harness.settle()

    def _offers(self, choice_id: str, after: int) -> bool:
        for message in self.messages[after:]:
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if any(b["callback_data"].endswith(f":{choice_id}") for r in rows for b in r):
                return True
        return False


def _voice_notes(fake: FakeBotApi, chat: int) -> list[dict[str, Any]]:
    return [m for m in fake.sent_messages(chat) if "voice" in m]


@pytest.fixture
def english(fake: FakeBotApi) -> UpdateFactory:
    return UpdateFactory(bot_user=fake.bot_user, language_code="en")


async def test_a_whole_story_told_and_answered_by_voice_with_listen_mode(
    runtime: Runtime, fake: FakeBotApi, english: UpdateFactory, db: Database
) -> None:
    async with voice_app(runtime, fake) as harness:
        resident = Speaking(harness, english)
        await resident.command("start")
        await resident.press("listen")
        questions = _voice_notes(fake, resident.chat_id)
        assert len(questions) == 2  # the hello and the consent question
        await resident.press("yes")
        await resident.press("age_yes")
        await resident.press("needed_help")
        await resident.say(STORY, wait_for="keep_voice")
        assert any("council" in m.get("text", "").lower() for m in resident.messages)
        await resident.press("keep_voice")
        await resident.say("Finished.", wait_for="save")  # the confirmation, read aloud too
        await resident.press("save")
        await resident.press("skip")  # title
        await resident.say("Number two.", wait_for="ab")  # feeling: satisfied; then the triad
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
        feeling = session.scalars(select(Answer).where(Answer.question_id == "feeling")).one()
        jobs = session.scalars(select(TranscriptionJob)).all()
    assert "council" in story.text.lower()
    assert feeling.value == {"option": "satisfied"}
    assert jobs == []  # done jobs and their file references are gone
    notes = _voice_notes(fake, resident.chat_id)
    assert len(notes) > 6 and all(fake.file_content(m["voice"]["file_id"]) for m in notes)
