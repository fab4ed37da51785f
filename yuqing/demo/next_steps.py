"""What ``yuqing demo`` tells the user to run next: a serve command that works when pasted as printed.

The command names the very ``yuqing`` executable that ran the demo (by absolute path: ``.venv/bin`` is seldom
on the PATH), shell-quotes every path, and carries a freshly generated API key in place of a placeholder (a
``<placeholder>`` is a shell redirection when pasted).
"""

from __future__ import annotations

import secrets
import shlex
import sys
from pathlib import Path


def yuqing_executable() -> list[str]:
    """The command that runs this installation's ``yuqing``: the script beside the interpreter, else
    ``python -m yuqing``."""
    script = Path(sys.executable).parent / "yuqing"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "yuqing"]


def new_api_key() -> str:
    """A random API key, well over the 16 characters the settings require."""
    return secrets.token_urlsafe(24)


def serve_command(config: Path, data_dir: Path, api_key: str) -> str:
    """The one-line shell command that serves the demo's data."""
    env = {
        "YUQING_CONFIG": str(config.resolve()),
        "YUQING_DATA_DIR": str(data_dir.resolve()),
        "YUQING_API_KEYS": api_key,
    }
    words = [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    words += [shlex.quote(part) for part in yuqing_executable()]
    return " ".join([*words, "serve"])
