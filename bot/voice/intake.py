"""The intake step for voice notes: store a transcription job (no audio) and hold the message;
a worker runs its turn once the words are there. The platform gets its answer at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.channels.messages import InboundMessage, QueuedMessage, Text, VoiceNote
from bot.intake import Held
from bot.service import ConversationService
from storage import transcriptions, turns
from storage.transcriptions import NewJob

# With this many voice notes waiting, a new one first gets "one moment".
BUSY_AFTER = 2
Deliver = Callable[[list[QueuedMessage]], Awaitable[None]]


class VoiceIntake:
    """Stores transcription jobs in their own short transaction, outside any turn."""

    def __init__(self, service: ConversationService, busy_after: int = BUSY_AFTER) -> None:
        self.service = service
        self.busy_after = busy_after
        # How replies of this step ("one moment") go out, by channel; set as channels start.
        self.deliver: dict[str, Deliver] = {}

    async def __call__(self, message: InboundMessage) -> InboundMessage | Held:
        """A voice note becomes a job and is held; anything else goes on as it came."""
        if message.voice is None:
            return message
        queued = await asyncio.to_thread(self.accept, message, message.voice)
        deliver = self.deliver.get(message.channel)
        if queued and deliver is not None:
            await deliver(queued)
        return Held("transcribing")

    def accept(self, message: InboundMessage, note: VoiceNote) -> list[QueuedMessage]:
        """One job per update (a redelivery stores nothing); the job holds the file
        reference and the encrypted reply address, never the audio. Returns the replies to
        send now: "one moment" when many voice notes wait."""
        service = self.service
        pid = service.participant_id(message.channel, message.user_id)
        now = service.clock()
        update = None if message.update_id is None else (message.channel, message.update_id)
        with service.db.transaction() as session:
            loaded = turns.lock_and_load(session, pid, service.first_language(
                message.language_hint), now, update)
            if loaded is None:
                return []
            sealed = service.cipher.encrypt(message.address)
            busy = transcriptions.waiting(session) >= self.busy_after
            transcriptions.add_job(session, NewJob(
                pid, message.channel, sealed, note.file_ref, note.seconds, note.size,
                message.language_hint, message.forwarded,
            ), now)
            if not busy:
                return []
            payload = Text(service.texts.get("voice.wait", loaded.language), loaded.language)
            sender, until, after = service.claim_new(session, pid, message.channel, now)
            ids = turns.queue_messages(session, pid, message.channel, sealed,
                                       [payload.to_dict()], now, sender=sender,
                                       claimed_until=until)
        return [QueuedMessage(ids[0], pid, message.channel, message.address, payload,
                              sender is not None, after)]
