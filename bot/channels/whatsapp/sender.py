"""Sends outbox rows through the Cloud API; outside the 24-hour window only templates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TypeVar

import httpx
from pywa_async.client import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.types import templates as t
from pywa_async.types.callback import Button, Section, SectionList, SectionRow

from bot.channels.messages import QueuedMessage, Speech
from bot.channels.whatsapp.graph import CONNECTIONS
from bot.channels.whatsapp.render import ROW_TITLE_MAX, Rendered, WhatsAppRenderer
from bot.channels.whatsapp.templates import CHECKIN, RESUME, template
from bot.channels.whatsapp.tracker import tracker_for
from bot.channels.whatsapp.window import WindowTracker, classify
from bot.outbox import SendResult
from bot.voice.speaker import Speaker
from flows.texts import Texts

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.5, 2.0)
# Graph calls in flight at once: as many as the client keeps connections.
CALLS_IN_FLIGHT = CONNECTIONS
T = TypeVar("T")
# A follow-up waiting to be answered: invite with the check-in template, not "continue".
CHECKIN_STEPS = frozenset({"checkin", "checkin_story"})


class WhatsAppSender:
    """A `ChannelSender` for WhatsApp: renders within the limits, retries, reads errors."""

    def __init__(
        self,
        wa: WhatsApp,
        texts: Texts,
        window: WindowTracker,
        pending_step: Callable[[str], str | None],
        retry_delays: Sequence[float] = RETRY_DELAYS,
        speaker: Speaker | None = None,
        confirm_seconds: float = 10.0,
    ) -> None:
        self.wa = wa
        # Meta reports every accepted message in a status webhook that names its row
        # (bot/channels/whatsapp/tracker.py): a row in doubt waits this long for it.
        self.confirm_seconds = confirm_seconds
        self.speaker = speaker or Speaker()
        self.texts = texts
        self.window = window
        self._renderer = WhatsAppRenderer(texts)
        self._pending_step = pending_step
        self.retry_delays = tuple(retry_delays)
        # At most as many Graph calls in flight as the client keeps connections: the others
        # wait here, in order, rather than in the transport's pool.
        self._in_flight = asyncio.Semaphore(CALLS_IN_FLIGHT)

    async def send(self, item: QueuedMessage) -> SendResult:
        """Send one outbox row (one or more WhatsApp messages); the last message's id is kept."""
        if isinstance(item.payload, Speech):
            return await self._voice(item, item.payload)
        messages = self._renderer.render(item.payload)
        if not messages:
            return SendResult("sent")
        if not await self.window.is_open(item.participant_id):
            return await self._outside_window(item)
        wamid: str | None = None
        try:
            for part, message in enumerate(messages, 1):
                tracker = tracker_for(item.outbox_id, part, len(messages))
                wamid = await self._attempt(partial(self._post, item.address, message, tracker))
        except WhatsAppError as error:
            return await self._refused(item, error.code)
        except httpx.HTTPError as error:
            log.warning("whatsapp outbox %s not sent: %s", item.outbox_id, type(error).__name__)
            return SendResult("retry")
        log.debug("whatsapp outbox %s sent", item.outbox_id)
        return SendResult("sent", wamid)

    async def send_checkin_invitation(self, address: str, language: str | None) -> SendResult:
        """The check-in template ("How is it going now?"), whatever the window."""
        return await self.send_template(CHECKIN, address, language)

    async def send_template(
        self, key: str, address: str, language: str | None, tracker: str | None = None
    ) -> SendResult:
        """Send a shipped template in the resident's language (Dutch when it has none);
        `tracker` comes back in its status webhooks."""
        definition = template(key)
        code = definition.language_of(language)
        try:
            sent = await self._attempt(lambda: self.wa.send_template(
                to=address, name=definition.name, language=t.TemplateLanguage(code),
                params=definition.send_params(), tracker=tracker,
            ))
        except WhatsAppError as error:
            log.warning("whatsapp template %s not sent: code %s", definition.name, error.code)
            return self._give_up(error.code)
        except httpx.HTTPError as error:
            log.warning("whatsapp template %s not sent: %s", definition.name,
                        type(error).__name__)
            return SendResult("retry")
        return SendResult("sent", sent.id)

    async def _voice(self, item: QueuedMessage, payload: Speech) -> SendResult:
        """Listen mode: the text as a voice note (uploaded OGG/Opus, sent as audio)."""
        if not await self.window.is_open(item.participant_id):
            return await self._outside_window(item)
        audio = await asyncio.to_thread(self.speaker.voice_note, payload.text,
                                        payload.language or "nl", payload.private)
        try:
            sent = await self._attempt(partial(
                self.wa.send_audio, to=item.address, audio=audio, mime_type="audio/ogg",
                is_voice=True, tracker=tracker_for(item.outbox_id, 1, 1)))
        except WhatsAppError as error:
            log.warning("whatsapp: voice note refused (%s)", type(error).__name__)
            return SendResult("failed")
        return SendResult("sent", sent.id)

    async def _post(self, to: str, message: Rendered, tracker: str) -> str:
        if message.buttons:
            buttons = [Button(title=b.title, callback_data=b.id) for b in message.buttons]
            return (await self.wa.send_message(to=to, text=message.text, buttons=buttons,
                                               tracker=tracker)).id
        if message.rows:
            label = message.list_button or "…"
            rows = [SectionRow(title=r.title, callback_data=r.id, description=r.description)
                    for r in message.rows]
            sections = SectionList(button_title=label,
                                   sections=[Section(title=label[:ROW_TITLE_MAX], rows=rows)])
            return (await self.wa.send_message(to=to, text=message.text, buttons=sections,
                                               tracker=tracker)).id
        return (await self.wa.send_message(to=to, text=message.text, tracker=tracker)).id

    async def _attempt(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run a Graph call, again after a pause when Meta throttles or hiccups."""
        for delay in self.retry_delays:
            try:
                async with self._in_flight:
                    return await call()
            except WhatsAppError as error:
                if classify(error.code) != "retry":
                    raise
            except httpx.TransportError:
                pass
            await asyncio.sleep(delay)
        async with self._in_flight:
            return await call()

    async def _outside_window(self, item: QueuedMessage) -> SendResult:
        if not self.window.claim_invitation(item.participant_id):
            # One invitation per closed window; the engine shows the waiting question anyway
            # when the resident taps it, so this row need not be sent later.
            return SendResult("failed")
        step = await asyncio.to_thread(self._pending_step, item.participant_id)
        key = CHECKIN if step in CHECKIN_STEPS else RESUME
        return await self.send_template(key, item.address, item.payload.language,
                                        tracker_for(item.outbox_id, 1, 1))

    async def _refused(self, item: QueuedMessage, code: int | None) -> SendResult:
        if classify(code) == "window":
            self.window.closed(item.participant_id)
            return await self._outside_window(item)
        log.warning("whatsapp outbox %s refused: code %s", item.outbox_id, code)
        return self._give_up(code)

    def _give_up(self, code: int | None) -> SendResult:
        # Recording "unreachable" (our delivery or the check-in dispatcher does) makes the
        # service forget the address and stop the check-ins: no need to do it here as well.
        failure = classify(code)
        if failure == "unreachable":
            return SendResult("unreachable")
        if failure == "retry":
            return SendResult("retry")
        return SendResult("failed")

