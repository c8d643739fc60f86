"""`vertelpunt worker --transcribe` / `--send`: transcription workers, or the send loop,
without the web service, on any machine that reaches the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import typer

from bot.cli.common import EXIT_CONFIG, fail, load_settings, runtime_or_exit
from bot.runtime import Runtime
from bot.voice.pool import WorkerPool, worker_count
from bot.voice.sources import AudioSource, TelegramAudio, WhatsAppAudio


def worker_command(
    transcribe: Annotated[
        bool, typer.Option("--transcribe", help="Transcribe residents' voice notes.")
    ] = False,
    send: Annotated[
        bool, typer.Option("--send", help="Send replies and check-ins from the outbox.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Workers in this process "
                                 "[default: VERTELPUNT_VOICE_WORKERS, else one per core]")
    ] = None,
) -> None:
    """Run background workers without the web service (stop with Ctrl-C)."""
    if not transcribe and not send:
        fail("say which work: --transcribe, --send or both", EXIT_CONFIG)
    settings = load_settings()
    if settings.telegram_token is None and not settings.whatsapp_phone_id:
        fail("no channel is configured: set the Telegram or WhatsApp settings", EXIT_CONFIG)
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = runtime_or_exit(settings)
    try:
        asyncio.run(_work(runtime, transcribe, send,
                          workers or max(1, worker_count(settings))))
    finally:
        runtime.db.dispose()


async def _work(runtime: Runtime, transcribe: bool, send: bool, count: int) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    jobs = []
    if send:
        jobs.append(_send(runtime, stopping))
    if transcribe:
        jobs.append(_run(runtime, count, stopping))
    await asyncio.gather(*jobs)


async def _send(runtime: Runtime, stopping: asyncio.Event) -> None:
    """The channels started only to send (no webhook route, no polling): their send loops
    take what no one sends, beside any other sending process, until SIGINT or SIGTERM."""
    from bot.server import ServeRefused, build_app

    try:
        app = build_app(runtime, scheduler=False, receive=False, settle_heap=True)
    except ServeRefused as error:
        fail(str(error), EXIT_CONFIG)
    async with app.router.lifespan_context(app):
        logging.getLogger(__name__).info("sending: %s", ", ".join(sorted(app.state.send_loops)))
        await stopping.wait()


async def _run(runtime: Runtime, count: int, stopping: asyncio.Event) -> None:
    async with contextlib.AsyncExitStack() as stack:
        sources = await _sources(runtime, stack)
        # Replies are left in the outbox: the sending processes' loops send them.
        pool = WorkerPool(runtime.service, runtime.settings, sources, count=count)
        await pool.start()
        stop = asyncio.create_task(stopping.wait())
        stop.add_done_callback(lambda _: asyncio.ensure_future(pool.stop()))
        await pool.wait()
        stop.cancel()


async def _sources(runtime: Runtime, stack: contextlib.AsyncExitStack) -> dict[str, AudioSource]:
    settings = runtime.settings
    sources: dict[str, AudioSource] = {}
    if settings.telegram_token is not None:
        from bot.channels.telegram.client import build_bot

        bot = build_bot(settings)
        await stack.enter_async_context(bot)
        sources["telegram"] = TelegramAudio(bot)
    if settings.whatsapp_phone_id:
        from bot.channels.whatsapp.graph import build_whatsapp, graph_session

        session = await stack.enter_async_context(graph_session(settings.whatsapp_api_url))
        sources["whatsapp"] = WhatsAppAudio(build_whatsapp(settings, session))
    return sources
