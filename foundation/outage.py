"""Store outages as the background processes see them, for ``/healthz`` and source health.

The worker talks to the stores on its own timers; when a store stays unavailable past the retry budget
(:mod:`foundation.retry`) it keeps running and records the outage here, and records the recovery when a call
succeeds again. The board lives in memory and, given a file, is mirrored to it (written atomically, only when
a store's state changes) so the API process, which serves ``/healthz``, reports what the worker saw.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from foundation.timeutil import utcnow

log = logging.getLogger(__name__)

#: Where the worker mirrors its outage board, under the data directory (``/healthz`` reads it).
BOARD_FILE = Path("health") / "stores.json"


@dataclass
class StoreStatus:
    """One store's state: ``ok`` False while it is unavailable; ``since`` when that state began."""

    ok: bool
    since: str
    last_error: str | None = None
    failures: int = 0  # calls that failed past the retry budget during this outage
    outages: int = 0  # outages seen since the process started

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class OutageBoard:
    """Per store name (``mention_store``, ``database``): available or not, since when, and why."""

    def __init__(self, path: Path | None = None, clock: Any = utcnow):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._stores: dict[str, StoreStatus] = {}

    def reporter(self, store: str) -> Any:
        """A callback for :class:`foundation.retry.Resilient`: ``None`` marks success, an exception an outage."""

        def report(exc: BaseException | None) -> None:
            if exc is None:
                self.available(store)
            else:
                self.unavailable(store, exc)

        return report

    def unavailable(self, store: str, exc: BaseException | str) -> None:
        now: datetime = self.clock()
        message = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            current = self._stores.get(store)
            if current is None or current.ok:
                outages = (current.outages if current else 0) + 1
                self._stores[store] = StoreStatus(False, now.isoformat(), message[:500], 1, outages)
                log.error("%s is unavailable; the worker keeps running and will catch up: %s", store, message)
                changed = True
            else:
                current.failures += 1
                current.last_error = message[:500]
                changed = False
        if changed:
            self._save()

    def available(self, store: str) -> None:
        with self._lock:
            current = self._stores.get(store)
            if current is not None and current.ok:
                return
            outages = current.outages if current else 0
            self._stores[store] = StoreStatus(True, self.clock().isoformat(), None, 0, outages)
            if current is not None:
                log.warning("%s is available again (down since %s); catching up", store, current.since)
        self._save()

    def is_ok(self, store: str) -> bool:
        with self._lock:
            current = self._stores.get(store)
            return current is None or current.ok

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {name: status.as_dict() for name, status in self._stores.items()}

    def _save(self) -> None:
        if self.path is None:
            return
        body = {"updated_at": self.clock().isoformat(), "pid": os.getpid(), "stores": self.snapshot()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".outages-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(body, fh, ensure_ascii=False)
            Path(tmp).replace(self.path)
        except OSError as exc:  # health reporting must never take the worker down
            log.warning("could not write %s: %s", self.path, exc)


def read_board(path: Path) -> dict[str, Any] | None:
    """What a worker last wrote to ``path`` (``None`` when there is no readable file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
