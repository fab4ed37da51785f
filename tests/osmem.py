"""Talking to osmem-server with the official Elasticsearch client (tests and benchmarks only)."""

from __future__ import annotations

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elastic_transport._node import NodeApiResponse
from elastic_transport.client_utils import DEFAULT, DefaultType


class CompatibleJsonNode(Urllib3HttpNode):
    """Test-only node class for osmem-server, which answers 406 to the client's versioned media types.

    The 8.x client sends ``application/vnd.elasticsearch+json; compatible-with=8`` (and the ``x-ndjson``
    variant for bulk); real Elasticsearch 8 and 9 accept them, so production code never needs this.
    """

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value and "compatible-with" in value:
                    headers[name] = "application/x-ndjson" if "ndjson" in value else "application/json"
        return super().perform_request(method, target, body=body, headers=headers, request_timeout=request_timeout)
