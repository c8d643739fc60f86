"""Parked updates are stored many at a time; one whose webhook was given up is left out,
and a failed write fails only its own webhooks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pytest

from bot.channel_records import ChannelRecords
from bot.parking import _Writer


class Records:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.fail = False

    def park_updates(self, updates: Sequence[tuple[str, str, str, bytes]]) -> list[int | None]:
        if self.fail:
            raise RuntimeError("database away")
        self.batches.append([update_id for _, update_id, _, _ in updates])
        return [int(update_id) for _, update_id, _, _ in updates]


def _writer(records: Records) -> _Writer:
    return _Writer(cast(ChannelRecords, records), gather=0.05)


def _update(n: int) -> tuple[str, str, str, bytes]:
    return ("telegram", str(n), "p", b"{}")


def test_updates_that_come_together_are_stored_together() -> None:
    records = Records()
    writer = _writer(records)
    futures = [writer.add(_update(n)) for n in range(5)]
    assert [f.result(timeout=5) for f in futures] == [0, 1, 2, 3, 4]
    assert records.batches == [["0", "1", "2", "3", "4"]]
    writer.close()


def test_an_update_given_up_is_left_out_and_the_writer_goes_on() -> None:
    records = Records()
    writer = _writer(records)
    given_up = writer.add(_update(1))
    assert given_up.cancel()  # its webhook was cancelled while it waited
    kept = writer.add(_update(2))
    assert kept.result(timeout=5) == 2
    assert records.batches == [["2"]]
    assert writer.add(_update(3)).result(timeout=5) == 3
    writer.close()


def test_a_failed_write_fails_its_own_updates_only() -> None:
    records = Records()
    writer = _writer(records)
    records.fail = True
    failed = writer.add(_update(1))
    with pytest.raises(RuntimeError):
        failed.result(timeout=5)
    records.fail = False
    assert writer.add(_update(2)).result(timeout=5) == 2
    writer.close()


