"""A new process answers its first updates as fast as its later ones.

What the first turns would otherwise load on the way is loaded before the service takes
updates: the safety check's word lists, the language names, the language detector's and the
scrubber's tables for every language of the form, and the database connections of the pool.
Measured on a fresh server taking 150 Telegram updates a second, the first second's turns
took 400 to 650 ms to their 200 without it (bench/bench_telegram_webhook.py --rate 150).

Once it is all loaded, what start-up built is set aside from the garbage collector
(`settle`): the scrubber's name lists, the language tables and the rest are millions of
objects that live as long as the process, and each full collection walked them all, stopping
every thread for 150 to 200 ms about every ten seconds at that load.
"""

from __future__ import annotations

import gc
import logging
import time

from bot.runtime import Runtime

log = logging.getLogger(__name__)


def warm_up(runtime: Runtime) -> None:
    """Run each reading step once per language on the form's own questions, and open the
    pool's connections. Nothing is stored."""
    started = time.perf_counter()
    helpers = runtime.service.collaborators
    form, texts = runtime.form, runtime.texts
    for language in texts.languages:
        for question in form.questions[:2]:
            sample = texts.local(question.text, language)
            helpers.mentions_danger(sample)
            helpers.scrub(sample, language)
            for detector in (helpers.detect_language, helpers.guess_language):
                if detector is not None:
                    detector(sample, language)
            if helpers.language_named is not None:
                helpers.language_named(sample, texts.languages)
    connections = runtime.db.open_connections()
    log.info("warmed up in %.2f s (%d database connections open)",
             time.perf_counter() - started, connections)


def settle() -> None:
    """Keep every object alive now out of later collections (what start-up built lives as
    long as the process). Costs nothing: no object is visited."""
    gc.freeze()
    log.info("%d objects of start-up set aside from the garbage collector",
             gc.get_freeze_count())


def unsettle() -> None:
    """Let the collector see those objects again (the app stopped; a test process goes on)."""
    gc.unfreeze()
