"""The dashboard over HTTP: cookies, CSRF, headers, small cohorts, quiet logs, and the ways
in (chat and command line)."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.cli.serve import build_app
from bot.runtime import Runtime
from bot.service import Collaborators, ConversationService
from bot.settings import Settings
from bot.staff import StaffDesk, StaffOptions
from bot.web.dashboard.security import QuietDashboardPaths
from flows.forms.schema import Form
from flows.texts import Texts
from storage.crypto import AddressCipher, new_key
from storage.db import Database
from tests.bot.staff.people import Person, become_admin, texts_of
from tests.conftest import TEST_SECRET
from tests.web.seed import seed_stories

PUBLIC = "https://dashboard.example"


@pytest.fixture
def runtime(db: Database, form: Form, texts: Texts) -> Runtime:
    """A production-like runtime (Secure cookies) on the test database with 12 stories."""
    seed_stories(db, form, 12)
    settings = Settings(secret_key=TEST_SECRET, environment="production", public_url=PUBLIC,
                        database_url=db.url)
    cipher = AddressCipher([new_key()])
    service = ConversationService(db, form, texts, TEST_SECRET, cipher, Collaborators())
    service.staff = StaffDesk(form, texts, StaffOptions(public_url=PUBLIC))
    return Runtime(settings, db, form, texts, cipher, service)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(build_app(runtime, scheduler=False), base_url=PUBLIC) as browser:
        yield browser


def _link(runtime: Runtime) -> tuple[Person, str]:
    admin = become_admin(runtime.service, runtime.db, datetime.now(UTC))
    [link] = [t for t in texts_of(admin.command("/dashboard")) if t.startswith(PUBLIC)]
    return admin, link


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def _log_in(client: TestClient, link: str) -> str:
    page = client.get(link.removeprefix(PUBLIC))
    response = client.post("/dashboard/login", data={"token": _field(page.text, "token"),
                                                     "csrf": _field(page.text, "csrf")},
                           follow_redirects=False)
    assert response.status_code == 303
    return response.headers["set-cookie"]


def test_a_session_cookie_is_signed_httponly_strict_and_secure(
    runtime: Runtime, client: TestClient
) -> None:
    _, link = _link(runtime)
    cookie = _log_in(client, link).lower()
    assert all(flag in cookie for flag in ("httponly", "samesite=strict", "secure",
                                           "max-age=28800", "path=/dashboard"))
    page = client.get("/dashboard")
    assert page.status_code == 200 and "Verhalen: 12" in page.text
    # The real session cookie goes first, so the jar holds the forged one alone.
    client.cookies.clear()
    client.cookies.set("vertelpunt_dashboard", "forged.0000", path="/dashboard")
    assert "signed-out" in client.get("/dashboard").text


def test_every_page_sends_a_policy_that_allows_only_our_own_scripts(
    runtime: Runtime, client: TestClient
) -> None:
    _, link = _link(runtime)
    _log_in(client, link)
    page = client.get("/dashboard/signifiers")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split(";")[1]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(body.strip() == "" and 'src="/dashboard/static/' in attrs
                           for attrs, body in scripts)
    plotly = client.get("/dashboard/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert "cdn" not in page.text.lower()


def test_a_form_without_its_csrf_token_changes_nothing(
    runtime: Runtime, client: TestClient
) -> None:
    _, link = _link(runtime)
    page = client.get(link.removeprefix(PUBLIC))
    refused = client.post("/dashboard/login", data={"token": _field(page.text, "token"),
                                                    "csrf": "wrong"})
    assert refused.status_code == 403
    _log_in(client, link)
    out = client.post("/dashboard/logout", data={"csrf": "wrong"}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert "Verhalen: 12" not in client.get("/dashboard").text
    download = client.post("/dashboard/download", data={"format": "csv"},
                           follow_redirects=False)
    assert download.headers["location"] == "/dashboard/signed-out"


def test_small_cohorts_show_as_fewer_than_five_and_their_stories_stay_closed(
    runtime: Runtime, client: TestClient
) -> None:
    _, link = _link(runtime)
    _log_in(client, link)
    # Twelve stories, three per campaign slot: every campaign count is under five.
    overview = client.get("/dashboard").text
    assert "&lt; 5" in overview
    stories = client.get("/dashboard/stories?q=helped&o=bc").text
    assert 'id="too-few"' in stories and "<article" not in stories


SMALL_COUNTS = {"1", "2", "3", "4"}
COUNTED_PAGES = ("/dashboard", "/dashboard/funnel", "/dashboard/signifiers",
                 "/dashboard/signifiers?a=home_visit:yes&b=home_visit:no",
                 "/dashboard/checkins", "/dashboard/downloads",
                 "/dashboard/stories?q=helped&o=a")


def _shown_counts(page: str) -> list[str]:
    """Every count a page shows: totals, table cells, and each chart's labels and bar
    heights."""
    found = [html.unescape(total.strip()) for total in
             re.findall(r'<p class="total"[^>]*>[^<:]*:([^<]*)</p>', page)]
    found += [html.unescape(cell.strip()) for cell in re.findall(r"<td[^>]*>([^<]*)</td>", page)]
    for raw in re.findall(r'data-figure="([^"]*)"', page):
        for trace in orjson.loads(html.unescape(raw))["data"]:
            found += [str(text) for text in trace.get("text", [])]
            if trace["type"] == "bar":
                heights = trace["x"] if trace.get("orientation") == "h" else trace["y"]
                found += [str(height) for height in heights]
    return found


def test_no_page_shows_a_count_of_fewer_than_five(runtime: Runtime, client: TestClient) -> None:
    _, link = _link(runtime)
    _log_in(client, link)
    shown: dict[str, list[str]] = {}
    for path in COUNTED_PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        shown[path] = _shown_counts(page.text)
        assert not SMALL_COUNTS & set(shown[path]), path
    # Twelve stories make small cells on every page that counts, each shown as "< 5".
    for path in COUNTED_PAGES[:5]:
        assert "< 5" in shown[path], path


def test_the_access_log_keeps_neither_filter_values_nor_login_tokens() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4:5", "GET", "/dashboard/stories?q=helped&o=a&campaign=oost",
                                "1.1", 200), None)
    login = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                              ("1.2.3.4:5", "GET", "/dashboard/login/SeCrEtToKeN", "1.1", 200),
                              None)
    webhook = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, "%s %s %s %s %d",
                                ("1.2.3.4:5", "POST", "/webhooks/telegram?x=1", "1.1", 200), None)
    for item in (record, login, webhook):
        QuietDashboardPaths().filter(item)
    assert "oost" not in record.getMessage() and "/dashboard/stories" in record.getMessage()
    assert "SeCrEtToKeN" not in login.getMessage()
    assert "x=1" in webhook.getMessage()


def test_dashboard_is_unknown_to_residents_and_says_when_it_is_off(
    runtime: Runtime, form: Form, texts: Texts
) -> None:
    resident = Person(runtime.service, "rosa")
    resident.command("/onbekend")
    unknown = texts_of(resident.command("/onbekend"))
    assert texts_of(resident.command("/dashboard")) == unknown
    runtime.service.staff = StaffDesk(form, texts, StaffOptions())
    admin = become_admin(runtime.service, runtime.db, datetime.now(UTC))
    replies = texts_of(admin.command("/dashboard"))
    assert len(replies) == 1 and "beheerder" in replies[0] and PUBLIC not in replies[0]


def test_the_operator_prints_a_link_for_an_admin_only(
    runtime: Runtime, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = become_admin(runtime.service, runtime.db, datetime.now(UTC))
    for name, value in {"DATABASE_URL": runtime.db.url, "SECRET_KEY": TEST_SECRET,
                        "PUBLIC_URL": PUBLIC}.items():
        monkeypatch.setenv(f"VERTELPUNT_{name}", value)
    runner = CliRunner()
    made = runner.invoke(cli, ["admins", "dashboard-link", "--participant",
                               admin.participant_id, "--language", "en"])
    assert made.exit_code == 0 and made.stdout.startswith(PUBLIC + "/dashboard/login/")
    _log_in(client, made.stdout.strip())
    assert "Stories: 12" in client.get("/dashboard").text
    refused = runner.invoke(cli, ["admins", "dashboard-link", "--participant", "nobody"])
    assert refused.exit_code == 1
    monkeypatch.delenv("VERTELPUNT_PUBLIC_URL")
    assert runner.invoke(cli, ["admins", "dashboard-link", "--participant",
                               admin.participant_id]).exit_code == 2
