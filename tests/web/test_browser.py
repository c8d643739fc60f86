"""An admin in a real headless Chromium: from /dashboard in chat to the patterns, the stories
behind them, a download and logging out; links and sessions that must not work."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from bot.staff.access import revoke_roles
from bot.web.dashboard.login_links import issue_login_link
from storage.models import AuditEntry
from storage.roles import ADMIN
from tests.bot.staff.people import Person, become_admin, texts_of
from tests.web.conftest import SEEDED, LiveDashboard, screenshot
from tests.web.seed import LANGUAGES

WAIT = 60


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT)


def _charts_drawn(driver: WebDriver) -> None:
    """Wait until plotly drew every chart on the page (dashboard.js marks each)."""
    _wait(driver).until(lambda d: d.execute_script(
        "return document.querySelectorAll('.plot[data-figure]').length === "
        "document.querySelectorAll('.plot[data-drawn]').length"))


def _link_in_chat(live: LiveDashboard) -> tuple[Person, str]:
    admin = become_admin(live.runtime.service, live.db, datetime.now(UTC))
    replies = admin.command("/dashboard")
    links = [t for t in texts_of(replies) if t.startswith(live.url)]
    assert len(links) == 1 and "10" in texts_of(replies)[0]
    return admin, links[0]


def _load_by(driver: WebDriver, element_id: str) -> None:
    """Click what leads to a new page and wait until that page has loaded.

    The old page is marked with a window property that a new document does not have. Chromium
    answers a question about a page it is leaving with several kinds of error (a stale element,
    or "Node with given id does not belong to the document"), so every WebDriver error while
    the page changes means only: not yet."""
    driver.execute_script("window.vertelpuntOldPage = true;")
    driver.find_element(By.ID, element_id).click()
    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.vertelpuntOldPage === undefined"
            " && document.readyState === 'complete';"))


def _shown(driver: WebDriver, element_id: str) -> bool:
    return bool(_wait(driver).until(ready.presence_of_element_located((By.ID, element_id))))


def _log_in(driver: WebDriver, link: str) -> None:
    driver.get(link)
    _load_by(driver, "login")
    _shown(driver, "total")


def _total(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "total").text


def _open_filter(driver: WebDriver) -> None:
    details = driver.find_element(By.CSS_SELECTOR, "details.filter")
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()


def _audited(live: LiveDashboard) -> list[str]:
    with live.db.transaction() as session:
        return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_admin_goes_from_chat_to_patterns_stories_a_download_and_out(
    live: LiveDashboard, browser: WebDriver
) -> None:
    _, link = _link_in_chat(live)
    _log_in(browser, link)
    _charts_drawn(browser)
    assert _total(browser) == f"Verhalen: {SEEDED}"
    assert browser.get_cookie("vertelpunt_dashboard")["httpOnly"] is True
    screenshot(browser, "overview")

    _open_filter(browser)
    Select(browser.find_element(By.ID, "f-channel")).select_by_value("whatsapp")
    browser.find_element(By.ID, "apply").click()
    _wait(browser).until(ready.text_to_be_present_in_element((By.ID, "total"),
                                                             str(SEEDED // 3)))

    _load_by(browser, "nav-funnel")
    _charts_drawn(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "#reach tbody tr")
    assert len(rows) == len(live.runtime.form.questions)
    screenshot(browser, "funnel")

    _load_by(browser, "nav-signifiers")
    _open_filter(browser)
    Select(browser.find_element(By.ID, "f-channel")).select_by_value("")
    young = Select(browser.find_element(By.ID, "f-a"))
    old = Select(browser.find_element(By.ID, "f-b"))
    for value in ("age_group:under_16", "age_group:a16_25"):
        young.select_by_value(value)
    for value in ("age_group:a65_80", "age_group:a80_plus"):
        old.select_by_value(value)
    browser.find_element(By.ID, "apply").click()
    _wait(browser).until(ready.presence_of_element_located((By.ID, "comparison")))
    _charts_drawn(browser)
    assert "16" in browser.find_element(By.CSS_SELECTOR, "#comparison .side-a").text
    assert "80" in browser.find_element(By.CSS_SELECTOR, "#comparison .side-b").text
    assert browser.find_element(By.ID, "chart-helped-a").is_displayed()
    assert browser.find_element(By.ID, "chart-helped-b").is_displayed()
    screenshot(browser, "signifiers-compared")

    # A region of group A's triad with enough stories: its row in the chart's numbers.
    triad = browser.find_element(By.ID, "chart-helped-a")
    triad.find_element(By.CSS_SELECTOR, "details.numbers summary").click()
    rows = triad.find_elements(By.CSS_SELECTOR, "table.cells tr")
    region = max(rows, key=lambda row: int(row.find_element(By.CLASS_NAME, "count").text
                                           .replace("< 5", "0")))
    region.find_element(By.CLASS_NAME, "stories-link").click()
    _wait(browser).until(ready.url_contains("/dashboard/stories"))
    assert "q=helped" in browser.current_url and "side=a" in browser.current_url
    stories = browser.find_elements(By.CSS_SELECTOR, "article.story")
    assert stories and all(s.find_element(By.TAG_NAME, "blockquote").text for s in stories)
    assert not re.search(r"\bp\d{9}\b", browser.page_source), "a pseudonym is on the screen"
    screenshot(browser, "stories")

    _load_by(browser, "nav-checkins")
    _charts_drawn(browser)
    assert browser.find_elements(By.CSS_SELECTOR, ".plot[data-drawn]")
    screenshot(browser, "checkins")

    _load_by(browser, "nav-downloads")
    _open_filter(browser)
    Select(browser.find_element(By.ID, "f-language")).select_by_value("en")
    browser.find_element(By.ID, "apply").click()
    _wait(browser).until(ready.url_contains("language=en"))
    browser.find_element(By.CSS_SELECTOR, "input[name=format][value=jsonl]").click()
    screenshot(browser, "downloads")
    browser.find_element(By.ID, "download").click()
    archive = _downloaded(browser, live.downloads)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        [lines] = [opened.read(n).decode().splitlines() for n in names if n.endswith(".jsonl")]
        assert any(n.endswith("-codebook.json") for n in names)
    # The download kept the filter: the stories told in English.
    assert len(lines) == sum(1 for i in range(SEEDED) if LANGUAGES[i % len(LANGUAGES)] == "en")
    assert all(json.loads(line)["language"] == "en" for line in lines)

    browser.find_element(By.ID, "switch-language").click()
    _wait(browser).until(ready.text_to_be_present_in_element((By.ID, "nav-overview"),
                                                             "Overview"))
    browser.find_element(By.ID, "logout").click()
    _wait(browser).until(ready.presence_of_element_located((By.ID, "signed-out")))
    browser.get(live.url + "/dashboard")
    assert _shown(browser, "signed-out")
    assert _audited(live)[-4:] == ["dashboard_login", "stories_viewed", "export",
                                   "dashboard_logout"]


def _downloaded(driver: WebDriver, folder: Path) -> Path:
    def done(_: WebDriver) -> Path | None:
        found = [p for p in folder.iterdir() if p.suffix == ".zip"]
        return found[0] if found else None

    return WebDriverWait(driver, WAIT).until(done)


def test_a_used_or_expired_link_is_refused(live: LiveDashboard, browser: WebDriver) -> None:
    admin, link = _link_in_chat(live)
    _log_in(browser, link)
    browser.delete_all_cookies()

    browser.get(link)
    _load_by(browser, "login")
    assert _shown(browser, "refused")

    long_ago = datetime.now(UTC) - timedelta(minutes=11)
    with live.db.transaction() as session:
        old = issue_login_link(session, admin.participant_id, "nl", live.url, "operator",
                               "cli", long_ago)
    browser.get(old)
    _load_by(browser, "login")
    assert _shown(browser, "refused")
    assert _audited(live).count("dashboard_login") == 1


def test_a_revoked_admin_is_logged_out_and_gets_no_new_session(
    live: LiveDashboard, browser: WebDriver
) -> None:
    admin, link = _link_in_chat(live)
    _, spare = _link_in_chat_again(admin, live)
    _log_in(browser, link)
    with live.db.transaction() as session:
        revoke_roles(session, "operator", "cli", ADMIN, datetime.now(UTC),
                     participant_id=admin.participant_id)

    browser.get(live.url + "/dashboard/signifiers")
    assert _shown(browser, "signed-out")
    browser.get(spare)
    _load_by(browser, "login")
    assert _shown(browser, "refused")


def _link_in_chat_again(admin: Person, live: LiveDashboard) -> tuple[Person, str]:
    [link] = [t for t in texts_of(admin.command("/dashboard")) if t.startswith(live.url)]
    return admin, link
