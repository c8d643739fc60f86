"""The one ASGI app: webhooks of every configured channel and a health check."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from bot.runtime import Runtime

Hook = Callable[[], Awaitable[None]]


def add_lifecycle(app: FastAPI, startup: Hook | None = None, shutdown: Hook | None = None) -> None:
    """Run `startup` when the app starts and `shutdown` when it stops (channels use this)."""
    if startup is not None:
        app.state.startup_hooks.append(startup)
    if shutdown is not None:
        app.state.shutdown_hooks.insert(0, shutdown)


def create_app(runtime: Runtime) -> FastAPI:
    """The web service for this runtime; channels add their routes with their own install."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hook in app.state.startup_hooks:
            await hook()
        try:
            yield
        finally:
            for hook in app.state.shutdown_hooks:
                await hook()

    app = FastAPI(title="Vertelpunt", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.runtime = runtime
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("select 1"))
        return {"status": "ok"}

    return app
