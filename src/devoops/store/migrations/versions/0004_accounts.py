"""Accounts for the browser app: users, organisations and their roles and applications,
sessions, invitations, the setup link, login throttling and the audit trail.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, referred: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("password_changed_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
    )
    op.create_table(
        "memberships",
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "user_id", name="pk_memberships"),
        _fk("memberships", "org_id", "organisations", "CASCADE"),
        _fk("memberships", "user_id", "users", "CASCADE"),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "org_apps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_apps"),
        sa.UniqueConstraint("name", name="uq_org_apps_name"),
        _fk("org_apps", "org_id", "organisations", "CASCADE"),
    )
    op.create_index("ix_org_apps_org_id", "org_apps", ["org_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("last_seen_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
        _fk("sessions", "user_id", "users", "CASCADE"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.Column("used_at", STAMP, nullable=True),
        sa.Column("used_by", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
        _fk("invitations", "org_id", "organisations", "CASCADE"),
        _fk("invitations", "created_by", "users", "SET NULL"),
        _fk("invitations", "used_by", "users", "SET NULL"),
    )
    op.create_index("ix_invitations_org_id", "invitations", ["org_id"])
    op.create_table(
        "setup_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.Column("used_at", STAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_setup_links"),
        sa.UniqueConstraint("token_hash", name="uq_setup_links_token_hash"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("window_start", STAMP, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("old_value", DOCUMENT, nullable=True),
        sa.Column("new_value", DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        _fk("audit_events", "org_id", "organisations", "CASCADE"),
        _fk("audit_events", "user_id", "users", "SET NULL"),
    )
    op.create_index("ix_audit_events_org_id_at", "audit_events", ["org_id", "at"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "login_throttle",
        "setup_links",
        "invitations",
        "sessions",
        "org_apps",
        "memberships",
        "organisations",
        "users",
    ):
        op.drop_table(table)
