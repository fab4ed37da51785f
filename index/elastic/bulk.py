"""Bulk writing: upsert mentions in rounds of parallel bulk requests, skipping the unchanged ones.

A new mention is created through the alias; an update goes to the index the mget found the mention in,
guarded by its sequence number so a concurrent writer is never overwritten blindly. A mention refused with a
conflict (another writer), a 429 (cluster busy) or a 5xx (a shard or node failing) gets another round; one
still refused with a 429 or 5xx after the last round is reported as *deferred* (the caller keeps it and
writes it again later), any other refusal as *failed* (the store will never take it), while the rest of
the batch lands.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from elasticsearch import Elasticsearch, helpers

from foundation.errors import StoreError
from index.base import Mention, WriteResult
from index.elastic.failures import Translate, error_reason

_BULK_CHUNK = 250  # documents per bulk request: amortises the round trip, keeps two requests in flight
_BULK_BYTES = 20 * 1024 * 1024  # far below any cluster's http.max_content_length
_BULK_THREADS = 2
_WRITE_ROUNDS = 3  # attempts for a mention that hit a conflict (another writer) or a 429 (cluster busy)
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})  # per item: the cluster, not the document
_RETRY_STATUSES = _TRANSIENT_STATUSES | {409}
_RETRY_PAUSE = 0.5  # seconds, times the round number

# What the store holds for a mention id: content_hash, collected_at, index, seq_no and primary_term.
Stored = dict[str, Any]


def read_existing(
    client: Elasticsearch, alias: str, ids: list[str], translate: Translate, describe: Callable[[], str]
) -> dict[str, Stored]:
    """Hash, first-seen time and version of the stored documents among ``ids`` (one mget)."""
    with translate("read existing mentions"):
        response = client.mget(index=alias, ids=ids, source_includes=["content_hash", "collected_at"])
    found: dict[str, Stored] = {}
    for doc in response.body["docs"]:
        if "error" in doc:
            raise StoreError(f"{describe()} could not read mention {doc.get('_id')}: {error_reason(doc['error'])}")
        if doc.get("found"):
            source = doc.get("_source", {})
            found[doc["_id"]] = {
                "content_hash": source.get("content_hash"),
                "collected_at": source.get("collected_at"),
                "index": doc["_index"],
                "seq_no": doc.get("_seq_no"),
                "primary_term": doc.get("_primary_term"),
            }
    return found


def bulk_action(alias: str, mention: Mention, doc: dict[str, Any], stored: Stored | None) -> dict[str, Any]:
    """The bulk action writing ``doc`` for ``mention``, given what the store holds for its id (``None``: nothing)."""
    if stored is None:
        # "create", not "index": if another writer creates the same id meanwhile we get a conflict and
        # retry as an update, instead of overwriting its collected_at.
        return {"_op_type": "create", "_index": alias, "_id": mention.id, "_source": doc}
    doc["collected_at"] = stored["collected_at"]  # first seen stays first seen
    action: dict[str, Any] = {"_op_type": "index", "_index": stored["index"], "_id": mention.id, "_source": doc}
    if stored["seq_no"] is not None and stored["primary_term"] is not None:
        # Only overwrite the version we compared against (a concurrent edit gives a 409).
        action["if_seq_no"] = stored["seq_no"]
        action["if_primary_term"] = stored["primary_term"]
    return action


class BulkWriter:
    """Writes mentions through ``client``.

    ``existing`` and ``document`` are the store's hooks for reading what is stored and building a document,
    passed in (not called directly) so a store subclass that overrides them is honoured.
    """

    def __init__(
        self,
        client: Elasticsearch,
        alias: str,
        translate: Translate,
        *,
        existing: Callable[[list[str]], dict[str, Stored]],
        document: Callable[[Mention], dict[str, Any]],
    ):
        self._client = client
        self._alias = alias
        self._translate = translate
        self._existing = existing
        self._document = document

    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        """Create or update ``mentions``; the last version of a post in the batch wins."""
        batch: dict[str, Mention] = {}
        for mention in mentions:
            batch[mention.id] = mention
        result = WriteResult()
        pending = list(batch.values())
        for attempt in range(_WRITE_ROUNDS):
            if not pending:
                break
            retry, throttled = self._round(pending, result, last_round=attempt == _WRITE_ROUNDS - 1)
            pending = [batch[i] for i in retry]
            if throttled:
                time.sleep(_RETRY_PAUSE * (attempt + 1))  # the cluster is shedding load: give it a moment
        return result

    def _round(self, mentions: list[Mention], result: WriteResult, *, last_round: bool) -> tuple[list[str], bool]:
        """Write one round.

        Returns the ids worth another round (changed by someone else meanwhile, or refused with a 429) and
        whether any was a 429.
        """
        existing = self._existing([m.id for m in mentions])
        outcome: dict[str, str] = {}
        to_write: list[Mention] = []
        for mention in mentions:
            stored = existing.get(mention.id)
            if stored is not None and stored["content_hash"] == mention.content_hash:
                result.unchanged.append(mention.id)
            else:
                to_write.append(mention)
                outcome[mention.id] = "created" if stored is None else "updated"
        if not to_write:
            return [], False
        retry: list[str] = []
        throttled = False
        with self._translate("write mentions"):
            # Actions are built lazily, so segmenting the next chunk (CPU, here) overlaps with the cluster
            # indexing the previous one (its CPU, in flight on another thread).
            for ok, item in helpers.parallel_bulk(
                self._client,
                (bulk_action(self._alias, m, self._document(m), existing.get(m.id)) for m in to_write),
                thread_count=_BULK_THREADS,
                queue_size=_BULK_THREADS,
                chunk_size=_BULK_CHUNK,
                max_chunk_bytes=_BULK_BYTES,
                raise_on_error=False,  # a rejected document is reported; the rest of the batch lands
                raise_on_exception=True,  # a dead connection is not a per-document problem
            ):
                info = next(iter(item.values()))
                doc_id = str(info.get("_id"))
                if ok:
                    (result.created if outcome[doc_id] == "created" else result.updated).append(doc_id)
                elif info.get("status") in _RETRY_STATUSES and not last_round:
                    retry.append(doc_id)
                    throttled = throttled or info.get("status") in _TRANSIENT_STATUSES
                elif info.get("status") in _TRANSIENT_STATUSES:
                    result.deferred[doc_id] = f"HTTP {info.get('status')}: {error_reason(info.get('error'))}"
                else:
                    result.failed[doc_id] = error_reason(info.get("error"))
        return retry, throttled
