"""Milestones: a named assessment per application, the baseline a review compares against.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_milestones"),
        sa.UniqueConstraint("app_id", "name", name="uq_milestones_app_id_name"),
        sa.ForeignKeyConstraint(["app_id"], ["applications.id"], name="fk_milestones_app_id_applications"),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name="fk_milestones_assessment_id_assessments"
        ),
    )


def downgrade() -> None:
    op.drop_table("milestones")
