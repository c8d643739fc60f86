"""The Telegram channel: an update in, one turn committed, replies sent after commit."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.channels.messages import InboundMessage, SentQuestion
from bot.channels.telegram.client import TelegramOptions
from bot.channels.telegram.menu import set_command_menus
from bot.channels.telegram.pace import Pacer
from bot.channels.telegram.reading import UnreadableUpdate, log_dropped, update_from_body
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import (
    CHANNEL,
    Acknowledge,
    Blocked,
    Ignored,
    NotPrivate,
    Turn,
    read_update,
)
from bot.parking import Parking
from bot.runtime import Runtime
from bot.send_loop import SendLoop, TurnLoad, loop_options

log = logging.getLogger(__name__)
TURN_THREADS = 4
PARK_AT = 2 * TURN_THREADS


class TelegramChannel:
    """Webhook and polling share this: they differ only in how updates arrive."""

    def __init__(self, runtime: Runtime, bot: Bot, options: TelegramOptions | None = None) -> None:
        self.runtime = runtime
        self.bot = bot
        self.options = options or TelegramOptions()
        pacer = Pacer(self.options.chat_pace, self.options.overall_per_second)
        self.sender = TelegramSender(bot, self._sent_question, pacer, self.options.retry)
        # Turns run in a few threads of their own: enough to overlap the database's round
        # trips, few enough that threads do not spend the process's time handing the GIL on.
        self._turns = ThreadPoolExecutor(TURN_THREADS, thread_name_prefix="telegram-turn")
        retry = self.options.retry
        # More turns under way than threads: replies step aside until they caught up.
        self.load = TurnLoad(behind_at=TURN_THREADS)
        self.sending = SendLoop(runtime.service, {CHANNEL: self.sender}, loop_options(
            runtime.settings, self.options.drain_seconds, retry.first_backoff, retry.max_backoff),
            load=self.load)
        # Twice as many turns under way as threads (a burst: residents answering the same
        # question at once): a webhook's update is parked, answered, and run in its turn.
        # Parking costs a transaction, so at one turn waiting per thread it does not pay.
        self.parking = Parking(runtime.service.records, CHANNEL, self._run_parked, self.load,
                               busy_at=PARK_AT, orphan_after=runtime.settings.send_lease_seconds)

    async def start(self) -> None:
        """Connect, set the command menus, and start sending (what a crash left first)."""
        await self.bot.initialize()
        # Invites link to this bot; Telegram knows its name when the settings do not.
        self.runtime.service.staff.know_telegram_username(self.bot.username)
        texts = self.runtime.texts
        await set_command_menus(self.bot, texts, self.runtime.form.default_language)
        await self.sending.start()
        await self.parking.start()

    async def stop(self) -> None:
        """Let parked turns and sends under way finish (briefly), then disconnect."""
        await self.parking.stop(self.options.drain_seconds)
        await self.sending.stop()
        await self.bot.shutdown()

    def parse(self, data: dict[str, Any]) -> Update:
        """An update's JSON as PTB's Update (raises on a malformed one)."""
        update = Update.de_json(_without_unread_parts(data), self.bot)
        if update is None:
            raise ValueError("not an update")
        return update

    async def receive(self, update: Update, body: bytes | None = None) -> str | None:
        """Handle one update up to commit, or, given its `body` (a webhook's), up to parked
        when the turns are behind (bot/parking.py); raising means: not handled. Returns the
        id of a pressed button's callback query for the caller to answer."""
        # The webhook answers the press in its reply (one call fewer), polling by a call.
        # A redelivered press is answered again: the first answer may have been lost with it.
        match read_update(update):
            case Turn(inbound=inbound, callback_query_id=query_id):
                participant_id = self.runtime.service.participant_id(CHANNEL, inbound.user_id)
                if body is not None and self.parking.wanted(participant_id):
                    await self.parking.park(str(update.update_id), participant_id, body,
                                            partial(self._turn, inbound))
                else:
                    await self._turn(inbound)
                return query_id
            case Acknowledge(callback_query_id=query_id):
                return query_id
            case NotPrivate(chat_id=chat_id, language=language):
                self.sending.later(self._private_only(chat_id, language))
            case Blocked(user_id=user_id):
                await asyncio.to_thread(self._forget_address, user_id)
            case Ignored():
                pass
        return None

    async def _turn(self, inbound: InboundMessage) -> None:
        service = self.runtime.service
        prepared = await service.intake.prepare(inbound)
        if prepared is None:  # held by an intake step, which runs the turn later
            return
        with self.load.turn():
            queued = await asyncio.get_running_loop().run_in_executor(
                self._turns, service.handle, prepared)
        if queued is not None:  # None: delivered before, handled then
            self.sending.take(queued)

    async def _run_parked(self, body: bytes) -> None:
        """The turn of a parked update (bot/parking.py)."""
        try:
            update = update_from_body(body, self.parse)
        except UnreadableUpdate as error:  # it was read when it was parked
            log_dropped(error)
            return
        match read_update(update):
            case Turn(inbound=inbound):
                await self._turn(inbound)
            case _:
                pass

    async def _private_only(self, chat_id: int, language: str | None) -> None:
        lang = self.runtime.service.first_language(language)
        try:
            await self.sender.send_text(str(chat_id),
                                        self.runtime.texts.get("private_only", lang))
        except TelegramError as error:
            log.info("telegram: group reply not sent (%s)", type(error).__name__)

    def _forget_address(self, user_id: str) -> None:
        service = self.runtime.service
        service.records.forget_address(service.participant_id(CHANNEL, user_id), CHANNEL)

    async def _sent_question(self, participant_id: str, token: str) -> SentQuestion | None:
        # Sent by this loop lately (the common case: no query), else from the outbox.
        sent = self.sending.sent_question(participant_id, CHANNEL, token)
        if sent is not None:
            return sent
        return await asyncio.to_thread(self.runtime.service.records.sent_question,
                                       participant_id, CHANNEL, token)


# Of the message a pressed button sits on only the chat is read; its text and keyboard, the
# bulk of such an update, are left out before parsing (parsing them cost more than the turn).
_PRESSED_MESSAGE_KEYS = ("message_id", "date", "chat")


def _without_unread_parts(data: dict[str, Any]) -> dict[str, Any]:
    query = data.get("callback_query")
    if not isinstance(query, dict) or not isinstance(query.get("message"), dict):
        return data
    message = {key: query["message"][key] for key in _PRESSED_MESSAGE_KEYS
               if key in query["message"]}
    return {**data, "callback_query": {**query, "message": message}}
