"""Signed session cookies, CSRF tokens, security headers and an access log without secrets."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

COOKIE = "vertelpunt_dashboard"
PREFIX = "/dashboard"
# Our own scripts only: plotly.min.js and dashboard.js, both served from /dashboard/static.
# Plotly sets styles on the elements it draws, so styles may be inline; scripts never.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A login link's token is in its path: no other site may see it as a referrer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LOGIN_TOKEN = re.compile(r"^(/dashboard/login/)[^?\s]+")


class Signer:
    """Signs session ids and derives CSRF tokens from the service's secret key."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"vertelpunt-dashboard:" + secret.encode()).digest()

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def new_cookie(self) -> tuple[str, str]:
        """A fresh session id and the signed cookie value that carries it."""
        session_id = secrets.token_urlsafe(32)
        return session_id, f"{session_id}.{self._mac('session', session_id)}"

    def session_id(self, cookie: str | None) -> str | None:
        """The session id of a cookie whose signature holds, else None."""
        if not cookie or "." not in cookie:
            return None
        session_id, _, signature = cookie.rpartition(".")
        expected = self._mac("session", session_id)
        return session_id if hmac.compare_digest(signature, expected) else None

    def csrf(self, bound_to: str) -> str:
        """The CSRF token of a session id (or of a login token, before there is a session)."""
        return self._mac("csrf", bound_to)

    def csrf_holds(self, bound_to: str, token: str | None) -> bool:
        """Whether a form's CSRF token belongs to this session (or login token)."""
        return bool(token) and hmac.compare_digest(self.csrf(bound_to), token or "")


def add_security_headers(app: FastAPI) -> None:
    """Every dashboard response carries the CSP and its companions."""

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(PREFIX):
            for name, value in HEADERS.items():
                response.headers.setdefault(name, value)
        return response


class QuietDashboardPaths(logging.Filter):
    """Drops the query (filter values) and login tokens from access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the path argument of uvicorn's access log record."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith(PREFIX):
                path = LOGIN_TOKEN.sub(r"\1…", path.split("?", 1)[0])
                record.args = (*args[:2], path, *args[3:])
        return True


def quieten_access_log() -> None:
    """Install the filter on uvicorn's access logger once."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QuietDashboardPaths) for f in logger.filters):
        logger.addFilter(QuietDashboardPaths())
