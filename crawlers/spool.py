"""The retry queue on disk: mentions a crawl could not store yet, kept until the store takes them.

A mention lands here when the store refused it for a reason that passes (a 429 or 5xx for that item in a bulk
answer) or when the whole store stayed unavailable past the retry budget at the end of a crawl. One JSON line
per mention in ``<data_dir>/spool/<source>.jsonl``, appended and fsynced before the crawl goes on, so the
queue survives a crash or restart. The next crawl of the source replays the queue before it fetches anything
(:meth:`Spool.replay`): what the store now takes leaves the queue, what it refuses for good (a document its
mapping rejects) moves to ``<source>.rejected.jsonl`` with the reason and is counted, never silently dropped;
the rest stays for the run after. Mention ids are stable, so a mention both spooled and fetched again is
written twice with the same effect.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.base import Mention, WriteResult

log = logging.getLogger(__name__)


@dataclass
class ReplayOutcome:
    """What one replay of the queue did."""

    stored: int = 0
    rejected: int = 0  # refused for good: moved to the rejected file
    kept: int = 0  # still refused for a reason that passes: stays queued


class Spool:
    """The on-disk retry queue of one source."""

    def __init__(self, folder: Path, source: str):
        self.folder = folder
        self.path = folder / f"{source}.jsonl"
        self.rejected_path = folder / f"{source}.rejected.jsonl"

    def add(self, mentions: Sequence[Mention], reasons: dict[str, str]) -> int:
        """Append ``mentions`` durably (written and fsynced); returns how many were queued."""
        if not mentions:
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            for mention in mentions:
                entry = {"reason": reasons.get(mention.id, ""), "mention": mention.model_dump(mode="json")}
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return len(mentions)

    def pending(self) -> list[Mention]:
        """The queued mentions, the last version of each id (a line that cannot be read is set aside)."""
        if not self.path.exists():
            return []
        by_id: dict[str, Mention] = {}
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                mention = Mention.model_validate(json.loads(line)["mention"])
            except (ValueError, KeyError, TypeError) as exc:  # a torn last line after a crash
                self._reject_raw(line, f"unreadable spool line {number}: {exc}")
                continue
            by_id[mention.id] = mention
        return list(by_id.values())

    def __len__(self) -> int:
        return len(self.pending())

    def replay(self, upsert: Callable[[Sequence[Mention]], WriteResult]) -> ReplayOutcome:
        """Write the queued mentions with ``upsert``; keep what is still deferred. Raises when the store is
        unavailable (the queue is then left as it was)."""
        mentions = self.pending()
        outcome = ReplayOutcome()
        if not mentions:
            return outcome
        result = upsert(mentions)
        by_id = {m.id: m for m in mentions}
        for mention_id, reason in result.failed.items():
            self._reject_raw(json.dumps({"mention": by_id[mention_id].model_dump(mode="json")}), reason)
        kept = [by_id[i] for i in result.deferred if i in by_id]
        outcome.stored = len(result.created) + len(result.updated) + len(result.unchanged)
        outcome.rejected = len(result.failed)
        outcome.kept = len(kept)
        # Rewrite the queue with what is left (atomically: a crash keeps either the old or the new queue).
        tmp = self.path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for mention in kept:
                entry = {"reason": result.deferred[mention.id], "mention": mention.model_dump(mode="json")}
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)
        if not kept:
            self.path.unlink(missing_ok=True)
        return outcome

    def _reject_raw(self, line: str, reason: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.rejected_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"reason": reason, "entry": line}, ensure_ascii=False) + "\n")
        log.error("spooled mention rejected for good (kept in %s): %s", self.rejected_path, reason)
