"""The WhatsApp channel at work: a checked webhook body in, turns run, replies sent after commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import httpx
from pywa_async.client import WhatsApp

from bot.channel_records import Recipient
from bot.channels.whatsapp.inbound import CHANNEL, inbound_message
from bot.channels.whatsapp.sender import RETRY_DELAYS, WhatsAppSender
from bot.channels.whatsapp.statuses import StatusRecorder
from bot.channels.whatsapp.templates import RESUME
from bot.channels.whatsapp.updates import MessageUpdate, StatusUpdate, WebhookBody
from bot.channels.whatsapp.window import WindowTracker
from bot.runtime import Runtime
from bot.send_loop import SendLoop, loop_options

log = logging.getLogger(__name__)


class WhatsAppChannel:
    """Everything the webhook needs; kept on `app.state.whatsapp` for the scheduler too."""

    def __init__(
        self,
        runtime: Runtime,
        wa: WhatsApp,
        session: httpx.AsyncClient,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.runtime = runtime
        self.wa = wa
        self.phone_id = str(wa.phone_id)
        self._session = session
        service = runtime.service
        self.window = WindowTracker(service.records.last_inbound_at, service.clock)
        self.sender = WhatsAppSender(
            wa, runtime.texts, self.window, service.records.pending_step, retry_delays,
            confirm_seconds=runtime.settings.whatsapp_confirm_seconds)
        self.sending = SendLoop(service, {CHANNEL: self.sender},
                                loop_options(runtime.settings, first_backoff=retry_delays[0]
                                             if retry_delays else 1.0))
        self.statuses = StatusRecorder(service.records)

    async def process(self, body: WebhookBody) -> None:
        """Handle every update of one delivery in order; raises when one could not be stored."""
        for update in body.updates:
            if isinstance(update, MessageUpdate):
                await self._message(update)
            elif isinstance(update, StatusUpdate):
                await self._status(update)

    async def _message(self, update: MessageUpdate) -> None:
        found = inbound_message(update)
        service = self.runtime.service
        inbound = None if found is None else await service.intake.prepare(found)
        if inbound is None:  # nothing to do, or held by an intake step
            return
        queued = await asyncio.to_thread(service.handle, inbound)
        if queued is None:
            log.debug("whatsapp duplicate message ignored")
            return
        self.window.seen(service.participant_id(CHANNEL, inbound.user_id), service.clock())
        self.sending.take(queued)

    async def _status(self, update: StatusUpdate) -> None:
        recipient = await asyncio.to_thread(self.statuses.record, update)
        if recipient is not None:
            self._ask_back(recipient)

    def _ask_back(self, recipient: Recipient) -> None:
        """Meta refused a message because the window had closed: invite by template instead."""
        self.window.closed(recipient.participant_id)
        if not self.window.claim_invitation(recipient.participant_id):
            return

        async def invite() -> None:
            await self.sender.send_template(RESUME, recipient.address, recipient.language)

        self.sending.run_for((CHANNEL, recipient.participant_id), invite)

    async def startup(self) -> None:
        """Start sending, first what a crash or an earlier run left unsent (not what a
        running process still sends: see storage/send_queue.py)."""
        await self.sending.start()

    async def shutdown(self) -> None:
        """Finish sending, then close the HTTP client."""
        await self.sending.stop()
        await self._session.aclose()
