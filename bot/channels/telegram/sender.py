"""Sends one queued reply to Telegram: a new message, a redrawn keyboard, a closed question,
or a file (a document, or a photo such as an invite's QR code)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, InputFile, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels.messages import (
    Answered,
    File,
    Payload,
    Question,
    QueuedMessage,
    SentQuestion,
    Speech,
)
from bot.channels.telegram.client import CONNECTIONS, RetryPolicy
from bot.channels.telegram.pace import Pacer
from bot.channels.telegram.render import (
    Draft,
    TelegramRenderer,
    answered_text,
    keyboard,
    message_texts,
)
from bot.outbox import SendResult
from bot.voice.speaker import Speaker

log = logging.getLogger(__name__)

T = TypeVar("T")
# Telegram allows 1,024 characters in a photo's or document's caption.
MAX_CAPTION = 1024
QuestionLookup = Callable[[str, str], Awaitable[SentQuestion | None]]
"""(participant id, token) -> the sent message that asked that question, if any."""
# Replies, edits and redraws need no more of Telegram's answer than a sent message's id, so
# they go through Bot.do_api_request, which hands the answer back as JSON: Bot.send_message
# would build a Message (chat, sender, keyboard, ...) for each, a tenth of the CPU of a process
# that serves and sends. PTB warns that these endpoints have methods of their own.
RAW_ENDPOINTS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
warnings.filterwarnings("ignore", message=rf"Please use 'Bot\.({'|'.join(RAW_ENDPOINTS)})'",
                        category=PTBUserWarning)


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after is an int, or a timedelta when PTB_TIMEDELTA is set."""
    with warnings.catch_warnings():
        # Without PTB_TIMEDELTA PTB warns that the int becomes a timedelta; both are handled.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait)


def not_modified(error: BadRequest) -> bool:
    """The edit asked for what the message already shows (a double press): nothing to do."""
    return "not modified" in error.message.lower()


class TelegramSender:
    """Implements `bot.outbox.ChannelSender` for Telegram."""

    # The Bot API never reports what it accepted: a row whose send a crash left in doubt
    # is sent again (at least once).
    confirm_seconds = 0.0

    def __init__(
        self, bot: Bot, questions: QuestionLookup, pacer: Pacer, retry: RetryPolicy,
        speaker: Speaker | None = None,
    ) -> None:
        self.bot = bot
        self.speaker = speaker or Speaker()
        self._questions = questions
        self._pacer = pacer
        self._retry = retry
        self._renderer = TelegramRenderer()
        # At most as many calls in flight as the transport keeps connections: the others
        # wait here, in order, rather than in the transport's pool.
        self._in_flight = asyncio.Semaphore(CONNECTIONS)

    async def send(self, item: QueuedMessage) -> SendResult:
        """Send one outbox row; `retry` leaves it pending for the next start."""
        payload = item.payload
        try:
            if isinstance(payload, Question) and payload.redraw:
                return await self._redraw(item, payload)
            if isinstance(payload, Answered):
                return await self._close(item, payload)
            if isinstance(payload, File):
                return await self._file(item.address, payload)
            if isinstance(payload, Speech):
                return await self._voice(item.address, payload)
            return await self._new_message(item.address, self._renderer.render(payload))
        except Forbidden:
            log.info("telegram: a resident blocked the bot; marked unreachable")
            return SendResult("unreachable")
        except BadRequest as error:  # before NetworkError: PTB derives it from that
            log.warning("telegram: %s refused: %s", _kind(payload), _reason(error))
            return SendResult("failed")
        except (RetryAfter, NetworkError) as error:
            log.warning("telegram: %s still failing after retries (%s)", _kind(payload),
                        type(error).__name__)
            return SendResult("retry")
        except TelegramError as error:
            log.warning("telegram: %s failed (%s)", _kind(payload), type(error).__name__)
            return SendResult("failed")

    async def send_text(self, chat: str, text: str) -> Message:
        """A plain message outside the outbox (the reply in a group)."""
        return await self._call(chat, partial(self.bot.send_message, int(chat), text))

    async def acknowledge(self, callback_query_id: str) -> None:
        """Stop a pressed button's spinner; a late or repeated answer is harmless."""
        try:
            await self.bot.answer_callback_query(callback_query_id)
        except TelegramError as error:
            log.info("telegram: callback answer refused (%s)", type(error).__name__)

    async def _new_message(self, chat: str, drafts: list[Draft]) -> SendResult:
        sent: Any = None
        for draft in drafts:
            sent = await self._api(chat, "sendMessage", chat_id=int(chat), text=draft.text,
                                   reply_markup=draft.markup)
        return SendResult("sent", str(sent["message_id"]) if sent else None)

    async def _file(self, chat: str, payload: File) -> SendResult:
        """A file, with its caption."""
        upload = InputFile(payload.data, filename=payload.filename)
        caption = payload.caption[:MAX_CAPTION] or None
        method = self.bot.send_photo if payload.kind == "photo" else self.bot.send_document
        sent = await self._call(chat, partial(method, int(chat), upload, caption=caption))
        return SendResult("sent", str(sent.message_id))

    async def _voice(self, chat: str, payload: Speech) -> SendResult:
        """Listen mode: the text as a voice note (sendVoice, OGG/Opus)."""
        audio = await asyncio.to_thread(self.speaker.voice_note, payload.text,
                                        payload.language or "nl", payload.private)
        upload = InputFile(audio, filename="vertelpunt.ogg")
        sent = await self._call(chat, partial(self.bot.send_voice, int(chat), upload))
        return SendResult("sent", str(sent.message_id))

    async def _redraw(self, item: QueuedMessage, payload: Question) -> SendResult:
        """A multiple-choice toggle: the same message, its check marks changed."""
        question = await self._question(item, payload.token)
        if question is None:
            return SendResult("failed")
        return await self._edit(
            item.address, "editMessageReplyMarkup", question.platform_message_id,
            reply_markup=keyboard(payload),
        )

    async def _close(self, item: QueuedMessage, payload: Answered) -> SendResult:
        """An answered question: show the answer under it and take its keyboard away."""
        question = payload.sent or await self._question(item, payload.token)
        if question is None:
            return SendResult("failed")
        text = answered_text(message_texts(question.question)[-1], payload.text)
        # Without reply_markup the edit removes the inline keyboard.
        return await self._edit(item.address, "editMessageText", question.platform_message_id,
                                text=text)

    async def _question(self, item: QueuedMessage, token: str | None) -> SentQuestion | None:
        question = await self._questions(item.participant_id, token) if token else None
        if question is None:
            log.debug("telegram: no sent message for the question to edit")
        return question

    async def _edit(
        self, chat: str, endpoint: str, message_id: str, **arguments: object
    ) -> SendResult:
        try:
            await self._api(chat, endpoint, chat_id=int(chat), message_id=int(message_id),
                            **arguments)
        except BadRequest as error:
            if not not_modified(error):
                raise
        return SendResult("sent", message_id)

    async def _api(self, chat: str, endpoint: str, **arguments: object) -> Any:
        """One call of the RAW_ENDPOINTS; Telegram's answer as JSON."""
        return await self._call(chat, partial(self.bot.do_api_request, endpoint, arguments))

    async def _call(self, chat: str, call: Callable[[], Awaitable[T]]) -> T:
        """One API call to a chat, paced; flood control and network errors are retried."""
        attempts = self._retry.attempts
        for attempt in range(attempts):
            await self._pacer.pace(chat)
            try:
                async with self._in_flight:
                    return await call()
            except RetryAfter as error:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(min(retry_seconds(error), self._retry.max_retry_after))
            except BadRequest:
                raise
            except NetworkError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(self._retry.backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")


def _kind(payload: Payload) -> str:
    """What was being sent, for the log (never its content)."""
    if isinstance(payload, Question):
        return "update" if payload.redraw else "message"
    if isinstance(payload, File):
        return payload.kind
    if isinstance(payload, Speech):
        return "voice note"
    return "answered" if isinstance(payload, Answered) else "message"


def _reason(error: BadRequest) -> str:
    """Telegram's reason for a refusal; its descriptions never quote the message or chat."""
    return error.message[:120]
