"""Applications, their assessments (the whole document plus summary columns) and findings.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
TENETS = ("high_availability", "scalability", "performance", "data_integrity", "security", "productivity")


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
        sa.UniqueConstraint("name", name="uq_applications_name"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("generated_at", STAMP, nullable=False),
        sa.Column("saved_at", STAMP, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("workload_text", sa.Text, nullable=False),
        sa.Column("workload_sha256", sa.String(64), nullable=False),
        sa.Column("lens_version", sa.String(40), nullable=False),
        sa.Column("devoops_version", sa.String(40), nullable=False),
        sa.Column("schema_version", sa.String(10), nullable=False),
        sa.Column("high", sa.Integer, nullable=False),
        sa.Column("medium", sa.Integer, nullable=False),
        sa.Column("unknown", sa.Integer, nullable=False),
        *(sa.Column(f"maturity_{tenet}", sa.Float, nullable=False) for tenet in TENETS),
        sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.UniqueConstraint("uid", name="uq_assessments_uid"),
        sa.ForeignKeyConstraint(["app_id"], ["applications.id"], name="fk_assessments_app_id_applications"),
    )
    op.create_index("ix_assessments_app_id_generated_at", "assessments", ["app_id", "generated_at"])
    op.create_table(
        "findings",
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("horizon", sa.String(10), nullable=False),
        sa.Column("practice", sa.String(100), nullable=False),
        sa.Column("risk", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("tenets", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "horizon", "practice", name="pk_findings"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_findings_assessment_id_assessments",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_findings_practice_risk", "findings", ["practice", "risk"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("assessments")
    op.drop_table("applications")
