"""updates answered before their turn ran are kept until it committed

Revision ID: 0012_parked_updates
Revises: 0011_about_jsonb
Create Date: 2026-12-06 17:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = '0012_parked_updates'
down_revision = '0011_about_jsonb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'parked_updates',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('update_id', sa.String(length=128), nullable=False),
        sa.Column('participant_id', sa.String(length=64), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('parked_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'update_id'),
    )


def downgrade() -> None:
    op.drop_table('parked_updates')
