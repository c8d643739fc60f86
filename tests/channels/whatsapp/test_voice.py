"""A story told by voice in WhatsApp: the audio fetched through the Graph API, questions
sent back as voice notes in listen mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.channels.whatsapp import install_whatsapp
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.runtime import Runtime
from bot.server import create_app
from bot.voice.install import install_voice
from storage.db import Database
from storage.models import Answer, Story, TranscriptionJob
from tests.bot.voice.speech import spoken
from tests.channels.whatsapp.conftest import Resident
from tests.fakes.graph_api import FakeGraphApi, RecordedMessage
from tests.fakes.whatsapp_webhooks import WebhookBuilder

# Transcribing on a busy test machine takes seconds; the replies come when it is done.
HEARD_SECONDS = 120.0
STORY = "My neighbour helped me with the letter from the council."


@pytest.fixture
async def voice_app(runtime: Runtime) -> AsyncIterator[FastAPI]:
    """The web app with WhatsApp and voice (the intake step and one worker) installed."""
    app = create_app(runtime)
    install_whatsapp(app, runtime)
    app.state.whatsapp.sender.retry_delays = (0.0, 0.0)
    install_voice(app, runtime, {"whatsapp": app.state.whatsapp.sender},
                  app.state.send_loops)
    async with app.router.lifespan_context(app):
        yield app


class Speaking(Resident):
    """A resident who speaks English: voice notes are media the fake Graph API holds."""

    async def listen(self) -> None:
        """Press "read aloud", the button on the hello's last line."""
        hello = next(m for m in reversed(self.inbox) if _offers(m, "listen"))
        button_id, title = next(b for b in hello.buttons if b[0].endswith("listen"))
        await self.post(self.build.button_reply(self.wa_id, button_id, title,
                                                reply_to=hello.wamid))

    async def speak(self, text: str, wait_for: str) -> None:
        """Send `text` as a voice note; wait until the bot offers the choice `wait_for`."""
        media_id = str(abs(hash(text)) % 10**12)
        self.graph.add_media(media_id, spoken(text, "en"))
        before = len(self.inbox)
        await self.post(self.build.voice(self.wa_id, media_id))
        await self.graph.wait_for_async(
            lambda m: m in self.inbox[before:] and _offers(m, wait_for), timeout=HEARD_SECONDS)
        assert len(self.inbox) > before


def _offers(message: RecordedMessage, choice_id: str) -> bool:
    ids = [b[0] for b in message.buttons] + [r["id"] for r in message.rows]
    return any(i.split(":", 1)[-1] == choice_id for i in ids)


async def test_a_story_told_by_voice_in_whatsapp_with_questions_read_aloud(
    voice_app: FastAPI, graph: FakeGraphApi, build: WebhookBuilder, db: Database
) -> None:
    channel: WhatsAppChannel = voice_app.state.whatsapp
    transport = httpx.ASGITransport(app=voice_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vertelpunt.test") as c:
        resident = Speaking(c, graph, channel, build, db)
        await resident.say("/taal")
        await resident.choose("en")  # WhatsApp does not say the phone's language
        await resident.listen()
        await resident.choose("yes")
        await resident.choose("age_yes")
        await resident.choose("needed_help")
        await resident.speak(STORY, wait_for="keep_voice")
        await resident.choose("keep_voice")
        await resident.choose("done")
        await resident.choose("save")
        await resident.choose("skip")
        await resident.speak("Number two.", wait_for="ab")
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
        feeling = session.scalars(select(Answer).where(Answer.question_id == "feeling")).one()
        jobs = session.scalars(select(TranscriptionJob)).all()
    assert "council" in story.text.lower() and story.channel == "whatsapp"
    assert feeling.value == {"option": "satisfied"}
    assert jobs == []
    voice_notes = [m for m in resident.inbox if m.type == "audio"]
    assert len(voice_notes) > 5 and all(m.body["audio"].get("id") for m in voice_notes)
    assert all(upload.mime_type.startswith("audio/ogg") for upload in graph.uploads)
