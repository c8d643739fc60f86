"""Migrations match the models and run up and down on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import Base, Database
from storage.migrate import downgrade, upgrade


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_down_and_up_again(db: Database) -> None:
    db.dispose()
    downgrade(db.url, "base")
    assert "stories" not in inspect(db.engine).get_table_names()
    db.dispose()
    upgrade(db.url)
    assert "stories" in inspect(db.engine).get_table_names()
