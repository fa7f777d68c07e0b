"""The browser app's accounts in the store: people, organisations, roles, the applications an
organisation holds, sessions, single-use links, login throttling and the audit trail. Nothing
lives in a server process, so any number of them serve one deployment.

Tokens are kept only as their SHA-256 (`digest`), passwords only as argon2 hashes made by
devoops.web.auth: the store holds no secret. Every single-use link is spent by one conditional UPDATE, so two
requests racing for it cannot both win, on SQLite or PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from . import account_rows as rows
from .people import (
    ROLES,
    SETUP_TTL,
    Actor,
    AuditEvent,
    Conflict,
    InvalidLink,
    Invitation,
    Member,
    Membership,
    OrgApp,
    Session,
    User,
)
from .tables import (
    audit_events,
    invitations,
    login_throttle,
    memberships,
    org_apps,
    organisations,
    sessions,
    setup_links,
    users,
)
from .transactions import Transactions


class Accounts(Transactions):
    """The accounts tables of one opened `Store`."""

    # --- people

    def count_users(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def credentials(self, email: str) -> tuple[User, str] | None:
        """The user with this email and their password hash."""
        with self._read() as conn:
            row = conn.execute(sa.select(users).where(users.c.email == email)).one_or_none()
        return None if row is None else (User(row.id, row.email, row.name), row.password_hash)

    def create_user(self, email: str, name: str, password_hash: str, now: dt.datetime) -> User:
        """An account in no organisation yet (an invitation or a new organisation gives it one)."""
        with self._write() as conn:
            return rows.new_user(conn, email, name, password_hash, now)

    def password_hash(self, user_id: int) -> str:
        with self._read() as conn:
            return str(
                conn.execute(sa.select(users.c.password_hash).where(users.c.id == user_id)).scalar_one()
            )

    def set_password(self, user_id: int, password_hash: str, now: dt.datetime, by: Actor) -> None:
        """A new password ends every session of the user, in the same transaction."""
        with self._write() as conn:
            conn.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(password_hash=password_hash, password_changed_at=now)
            )
            conn.execute(sessions.delete().where(sessions.c.user_id == user_id))
            rows.audit(conn, now, None, by, "password.changed", by.label, None, None)

    # --- sessions

    def open_session(
        self, user_id: int, token_hash: str, csrf_token: str, now: dt.datetime, lifetime: dt.timedelta
    ) -> None:
        with self._write() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at <= now))
            conn.execute(
                sessions.insert().values(
                    token_hash=token_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + lifetime,
                )
            )

    def session(self, token_hash: str, now: dt.datetime, idle: dt.timedelta) -> Session | None:
        """The live session with this token: not expired, used within `idle`. Its last use is
        written at most once a minute, so reading pages stays mostly free of writes."""
        query = (
            sa.select(sessions, users.c.email, users.c.name)
            .join(users)
            .where(
                sessions.c.token_hash == token_hash,
                sessions.c.expires_at > now,
                sessions.c.last_seen_at > now - idle,
            )
        )
        with self._read() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        if now - row.last_seen_at > dt.timedelta(minutes=1):
            with self._write() as conn:
                conn.execute(sessions.update().where(sessions.c.id == row.id).values(last_seen_at=now))
        return Session(row.id, User(row.user_id, row.email, row.name), row.csrf_token)

    def end_session(self, token_hash: str) -> None:
        with self._write() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))

    # --- the first owner

    def create_setup_link(self, token_hash: str, now: dt.datetime, ttl: dt.timedelta = SETUP_TTL) -> None:
        """A new setup link. Each server started on an empty store prints one; any of them
        works until it expires, and none once the first owner exists."""
        with self._write() as conn:
            conn.execute(setup_links.delete().where(setup_links.c.expires_at <= now))
            conn.execute(
                setup_links.insert().values(token_hash=token_hash, created_at=now, expires_at=now + ttl)
            )

    def setup_link_valid(self, token_hash: str, now: dt.datetime) -> bool:
        with self._read() as conn:
            return rows.setup_valid(conn, token_hash, now)

    def setup(
        self, token_hash: str, now: dt.datetime, email: str, name: str, password_hash: str, org_name: str
    ) -> User:
        """Spend the setup link: the first user, their organisation, and they its owner. The
        applications the command line already saved in this store join that organisation, so
        a store in use before the browser app opens with its history."""
        with self._write() as conn:
            if not rows.setup_valid(conn, token_hash, now):
                raise InvalidLink()
            spent = conn.execute(
                setup_links.update()
                .where(setup_links.c.token_hash == token_hash, setup_links.c.used_at.is_(None))
                .values(used_at=now)
            )
            if spent.rowcount != 1:
                raise InvalidLink()
            user = rows.new_user(conn, email, name, password_hash, now)
            org_id = rows.new_org(conn, org_name, user, now)
            rows.adopt_saved_apps(conn, org_id, Actor(user.id, rows.show(user)), now)
        return user

    # --- organisations and members

    def memberships(self, user_id: int) -> list[Membership]:
        query = (
            sa.select(memberships.c.org_id, organisations.c.name, memberships.c.role)
            .join(organisations)
            .where(memberships.c.user_id == user_id)
            .order_by(organisations.c.name, organisations.c.id)
        )
        with self._read() as conn:
            return [Membership(*row) for row in conn.execute(query)]

    def membership(self, user_id: int, org_id: int) -> Membership | None:
        return next((m for m in self.memberships(user_id) if m.org_id == org_id), None)

    def create_org(self, name: str, owner: User, now: dt.datetime) -> int:
        with self._write() as conn:
            return rows.new_org(conn, name, owner, now)

    def members(self, org_id: int) -> list[Member]:
        query = (
            sa.select(users.c.id, users.c.email, users.c.name, memberships.c.role)
            .join(users)
            .where(memberships.c.org_id == org_id)
            .order_by(users.c.name, users.c.id)
        )
        with self._read() as conn:
            return [Member(User(r.id, r.email, r.name), r.role) for r in conn.execute(query)]

    def set_role(self, org_id: int, user_id: int, role: str, now: dt.datetime, by: Actor) -> bool:
        """False when the user is no member of the organisation."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self._write() as conn:
            old = rows.role(conn, org_id, user_id)
            if old is None:
                return False
            if old == "owner" and role != "owner":
                rows.keep_an_owner(conn, org_id)
            conn.execute(
                memberships.update()
                .where(memberships.c.org_id == org_id, memberships.c.user_id == user_id)
                .values(role=role)
            )
            rows.audit(conn, now, org_id, by, "member.role", rows.label(conn, user_id), old, role)
        return True

    def remove_member(self, org_id: int, user_id: int, now: dt.datetime, by: Actor) -> bool:
        with self._write() as conn:
            old = rows.role(conn, org_id, user_id)
            if old is None:
                return False
            if old == "owner":
                rows.keep_an_owner(conn, org_id)
            conn.execute(
                memberships.delete().where(memberships.c.org_id == org_id, memberships.c.user_id == user_id)
            )
            rows.audit(conn, now, org_id, by, "member.removed", rows.label(conn, user_id), old, None)
        return True

    # --- invitations

    def invite(
        self,
        org_id: int,
        role: str,
        note: str,
        token_hash: str,
        now: dt.datetime,
        ttl: dt.timedelta,
        by: Actor,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self._write() as conn:
            conn.execute(
                invitations.insert().values(
                    org_id=org_id,
                    role=role,
                    note=note,
                    token_hash=token_hash,
                    created_by=by.user_id,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
            rows.audit(conn, now, org_id, by, "invitation.created", note or "(no note)", None, role)

    def pending_invitations(self, org_id: int, now: dt.datetime) -> list[Invitation]:
        with self._read() as conn:
            found = conn.execute(rows.invitation_rows().where(invitations.c.org_id == org_id, rows.live(now)))
            return [Invitation(*r) for r in found]

    def revoke_invitation(self, org_id: int, invitation_id: int, now: dt.datetime, by: Actor) -> bool:
        with self._write() as conn:
            row = conn.execute(
                rows.invitation_rows().where(
                    invitations.c.org_id == org_id, invitations.c.id == invitation_id, rows.live(now)
                )
            ).one_or_none()
            if row is None:
                return False
            conn.execute(invitations.delete().where(invitations.c.id == invitation_id))
            rows.audit(conn, now, org_id, by, "invitation.revoked", row.note or "(no note)", row.role, None)
        return True

    def invitation(self, token_hash: str, now: dt.datetime) -> Invitation:
        with self._read() as conn:
            row = conn.execute(
                rows.invitation_rows().where(invitations.c.token_hash == token_hash, rows.live(now))
            ).one_or_none()
        if row is None:
            raise InvalidLink()
        return Invitation(*row)

    def accept(
        self, token_hash: str, now: dt.datetime, user: User | None, new: tuple[str, str, str] | None = None
    ) -> User:
        """Spend an invitation: `user` joins, or a new account (email, name, password hash) is
        made and joins. A member already in the organisation keeps the link unspent."""
        with self._write() as conn:
            row = conn.execute(
                rows.invitation_rows().where(invitations.c.token_hash == token_hash, rows.live(now))
            ).one_or_none()
            if row is None:
                raise InvalidLink()
            if user is None:
                assert new is not None
                user = rows.new_user(conn, *new, now)
            elif rows.role(conn, row.org_id, user.id) is not None:
                raise Conflict("you are already a member of this organisation")
            spent = conn.execute(
                invitations.update()
                .where(invitations.c.id == row.id, invitations.c.used_at.is_(None))
                .values(used_at=now, used_by=user.id)
            )
            if spent.rowcount != 1:
                raise InvalidLink()
            conn.execute(
                memberships.insert().values(org_id=row.org_id, user_id=user.id, role=row.role, created_at=now)
            )
            actor = Actor(user.id, rows.show(user))
            rows.audit(conn, now, row.org_id, actor, "member.joined", rows.show(user), None, row.role)
        return user

    # --- an organisation's applications

    def apps(self, org_id: int, app_id: int | None = None) -> list[OrgApp]:
        """The organisation's applications by name, each with its newest saved assessment."""
        query = rows.apps(org_id)
        if app_id is not None:
            query = query.where(org_apps.c.id == app_id)
        with self._read() as conn:
            return [OrgApp(r[0], r[1], r[2], int(r[3])) for r in conn.execute(query)]

    def add_app(self, org_id: int, name: str, now: dt.datetime, by: Actor) -> None:
        with self._write() as conn:
            if conn.execute(sa.select(org_apps.c.id).where(org_apps.c.name == name)).first() is not None:
                raise Conflict("that application name is not available: choose the name its workload uses")
            conn.execute(org_apps.insert().values(org_id=org_id, name=name, created_at=now))
            rows.audit(conn, now, org_id, by, "app.added", name, None, name)

    def remove_app(self, org_id: int, app_id: int, now: dt.datetime, by: Actor) -> bool:
        """The organisation lets go of the name; the saved assessments stay in the store."""
        with self._write() as conn:
            where = (org_apps.c.org_id == org_id, org_apps.c.id == app_id)
            name = conn.execute(sa.select(org_apps.c.name).where(*where)).scalar_one_or_none()
            if name is None:
                return False
            conn.execute(org_apps.delete().where(*where))
            rows.audit(conn, now, org_id, by, "app.removed", name, name, None)
        return True

    # --- login throttling: failures per key in a fixed window, shared by every process

    def failures(self, keys: Iterable[str], since: dt.datetime) -> dict[str, int]:
        query = sa.select(login_throttle.c.key, login_throttle.c.failures).where(
            login_throttle.c.key.in_(list(keys)), login_throttle.c.window_start > since
        )
        with self._read() as conn:
            return {k: int(n) for k, n in conn.execute(query)}

    def count_failure(self, keys: Iterable[str], now: dt.datetime, window: dt.timedelta) -> None:
        """One more failure for each key; a key whose window has passed starts a new one."""
        with self._write() as conn:
            for key in keys:
                rows.count_failure(conn, key, now, window)

    def forget_failures(self, key: str) -> None:
        with self._write() as conn:
            conn.execute(login_throttle.delete().where(login_throttle.c.key == key))

    # --- the audit trail

    def record(
        self, org_id: int | None, by: Actor, action: str, subject: str, old: Any, new: Any, now: dt.datetime
    ) -> None:
        with self._write() as conn:
            rows.audit(conn, now, org_id, by, action, subject, old, new)

    def events(self, org_id: int, limit: int = 200) -> list[AuditEvent]:
        query = (
            sa.select(
                audit_events.c.at,
                audit_events.c.actor,
                audit_events.c.action,
                audit_events.c.subject,
                audit_events.c.old_value,
                audit_events.c.new_value,
            )
            .where(audit_events.c.org_id == org_id)
            .order_by(audit_events.c.at.desc(), audit_events.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [AuditEvent(*r) for r in conn.execute(query)]
