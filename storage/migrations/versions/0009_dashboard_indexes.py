"""indexes for the dashboard: stories by confirmation time, answers by question

Revision ID: 0009_dashboard_indexes
Revises: 0008_answer_method
Create Date: 2026-12-06 03:30:00.000000
"""

from __future__ import annotations

from alembic import op


revision = '0009_dashboard_indexes'
down_revision = '0008_answer_method'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index('ix_stories_confirmed_at_id', ['confirmed_at', 'id'], unique=False)
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_question_id_status', ['question_id', 'status'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_question_id_status')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_confirmed_at_id')
