"""The catalog: points, objects, WAL runs, holds, tenants, plans, intents, locks, ledger.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('rex_history',
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('timeline', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('server', 'timeline', name=op.f('pk_rex_history'))
    )
    op.create_table('rex_hold',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('point', sa.String(length=200), nullable=True),
    sa.Column('range_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('range_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by', sa.String(length=200), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.String(length=200), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rex_hold'))
    )
    op.create_table('rex_intent',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_rex_intent'))
    )
    op.create_table('rex_ledger',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_rex_ledger')),
    sa.UniqueConstraint('hash', name=op.f('uq_rex_ledger_hash'))
    )
    op.create_table('rex_lock',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rex_lock'))
    )
    op.create_table('rex_object',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('backup_id', sa.String(length=200), nullable=True),
    sa.Column('timeline', sa.Integer(), nullable=True),
    sa.Column('position', sa.BigInteger(), nullable=True),
    sa.Column('key', sa.String(length=1024), nullable=False),
    sa.Column('version_id', sa.String(length=1024), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=False),
    sa.Column('checksum', sa.String(length=200), nullable=True),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retain_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.Column('delete_marker', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rex_object')),
    sa.UniqueConstraint('server', 'key', 'version_id', name=op.f('uq_rex_object_server'))
    )
    with op.batch_alter_table('rex_object', schema=None) as batch_op:
        batch_op.create_index('ix_rex_object_point', ['server', 'backup_id'], unique=False)
        batch_op.create_index('ix_rex_object_wal', ['server', 'timeline', 'position'], unique=False)

    op.create_table('rex_plan',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('now', sa.DateTime(timezone=True), nullable=False),
    sa.Column('policy_name', sa.String(length=200), nullable=False),
    sa.Column('policy_sha256', sa.String(length=64), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('has_errors', sa.Boolean(), nullable=False),
    sa.Column('allow_mass_delete', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rex_plan'))
    )
    op.create_table('rex_point',
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('backup_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('begin_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timeline', sa.Integer(), nullable=False),
    sa.Column('begin_pos', sa.BigInteger(), nullable=False),
    sa.Column('end_pos', sa.BigInteger(), nullable=True),
    sa.Column('parent', sa.String(length=200), nullable=True),
    sa.Column('segments_per_log', sa.Integer(), nullable=False),
    sa.Column('info_key', sa.String(length=1024), nullable=False),
    sa.Column('info_version', sa.String(length=1024), nullable=False),
    sa.Column('info_text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('server', 'backup_id', name=op.f('pk_rex_point'))
    )
    op.create_table('rex_server',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('storage_url', sa.Text(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state_hash', sa.String(length=64), nullable=True),
    sa.Column('bucket_lock_days', sa.Integer(), nullable=True),
    sa.Column('bucket_lock_mode', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rex_server'))
    )
    op.create_table('rex_tenant',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('servers', sa.JSON(), nullable=True),
    sa.Column('terminated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rex_tenant'))
    )
    op.create_table('rex_wal_run',
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('timeline', sa.Integer(), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('server', 'timeline', 'first', name=op.f('pk_rex_wal_run'))
    )



def downgrade() -> None:

    op.drop_table('rex_wal_run')
    op.drop_table('rex_tenant')
    op.drop_table('rex_server')
    op.drop_table('rex_point')
    op.drop_table('rex_plan')
    with op.batch_alter_table('rex_object', schema=None) as batch_op:
        batch_op.drop_index('ix_rex_object_wal')
        batch_op.drop_index('ix_rex_object_point')

    op.drop_table('rex_object')
    op.drop_table('rex_lock')
    op.drop_table('rex_ledger')
    op.drop_table('rex_intent')
    op.drop_table('rex_hold')
    op.drop_table('rex_history')

