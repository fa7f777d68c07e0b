"""The workspace's documents: every saved version of each organisation application's
devoops.yaml, with its author, time and a summary of the change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workload_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_app_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("author", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workload_versions"),
        sa.UniqueConstraint("org_app_id", "number", name="uq_workload_versions_org_app_id_number"),
        sa.ForeignKeyConstraint(
            ["org_app_id"],
            ["org_apps.id"],
            name="fk_workload_versions_org_app_id_org_apps",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_workload_versions_user_id_users", ondelete="SET NULL"
        ),
    )


def downgrade() -> None:
    op.drop_table("workload_versions")
