"""Who may see and change what.

- ``admin``: config, rules, users, every ticket.
- ``pr``: mentions, trends, alerts, sources; tickets read-only.
- anyone but an admin given ``brands`` is limited to them (:class:`BrandScope`), everywhere.
- ``agent``: the tickets of their departments (and brands, when limited), read and write.

An object a principal may not see does not exist for them: the answer is 404, never 403, so walking ids
reveals nothing. Personal data is masked unless the principal has the ``pii`` permission *and* asks for it
(every unmasking is audited).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from foundation.i18n import Language
from foundation.vocabulary import Level, Role

PII = "pii"
EXPORT = "export"
APPROVE_EXPORT = "approve_export"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    name: str
    role: Role
    level: Level = Level.agent
    departments: frozenset[str] = field(default_factory=frozenset)
    brands: frozenset[str] = field(default_factory=frozenset)  # empty: every brand
    permissions: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    #: The language the user chose for the server's texts (``None``: the request's ``Accept-Language`` decides).
    language: Language | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def may(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions

    def can_write_tickets(self) -> bool:
        return self.role in (Role.admin, Role.agent)

    @property
    def scope(self) -> BrandScope:
        """The brands this principal may see: the one check every read, write and aggregate goes through."""
        if self.role is not Role.admin and self.brands:
            return BrandScope(self.brands)
        return BrandScope(None)

    def sees(self, department: str | None, brand: str | None) -> bool:
        """Whether a ticket of ``department`` and ``brand`` exists for this principal."""
        if self.role is Role.agent and department not in self.departments:
            return False
        return self.scope.admits([brand])


@dataclass(frozen=True)
class BrandScope:
    """The brands a caller may see; ``brands=None`` means every brand.

    Everything brand-bound (a mention, a ticket, an alert, a count) passes :meth:`admits` or is filtered by
    :meth:`narrow`; what falls outside does not exist for the caller (404, empty lists, no series)."""

    brands: frozenset[str] | None

    @property
    def limited(self) -> bool:
        return self.brands is not None

    def admits(self, brands: Iterable[str | None]) -> bool:
        """Whether an object carrying ``brands`` (a mention may carry several) is inside the scope."""
        if self.brands is None:
            return True
        return any(b in self.brands for b in brands if b is not None)

    def narrow(self, requested: Sequence[str]) -> list[str] | None:
        """The brands a filter may cover: ``None`` for no limit, ``[]`` for nothing at all."""
        if self.brands is None:
            return list(requested) or None
        if not requested:
            return sorted(self.brands)
        return sorted(set(requested) & self.brands)


#: The service itself (the alert engine, the worker): sees and does everything, masks nothing it stores.
SYSTEM = Principal("system", Role.admin, Level.executive, permissions=frozenset({PII}))
