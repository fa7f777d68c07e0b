"""Probe results: one row per probe an audit ran, beside the whole evidence in the document.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "probe_results",
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "name", name="pk_probe_results"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_probe_results_assessment_id_assessments",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_probe_results_kind_status", "probe_results", ["kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_probe_results_kind_status", "probe_results")
    op.drop_table("probe_results")
