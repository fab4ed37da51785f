"""Users and their API keys. A key is shown once when created; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from foundation.access import Principal
from foundation.db import Database
from foundation.errors import Conflict, InvalidQuery, NotFound
from foundation.i18n import Language, parse_language
from foundation.timeutil import utcnow
from tickets.enums import Level, Role
from tickets.models import AuditEntry, User

KEY_PREFIX = "yq_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def principal_of(user: User) -> Principal:
    return Principal(
        name=user.name,
        role=Role(user.role),
        level=Level(user.level),
        departments=frozenset(user.departments or []),
        brands=frozenset(user.brands or []),
        permissions=frozenset(user.permissions or []),
        user_id=user.id,
        language=parse_language(user.language),
    )


#: Names the service gives to callers that are not users (configured keys, the engine, the command line):
#: a user so named would be mistaken for them in the audit log and in sessions.
RESERVED_NAMES = frozenset({"api-key", "alert-engine", "system", "cli", "anonymous"})
RESERVED_PREFIXES = ("api-key-", "api-key_", "system-", "yuqing-")


def check_name(name: str) -> None:
    """:class:`InvalidQuery` for a name reserved for the service's own callers (case and spacing ignored)."""
    folded = name.strip().casefold()
    if folded in RESERVED_NAMES or folded.startswith(RESERVED_PREFIXES):
        raise InvalidQuery(f"the name {name!r} is reserved for the service's own callers; choose another")


class UserStore:
    """Creates users, resolves API keys to principals, and audits every change."""

    def __init__(self, db: Database):
        self.db = db

    def create(
        self,
        name: str,
        role: Role,
        *,
        level: Level = Level.agent,
        departments: Sequence[str] = (),
        brands: Sequence[str] = (),
        permissions: Sequence[str] = (),
        display_name: str | None = None,
        actor: str = "system",
    ) -> tuple[User, str]:
        """Create a user; returns it and its API key (the only time the key is visible)."""
        check_name(name)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        try:
            with self.db.transaction() as s:
                user = User(
                    name=name,
                    display_name=display_name or name,
                    role=role.value,
                    level=level.value,
                    departments=sorted(set(departments)),
                    brands=sorted(set(brands)),
                    permissions=sorted(set(permissions)),
                    key_hash=hash_key(key),
                    active=True,
                    created_at=now,
                )
                s.add(user)
                s.flush()
                s.add(AuditEntry.of(actor, "user.created", "user", str(user.id), _describe(user), at=now))
        except IntegrityError as exc:
            raise Conflict(f"a user named {name!r} already exists") from exc
        return user, key

    def authenticate(self, key: str) -> Principal | None:
        """The active user holding ``key``, or ``None``."""
        if not key.startswith(KEY_PREFIX):
            return None
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.key_hash == hash_key(key), User.active.is_(True)))
            return principal_of(user) if user else None

    def get(self, user_id: int) -> User:
        with self.db.session() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            return user

    def by_name(self, name: str) -> User:
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                raise NotFound(f"user {name!r} does not exist")
            return user

    def all(self) -> list[User]:
        with self.db.session() as s:
            return list(s.scalars(select(User).order_by(User.id)))

    def set_active(self, user_id: int, active: bool, *, actor: str) -> User:
        with self.db.transaction() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.active = active
            s.add(
                AuditEntry.of(
                    actor, "user.activated" if active else "user.deactivated", "user", str(user_id), {"name": user.name}
                )
            )
            return user

    def rotate_key(self, user_id: int, *, actor: str) -> str:
        """A new key for the user; the old one stops working at once."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.db.transaction() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.key_hash = hash_key(key)
            s.add(AuditEntry.of(actor, "user.key_rotated", "user", str(user_id), {"name": user.name}))
        return key

    def update(self, user_id: int, changes: dict[str, Any], *, actor: str) -> User:
        """Change a user's display name, role, level, departments, brands, permissions or language (audited
        with the fields before and after)."""
        allowed = {"display_name", "role", "level", "departments", "brands", "permissions", "language"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InvalidQuery(f"these fields cannot be changed here: {unknown}")
        with self.db.transaction() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            before = {**_describe(user), "display_name": user.display_name, "language": user.language}
            for name, value in changes.items():
                if name in ("departments", "brands", "permissions"):
                    value = sorted(set(value))
                elif name in ("role", "level") and value is not None:
                    value = str(value)
                setattr(user, name, value)
            after = {**_describe(user), "display_name": user.display_name, "language": user.language}
            diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            s.add(AuditEntry.of(actor, "user.updated", "user", str(user_id), {"name": user.name, "changes": diff}))
            return user

    def set_language(self, name: str, language: Language) -> None:
        """The language a user chose for themselves (not audited: it changes nothing but their own texts)."""
        with self.db.transaction() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                raise NotFound(f"user {name} does not exist")
            user.language = language

    def in_department(self, department: str, level: Level | None = None) -> list[User]:
        """Active users of a department (at one level of the chain, if given)."""
        with self.db.session() as s:
            users = [
                u
                for u in s.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
                if department in (u.departments or [])
            ]
        return [u for u in users if level is None or u.level == level.value]


def _describe(user: User) -> dict[str, object]:
    return {
        "name": user.name,
        "role": user.role,
        "level": user.level,
        "departments": user.departments,
        "brands": user.brands,
        "permissions": user.permissions,
    }
