"""Who may see and change what.

- ``admin``: config, rules, users, every ticket.
- ``pr``: mentions, trends, alerts, sources; tickets read-only.
- ``agent``: the tickets of their departments (and brands, when limited), read and write.

An object a principal may not see does not exist for them: the answer is 404, never 403, so walking ids
reveals nothing. Personal data is masked unless the principal has the ``pii`` permission *and* asks for it
(every unmasking is audited).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def may(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions

    def can_write_tickets(self) -> bool:
        return self.role in (Role.admin, Role.agent)

    def sees(self, department: str | None, brand: str | None) -> bool:
        """Whether a ticket of ``department`` and ``brand`` exists for this principal."""
        if self.role is not Role.agent:
            return True
        if department not in self.departments:
            return False
        return not self.brands or brand in self.brands


#: The service itself (the alert engine, the worker): sees and does everything, masks nothing it stores.
SYSTEM = Principal("system", Role.admin, Level.executive, permissions=frozenset({PII}))
