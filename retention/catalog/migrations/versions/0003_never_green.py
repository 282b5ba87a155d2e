"""Never green: barman keep annotations, bucket facts, a server's first backup, vanished objects.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rex_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep', sa.String(length=16), nullable=True))
    with op.batch_alter_table('rex_server', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bucket_lock_enabled', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('versioning', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('first_backup_end', sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table('rex_vanished',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('timeline', sa.Integer(), nullable=True),
    sa.Column('first', sa.BigInteger(), nullable=True),
    sa.Column('last', sa.BigInteger(), nullable=True),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('kept_by', sa.Text(), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=200), nullable=True),
    sa.Column('ack_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rex_vanished'))
    )
    with op.batch_alter_table('rex_vanished', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rex_vanished_server'), ['server'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rex_vanished', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rex_vanished_server'))
    op.drop_table('rex_vanished')
    with op.batch_alter_table('rex_server', schema=None) as batch_op:
        batch_op.drop_column('first_backup_end')
        batch_op.drop_column('versioning')
        batch_op.drop_column('bucket_lock_enabled')
    with op.batch_alter_table('rex_point', schema=None) as batch_op:
        batch_op.drop_column('keep')
