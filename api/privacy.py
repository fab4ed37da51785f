"""Erasure and retention over every store the service holds: the one place both the API and the CLI call.

``erase`` removes a person (by author handle, phone number or e-mail address) from the mention index (both
tiers, search structures included), the relational database (tickets and their customer records, comments,
history, mention excerpts, exports, alert events and states, notifications, saved searches, the audit log) and
the in-process caches, then writes one audit entry that says what kind of identifier was erased and how many rows
changed, never the identifier itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from api.resources import Resources
from foundation.erasure import Subject, erase_relational
from foundation.timeutil import utcnow
from index.erasure import erase_mentions, purge_before
from tickets.models import AuditEntry


@dataclass
class ErasureReport:
    kind: str
    mentions_deleted: int
    mentions_redacted: int
    rows: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mentions_deleted": self.mentions_deleted,
            "mentions_redacted": self.mentions_redacted,
            "rows": self.rows,
        }


def erase(resources: Resources, subject: Subject, actor: str) -> ErasureReport:
    """Erase ``subject`` everywhere and audit it (the audit entry is written after the erasure, so it is the
    only trace, and holds no identifier)."""
    mentions = erase_mentions(resources.mentions, subject)
    relational = erase_relational(resources.db.engine, subject)
    report = ErasureReport(subject.kind.value, len(mentions.deleted), len(mentions.redacted), relational.rows)
    with resources.db.transaction() as s:
        s.add(AuditEntry.of(actor, "privacy.erased", "person", subject.kind.value, report.as_dict()))
    return report


def purge_expired(resources: Resources, days: int, actor: str) -> int:
    """Drop the raw text of mentions published more than ``days`` ago (counts stay); audited."""
    purged = purge_before(resources.mentions, utcnow() - timedelta(days=days))
    with resources.db.transaction() as s:
        s.add(AuditEntry.of(actor, "privacy.purged", "mentions", f"older than {days} days", {"mentions": purged}))
    return purged
