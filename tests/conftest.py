"""Shared fixtures: the offline guard, databases on SQLite and PostgreSQL, the default form, a
fixed clock."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.runtime import build_texts
from bot.service import Collaborators, ConversationService
from bot.settings import Settings
from flows.forms.loader import load_form
from flows.forms.schema import Form
from flows.texts import Texts
from nlu import answers
from storage.crypto import AddressCipher, new_key
from storage.db import Base, Database
from storage.migrate import upgrade
from tests.offline import OfflineGuard

# pytester runs a test run inside a test: how the offline guard is shown to fail a test.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FORM = REPO / "flows" / "forms" / "default.yaml"
PG_ADMIN_URL = os.environ.get(
    "VERTELPUNT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET = "test-secret-that-is-long-enough-for-production-use-0123456789"


@pytest.fixture(autouse=True)
def offline_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[OfflineGuard]:
    """Every test runs offline: reaching beyond loopback raises, and fails the test."""
    guard = OfflineGuard()
    guard.install(monkeypatch)
    yield guard
    if guard.refused:
        pytest.fail("network use in a test: " + "; ".join(guard.refused), pytrace=False)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**kwargs)


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as error:  # any failure to connect means: no PostgreSQL here
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, migrated; dropped at the end."""
    problem = _postgres_available()
    if problem is not None:
        message = f"PostgreSQL unreachable at {PG_ADMIN_URL} ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI=true needs it")
        pytest.skip(message)
    name = f"vertelpunt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate(db: Database) -> None:
    with db.engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "vertelpunt.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    database = Database(request.getfixturevalue("postgres_url"))
    _truncate(database)
    yield database
    _truncate(database)
    database.dispose()


@pytest.fixture(scope="session")
def form() -> Form:
    """The default story form."""
    return load_form(DEFAULT_FORM)


@pytest.fixture(scope="session")
def texts(form: Form) -> Texts:
    """Texts of the default form, with a test organisation."""
    return build_texts(Settings(secret_key=TEST_SECRET), form)


@pytest.fixture
def clock() -> FixedClock:
    """A fixed clock."""
    return FixedClock()


@pytest.fixture
def ids() -> Callable[[], str]:
    """Predictable story ids."""
    counter = itertools.count(1)
    return lambda: f"story{next(counter):04d}"


@pytest.fixture
def service(
    db: Database, form: Form, texts: Texts, clock: FixedClock, ids: Callable[[], str]
) -> ConversationService:
    """The conversation service on the test database."""
    cipher = AddressCipher([new_key()])
    return ConversationService(
        db, form, texts, TEST_SECRET, cipher, Collaborators(answers=answers), clock=clock,
        new_id=ids,
    )
