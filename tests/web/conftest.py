"""The dashboard served by a real uvicorn on a free local port, and a headless Chromium.

The browser is Debian's `chromium` driven through `chromium-driver` (`make browser`
installs both); nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bot.cli.serve import build_app
from bot.runtime import Runtime
from bot.service import Collaborators, ConversationService
from bot.settings import Settings
from bot.staff import StaffDesk, StaffOptions
from flows.forms.schema import Form
from flows.texts import Texts
from storage.crypto import AddressCipher, new_key
from storage.db import Database
from tests.bot.staff.people import add_campaign
from tests.conftest import TEST_SECRET
from tests.web.seed import seed_stories, seed_unconfirmed

BROWSER = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("VERTELPUNT_SCREENSHOTS",
                                  Path(tempfile.gettempdir()) / "vertelpunt-screenshots"))
DESKTOP, PHONE = (1366, 900), (390, 844)
SEEDED = 240


@dataclass
class LiveDashboard:
    """The running service: its address, database, runtime and a chat service for admins."""

    url: str
    db: Database
    runtime: Runtime
    downloads: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(
    tmp_path: Path, sqlite_template: Path, form: Form, texts: Texts
) -> Iterator[LiveDashboard]:
    """The dashboard on a SQLite database with SEEDED stories, served by uvicorn."""
    path = tmp_path / "vertelpunt.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    seed_stories(db, form, SEEDED)
    for campaign_id in ("oost-2026", "west-2026"):
        add_campaign(db, datetime.now(UTC), campaign_id)
    seed_unconfirmed(db, 3, datetime.now(UTC))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(secret_key=TEST_SECRET, environment="test", public_url=url,
                        database_url=f"sqlite:///{path}")
    cipher = AddressCipher([new_key()])
    service = ConversationService(db, form, texts, TEST_SECRET, cipher, Collaborators())
    service.staff = StaffDesk(form, texts, StaffOptions(public_url=url))
    runtime = Runtime(settings, db, form, texts, cipher, service)
    server = uvicorn.Server(uvicorn.Config(build_app(runtime, scheduler=False),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    yield LiveDashboard(url, db, runtime, downloads)
    server.should_exit = True
    thread.join(10)
    db.dispose()


@pytest.fixture
def browser(live: LiveDashboard) -> Iterator[webdriver.Chrome]:
    """A headless Chromium that downloads into the test's folder."""
    if not (Path(BROWSER).exists() and Path(DRIVER).exists()):
        pytest.fail("the browser tests need chromium and chromedriver: run `make browser`")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                     "--lang=nl-NL"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(live.downloads),
        "download.prompt_for_download": False,
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def screenshot(driver: webdriver.Chrome, name: str) -> None:
    """Save the page at desktop and phone width under SCREENSHOTS (the test's artefacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(width, height)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(full) + 120, 6000))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
    driver.set_window_size(*DESKTOP)
