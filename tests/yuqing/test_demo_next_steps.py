"""The serve command ``yuqing demo`` prints works when pasted into a shell as printed."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

from rich.console import Console

from tests.yuqing.serve_line import check_pasted_serve_line
from yuqing.demo import DEMO_CONFIG
from yuqing.demo.next_steps import new_api_key, serve_command


def test_the_printed_serve_command_runs_as_printed(tmp_path: Path) -> None:
    key = new_api_key()
    line = serve_command(DEMO_CONFIG, tmp_path / "demo data", key)  # a space in the path must survive the paste
    assert "<" not in line and ">" not in line
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check_pasted_serve_line(line, key, elsewhere)


def test_the_line_is_not_wrapped_on_a_narrow_terminal(tmp_path: Path) -> None:
    line = serve_command(DEMO_CONFIG, tmp_path / ("long-folder-name-" * 8), "k" * 32)
    out = io.StringIO()
    console = Console(file=out, width=40)
    console.print(line, soft_wrap=True, markup=False, highlight=False)
    assert out.getvalue().rstrip("\n") == line


def test_each_run_gets_its_own_key_long_enough_for_the_settings() -> None:
    keys = {new_api_key() for _ in range(5)}
    assert len(keys) == 5 and all(len(k) >= 16 and shlex.quote(k) == k for k in keys)
