"""The app with the WhatsApp channel, a fake Graph API behind pywa, and a scripted resident."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.channels.whatsapp import install_whatsapp
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.templates import load_templates
from bot.runtime import Runtime
from bot.server import create_app
from bot.service import ConversationService
from bot.settings import Settings
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import TEST_SECRET
from tests.fakes.graph_api import FakeGraphApi, RecordedMessage
from tests.fakes.whatsapp_webhooks import WebhookBuilder, signed_headers, to_raw

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "verify-me-please"
RESIDENT = "31612345678"
PATH = "/webhooks/whatsapp"
NUMBERED_LINE = re.compile(r"^(\d+)\. ", re.MULTILINE)


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    """A fake Graph API on a free port of 127.0.0.1."""
    with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
def settings(graph: FakeGraphApi) -> Settings:
    """Settings of a configured WhatsApp number, pointed at the fake."""
    return Settings(
        secret_key=TEST_SECRET,
        whatsapp_phone_id=graph.phone_id,
        whatsapp_token=graph.token,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_business_account_id=graph.waba_id,
        whatsapp_api_url=graph.base_url,
    )


@pytest.fixture
def runtime(settings: Settings, db: Database, service: ConversationService) -> Runtime:
    """The runtime around the test service (fixed clock, predictable story ids)."""
    return Runtime(settings, db, service.form, service.texts, service.cipher, service)


@pytest.fixture
async def app(runtime: Runtime) -> AsyncIterator[FastAPI]:
    """The web app with WhatsApp installed, started and stopped like uvicorn would."""
    app = create_app(runtime)
    install_whatsapp(app, runtime)
    app.state.whatsapp.sender.retry_delays = (0.0, 0.0)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def channel(app: FastAPI) -> WhatsAppChannel:
    """The installed channel."""
    installed: WhatsAppChannel = app.state.whatsapp
    return installed


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP into the app, as Meta would call it."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vertelpunt.test") as c:
        yield c


@pytest.fixture
def build(graph: FakeGraphApi) -> WebhookBuilder:
    """Webhook bodies for our test business number."""
    return WebhookBuilder(waba_id=graph.waba_id, phone_id=graph.phone_id,
                          display_phone_number=graph.display_phone_number)


def approve_templates(graph: FakeGraphApi) -> None:
    """Every shipped template, approved (as after `templates submit` and Meta's review)."""
    for definition in load_templates().values():
        for language, text in definition.texts.items():
            button = {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": text.button}]}
            graph.add_template(definition.name, language, text.body, components=[button])


async def post_signed(client: httpx.AsyncClient, body: dict[str, Any],
                      secret: str = APP_SECRET) -> httpx.Response:
    """POST a body signed like Meta signs it."""
    raw = to_raw(body)
    return await client.post(PATH, content=raw, headers=signed_headers(raw, secret))


class Resident:
    """A resident on WhatsApp: types, presses what we actually sent, and reads the replies."""

    def __init__(self, client: httpx.AsyncClient, graph: FakeGraphApi, channel: WhatsAppChannel,
                 build: WebhookBuilder, db: Database, wa_id: str = RESIDENT) -> None:
        self.client, self.graph, self.channel = client, graph, channel
        self.build, self.db, self.wa_id = build, db, wa_id

    @property
    def inbox(self) -> list[RecordedMessage]:
        """Every message sent to this resident."""
        return self.graph.messages_to(self.wa_id)

    async def post(self, body: dict[str, Any]) -> list[RecordedMessage]:
        """Deliver a webhook, wait until the replies are sent, return them."""
        before = len(self.inbox)
        response = await post_signed(self.client, body)
        assert response.status_code == 200, response.text
        assert await self.channel.sending.wait_idle(15)
        return self.inbox[before:]

    async def say(self, text: str) -> list[RecordedMessage]:
        """Type a message."""
        return await self.post(self.build.text(self.wa_id, text))

    def question(self) -> RecordedMessage:
        """The last message that offers choices (buttons, a list, or numbered lines)."""
        for message in reversed(self.inbox):
            if message.buttons or message.rows or NUMBERED_LINE.search(message.text or ""):
                return message
        raise AssertionError("no question was sent")

    async def step(self, kind: str, value: str) -> list[RecordedMessage]:
        """One step of a script such as FULL_CONVERSATION: a choice or a text."""
        return await (self.choose(value) if kind == "choice" else self.say(value))

    async def choose(self, choice_id: str) -> list[RecordedMessage]:
        """Answer the last question with `choice_id`: press, pick from the list, or type."""
        message = self.question()
        for button_id, title in message.buttons:
            if button_id.split(":", 1)[-1] == choice_id:
                return await self.post(self.build.button_reply(
                    self.wa_id, button_id, title, reply_to=message.wamid))
        for row in message.rows:
            if row["id"].split(":", 1)[-1] == choice_id:
                return await self.post(self.build.list_reply(
                    self.wa_id, row["id"], row["title"], row.get("description"),
                    reply_to=message.wamid))
        return await self.say(str(self.position(choice_id)))

    def position(self, choice_id: str) -> int:
        """The number of a choice in the last question shown as numbered lines."""
        with self.db.transaction() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
            for row in rows:
                ids = [c["id"] for c in row.payload.get("choices", [])]
                if row.payload.get("kind") == "message" and choice_id in ids:
                    return ids.index(choice_id) + 1
        raise AssertionError(f"no question offered {choice_id!r}")


@pytest.fixture
def resident(client: httpx.AsyncClient, graph: FakeGraphApi, channel: WhatsAppChannel,
             build: WebhookBuilder, db: Database) -> Resident:
    """One resident with a Dutch phone number."""
    return Resident(client, graph, channel, build, db)
