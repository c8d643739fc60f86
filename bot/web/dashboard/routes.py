"""The dashboard's routes: getting in and out, the pages, the download, our static files."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.staff.tokens import digest
from bot.web.dashboard import downloads
from bot.web.dashboard.login_links import LANGUAGES, SESSION_HOURS
from bot.web.dashboard.pages import Choices, checkins_page, funnel_page, overview_page, page_query
from bot.web.dashboard.patterns import read_pattern, signifiers_page, stories_page
from bot.web.dashboard.security import COOKIE, add_security_headers, quieten_access_log
from bot.web.dashboard.viewer import HERE, Messages, Viewer, current_viewer, render, signer, zone
from storage import dashboard_access as repo
from storage.aggregates import DashboardFilter
from storage.roles import audit

log = logging.getLogger(__name__)
SIGNED_OUT = "/dashboard/signed-out"
STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
Builder = Callable[[Session, Runtime, Messages, Any, Choices], dict[str, Any]]


def plotly_script() -> Path:
    """plotly.min.js as the plotly Python package ships it."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise RuntimeError("the plotly package is not installed (pip install -e .)")
    return Path(spec.origin).resolve().parent / "package_data" / "plotly.min.js"


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def add_dashboard(app: FastAPI, runtime: Runtime) -> None:
    """Install every dashboard route on the app."""
    add_security_headers(app)
    quieten_access_log()
    _add_static(app)
    _add_entry(app, runtime)
    _add_pages(app, runtime)
    _add_download(app, runtime)


def _add_static(app: FastAPI) -> None:
    cached = {"Cache-Control": "public, max-age=86400"}

    @app.get("/dashboard/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_script(), media_type="text/javascript", headers=cached)

    @app.get("/dashboard/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            return Response(status_code=404)
        return FileResponse(HERE / "static" / name, media_type=STATIC[name], headers=cached)


def _add_entry(app: FastAPI, runtime: Runtime) -> None:
    sign = signer(runtime)

    @app.get("/dashboard/login/{token}", include_in_schema=False)
    def login_page(request: Request, token: str) -> Response:
        # Opening the link only shows a button: chat apps fetch links for a preview, and
        # that must not use up the single-use link.
        return render(request, runtime, "login.html", "nl", token=token,
                      login_csrf=sign.csrf(token))

    @app.post("/dashboard/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        fields = await _form(request)
        token = fields.get("token", "")
        if not sign.csrf_holds(token, fields.get("csrf")):
            return render(request, runtime, "refused.html", "nl", status=403)
        now = datetime.now(UTC)
        with runtime.db.transaction() as session:
            found = repo.use_link(session, digest(token), now)
            if found is None:
                log.info("dashboard: a login link was refused")
                return render(request, runtime, "refused.html", "nl", status=403)
            admin, language = found
            session_id, cookie = sign.new_cookie()
            repo.open_session(session, digest(session_id), admin, language, now,
                              now + timedelta(hours=SESSION_HOURS))
            repo.end_sessions_of_former_admins(session, now)
            audit(session, admin, "dashboard_login", {"via": "link"}, now)
        log.info("dashboard: an admin logged in")
        response = _go("/dashboard")
        response.set_cookie(COOKIE, cookie, max_age=SESSION_HOURS * 3600, path="/dashboard",
                            httponly=True, samesite="strict",
                            secure=runtime.settings.environment != "development")
        return response

    @app.get(SIGNED_OUT, include_in_schema=False)
    def signed_out(request: Request) -> Response:
        return render(request, runtime, "signed_out.html", "nl", status=401)

    @app.post("/dashboard/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        viewer = current_viewer(request, runtime)
        fields = await _form(request)
        if viewer is not None and sign.csrf_holds(viewer.session_id, fields.get("csrf")):
            now = datetime.now(UTC)
            with runtime.db.transaction() as session:
                repo.end_session(session, viewer.session_hash, now)
                audit(session, viewer.participant_id, "dashboard_logout", {}, now)
        response = _go(SIGNED_OUT)
        response.delete_cookie(COOKIE, path="/dashboard")
        return response

    @app.post("/dashboard/language", include_in_schema=False)
    async def language(request: Request) -> Response:
        viewer = current_viewer(request, runtime)
        fields = await _form(request)
        if viewer is None or not sign.csrf_holds(viewer.session_id, fields.get("csrf")):
            return _go(SIGNED_OUT)
        if fields.get("lang") in LANGUAGES:
            with runtime.db.transaction() as session:
                repo.set_language(session, viewer.session_hash, fields["lang"])
        back = fields.get("next", "")
        return _go(back if back.startswith("/dashboard") and "//" not in back else "/dashboard")


def _add_pages(app: FastAPI, runtime: Runtime) -> None:
    def page(template: str, build: Builder) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            viewer = current_viewer(request, runtime)
            if viewer is None:
                return _go(SIGNED_OUT)
            t = Messages(viewer.language)
            with runtime.db.transaction() as session:
                query, choices = page_query(session, runtime, t,
                                            request.query_params.multi_items())
                context = build(session, runtime, t, query, choices)
            return render(request, runtime, template, viewer.language, viewer=viewer,
                          query=query, choices=choices, **context)
        return handler

    routes: dict[str, tuple[str, Builder]] = {
        "/dashboard": ("overview.html", overview_page),
        "/dashboard/funnel": ("funnel.html", lambda s, r, t, q, c: funnel_page(s, r, t, q)),
        "/dashboard/signifiers": ("signifiers.html", signifiers_page),
        "/dashboard/checkins": ("checkins.html", checkins_page),
        "/dashboard/downloads": ("downloads.html", lambda s, r, t, q, c: {}),
    }
    for path, (template, build) in routes.items():
        app.add_api_route(path, page(template, build), methods=["GET"], include_in_schema=False)
    app.add_api_route("/dashboard/stories", _stories_handler(runtime), methods=["GET"],
                      include_in_schema=False)


def _stories_handler(runtime: Runtime) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        viewer = current_viewer(request, runtime)
        if viewer is None:
            return _go(SIGNED_OUT)
        t = Messages(viewer.language)
        items = request.query_params.multi_items()
        found = read_pattern(runtime, items)
        if found is None:
            return _go("/dashboard/signifiers")
        page = _page_number(request.query_params.get("page"))
        now = datetime.now(UTC)
        with runtime.db.transaction() as session:
            query, choices = page_query(session, runtime, t, items)
            context, shown = stories_page(session, runtime, t, query, found, page)
            if shown is not None:
                audit(session, viewer.participant_id, "stories_viewed",
                      {"question": found[0].question_id, "options": list(found[0].options),
                       "page": page, "stories": [s.story_id for s in shown.stories]}, now)
        kept = [(k, v) for k, v in items if k in ("q", "o", "side")]

        def to(number: int) -> str:
            return query.link("/dashboard/stories", *kept, ("page", str(number)))

        return render(request, runtime, "stories.html", viewer.language, viewer=viewer,
                      query=query, choices=choices,
                      previous_link=to(page - 1) if page > 0 else "",
                      next_link=to(page + 1) if context.pop("has_next") else "", **context)
    return handler


def _page_number(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 100_000))
    except ValueError:
        return 0


def _add_download(app: FastAPI, runtime: Runtime) -> None:
    sign = signer(runtime)

    @app.post("/dashboard/download", include_in_schema=False)
    async def download(request: Request) -> Response:
        viewer = current_viewer(request, runtime)
        fields = await _form(request)
        if viewer is None or not sign.csrf_holds(viewer.session_id, fields.get("csrf")):
            return _go(SIGNED_OUT)
        fmt = downloads.FORMATS.get(fields.get("format", ""), "csv")
        items = parse_qsl(fields.get("filter", ""))
        return _export(runtime, viewer, items, fmt)


def _export(runtime: Runtime, viewer: Viewer, items: list[tuple[str, str]], fmt: str
            ) -> Response:
    t = Messages(viewer.language)
    now = datetime.now(UTC)
    stamp = now.astimezone(zone(runtime)).strftime("%Y%m%d-%H%M")
    with runtime.db.transaction() as session:
        query, _ = page_query(session, runtime, t, items)
        spool, count = downloads.build_export(session, runtime.form, query.where, fmt, now,
                                              stamp)
        audit(session, viewer.participant_id, "export",
              {"via": "dashboard", "format": fmt, "stories": count, **_described(query.where)},
              now)
    log.info("dashboard: an export of %d stories was downloaded", count)
    headers = {"Content-Disposition": f'attachment; filename="vertelpunt-{stamp}.zip"'}
    return StreamingResponse(downloads.chunks(spool), media_type="application/zip",
                             headers=headers)


def _described(where: DashboardFilter) -> dict[str, Any]:
    return {
        "campaign": where.campaign_id, "language": where.language, "channel": where.channel,
        "since": where.since.isoformat() if where.since else None,
        "until": where.until.isoformat() if where.until else None,
        "group": {name: list(values) for name, values in where.group.parts},
    }
