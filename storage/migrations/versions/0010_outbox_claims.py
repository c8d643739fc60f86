"""outbox rows are claimed for a while by the process that sends them

Revision ID: 0010_outbox_claims
Revises: 0009_dashboard_indexes
Create Date: 2026-12-06 06:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = '0010_outbox_claims'
down_revision = '0009_dashboard_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_participant_id_channel_status',
                              ['participant_id', 'channel', 'status'])


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_participant_id_channel_status')
        batch_op.drop_column('claimed_until')
