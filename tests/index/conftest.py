"""The ``mention_store`` fixture: one empty, schema-ready store per test, once per backend (see tests/es_support.py).

Elasticsearch runs against a real cluster when ``YUQING_TEST_ES_URL`` is set (credentials may be in the URL,
or in ``YUQING_TEST_ES_API_KEY``; a private CA in ``YUQING_TEST_ES_CA_CERTS``). Each test then gets its own
index prefix, deleted afterwards. Otherwise the tests use ``osmem-server``, an in-memory
Elasticsearch-compatible server started once per session on loopback; each test gets a fresh clone of its
empty base. Without either, Elasticsearch tests skip (and fail under ``CI=true``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from index.base import Mention, MentionStore
from index.elastic import ElasticMentionStore
from index.sqlite import SQLiteMentionStore
from tests.es_support import open_elastic


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def mention_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MentionStore]:
    """An empty mention store with its schema in place, once per backend."""
    if request.param == "sqlite":
        store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
        store.ensure_schema()
        yield store
        store.close()
    else:
        yield from open_elastic(request)


class _RejectingElasticStore(ElasticMentionStore):
    """Sends, for the chosen ids, a document the strict mapping rejects (a counter that is not a number)."""

    def __init__(self, base: ElasticMentionStore, reject: set[str]):
        super().__init__(base.client, index_prefix=base.index_prefix)
        self._reject = reject

    def _document(self, mention: Mention) -> dict[str, Any]:
        doc = super()._document(mention)
        if mention.id in self._reject:
            doc["likes"] = "not a number"
        return doc


@contextmanager
def _rejecting_sqlite(store: SQLiteMentionStore, reject: set[str]) -> Iterator[SQLiteMentionStore]:
    """Triggers make SQLite refuse to insert the chosen ids, as a constraint violation would."""
    from sqlalchemy import text

    for mention_id in reject:
        assert mention_id.isalnum()  # ids are hex digests: nothing to escape in the trigger's SQL
    with store.engine.begin() as conn:
        for mention_id in reject:
            conn.execute(
                text(
                    f"CREATE TRIGGER reject_{mention_id} BEFORE INSERT ON mentions "
                    f"WHEN NEW.id = '{mention_id}' BEGIN SELECT RAISE(ABORT, 'rejected by test trigger'); END"
                )
            )
    try:
        yield store
    finally:
        with store.engine.begin() as conn:
            for mention_id in reject:
                conn.execute(text(f"DROP TRIGGER reject_{mention_id}"))


@pytest.fixture
def rejecting_store(
    mention_store: MentionStore,
) -> Callable[[set[str]], AbstractContextManager[MentionStore]]:
    """``with rejecting_store(ids) as store``: writes through ``store`` are refused by the backend for ``ids``.

    Reads see the same data as ``mention_store``; after the block the backend accepts everything again.
    """

    @contextmanager
    def make(reject: set[str]) -> Iterator[MentionStore]:
        if isinstance(mention_store, ElasticMentionStore):
            yield _RejectingElasticStore(mention_store, reject)
        elif isinstance(mention_store, SQLiteMentionStore):
            with _rejecting_sqlite(mention_store, reject) as store:
                yield store
        else:
            raise NotImplementedError(f"no way to make {mention_store.backend} reject a document")

    return make
