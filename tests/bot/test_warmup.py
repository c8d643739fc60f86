"""A new process reads once in every language, and opens its connections, before it takes
updates."""

from __future__ import annotations

from collections.abc import Sequence

from bot.runtime import Runtime, build_collaborators
from bot.service import Collaborators, ConversationService
from bot.settings import Settings
from bot.warmup import warm_up
from flows.context import Scrubbed
from flows.forms.schema import Form
from flows.texts import Texts
from storage.crypto import AddressCipher, new_key
from storage.db import Database
from tests.conftest import TEST_SECRET


class Recorder:
    """Collaborators that note which helper read in which language."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def collaborators(self) -> Collaborators:
        return Collaborators(
            scrub=self.scrub, mentions_danger=self.danger, detect_language=self.detect,
            guess_language=self.detect, language_named=self.named,
        )

    def scrub(self, text: str, language: str) -> Scrubbed:
        self.calls.append(("scrub", language))
        return Scrubbed(text)

    def danger(self, text: str) -> bool:
        self.calls.append(("danger", None))
        return False

    def detect(self, text: str, hint: str | None) -> tuple[str, float] | None:
        self.calls.append(("detect", hint))
        return None

    def named(self, text: str, supported: Sequence[str]) -> str | None:
        self.calls.append(("named", None))
        return None


def _runtime(db: Database, form: Form, texts: Texts, helpers: Collaborators) -> Runtime:
    settings = Settings(secret_key=TEST_SECRET, database_url=db.url)
    cipher = AddressCipher([new_key()])
    service = ConversationService(db, form, texts, TEST_SECRET, cipher, helpers)
    return Runtime(settings, db, form, texts, cipher, service)


def test_every_language_is_read_and_the_pool_opened(db: Database, form: Form,
                                                     texts: Texts) -> None:
    recorder = Recorder()
    db.dispose()  # no connection open yet
    warm_up(_runtime(db, form, texts, recorder.collaborators()))
    scrubbed = {language for kind, language in recorder.calls if kind == "scrub"}
    assert scrubbed == set(form.languages)
    assert {kind for kind, _ in recorder.calls} == {"scrub", "danger", "detect", "named"}
    pool = db.engine.pool
    if db.is_sqlite:
        return
    size = pool.size()  # type: ignore[attr-defined]
    assert size > 0 and pool.checkedin() == size  # type: ignore[attr-defined]


def test_the_real_readers_take_the_form_s_questions(db: Database, form: Form,
                                                    texts: Texts) -> None:
    settings = Settings(secret_key=TEST_SECRET, database_url=db.url)
    warm_up(_runtime(db, form, texts, build_collaborators(settings, form.languages)))


def test_the_app_sets_start_up_aside_from_the_collector_while_it_runs(
        db: Database, form: Form, texts: Texts) -> None:
    """What exists once the app has started is left out of later collections (a full one
    walked millions of start-up objects, stopping every thread), until the app stops."""
    import gc

    from fastapi.testclient import TestClient

    from bot.server import create_app

    gc.unfreeze()
    app = create_app(_runtime(db, form, texts, Recorder().collaborators()), settle_heap=True)
    with TestClient(app):
        assert gc.get_freeze_count() > 0
        gc.collect()
        assert gc.get_freeze_count() > 0  # a collection does not take them back
    assert gc.get_freeze_count() == 0
