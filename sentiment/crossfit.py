"""Cross-fitted parts for :mod:`sentiment.train`: every training row scored by parts that did not see it.

The cross-fitting is most of a training run (four fits of the parts on three quarters of the rows each), and
the stack on top of it takes seconds. ``--cross-fitted FILE`` keeps the cross-fitted log-odds in a file, so a
change to the stack alone (its features, its weights) is tried without refitting the parts; the file is only
reused for exactly the same rows, labels and folds, otherwise it is recomputed and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from sentiment.model import Parts
from sentiment.rows import Row


class _Fitted(Protocol):
    def parts(self, toks: Sequence[str]) -> Parts: ...


def _fingerprint(rows: Sequence[Row], folds: Sequence[int]) -> str:
    digest = hashlib.sha256()
    for r, f in zip(rows, folds, strict=True):
        digest.update(f"{r.corpus}\t{r.group}\t{r.label}\t{f}\t{r.text}\n".encode())
    return digest.hexdigest()


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def cross_fitted_parts(
    rows: Sequence[Row], folds: Sequence[int], cache: Path | None, fit: Callable[[list[Row]], _Fitted]
) -> list[Parts]:
    """The parts of each row from ``fit`` on the rows of the other folds (read from ``cache`` if it matches)."""
    key = _fingerprint(rows, folds)
    if cache is not None and cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("rows_sha256") == key:
            _log(f"cross-fitted parts read from {cache}")
            return [Parts(*p) for p in stored["parts"]]
        _log(f"{cache} holds other rows or folds: cross-fitting again")
    out: list[Parts | None] = [None] * len(rows)
    for k in sorted(set(folds)):
        fit_rows = [r for r, f in zip(rows, folds, strict=True) if f != k]
        _log(f"fold {k + 1}/{len(set(folds))}: fitting on {len(fit_rows)} rows")
        fitted = fit(fit_rows)
        for i, f in enumerate(folds):
            if f == k:
                out[i] = fitted.parts(rows[i].tokens)
    parts = [p for p in out if p is not None]
    if cache is not None:
        payload = {"rows_sha256": key, "parts": [[p.nb, p.general, p.social, p.domain] for p in parts]}
        cache.write_text(json.dumps(payload), encoding="utf-8")
    return parts
