"""Long polling (getUpdates), for a pilot without a public address."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import TelegramError

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.reading import (
    UnreadableUpdate,
    log_dropped,
    update_from_json,
    update_id_of,
)
from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.health import Health

log = logging.getLogger(__name__)
LOOP_NAME = "telegram-polling"
# Seconds a long poll may take beyond its own timeout before the read gives up.
READ_MARGIN = 10.0


class Poller:
    """Fetches updates and hands them to the channel; an update is confirmed once handled."""

    def __init__(self, channel: TelegramChannel, health: Health | None = None) -> None:
        self.channel = channel
        self.health = health or Health()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Stop any webhook (Telegram refuses getUpdates while one is set) and start polling."""
        await self.channel.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self.run(), name=LOOP_NAME)
        self.health.watch(LOOP_NAME, self._task)
        log.info("telegram: polling for updates")

    async def stop(self) -> None:
        """End the long poll; updates fetched but not handled come again next time."""
        self.health.forget(LOOP_NAME)
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
                fetched = await self._fetch(offset)
                await self._handle(self._readable(fetched))
            # Anything else too: the loop must outlive a fault it did not foresee.
            except Exception as error:
                log.warning("telegram: polling failed (%s)", type(error).__name__)
                await asyncio.sleep(retry.backoff(failures))
                failures += 1
                continue
            failures = 0
            ids = [i for i in map(update_id_of, fetched) if i is not None]
            if ids:
                # Confirms these, unreadable ones too (and drops nothing else): ids need not
                # increase one by one.
                offset = max(ids) + 1

    async def _fetch(self, offset: int | None) -> list[object]:
        """One long poll, the updates as raw JSON.

        Not `Bot.get_updates`: it parses the whole batch at once, so one update it cannot
        parse fails the batch, again on every poll, and it logs that update's content.
        """
        timeout = self.channel.options.poll_timeout
        params = {"offset": offset, "timeout": timeout, "allowed_updates": list(ALLOWED_UPDATES)}
        # `_post` is PTB's own route to the API (getUpdates on its own connection); the
        # public `do_api_request` warns for methods the Bot has.
        result = await self.channel.bot._post(
            "getUpdates", params, read_timeout=timeout + READ_MARGIN)
        if not isinstance(result, list):
            raise TelegramError("getUpdates answered no list")
        return result

    def _readable(self, fetched: list[object]) -> list[Update]:
        """The updates we can read; the others are logged (by id only) and skipped."""
        updates = []
        for data in fetched:
            try:
                updates.append(update_from_json(data, self.channel.parse))
            except UnreadableUpdate as error:
                log_dropped(error)
        return updates

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
                self.channel.sending.later(self.channel.sender.acknowledge(query_id))


class HandlingFailed(Exception):
    """An update of the batch could not be handled (the database was down, say)."""
