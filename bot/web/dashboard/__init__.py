"""The admins' dashboard under /dashboard: patterns, funnel, check-ins, stories, downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.runtime import Runtime


def install_dashboard(app: FastAPI, runtime: Runtime) -> None:
    """Add the dashboard's routes, security headers and quiet access log to the app."""
    # Imported here: templates and charts load only in the process that serves them.
    from bot.web.dashboard.routes import add_dashboard

    add_dashboard(app, runtime)
