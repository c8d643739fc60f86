"""The Telegram channel: an update in, one turn committed, replies sent after commit."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.channels.messages import InboundMessage, SentQuestion
from bot.channels.telegram.client import TelegramOptions
from bot.channels.telegram.delivery import Delivery
from bot.channels.telegram.menu import set_command_menus
from bot.channels.telegram.pace import Pacer
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
from bot.marks import SentMarks
from bot.runtime import Runtime

log = logging.getLogger(__name__)
TURN_THREADS = 4


class TelegramChannel:
    """Webhook and polling share this: they differ only in how updates arrive."""

    def __init__(self, runtime: Runtime, bot: Bot, options: TelegramOptions | None = None) -> None:
        self.runtime = runtime
        self.bot = bot
        self.options = options or TelegramOptions()
        pacer = Pacer(self.options.chat_pace, self.options.overall_per_second)
        self.sender = TelegramSender(bot, self._sent_question, pacer, self.options.retry)
        self.marks = SentMarks(runtime.service)
        # Turns run in a few threads of their own: enough to overlap the database's round
        # trips, few enough that threads do not spend the process's time handing the GIL on.
        self._turns = ThreadPoolExecutor(TURN_THREADS, thread_name_prefix="telegram-turn")
        self.delivery = Delivery(runtime.service.records, self.sender, self.marks)
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, set the command menus, and send what a crash left unsent."""
        await self.bot.initialize()
        # Invites link to this bot; Telegram knows its name when the settings do not.
        self.runtime.service.staff.know_telegram_username(self.bot.username)
        texts = self.runtime.texts
        await set_command_menus(self.bot, texts, self.runtime.form.default_language)
        # A new sender for this run: replies queued from now on are this process's to send,
        # and those of a process that is gone (a crash, the previous run) are claimed here.
        await asyncio.to_thread(self.runtime.service.begin_sending)
        self.delivery.later(self.send_orphans())
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def send_orphans(self) -> int:
        """Claim and send the replies whose process is gone, 500 at a time, until none is
        left; returns how many were claimed."""
        claimed = 0
        while rows := await asyncio.to_thread(self.runtime.service.claim_orphans, CHANNEL):
            claimed += len(rows)
            await asyncio.gather(*self.delivery.enqueue(rows), return_exceptions=True)
        return claimed

    async def sweep(self) -> int:
        """Send what is still pending and not under way here: replies of a process that
        stopped since, and this process's own replies still pending a while after they were
        queued (sending kept failing: Telegram unreachable for a while). Returns how many
        rows were handed to delivery."""
        service = self.runtime.service
        await asyncio.to_thread(service.renew_lease)
        # Held before the reads too: a row sent while they ran may not be marked yet.
        held_before = self.delivery.held()
        orphans = await asyncio.to_thread(service.claim_orphans, CHANNEL)
        cutoff = service.clock() - timedelta(seconds=self.options.orphan_seconds)
        mine = await asyncio.to_thread(service.unsent, CHANNEL, cutoff, True)
        again = [row for row in [*orphans, *mine]
                 if row.outbox_id not in held_before and not self.delivery.holds(row.outbox_id)]
        if again:
            log.info("telegram: sending %d pending replies again", len(again))
            self.delivery.enqueue(again)
        return len(again)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.options.sweep_seconds)
            try:
                await self.sweep()
            except Exception as error:  # the next sweep tries again
                log.error("telegram: sweeping pending replies failed (%s)", type(error).__name__)

    async def stop(self) -> None:
        """Let sends under way finish (briefly), then disconnect."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        await self.delivery.drain(self.options.drain_seconds)
        await asyncio.to_thread(self.marks.close, self.options.drain_seconds)
        # What is still pending is another process's to send from here on.
        await asyncio.to_thread(self.runtime.service.end_sending)
        await self.bot.shutdown()

    def parse(self, data: dict[str, Any]) -> Update:
        """An update's JSON as PTB's Update (raises on a malformed one)."""
        update = Update.de_json(_without_unread_parts(data), self.bot)
        if update is None:
            raise ValueError("not an update")
        return update

    async def receive(self, update: Update) -> str | None:
        """Handle one update up to commit (raising means: not handled); returns the id of a
        pressed button's callback query for the caller to answer."""
        # The webhook answers the press in its reply (one call fewer), polling by a call.
        # A redelivered press is answered again: the first answer may have been lost with it.
        match read_update(update):
            case Turn(inbound=inbound, callback_query_id=query_id):
                await self._turn(inbound)
                return query_id
            case Acknowledge(callback_query_id=query_id):
                return query_id
            case NotPrivate(chat_id=chat_id, language=language):
                self.delivery.later(self._private_only(chat_id, language))
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
        queued = await asyncio.get_running_loop().run_in_executor(
            self._turns, service.handle, prepared)
        if queued is not None:  # None: delivered before, handled then
            self.delivery.enqueue(queued)

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
