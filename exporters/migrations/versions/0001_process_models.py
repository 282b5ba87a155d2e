"""Process-model tables: tenants, models, model versions.

Revision ID: pm0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pm0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pm_tenant",
        sa.Column("tenant_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_pm_tenant"),
    )
    op.create_table(
        "pm_model",
        sa.Column("tenant_id", sa.String(200), nullable=False),
        sa.Column("model_id", sa.String(400), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["pm_tenant.tenant_id"],
                                name="fk_pm_model_pm_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "model_id", name="pk_pm_model"),
    )
    op.create_table(
        "pm_model_version",
        sa.Column("tenant_id", sa.String(200), nullable=False),
        sa.Column("model_id", sa.String(400), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "model_id"],
                                ["pm_model.tenant_id", "pm_model.model_id"],
                                name="fk_pm_model_version_pm_model"),
        sa.PrimaryKeyConstraint("tenant_id", "model_id", "version", name="pk_pm_model_version"),
    )


def downgrade() -> None:
    op.drop_table("pm_model_version")
    op.drop_table("pm_model")
    op.drop_table("pm_tenant")
