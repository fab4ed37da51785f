"""What only the Elasticsearch store has: client construction from settings, connection failures, the index
layout and concurrent writers (the shared contract is in ``test_contract.py``)."""

from __future__ import annotations

import base64
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from foundation.errors import StoreUnavailable
from index.base import MentionFilter, SearchRequest
from index.elastic import ElasticMentionStore
from tests.index.test_contract import T0, mk, write


def _closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_elastic_from_settings_keeps_secrets_out_of_messages() -> None:
    from config.settings import Settings

    port = _closed_loopback_port()
    settings = Settings(
        es_index_prefix="brandwatch",
        es_username="elastic",
        es_password="hunter2-secret",
        es_timeout_seconds=2,
    )
    store = ElasticMentionStore.from_settings(f"http://elastic:url-secret@127.0.0.1:{port}", settings)
    try:
        assert store.alias == "brandwatch-mentions"
        assert store.describe() == f"Elasticsearch http://127.0.0.1:{port} (alias brandwatch-mentions)"
        assert not store.ping()
        for call in (
            store.ensure_schema,
            lambda: store.upsert([mk("x")]),
            lambda: store.search(SearchRequest()),
            lambda: store.count(MentionFilter()),
        ):
            with pytest.raises(StoreUnavailable) as info:
                call()
            message = str(info.value)
            assert f"127.0.0.1:{port}" in message
            assert "secret" not in message and "hunter2" not in message
    finally:
        store.close()


class _RecordingHandler(BaseHTTPRequestHandler):
    """Answers like an Elasticsearch node and records the Authorization header of each request."""

    seen: ClassVar[list[str | None]] = []

    def do_HEAD(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"es_api_key": "a2V5OnNlY3JldA=="}, "ApiKey a2V5OnNlY3JldA=="),
        ({"es_username": "elastic", "es_password": "pw"}, "Basic " + base64.b64encode(b"elastic:pw").decode()),
        ({}, None),
    ],
)
def test_elastic_from_settings_sends_the_credentials(options: dict[str, Any], expected: str | None) -> None:
    from config.settings import Settings

    server = HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _RecordingHandler.seen.clear()
    store = ElasticMentionStore.from_settings(f"http://127.0.0.1:{server.server_port}", Settings(**options))
    try:
        assert store.ping()
        assert _RecordingHandler.seen == [expected]
    finally:
        store.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_elastic_from_settings_passes_tls_options(tmp_path: Path) -> None:
    from config.settings import Settings

    ca = tmp_path / "ca.pem"
    ca.write_text("not read until the first TLS connection")
    verified = ElasticMentionStore.from_settings("https://127.0.0.1:9", Settings(es_ca_certs=ca))
    (node,) = verified.client.transport.node_pool.all()
    assert node.config.verify_certs is True and node.config.ca_certs == str(ca)
    verified.close()
    with pytest.warns(Warning, match="insecure"):
        unverified = ElasticMentionStore.from_settings("https://127.0.0.1:9", Settings(es_verify_certs=False))
    (node,) = unverified.client.transport.node_pool.all()
    assert node.config.verify_certs is False
    unverified.close()


@pytest.mark.elasticsearch
def test_elastic_schema_layout(elastic_store: ElasticMentionStore) -> None:
    client = elastic_store.client
    aliases = client.indices.get_alias(name=elastic_store.alias).body
    assert aliases == {elastic_store.first_index: {"aliases": {elastic_store.alias: {"is_write_index": True}}}}
    mapping = client.indices.get_mapping(index=elastic_store.alias).body[elastic_store.first_index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["extra"]["enabled"] is False
    assert mapping["properties"]["text_seg"]["analyzer"] == "yuqing_seg"
    templates = client.indices.get_index_template(name=elastic_store.template_name).body["index_templates"]
    assert templates[0]["index_template"]["index_patterns"] == [f"{elastic_store.alias}-*"]
    # Kibana users can search the raw Chinese text natively (CJK bigrams).
    write(elastic_store, [mk("kibana", "我要申请退款")])
    raw = client.search(index=elastic_store.alias, query={"match": {"text": "退款"}}).body
    assert raw["hits"]["total"]["value"] == 1


@pytest.mark.elasticsearch
def test_elastic_concurrent_writer_is_not_overwritten(elastic_store: ElasticMentionStore) -> None:
    """Another process writes the same mention between our read and our bulk: we retry, not clobber."""
    theirs = mk("race", "他们的版本", collected=T0 + timedelta(hours=1))
    ours = mk("race", "我们的版本", collected=T0 + timedelta(hours=5))
    plain = ElasticMentionStore(elastic_store.client, index_prefix=elastic_store.index_prefix)

    class Racing(ElasticMentionStore):
        raced = False

        def _existing(self, ids: list[str]) -> dict[str, dict[str, Any]]:
            found = super()._existing(ids)
            if not Racing.raced:
                Racing.raced = True
                plain.upsert([theirs])  # lands after our read, before our write
            return found

    result = Racing(elastic_store.client, index_prefix=elastic_store.index_prefix).upsert([ours])
    elastic_store.refresh()
    assert result.updated == [ours.id] and not result.created and not result.failed
    stored = elastic_store.get(ours.id)
    assert stored is not None
    assert stored.text == "我们的版本"
    assert stored.collected_at == theirs.collected_at  # first seen by the other writer
    assert elastic_store.count(MentionFilter()) == 1
