"""The house rules of ARCHITECTURE.md, checked on every run: imports only run downwards, rooms stay small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("foundation", "sentiment", "index", "tickets", "alerts", "crawlers", "config", "dashboard", "api", "yuqing")
MAX_LINES = 500


def _lint_imports(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    args = [str(exe), "--no-cache"] + (["--config", str(config)] if config else [])
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_import_contracts_hold() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_domain_importing_upwards_breaks_the_contract(tmp_path: Path) -> None:
    # The contract must be able to fail: a copy of the house where index imports the API is rejected.
    for package in PACKAGES:
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path / package)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "index" / "upward.py").write_text("import api.app  # noqa: F401\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("lint-imports")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(exe), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False, env=env
    )
    assert result.returncode != 0
    assert "index.upward -> api.app" in result.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_no_source_file_over_500_lines(package: str) -> None:
    too_long = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue  # generated revision files are data, not rooms
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            too_long[str(path.relative_to(ROOT))] = lines
    assert not too_long, f"split these into modules of one job: {too_long}"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_states_its_job(package: str) -> None:
    init = ROOT / package / "__init__.py"
    text = init.read_text(encoding="utf-8").lstrip()
    assert text.startswith('"""'), f"{init} has no docstring"
    first = text[3:].split("\n", 1)[0].strip()
    assert len(first) > 20, f"{init}: the first line of the docstring should say the package's one job"
