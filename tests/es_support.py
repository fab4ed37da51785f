"""Elasticsearch for tests: osmem-server on loopback, or a real cluster named by ``YUQING_TEST_ES_URL``.

A real cluster is used when ``YUQING_TEST_ES_URL`` is set (credentials may be in the URL, or in
``YUQING_TEST_ES_API_KEY``; a private CA in ``YUQING_TEST_ES_CA_CERTS``). Each test then gets its own index
prefix, deleted afterwards. Otherwise the tests use ``osmem-server``, an in-memory Elasticsearch-compatible
server started once per session on loopback; each test gets a fresh clone of its empty base. Without either,
Elasticsearch tests skip (and fail under ``CI=true``). The fixtures are registered in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from index.elastic import ElasticMentionStore
from tests.conftest import unavailable
from tests.osmem import CompatibleJsonNode

ES_URL_ENV = "YUQING_TEST_ES_URL"


class _OsmemBackend:
    """osmem-server started once; each test gets a clone of its (empty) base on its own port."""

    def __init__(self) -> None:
        from osmem_server import OsmemServer

        self.server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)

    def store(self) -> tuple[ElasticMentionStore, Callable[[], None]]:
        from elasticsearch import Elasticsearch

        clone = self.server.clone()
        client = Elasticsearch(clone.url, node_class=CompatibleJsonNode, request_timeout=30)
        store = ElasticMentionStore(client, index_prefix="yqtest")

        def cleanup() -> None:
            store.close()
            clone.close()

        return store, cleanup

    def close(self) -> None:
        self.server.close()


class _ClusterBackend:
    """A real cluster named by YUQING_TEST_ES_URL; each test uses its own index prefix."""

    def __init__(self, url: str) -> None:
        self.url = url

    def store(self) -> tuple[ElasticMentionStore, Callable[[], None]]:
        from config.settings import Settings

        prefix = f"yqtest-{secrets.token_hex(4)}"
        options: dict[str, Any] = {"es_index_prefix": prefix}
        if os.environ.get("YUQING_TEST_ES_API_KEY"):
            options["es_api_key"] = os.environ["YUQING_TEST_ES_API_KEY"]
        if os.environ.get("YUQING_TEST_ES_CA_CERTS"):
            options["es_ca_certs"] = os.environ["YUQING_TEST_ES_CA_CERTS"]
        # Built through from_settings, so the production client construction is what gets tested.
        store = ElasticMentionStore.from_settings(self.url, Settings(**options))

        def cleanup() -> None:
            client = store.client.options(ignore_status=404)
            # By name: clusters refuse wildcard deletes by default (action.destructive_requires_name).
            names = list(client.indices.get(index=f"{store.alias}-*").body)
            if names:
                client.indices.delete(index=",".join(names))
            client.indices.delete_index_template(name=store.template_name)
            store.close()

        return store, cleanup

    def close(self) -> None:
        return None


@pytest.fixture(scope="session")
def es_backend() -> Iterator[_OsmemBackend | _ClusterBackend | str]:
    """The Elasticsearch backend for the session, or the reason there is none (reported per test)."""
    url = os.environ.get(ES_URL_ENV)
    backend: _OsmemBackend | _ClusterBackend
    if url:
        backend = _ClusterBackend(url)
    else:
        try:
            backend = _OsmemBackend()
        except Exception as exc:  # any failure to start means "no server here"
            yield f"osmem-server could not start ({type(exc).__name__}: {exc}); set {ES_URL_ENV} to use a cluster"
            return
    try:
        yield backend
    finally:
        backend.close()


def open_elastic(request: pytest.FixtureRequest) -> Iterator[ElasticMentionStore]:
    backend = request.getfixturevalue("es_backend")
    if isinstance(backend, str):
        unavailable(backend)
        return
    store, cleanup = backend.store()
    try:
        if not store.ping():
            unavailable(f"Elasticsearch at {store.describe()} does not answer")
        store.ensure_schema()
        yield store
    finally:
        cleanup()


@pytest.fixture
def elastic_store(request: pytest.FixtureRequest) -> Iterator[ElasticMentionStore]:
    """An empty Elasticsearch store, for the few tests of behaviour only that backend has."""
    yield from open_elastic(request)
