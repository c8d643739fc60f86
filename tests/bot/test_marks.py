"""Sent marks of many turns are written together, and nothing waiting is lost on close."""

from __future__ import annotations

from typing import Any

import pytest

from bot.marks import SentMarks


class RecordingService:
    """Stands in for the service: records each mark_sent call (one transaction each)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[tuple[int, str | None]]] = []
        self.fail = fail

    def mark_sent(self, sent: list[tuple[int, str | None]]) -> None:
        if self.fail:
            raise RuntimeError("database gone")
        self.calls.append(list(sent))


def marks_for(service: RecordingService, **kwargs: Any) -> SentMarks:
    return SentMarks(service, **kwargs)  # type: ignore[arg-type]


def test_marks_added_close_together_are_written_in_one_transaction() -> None:
    service = RecordingService()
    marks = marks_for(service, delay=0.5)
    done = [marks.add([(n, f"m{n}")]) for n in range(1, 6)]
    for future in done:
        future.result(timeout=5)
    assert service.calls == [[(1, "m1"), (2, "m2"), (3, "m3"), (4, "m4"), (5, "m5")]]
    marks.close(5)


def test_a_full_batch_is_written_without_waiting_for_the_delay() -> None:
    service = RecordingService()
    marks = marks_for(service, delay=30, batch=3)
    marks.add([(1, None), (2, None), (3, None)]).result(timeout=5)
    assert service.calls == [[(1, None), (2, None), (3, None)]]
    marks.close(5)


def test_close_writes_what_waits_and_marks_can_be_added_again() -> None:
    service = RecordingService()
    marks = marks_for(service, delay=30)
    first = marks.add([(7, "a")])
    marks.close(5)
    assert first.done() and service.calls == [[(7, "a")]]
    marks.add([(8, "b")])
    marks.close(5)
    assert service.calls == [[(7, "a")], [(8, "b")]]


def test_nothing_to_mark_is_done_at_once() -> None:
    service = RecordingService()
    assert marks_for(service).add([]).done()
    assert service.calls == []


def test_a_failed_write_is_tried_again_and_written_once_the_database_is_back() -> None:
    service = RecordingService(fail=True)
    marks = marks_for(service, delay=0.01)
    futures = [marks.add([(1, None)]), marks.add([(2, None)])]
    with pytest.raises(TimeoutError):
        futures[0].result(timeout=0.3)  # still failing: the marks wait
    service.fail = False
    for future in futures:
        future.result(timeout=5)
    assert [mark for call in service.calls for mark in call] == [(1, None), (2, None)]
    marks.close(5)


def test_marks_still_failing_when_closing_fail_their_futures() -> None:
    service = RecordingService(fail=True)
    marks = marks_for(service, delay=0.01)
    futures = [marks.add([(1, None)]), marks.add([(2, None)])]
    marks.close(5)
    for future in futures:
        with pytest.raises(RuntimeError):
            future.result(timeout=5)
