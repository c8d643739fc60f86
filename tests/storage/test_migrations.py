"""Migrations match the models and run up and down on both databases."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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


def test_about_you_answers_survive_becoming_jsonb(db: Database) -> None:
    about = {"age_group": {"status": "answered", "value": {"option": "a65_80"}}}
    db.dispose()
    downgrade(db.url, "0010_outbox_claims")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO participants (id, language, about, created_at) "
                          "VALUES ('p1', 'nl', :about, CURRENT_TIMESTAMP)"),
                     {"about": json.dumps(about)})
    db.dispose()
    upgrade(db.url)
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT about FROM participants WHERE id = 'p1'")).scalar()
        if not db.is_sqlite:
            kind = conn.execute(text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'participants' AND column_name = 'about'")).scalar()
            assert kind == "jsonb"
    assert (json.loads(stored) if isinstance(stored, str) else stored) == about
