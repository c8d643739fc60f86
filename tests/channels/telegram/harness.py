"""Our Telegram channel against the fake Bot API, fed by webhook or by long polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
from fastapi import FastAPI

from bot.channels.telegram import TelegramChannel, TelegramOptions, install_telegram
from bot.channels.telegram.client import RetryPolicy
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.runtime import Runtime
from bot.server import create_app
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory

Mode = Literal["webhook", "polling"]
WEBHOOK_SECRET = "webhook-secret_for-tests-0123456789"
# No pacing and short backoffs, so a whole conversation takes a second, not a minute.
FAST = TelegramOptions(
    overall_per_second=None,
    chat_pace=None,
    retry=RetryPolicy(first_backoff=0.01, max_backoff=0.05),
    poll_timeout=1,
    drain_seconds=5,
)
SETTLE_SECONDS = 15.0


class Harness:
    """The app with Telegram installed; `deliver` hands over an update as Telegram would."""

    def __init__(self, mode: Mode, app: FastAPI, channel: TelegramChannel, fake: FakeBotApi,
                 client: httpx.AsyncClient) -> None:
        self.mode = mode
        self.app = app
        self.channel = channel
        self.fake = fake
        self.client = client

    async def post(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET
                   ) -> httpx.Response:
        """POST an update to the webhook route as Telegram does, secret header unless None,
        and like Telegram run the Bot API method the answer may carry."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(WEBHOOK_PATH, json=update, headers=headers)
        if response.status_code == 200 and response.content:
            params = dict(response.json())
            method = params.pop("method")
            async with httpx.AsyncClient() as telegram:
                await telegram.post(f"{self.fake.base_url}{self.fake.token}/{method}",
                                    json=params)
        return response

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand over one update and wait until its replies are sent."""
        if self.mode == "webhook":
            response = await self.post(update)
            assert response.status_code == 200, response.text
        else:
            self.fake.push_update(update)
            await self.fake.wait_for_async(lambda: self.fake.pending_update_count == 0,
                                           timeout=SETTLE_SECONDS)
        await self.settle()

    async def settle(self) -> None:
        """Wait until no parked turn is left to run and nothing is being sent."""
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while not self.channel.parking.idle():
            assert asyncio.get_running_loop().time() < deadline, "parked turns did not run"
            await asyncio.sleep(0.005)
        assert await self.channel.sending.wait_idle(SETTLE_SECONDS)


@asynccontextmanager
async def running(runtime: Runtime, mode: Mode, fake: FakeBotApi,
                  options: TelegramOptions = FAST) -> AsyncIterator[Harness]:
    """The app started (its lifespan run) with Telegram in `mode`, stopped afterwards."""
    app = create_app(runtime)
    channel = install_telegram(app, runtime, polling=mode == "polling", options=options)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://vertelpunt.test") as client,
    ):
        harness = Harness(mode, app, channel, fake, client)
        await harness.settle()
        yield harness


class Resident:
    """One person in a private chat, pressing the buttons of the messages they really got."""

    def __init__(self, harness: Harness, updates: UpdateFactory,
                 user: dict[str, Any] | None = None) -> None:
        self.harness = harness
        self.updates = updates
        self.user = user or updates.default_user
        self.chat_id: int = self.user["id"]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The bot's messages in this chat, edits applied."""
        return self.harness.fake.sent_messages(self.chat_id)

    async def text(self, text: str, **kwargs: Any) -> None:
        await self.harness.deliver(self.updates.text(text, user=self.user, **kwargs))

    async def command(self, name: str, payload: str | None = None) -> None:
        await self.harness.deliver(self.updates.command(name, payload, user=self.user))

    def button(self, choice_id: str) -> tuple[dict[str, Any], str]:
        """The newest message with a button for `choice_id`, and that button's data."""
        for message in reversed(self.messages):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                if button["callback_data"].split(":", 1)[1] == choice_id:
                    return message, button["callback_data"]
        raise AssertionError(f"no button {choice_id!r} in the chat")

    def press_update(self, choice_id: str, **kwargs: Any) -> dict[str, Any]:
        """The callback query Telegram sends when the resident presses that button."""
        message, data = self.button(choice_id)
        return self.updates.callback_query(data, message=message, user=self.user, **kwargs)

    async def press(self, choice_id: str) -> None:
        await self.harness.deliver(self.press_update(choice_id))

    async def step(self, kind: str, value: str) -> None:
        """One step of a script from tests.scripts."""
        if kind == "choice":
            await self.press(value)
        elif kind == "command":
            name, _, payload = value.lstrip("/").partition(" ")
            await self.command(name, payload or None)
        else:
            await self.text(value)
