"""The hot path of a turn keeps the rules of the columns' types on every database."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import StatementError

from storage.db import Database
from storage.turns import queue_messages


def test_a_naive_time_is_refused_on_every_path(db: Database) -> None:
    naive = datetime(2026, 3, 2, 10, 0)
    with pytest.raises((ValueError, StatementError)), db.transaction() as session:
        queue_messages(session, "p1", "telegram", b"address", [{"text": "a"}], naive)
