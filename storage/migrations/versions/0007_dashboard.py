"""single-use dashboard links and dashboard sessions

Revision ID: 0007_dashboard
Revises: 0005
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db


revision = '0007_dashboard'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dashboard_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', storage.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_dashboard_links'))
    )
    with op.batch_alter_table('dashboard_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_links_participant_id'), ['participant_id'], unique=False)

    op.create_table('dashboard_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', storage.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', storage.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_dashboard_sessions'))
    )
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_sessions_participant_id'))
    op.drop_table('dashboard_sessions')
    with op.batch_alter_table('dashboard_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_links_participant_id'))
    op.drop_table('dashboard_links')
