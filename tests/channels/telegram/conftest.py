"""Fixtures: the fake Bot API, a runtime pointing at it, the app running in either mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.runtime import Runtime
from bot.service import ConversationService
from bot.settings import Settings
from flows.forms.schema import Form
from flows.texts import Texts
from storage.db import Database
from tests.channels.telegram.harness import WEBHOOK_SECRET, Harness, Mode, running
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    """The fake Telegram Bot API, listening on 127.0.0.1."""
    with FakeBotApi() as api:
        yield api


@pytest.fixture
def updates(fake: FakeBotApi) -> UpdateFactory:
    """Updates as Telegram builds them, from one default resident."""
    return UpdateFactory(bot_user=fake.bot_user)


def telegram_settings(fake: FakeBotApi, db: Database) -> Settings:
    """Settings that point the bot at the fake."""
    return Settings(
        secret_key=TEST_SECRET,
        database_url=db.url,
        telegram_token=fake.token,
        telegram_webhook_secret=WEBHOOK_SECRET,
        telegram_api_url=fake.base_url,
    )


@pytest.fixture
def runtime(
    db: Database, form: Form, texts: Texts, service: ConversationService, fake: FakeBotApi
) -> Runtime:
    """The service of the `db` fixture (SQLite and PostgreSQL), with Telegram settings."""
    return Runtime(telegram_settings(fake, db), db, form, texts, service.cipher, service)


@pytest.fixture
async def webhook(runtime: Runtime, fake: FakeBotApi) -> AsyncIterator[Harness]:
    """The app serving the webhook route."""
    async with running(runtime, "webhook", fake) as harness:
        yield harness


@pytest.fixture(params=["webhook", "polling"])
async def telegram(
    request: pytest.FixtureRequest, runtime: Runtime, fake: FakeBotApi
) -> AsyncIterator[Harness]:
    """The app in webhook mode, then in polling mode."""
    mode: Mode = request.param
    async with running(runtime, mode, fake) as harness:
        yield harness
