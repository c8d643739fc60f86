"""Who is looking (a signed-in admin), the interface texts, and rendering a page for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.runtime import Runtime
from bot.staff.tokens import digest
from bot.web.dashboard.login_links import LANGUAGES
from bot.web.dashboard.security import COOKIE, Signer
from storage import dashboard_access as repo

HERE = Path(__file__).resolve().parent
NAVIGATION = ("overview", "funnel", "signifiers", "checkins", "downloads")


@lru_cache(maxsize=4)
def messages(language: str) -> dict[str, str]:
    """The dashboard's interface texts in one language (Dutch or English)."""
    path = HERE / "messages" / f"{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML reads bare yes/no as booleans: every key and text must come out as text.
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: a mapping of keys to texts")
    return {str(k): str(v) for k, v in data.items()}


class Messages:
    """Looks an interface text up by key, in the viewer's language, English as fallback."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "en"
        self._texts = messages(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        text = self._texts.get(key) or messages("en")[key]
        return text.format(**values) if values else text


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The page templates, escaped for HTML."""
    return Environment(loader=FileSystemLoader(HERE / "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in admin: their pseudonym (never shown), language and session."""

    participant_id: str
    language: str
    session_id: str

    @property
    def session_hash(self) -> str:
        """The stored form of the session id."""
        return digest(self.session_id)


def signer(runtime: Runtime) -> Signer:
    """The signer for this service's secret key."""
    return Signer(runtime.settings.secret_key.get_secret_value())


def current_viewer(request: Request, runtime: Runtime) -> Viewer | None:
    """The admin whose live session the request's cookie names, or None."""
    session_id = signer(runtime).session_id(request.cookies.get(COOKIE))
    if session_id is None:
        return None
    with runtime.db.transaction() as session:
        found = repo.signed_in(session, digest(session_id), datetime.now(UTC))
    if found is None:
        return None
    return Viewer(found.participant_id, found.language, session_id)


def zone(runtime: Runtime) -> ZoneInfo:
    """The local time zone for days and weeks."""
    return ZoneInfo(runtime.settings.timezone)


def render(
    request: Request, runtime: Runtime, name: str, language: str, status: int = 200,
    viewer: Viewer | None = None, **context: Any,
) -> HTMLResponse:
    """A page from its template, with the texts, navigation and CSRF token it needs."""
    t = Messages(language)
    csrf = signer(runtime).csrf(viewer.session_id) if viewer else ""
    html = templates().get_template(name).render(
        t=t, en=Messages("en"), lang=t.language, viewer=viewer, csrf=csrf, navigation=NAVIGATION,
        path=request.url.path, here=_here(request), **context,
    )
    return HTMLResponse(html, status_code=status)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
