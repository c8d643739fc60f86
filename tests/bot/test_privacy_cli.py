"""Privacy from the command line: erasure by request, purge, keys; refusing weak secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import InsecureSettings, Settings
from storage.crypto import AddressCipher, new_key
from storage.migrate import upgrade
from tests.conftest import REPO, TEST_SECRET


def _run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=180)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade(url)
    return {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": TEST_SECRET}


def test_admin_erases_a_resident_by_platform_id(env: dict[str, str]) -> None:
    told = _run(env, "chat", "--jsonl", "--user", "4242",
                stdin='{"choice": "yes"}\n{"choice": "age_yes"}\n')
    assert told.returncode == 0, told.stderr
    # The terminal resident "4242" has the pseudonym of channel "terminal"; compute it.
    from storage.pseudonyms import pseudonym

    pid = pseudonym(TEST_SECRET, "terminal", "4242")
    done = _run(env, "erase", "--participant", pid)
    assert done.returncode == 0 and pid in done.stdout
    again = _run(env, "erase", "--participant", pid)
    assert again.returncode == 1 and "nothing to erase" in again.stderr
    fresh = _run(env, "chat", "--jsonl", "--user", "4242", stdin="")
    assert '"question": "_consent"' in fresh.stdout


def test_purge_dry_run_lists_every_kind(env: dict[str, str]) -> None:
    done = _run(env, "purge", "--dry-run")
    assert done.returncode == 0
    for kind in ("contact addresses", "sent messages", "update ids", "unconfirmed drafts"):
        assert f"would remove {kind}: 0" in done.stdout


def test_keys_rotate_re_encrypts_with_the_newest_key(env: dict[str, str]) -> None:
    from sqlalchemy import insert, select

    from storage.db import Database
    from storage.models import ContactAddress, Participant
    from tests.conftest import FixedClock

    old, new = new_key(), new_key()
    db = Database(env["VERTELPUNT_DATABASE_URL"])
    now = FixedClock()()
    with db.transaction() as session:
        session.execute(insert(Participant).values(id="p1", language="nl", about={},
                                                   created_at=now))
        session.execute(insert(ContactAddress).values(
            participant_id="p1", channel="telegram", address=AddressCipher([old]).encrypt("77"),
            reachable=True, created_at=now))
    done = _run({**env, "VERTELPUNT_ENCRYPTION_KEYS": f"{new},{old}"}, "keys", "rotate")
    assert done.returncode == 0 and "re-encrypted 1" in done.stdout
    with db.transaction() as session:
        token = session.scalar(select(ContactAddress.address))
    assert token is not None and AddressCipher([new]).decrypt(token) == "77"
    db.dispose()


@pytest.mark.parametrize("secret", ["development-secret-change-me", "short"])
def test_production_refuses_a_weak_secret(secret: str) -> None:
    with pytest.raises(InsecureSettings):
        Settings(environment="production", secret_key=secret)  # type: ignore[arg-type]
    assert Settings(environment="production", secret_key=TEST_SECRET)  # type: ignore[arg-type]
