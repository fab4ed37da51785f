"""Fixtures shared by the whole suite: real PostgreSQL and Elasticsearch-compatible servers, temp stores.

Tests that need a server skip with the reason when it is not reachable (a newcomer's laptop); under CI
(``CI=true``) such a skip is turned into a failure, because CI must test every backend for real.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("YUQING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip the test, or fail it under CI where every backend must be tested."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: backend tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


#: The shared training corpora whose texts the fast-path tests compare old and new computations on.
TRAIN_CORPORA = ("weibo2018_train.csv", "waimai_10k_train.csv", "online_shopping_10_cats_train.csv")


def corpus_texts() -> list[str]:
    """Every text of :data:`TRAIN_CORPORA`, in file order; skips (fails under CI) when ../shared is absent."""
    folder = SHARED / "data" / "sentiment"
    if not folder.is_dir():
        unavailable(f"the shared sentiment corpora are not at {folder}")
    texts: list[str] = []
    for name in TRAIN_CORPORA:
        with (folder / name).open(encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    return texts


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A PostgreSQL schema private to this test run; dropped afterwards."""
    try:
        import psycopg

        conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # any failure to connect means "no server here"
        unavailable(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}: {exc}); set YUQING_TEST_PG_URL")
        raise AssertionError("unreachable") from exc
    schema = f"yq_test_{secrets.token_hex(4)}"
    with conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty schema for one test (each test migrates from scratch)."""
    import psycopg

    schema = f"yq_t_{secrets.token_hex(5)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The relational database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'yuqing.sqlite3').as_posix()}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def database(database_url: str) -> Iterator[object]:
    """A migrated :class:`foundation.db.Database` on each backend."""
    from foundation.db import Database

    db = Database(database_url)
    db.migrate()
    yield db
    db.close()


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the checkout (real platform captures, corpora); skip when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared material not found at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's environment or ./yuqing.yaml by accident."""
    for name in list(os.environ):
        if name.startswith("YUQING_") and not name.startswith("YUQING_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("YUQING_CONFIG", str(tmp_path / "absent.yaml"))
    from config.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# Elasticsearch (osmem-server or a real cluster) for every test package.
from tests.es_support import elastic_store, es_backend  # noqa: E402, F401
