"""Builds the service from the settings: database, form, texts and the engine's helpers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.service import Collaborators, ConversationService
from bot.settings import Settings
from bot.staff import StaffOptions
from flows.context import Scrubbed
from flows.forms.loader import load_form
from flows.forms.schema import Form
from flows.texts import Texts
from storage.crypto import AddressCipher
from storage.db import Database
from storage.migrate import ensure_sqlite_directory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """Everything a channel needs to run conversations."""

    settings: Settings
    db: Database
    form: Form
    texts: Texts
    cipher: AddressCipher
    service: ConversationService


def build_texts(settings: Settings, form: Form) -> Texts:
    """Texts with the organisation's name and contact filled in."""
    return Texts(
        form,
        {"organisation": settings.organisation_name, "contact": settings.organisation_contact},
    )


def build_collaborators(settings: Settings, languages: Sequence[str]) -> Collaborators:
    """Scrubbing, NLU (Rasa when configured, else the embedded matcher), language detection
    and the safety lexicon."""
    # Imported here: loading scrubbing and NLU takes seconds that commands without
    # conversations (export, erase, checkins list) need not wait for.
    from nlu import answers, first_words, language
    from nlu.factory import build_intent_parser
    from nlu.safety import mentions_danger
    from storage.scrub import localise_placeholders, scrub_language, scrub_with_report, warm_up

    supported = tuple(languages)

    def scrub(text: str, language: str) -> Scrubbed:
        result = scrub_with_report(text, scrub_language(language))
        return Scrubbed(result.text, {kind.value: n for kind, n in result.counts.items()})

    def show_placeholders(text: str, language: str) -> str:
        return localise_placeholders(text, scrub_language(language))

    def detect(text: str, hint: str | None) -> tuple[str, float] | None:
        guess = language.detect_language(text, hint, supported)
        return (guess.language, guess.probability) if guess else None

    def first(text: str, hint: str | None) -> tuple[str, float] | None:
        guess = first_words.guess_language(text, hint, supported)
        return (guess.language, guess.probability) if guess else None

    warm_up()
    language.warm_up()
    return Collaborators(
        scrub=scrub,
        show_placeholders=show_placeholders,
        nlu=build_intent_parser(settings.rasa_url, settings.rasa_timeout),
        answers=answers,
        detect_language=detect,
        guess_language=first,
        language_named=first_words.language_named,
        mentions_danger=mentions_danger,
    )


def build_runtime(settings: Settings, collaborators: Collaborators | None = None) -> Runtime:
    """Load the form (refusing a broken one) and connect to the database."""
    form = load_form(settings.form)
    ensure_sqlite_directory(settings.database_url)
    db = Database(settings.database_url)
    texts = build_texts(settings, form)
    secret = settings.secret_key.get_secret_value()
    cipher = AddressCipher.from_settings(settings.encryption_keys.get_secret_value(), secret)
    service = ConversationService(
        db, form, texts, secret, cipher,
        collaborators or build_collaborators(settings, form.languages),
        staff=StaffOptions.from_settings(settings),
        claim_seconds=settings.send_lease_seconds,
    )
    return Runtime(settings, db, form, texts, cipher, service)
