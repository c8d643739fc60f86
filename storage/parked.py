"""Updates answered before their turn ran, kept until the turn committed. Flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import ParkedUpdate

_PARKED = cast(Table, ParkedUpdate.__table__)


def park(session: Session, channel: str, update_id: str, participant_id: str, body: bytes,
         now: datetime) -> int | None:
    """Keep an update (its body encrypted by the caller); returns its row id, or None when
    it was parked before (the platform delivered it again)."""
    statement = _PARK[is_postgres(session)]
    row_id: int | None = session.connection().execute(statement, {
        "channel": channel, "update_id": update_id, "participant_id": participant_id,
        "body": body, "parked_at": now}).scalar()
    return row_id


def _park_statement(insert: Any) -> Any:
    return (insert(_PARKED)
            .values({name: bindparam(name) for name in
                     ("channel", "update_id", "participant_id", "body", "parked_at")})
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(_PARKED.c.id))


# Built once: parking is on a busy process's hot path.
_PARK = {True: _park_statement(pg_insert), False: _park_statement(sqlite_insert)}


def unpark(session: Session, row_ids: Sequence[int]) -> None:
    """Forget updates whose turns committed."""
    if row_ids:
        session.connection().execute(delete(_PARKED).where(_PARKED.c.id.in_(list(row_ids))))


def parked(session: Session, channel: str, before: datetime | None = None,
           ) -> list[ParkedUpdate]:
    """The channel's parked updates, oldest first; `before`: only those parked before then."""
    query = select(ParkedUpdate).where(ParkedUpdate.channel == channel)
    if before is not None:
        query = query.where(ParkedUpdate.parked_at < before)
    return list(session.scalars(query.order_by(ParkedUpdate.id)))
