"""Long polling (getUpdates), for a pilot without a public address."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import TelegramError

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)


class Poller:
    """Fetches updates and hands them to the channel; an update is confirmed once handled."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Stop any webhook (Telegram refuses getUpdates while one is set) and start polling."""
        await self.channel.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self.run(), name="telegram-polling")
        log.info("telegram: polling for updates")

    async def stop(self) -> None:
        """End the long poll; updates fetched but not handled come again next time."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run(self) -> None:
        """Poll until cancelled; failures wait (doubling, capped) and try again."""
        offset: int | None = None
        failures = 0
        retry = self.channel.options.retry
        while True:
            try:
                updates = await self.channel.bot.get_updates(
                    offset=offset,
                    timeout=self.channel.options.poll_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
                await self._handle(updates)
            except (TelegramError, HandlingFailed) as error:
                log.warning("telegram: polling failed (%s)", type(error).__name__)
                await asyncio.sleep(retry.backoff(failures))
                failures += 1
                continue
            failures = 0
            if updates:
                # Confirms these (and drops nothing else): ids need not increase one by one.
                offset = max(u.update_id for u in updates) + 1

    async def _handle(self, updates: Sequence[Update]) -> None:
        """Chats side by side, each chat's updates in order; any failure fails the batch."""
        # A failed batch is fetched again; the update ids already handled are skipped by the
        # service, so that is safe.
        chats: dict[int | None, list[Update]] = {}
        for update in updates:
            chat = update.effective_chat
            chats.setdefault(chat.id if chat else None, []).append(update)
        outcomes = await asyncio.gather(
            *(self._in_order(batch) for batch in chats.values()), return_exceptions=True
        )
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        if failed:
            log.debug("telegram: update failed", exc_info=failed[0])
            raise HandlingFailed(type(failed[0]).__name__)

    async def _in_order(self, updates: list[Update]) -> None:
        for update in updates:
            query_id = await self.channel.receive(update)
            if query_id is not None:
                self.channel.delivery.later(self.channel.sender.acknowledge(query_id))


class HandlingFailed(Exception):
    """An update of the batch could not be handled (the database was down, say)."""
