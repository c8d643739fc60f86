"""transcription jobs: voice notes waiting for a worker

Revision ID: 0006_transcription_jobs
Revises: 0007_dashboard
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db

revision = '0006_transcription_jobs'
# After the dashboard's tables, which reached the main line first: one line of history.
down_revision = '0007_dashboard'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transcription_jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.LargeBinary(), nullable=False),
    sa.Column('file_ref', sa.String(length=256), nullable=True),
    sa.Column('seconds', sa.Integer(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('language_hint', sa.String(length=16), nullable=True),
    sa.Column('forwarded', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', storage.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=32), nullable=True),
    sa.Column('problem', sa.String(length=16), nullable=True),
    sa.Column('created_at', storage.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcription_jobs'))
    )
    with op.batch_alter_table('transcription_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcription_jobs_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_transcription_jobs_status_created_at', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('transcription_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_transcription_jobs_status_created_at')
        batch_op.drop_index(batch_op.f('ix_transcription_jobs_participant_id'))

    op.drop_table('transcription_jobs')
