"""The channel registry: a channel is a spec; the app installs every configured one."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.channels.contract import (
    ChannelNotConfigured,
    ChannelSettings,
    ChannelSpec,
    InstallOptions,
)
from bot.channels.messages import InboundMessage, QueuedMessage
from bot.channels.registry import CHANNELS, configured_channels, install_channels
from bot.outbox import SendResult
from bot.runtime import Runtime
from bot.server import ServeRefused, build_app, create_app
from bot.service import ConversationService
from bot.settings import Settings
from flows.events import CommandIn
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import TEST_SECRET


class PigeonSettings(ChannelSettings):
    """A made-up channel's own settings, as a new channel keeps them in its folder."""

    pigeon_token: str = ""
    pigeon_loft: str = ""


class Pigeon:
    """The sender of a made-up channel."""

    confirm_seconds = 0.0

    def __init__(self, loft: str) -> None:
        self.loft = loft
        self.flown: list[QueuedMessage] = []

    async def send(self, item: QueuedMessage) -> SendResult:
        self.flown.append(item)
        return SendResult("sent", str(item.outbox_id))


def install_pigeon(app: FastAPI, runtime: Runtime, options: InstallOptions) -> Pigeon:
    @app.post("/webhooks/pigeon")
    async def pigeon_webhook() -> dict[str, str]:
        message = InboundMessage("pigeon", "duif-1", "til-7", CommandIn("start"), "u1")
        replies = await asyncio.to_thread(runtime.service.handle, message)
        app.state.send_loops["pigeon"].take(replies or [])
        return {}

    return Pigeon(PigeonSettings().pigeon_loft)


# A new channel is its folder and its spec: nothing in bot/settings.py names it.
PIGEON = ChannelSpec(name="pigeon", switch="pigeon_token", install=install_pigeon,
                     needs=("pigeon_loft",), settings=PigeonSettings)


def _runtime(settings: Settings, db: Database, service: ConversationService) -> Runtime:
    return Runtime(settings, db, service.form, service.texts, service.cipher, service)


def test_only_channels_whose_switch_is_set_are_configured() -> None:
    assert configured_channels(Settings(secret_key=TEST_SECRET)) == []
    on = Settings(secret_key=TEST_SECRET, telegram_token="1:abc")
    assert [spec.name for spec in configured_channels(on)] == ["telegram"]
    assert {spec.name for spec in CHANNELS} == {"telegram", "whatsapp"}


def test_a_new_channel_installs_its_route_and_sender_from_its_own_settings(
    db: Database, service: ConversationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(secret_key=TEST_SECRET)
    assert configured_channels(settings, channels=[PIGEON]) == []
    monkeypatch.setenv("VERTELPUNT_PIGEON_TOKEN", "roekoe")
    monkeypatch.setenv("VERTELPUNT_PIGEON_LOFT", "til-7")
    app = create_app(_runtime(settings, db, service))

    senders = install_channels(app, _runtime(settings, db, service), InstallOptions(),
                               channels=[PIGEON])

    pigeon = senders["pigeon"]
    assert isinstance(pigeon, Pigeon) and pigeon.loft == "til-7"
    assert "/webhooks/pigeon" in {getattr(r, "path", "") for r in app.routes}


async def test_a_new_channels_replies_go_out_through_a_send_loop_made_for_it(
    db: Database, service: ConversationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERTELPUNT_PIGEON_TOKEN", "roekoe")
    monkeypatch.setenv("VERTELPUNT_PIGEON_LOFT", "til-7")
    runtime = _runtime(Settings(secret_key=TEST_SECRET), db, service)
    app = create_app(runtime)
    pigeon = install_channels(app, runtime, InstallOptions(), channels=[PIGEON])["pigeon"]
    assert isinstance(pigeon, Pigeon)

    transport = httpx.ASGITransport(app=app)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url="http://test") as client):
        assert (await client.post("/webhooks/pigeon")).status_code == 200
        assert await app.state.send_loops["pigeon"].wait_idle(15)

    ids = [item.outbox_id for item in pigeon.flown]
    assert len(ids) == 5 and ids == sorted(ids) and {i.address for i in pigeon.flown} == {"til-7"}
    with db.transaction() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_half_a_configuration_is_refused_with_the_missing_settings(
    db: Database, service: ConversationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERTELPUNT_PIGEON_TOKEN", "roekoe")
    monkeypatch.delenv("VERTELPUNT_PIGEON_LOFT", raising=False)
    runtime = _runtime(Settings(secret_key=TEST_SECRET), db, service)

    with pytest.raises(ChannelNotConfigured, match="VERTELPUNT_PIGEON_LOFT is not set"):
        install_channels(create_app(runtime), runtime, InstallOptions(), channels=[PIGEON])


def test_whatsapp_without_its_token_and_secret_does_not_start(
    db: Database, service: ConversationService
) -> None:
    settings = Settings(secret_key=TEST_SECRET, whatsapp_phone_id="123")

    with pytest.raises(ServeRefused, match=r"VERTELPUNT_WHATSAPP_TOKEN, .*APP_SECRET"):
        build_app(_runtime(settings, db, service), scheduler=False)


def test_channels_started_only_to_send_need_no_webhook_settings(
    db: Database, service: ConversationService
) -> None:
    settings = Settings(secret_key=TEST_SECRET, telegram_token="1:abc",
                        telegram_api_url="http://127.0.0.1:9/bot")
    runtime = _runtime(settings, db, service)
    with pytest.raises(ServeRefused, match="WEBHOOK_SECRET"):
        build_app(runtime, scheduler=False)

    app = build_app(runtime, scheduler=False, receive=False)

    assert list(app.state.senders) == ["telegram"]
    assert "/webhooks/telegram" not in {getattr(r, "path", "") for r in app.routes}
