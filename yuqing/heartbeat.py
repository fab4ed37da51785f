"""The worker's heartbeat: a file the scheduler loop touches on every turn, and the check a container
healthcheck runs against it (``python -m yuqing.heartbeat``).

The worker serves no port, so "is it alive" means "has its loop turned recently". The loop wakes at least every
30 seconds (see ``yuqing.worker``); an alert evaluation or ticket maintenance pass can hold it for a while, so the
default allowance is generous.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

FILE_NAME = "worker.heartbeat"
DEFAULT_MAX_AGE = timedelta(minutes=5)


def heartbeat_path(data_dir: Path) -> Path:
    """Where the worker of ``data_dir`` writes its heartbeat."""
    return data_dir / FILE_NAME


def beat(data_dir: Path, now: datetime | None = None) -> None:
    """Record that the loop is alive (atomically: a check never reads half a timestamp)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    moment = (now or datetime.now(UTC)).isoformat()
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".heartbeat-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(moment)
        Path(tmp).replace(heartbeat_path(data_dir))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check(data_dir: Path, max_age: timedelta = DEFAULT_MAX_AGE, now: datetime | None = None) -> str | None:
    """``None`` when the heartbeat is fresh, else why not."""
    path = heartbeat_path(data_dir)
    try:
        stamp = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return f"no heartbeat at {path}: the worker has not started its loop"
    except ValueError:
        return f"unreadable heartbeat at {path}"
    age = (now or datetime.now(UTC)) - stamp
    if age > max_age:
        return f"last heartbeat {int(age.total_seconds())}s ago (allowed {int(max_age.total_seconds())}s)"
    return None


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when the worker's heartbeat is fresh, 1 (with the reason on stderr) when not."""
    parser = argparse.ArgumentParser(prog="python -m yuqing.heartbeat", description=main.__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: YUQING_DATA_DIR, else the settings")
    parser.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE.total_seconds(), help="seconds")
    args = parser.parse_args(argv)
    data_dir = args.data_dir
    if data_dir is None:
        from config.settings import load_settings

        data_dir = load_settings().data_dir
    problem = check(data_dir, timedelta(seconds=args.max_age))
    if problem:
        print(f"worker unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
