"""The client lifecycle: contracts, terminations, consents, offboardings; who added a tenant.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rex_tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('added_by', sa.String(length=200), nullable=True))

    op.create_table('rex_contract',
    sa.Column('tenant', sa.String(length=200), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('auto_renew', sa.Boolean(), nullable=False),
    sa.Column('remind', sa.String(length=40), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_rex_contract'))
    )
    op.create_table('rex_termination',
    sa.Column('tenant', sa.String(length=200), nullable=False),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('terminated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_rex_termination'))
    )
    op.create_table('rex_consent',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('tenant', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('by', sa.String(length=200), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=200), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rex_consent'))
    )
    with op.batch_alter_table('rex_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rex_consent_tenant'), ['tenant'], unique=False)

    op.create_table('rex_offboarding',
    sa.Column('tenant', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_rex_offboarding'))
    )


def downgrade() -> None:
    op.drop_table('rex_offboarding')
    with op.batch_alter_table('rex_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rex_consent_tenant'))

    op.drop_table('rex_consent')
    op.drop_table('rex_termination')
    op.drop_table('rex_contract')
    with op.batch_alter_table('rex_tenant', schema=None) as batch_op:
        batch_op.drop_column('added_by')
        batch_op.drop_column('added_at')
