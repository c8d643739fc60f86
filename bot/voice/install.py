"""Voice in the web service: the intake step for every channel with voice notes, and this
process's transcription workers (unless VERTELPUNT_VOICE_WORKERS is 0)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from bot.intake import Intake
from bot.outbox import ChannelSender
from bot.runtime import Runtime
from bot.send_loop import SendLoop
from bot.server import add_lifecycle
from bot.voice.intake import VoiceIntake
from bot.voice.pool import WorkerPool, worker_count
from bot.voice.sources import AudioSource, TelegramAudio, WhatsAppAudio
from bot.voice.worker import deliver_through


def audio_sources(senders: Mapping[str, ChannelSender]) -> dict[str, AudioSource]:
    """Where each installed channel's voice notes are fetched: its own platform client."""
    from bot.channels.telegram.sender import TelegramSender
    from bot.channels.whatsapp.sender import WhatsAppSender

    sources: dict[str, AudioSource] = {}
    for name, sender in senders.items():
        if isinstance(sender, TelegramSender):
            sources[name] = TelegramAudio(sender.bot)
        elif isinstance(sender, WhatsAppSender):
            sources[name] = WhatsAppAudio(sender.wa)
    return sources


def install_voice(
    app: FastAPI, runtime: Runtime, senders: Mapping[str, ChannelSender],
    loops: Mapping[str, SendLoop],
) -> WorkerPool | None:
    """Voice notes become transcription jobs before their turn; workers here (when any)
    transcribe them and send the replies through the channels."""
    service, settings = runtime.service, runtime.settings
    deliver = {name: deliver_through(loop) for name, loop in loops.items()}
    intake = VoiceIntake(service, settings.voice_busy_after)
    intake.deliver.update(deliver)
    service.intake = Intake([*service.intake.steps, intake])
    sources = audio_sources(senders)
    if worker_count(settings) == 0 or not sources:
        return None
    pool = WorkerPool(service, settings, sources, deliver)
    add_lifecycle(app, pool.start, pool.stop)
    app.state.voice = pool
    return pool
