"""Transcription workers: claim a job, fetch the audio, transcribe it, and feed the words into
the conversation as if typed. Any number of workers in any number of processes share the jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.channels.messages import InboundMessage, QueuedMessage
from bot.send_loop import SendLoop
from bot.service import ConversationService
from bot.voice.audio import AudioProblem
from bot.voice.intake import Deliver
from bot.voice.sources import AudioSource, DownloadFailed, FileGone
from bot.voice.transcriber import Transcriber
from flows.events import SpokenIn, VoiceProblem
from storage import transcriptions
from storage.transcriptions import ClaimedJob

log = logging.getLogger(__name__)
# A download that keeps failing is given up after this many tries (the resident is told).
MAX_ATTEMPTS = 3


def deliver_through(loop: SendLoop) -> Deliver:
    """Send a turn's replies through the channel's send loop: in order with the chat's other
    replies, recorded as any other."""

    async def deliver(queued: list[QueuedMessage]) -> None:
        loop.take(queued)

    return deliver


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How long a claim holds before another worker takes the job over, and how long an idle
    worker waits before looking again."""

    stale_after: timedelta = timedelta(minutes=10)
    idle_seconds: float = 1.0


class TranscriptionWorker:
    """One worker: one job at a time, its own model."""

    def __init__(
        self,
        service: ConversationService,
        transcriber: Transcriber,
        sources: Mapping[str, AudioSource],
        deliver: Mapping[str, Deliver] | None = None,
        options: WorkerOptions | None = None,
    ) -> None:
        self.service = service
        self.transcriber = transcriber
        self.sources = sources
        self.deliver = deliver or {}
        self.options = options or WorkerOptions()
        self.name = uuid.uuid4().hex

    async def run_once(self) -> bool:
        """Claim and finish one job; False when there was none to claim."""
        job = await asyncio.to_thread(self._claim)
        if job is None:
            return False
        try:
            await self._work(job)
        except DownloadFailed as error:
            log.warning("voice: download failed (%s), try %d", error, job.attempts)
            if job.attempts < MAX_ATTEMPTS:
                await asyncio.to_thread(self._release, job)
            else:
                await self._feed(job, SpokenIn(problem="unreadable"))
        return True

    async def run_forever(self, stopping: asyncio.Event) -> None:
        """Work until `stopping` is set; a job under way is finished first."""
        while not stopping.is_set():
            try:
                worked = await self.run_once()
            except Exception as error:  # the claim goes stale and another worker retries
                log.error("voice: a job failed (%s)", type(error).__name__)
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):  # idle time is over: look again
                    await asyncio.wait_for(stopping.wait(), self.options.idle_seconds)

    async def _work(self, job: ClaimedJob) -> None:
        problem = self._refused_unheard(job)
        if problem is not None:
            await self._feed(job, SpokenIn(problem=problem))
            return
        source = self.sources.get(job.channel)
        if source is None:
            raise DownloadFailed(f"no audio source for {job.channel}")
        try:
            audio = await source.download(job.file_ref)
        except FileGone:
            await self._feed(job, SpokenIn(problem="unreadable"))
            return
        language = await asyncio.to_thread(self.service.language_of, job.participant_id,
                                           job.language_hint)
        try:
            transcript = await asyncio.to_thread(self.transcriber.transcribe, audio, language)
        except AudioProblem as error:
            await self._feed(job, SpokenIn(problem=error.reason))
            return
        finally:
            del audio  # never kept longer than the transcription
        log.info("voice: %.1f s of audio transcribed in %.1f s of CPU",
                 transcript.audio_seconds, transcript.cpu_seconds)
        await self._feed(job, SpokenIn(transcript.text))

    def _refused_unheard(self, job: ClaimedJob) -> VoiceProblem | None:
        """What the platform told of length and size already rules some notes out."""
        if job.size is not None and job.size > self.transcriber.max_bytes:
            return "too_large"
        if job.seconds is not None and job.seconds > self.transcriber.max_seconds:
            return "too_long"
        return None

    def _claim(self) -> ClaimedJob | None:
        service = self.service
        with service.db.transaction() as session:
            return transcriptions.claim_next(session, self.name, service.clock(),
                                             self.options.stale_after)

    def _release(self, job: ClaimedJob) -> None:
        with self.service.db.transaction() as session:
            transcriptions.release(session, job.id)

    async def _feed(self, job: ClaimedJob, event: SpokenIn) -> None:
        queued = await asyncio.to_thread(self._turn, job, event)
        deliver = self.deliver.get(job.channel)
        if queued and deliver is not None:
            await deliver(queued)
        # Without a channel here, the replies wait in the outbox for a process that sends.

    def _turn(self, job: ClaimedJob, event: SpokenIn) -> list[QueuedMessage]:
        """The words as a turn of their own, and the job gone, in one transaction; the update
        id comes from the job, so the words count once whichever worker feeds them."""
        service = self.service
        address = service.cipher.decrypt(job.address)
        # In a private chat the reply address is the resident's own id on both platforms.
        message = InboundMessage(job.channel, address, address, event,
                                 update_id=f"voice:{job.id}",
                                 language_hint=job.language_hint, forwarded=job.forwarded)
        with service.db.transaction() as session:
            if not transcriptions.still_held(session, job.id, self.name):
                return []  # slow: another worker took it over
            queued = service.run_turn(session, job.participant_id, message, service.clock())
            transcriptions.finish(session, job.id)
        return queued or []
