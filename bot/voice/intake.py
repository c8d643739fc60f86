"""A voice note arrives: store a transcription job (no audio) and answer the platform at once."""

from __future__ import annotations

from dataclasses import dataclass

from bot.service import ConversationService, InboundMessage, QueuedMessage
from flows.events import Outbound
from storage import transcriptions, turns
from storage.transcriptions import NewJob

# With this many voice notes waiting, a new one first gets "one moment".
BUSY_AFTER = 2


@dataclass(frozen=True, slots=True)
class VoiceNote:
    """The platform's reference to a voice note, with what it says of length and size."""

    file_ref: str
    seconds: int | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """The job was stored (or the update was seen before: `duplicate`); `queued` are
    replies to send now ("one moment" when many voice notes wait)."""

    duplicate: bool
    queued: list[QueuedMessage]


class VoiceIntake:
    """Stores transcription jobs in their own short transaction, outside any turn."""

    def __init__(self, service: ConversationService, busy_after: int = BUSY_AFTER) -> None:
        self.service = service
        self.busy_after = busy_after

    def accept(self, message: InboundMessage, note: VoiceNote) -> Accepted:
        """One job per update (a redelivery stores nothing); the job holds the file
        reference and the encrypted reply address, never the audio."""
        service = self.service
        pid = service.participant_id(message.channel, message.user_id)
        now = service.clock()
        update = None if message.update_id is None else (message.channel, message.update_id)
        with service.db.transaction() as session:
            loaded = turns.lock_and_load(session, pid, service.first_language(
                message.language_hint), now, update)
            if loaded is None:
                return Accepted(True, [])
            sealed = service.cipher.encrypt(message.address)
            busy = transcriptions.waiting(session) >= self.busy_after
            transcriptions.add_job(session, NewJob(
                pid, message.channel, sealed, note.file_ref, note.seconds, note.size,
                message.language_hint, message.forwarded,
            ), now)
            if not busy:
                return Accepted(False, [])
            text = service.texts.get("voice.wait", loaded.language)
            payload = Outbound(text=text, language=loaded.language).as_dict()
            ids = turns.queue_messages(session, pid, message.channel, sealed, [payload], now,
                                       sender=service.instance)
        return Accepted(False, [QueuedMessage(ids[0], pid, message.channel, message.address,
                                              payload)])
