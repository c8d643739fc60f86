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


def park_many(session: Session, rows: Sequence[tuple[str, str, str, bytes]], now: datetime,
              ) -> list[int | None]:
    """Keep updates, given as (channel, update id, participant id, body encrypted by the
    caller), in one statement; returns their row ids, None for one parked before (the
    platform delivered it again)."""
    if not rows:
        return []
    statement = _PARK_MANY[is_postgres(session)]
    found = session.connection().execute(statement, [
        {"channel": channel, "update_id": update_id, "participant_id": participant_id,
         "body": body, "parked_at": now}
        for channel, update_id, participant_id, body in rows]).all()
    ids = {(str(row.channel), str(row.update_id)): int(row.id) for row in found}
    return [ids.get((channel, update_id)) for channel, update_id, _, _ in rows]


def _park_statement(insert: Any) -> Any:
    return (insert(_PARKED)
            .values({name: bindparam(name) for name in
                     ("channel", "update_id", "participant_id", "body", "parked_at")})
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(_PARKED.c.id, _PARKED.c.channel, _PARKED.c.update_id))


# Built once, as they are on a busy process's hot path. Rows come back as (id, channel,
# update id); SQLAlchemy sends many rows as one statement on PostgreSQL.
_PARK_MANY = {True: _park_statement(pg_insert), False: _park_statement(sqlite_insert)}


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
