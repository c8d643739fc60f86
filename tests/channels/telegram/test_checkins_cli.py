"""`vertelpunt checkins list` and `send-due` from the command line, against the fake Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from storage.crypto import AddressCipher, new_key
from storage.db import Database
from storage.migrate import upgrade
from storage.models import CheckIn, ContactAddress, ConversationState, Participant, Story
from tests.conftest import REPO, TEST_SECRET
from tests.fakes.telegram_api import FakeBotApi


def _due(db: Database, cipher: AddressCipher, chat_id: int) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    with db.transaction() as session:
        session.execute(insert(Participant).values(id="p1", language="nl", about={},
                                                   created_at=past))
        session.execute(insert(ConversationState).values(
            participant_id="p1", data={"step": "ended", "consented": True}, version=1,
            updated_at=past))
        session.execute(insert(Story).values(
            id="s1", participant_id="p1", form_id="f", form_version=1, title="Mijn buurt",
            text="t", language="nl", channel="telegram", created_at=past, confirmed_at=past))
        session.execute(insert(ContactAddress).values(
            participant_id="p1", channel="telegram", address=cipher.encrypt(str(chat_id)),
            reachable=True, created_at=past))
        session.execute(insert(CheckIn).values(
            id="c1", participant_id="p1", story_id="s1", channel="telegram", sequence=1,
            due_at=past, status="scheduled", attempts=0))


def test_send_due_sends_once_and_list_shows_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    key = new_key()
    db = Database(url)
    _due(db, AddressCipher([key]), 700000001)
    db.dispose()
    with FakeBotApi() as fake:
        env = {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": TEST_SECRET,
               "VERTELPUNT_ENCRYPTION_KEYS": key, "VERTELPUNT_TELEGRAM_TOKEN": fake.token,
               "VERTELPUNT_TELEGRAM_API_URL": fake.base_url,
               "VERTELPUNT_TELEGRAM_WEBHOOK_SECRET": "s3cret",
               "VERTELPUNT_CHECKIN_HOURS_START": "0", "VERTELPUNT_CHECKIN_HOURS_END": "24"}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "bot.cli.main", "checkins", *args],
                                  capture_output=True, text=True, env=env, cwd=REPO,
                                  timeout=180)

        dry = run("send-due", "--dry-run")
        assert dry.returncode == 0 and "would send 1 check-ins" in dry.stdout, dry.stderr
        assert fake.sent_messages(700000001) == []
        sent = run("send-due")
        assert sent.returncode == 0 and "sent 1 check-ins" in sent.stdout, sent.stderr
        again = run("send-due")
        assert "sent 0 check-ins" in again.stdout
        messages = fake.sent_messages(700000001)
    assert len(messages) == 1 and "Mijn buurt" in messages[0]["text"]
    listed = run("list")
    assert "sent" in listed.stdout and "telegram" in listed.stdout


def test_send_due_works_on_a_polling_set_up_without_a_webhook_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    key = new_key()
    db = Database(url)
    _due(db, AddressCipher([key]), 700000002)
    db.dispose()
    env = {name: value for name, value in os.environ.items()
           if name != "VERTELPUNT_TELEGRAM_WEBHOOK_SECRET"}
    with FakeBotApi() as fake:
        env |= {"VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": TEST_SECRET,
                "VERTELPUNT_ENCRYPTION_KEYS": key, "VERTELPUNT_TELEGRAM_TOKEN": fake.token,
                "VERTELPUNT_TELEGRAM_API_URL": fake.base_url,
                "VERTELPUNT_CHECKIN_HOURS_START": "0", "VERTELPUNT_CHECKIN_HOURS_END": "24"}

        sent = subprocess.run([sys.executable, "-m", "bot.cli.main", "checkins", "send-due"],
                              capture_output=True, text=True, env=env, cwd=REPO, timeout=180)

        assert sent.returncode == 0 and "sent 1 check-ins" in sent.stdout, sent.stderr
        [message] = fake.sent_messages(700000002)
        # Sending only: updates are left for the service to fetch, the webhook untouched.
        assert fake.calls_to("getUpdates") == [] and fake.calls_to("deleteWebhook") == []
        assert fake.calls_to("setWebhook") == []
    assert "Mijn buurt" in message["text"]
