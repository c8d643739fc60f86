"""The one ASGI app, assembled here: the health check, every configured channel (from the
registry), the scheduler, and any other web part."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.health import Health
from bot.runtime import Runtime
from bot.warmup import settle, unsettle, warm_up

Hook = Callable[[], Awaitable[None]]


class ServeRefused(Exception):
    """The service cannot start as asked (a missing setting, say)."""


def add_lifecycle(app: FastAPI, startup: Hook | None = None, shutdown: Hook | None = None) -> None:
    """Run `startup` when the app starts and `shutdown` when it stops (channels use this)."""
    if startup is not None:
        app.state.startup_hooks.append(startup)
    if shutdown is not None:
        app.state.shutdown_hooks.insert(0, shutdown)


def add_send_loop(app: FastAPI, channel: str, loop: object) -> None:
    """Make a channel's send loop known to the rest of the app (check-ins, voice)."""
    if not hasattr(app.state, "send_loops"):
        app.state.send_loops = {}
    app.state.send_loops[channel] = loop


def create_app(runtime: Runtime, settle_heap: bool = False) -> FastAPI:
    """The web service for this runtime; channels add their routes with their own install.
    `settle_heap`: a process that serves for long sets what start-up built aside from the
    garbage collector once it has started (bot/warmup.py, `settle`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(warm_up, runtime)
        for hook in app.state.startup_hooks:
            await hook()
        if settle_heap:
            settle()
        try:
            yield
        finally:
            for hook in app.state.shutdown_hooks:
                await hook()
            if settle_heap:
                unsettle()

    app = FastAPI(title="Vertelpunt", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.runtime = runtime
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    app.state.health = Health()
    # Each channel's send loop, by channel name (bot/send_loop.py).
    app.state.send_loops = {}

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return health_answer(runtime, app.state.health)

    return app


def health_answer(runtime: Runtime, health: Health) -> JSONResponse:
    """200 "ok" when the database answers and no loop has stopped; 503 naming what is wrong."""
    problems: dict[str, object] = {}
    stopped = health.stopped()
    if stopped:
        problems["stopped"] = stopped
    try:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("select 1"))
    except SQLAlchemyError as error:
        # Only the type: a driver's message may name the database's address and user.
        problems["database"] = type(error).__name__
    if problems:
        return JSONResponse({"status": "unhealthy", **problems}, status_code=503)
    return JSONResponse({"status": "ok"})


def build_app(
    runtime: Runtime, polling: bool = False, scheduler: bool = True,
    receive: bool = True, settle_heap: bool = False,
) -> FastAPI:
    """The app with every configured channel installed (their senders on
    `app.state.senders`, their send loops on `app.state.send_loops`), the scheduler, and
    the other web parts; `receive=False` starts the channels only to send."""
    # Imported here: channels and the scheduler import this module for `add_lifecycle`.
    from bot.channels.contract import ChannelNotConfigured, InstallOptions
    from bot.channels.registry import install_channels
    from bot.scheduler import install_scheduler
    from bot.voice.install import install_voice
    from bot.web.dashboard import install_dashboard

    app = create_app(runtime, settle_heap)
    try:
        senders = install_channels(app, runtime, InstallOptions(polling, receive))
    except ChannelNotConfigured as error:
        raise ServeRefused(str(error)) from error
    app.state.senders = senders
    loops = app.state.send_loops
    if receive:  # voice notes arrive only where updates are received
        install_voice(app, runtime, senders, loops)
    # Web parts besides the channels' are installed here, each by its own install(app, runtime).
    install_dashboard(app, runtime)
    if scheduler:
        install_scheduler(app, runtime, loops)
    return app
