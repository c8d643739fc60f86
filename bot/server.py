"""The one ASGI app: webhooks of every configured channel and a health check."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from bot.runtime import Runtime


def create_app(runtime: Runtime) -> FastAPI:
    """The web service for this runtime, with the routes of each configured channel."""
    app = FastAPI(title="Vertelpunt", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = runtime

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("select 1"))
        return {"status": "ok"}

    return app
