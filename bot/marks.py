"""Marks of sent messages, gathered from many turns and written in one transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from bot.service import ConversationService

log = logging.getLogger(__name__)

Sent = tuple[int, str | None]


class SentMarks:
    """Records that outbox rows were sent, many turns' rows at a time, in a thread of its own.

    A mark is written at most `delay` seconds after it was added (sooner once `batch` marks
    wait), so a busy bot writes one transaction for many replies instead of one for each.
    Losing marks in a crash only means those messages are sent once more on the next start.
    """

    def __init__(
        self, service: ConversationService, delay: float = 0.005, batch: int = 500
    ) -> None:
        self._service = service
        self._delay = delay
        self._batch = batch
        self._waiting: list[tuple[list[Sent], Future[None]]] = []
        self._count = 0
        self._writing = 0
        self._closing = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, sent: Sequence[Sent]) -> Future[None]:
        """Queue marks; the future is done once they are written (or failed to be)."""
        done: Future[None] = Future()
        if not sent:
            done.set_result(None)
            return done
        with self._changed:
            self._waiting.append((list(sent), done))
            self._count += len(sent)
            if self._thread is None:  # started on first use: most runs send nothing
                self._start()
            self._changed.notify()
        return done

    def busy(self) -> bool:
        """Whether marks wait or are being written."""
        with self._changed:
            return bool(self._waiting or self._writing)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sent-marks", daemon=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Write what waits, then stop the thread (a later `add` starts it again)."""
        with self._changed:
            self._closing = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():  # still writing: it stops by itself once done
                return
        with self._changed:
            self._closing, self._thread = False, None
            if self._waiting:  # added while the thread was stopping
                self._start()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._closing)
                if not self._waiting:
                    return
                # Gather for a moment: marks of turns running now join this transaction.
                self._changed.wait_for(
                    lambda: self._closing or self._count >= self._batch, self._delay
                )
                taken, self._waiting, self._count = self._waiting, [], 0
                self._writing += 1
            try:
                self._write(taken)
            finally:
                with self._changed:
                    self._writing -= 1

    def _write(self, taken: list[tuple[list[Sent], Future[None]]]) -> None:
        try:
            self._service.mark_sent([mark for marks, _ in taken for mark in marks])
        except Exception as error:
            # The type and the database's error code only: a message can quote row values.
            code = getattr(getattr(error, "orig", None), "sqlstate", None)
            log.error("outbox: marking sent messages failed (%s %s)", type(error).__name__,
                      code or "")
            with self._changed:
                if not self._closing:  # tried again with the next batch
                    self._waiting[:0] = taken
                    self._count += sum(len(marks) for marks, _ in taken)
                    self._changed.wait(1.0)
                    return
            # Stopping: the rows stay pending and claimed until the claim lapses, and are
            # then sent again by whoever claims them.
            for _, done in taken:
                done.set_exception(error)
            return
        for _, done in taken:
            done.set_result(None)
