"""participants' about-you answers are JSONB on PostgreSQL

Revision ID: 0011_about_jsonb
Revises: 0010_outbox_claims
Create Date: 2026-12-06 08:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011_about_jsonb'
down_revision = '0010_outbox_claims'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite keeps JSON as text either way.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('participants', 'about', type_=postgresql.JSONB(),
                        postgresql_using='about::jsonb')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('participants', 'about', type_=sa.JSON(),
                        postgresql_using='about::json')
