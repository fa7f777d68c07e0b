"""The store's tables (SQLAlchemy Core). The assessment document is kept whole; the columns
beside it are what listing, charting and querying need without parsing it (maturity is one
column per tenet, not JSON: listing 10,000 assessments would spend most of its time decoding)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..model.common import Tenet

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend: SQLite keeps naive text, so the zone is put back."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


Document: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),
    sa.Column("app_id", sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("generated_at", UTCDateTime, nullable=False),
    sa.Column("saved_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("workload_text", sa.Text, nullable=False),
    sa.Column("workload_sha256", sa.String(64), nullable=False),
    sa.Column("lens_version", sa.String(40), nullable=False),
    sa.Column("devoops_version", sa.String(40), nullable=False),
    sa.Column("schema_version", sa.String(10), nullable=False),
    sa.Column("high", sa.Integer, nullable=False),
    sa.Column("medium", sa.Integer, nullable=False),
    sa.Column("unknown", sa.Integer, nullable=False),
    *(sa.Column(f"maturity_{t.value}", sa.Float, nullable=False) for t in Tenet),
    sa.Column("document", Document, nullable=False),
    sa.Index(None, "app_id", "generated_at"),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("assessment_id", sa.ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("horizon", sa.String(10), primary_key=True),
    sa.Column("practice", sa.String(100), primary_key=True),
    sa.Column("risk", sa.String(20), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("tenets", sa.String(200), nullable=False),
    sa.Index(None, "practice", "risk"),
)

milestones = sa.Table(
    "milestones",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app_id", sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("assessment_id", sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("app_id", "name"),
)

probe_results = sa.Table(
    "probe_results",
    metadata,
    sa.Column("assessment_id", sa.ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Index(None, "kind", "status"),
)

# --- accounts: the browser app's people, organisations and sessions (docs/web.md). Secrets are
# kept only as SHA-256 digests of random tokens, passwords only as argon2 hashes.

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("password_changed_at", UTCDateTime, nullable=False),
)

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("org_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index(None, "user_id"),
)

org_apps = sa.Table(
    "org_apps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("org_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    # The application's name as `app.name` in its workload and `applications.name` once saved:
    # an organisation may claim a name before its first assessment, and only one may hold it.
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index(None, "org_id"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index(None, "user_id"),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("org_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_by", sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
    sa.Column("used_by", sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Index(None, "org_id"),
)

setup_links = sa.Table(
    "setup_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("window_start", UTCDateTime, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("org_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("actor", sa.String(300), nullable=False),  # who, as shown then: kept if the account goes
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("old_value", Document, nullable=True),
    sa.Column("new_value", Document, nullable=True),
    sa.Index(None, "org_id", "at"),
)

# --- the workspace: each organisation application's devoops.yaml, one row per saved version,
# never updated in place, so every earlier text (and who wrote it, when) stays readable.

workload_versions = sa.Table(
    "workload_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("org_app_id", sa.ForeignKey("org_apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # 1, 2, ... per application
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("author", sa.String(300), nullable=False),  # as shown then: kept if the account goes
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Two saves racing on one base cannot both become the next version.
    sa.UniqueConstraint("org_app_id", "number"),
)
