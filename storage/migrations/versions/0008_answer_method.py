"""how each answer was given, and whether help lines were shown for a story

Revision ID: 0008_answer_method
Revises: 0006_transcription_jobs
Create Date: 2026-12-06 04:00:00.000000

Rows stored before this revision keep NULL in both columns: how they were given, and
whether help lines were shown, was not recorded then (the export leaves those cells empty).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_answer_method'
down_revision = '0006_transcription_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16), nullable=True))
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('help_lines_shown', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('help_lines_shown')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('method')
