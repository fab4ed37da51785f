"""Erasing a person's data from the mention index, and purging old raw text (retention), on both tiers.

A person's own posts (``author``) are deleted; a post that merely quotes their phone number or e-mail address
is kept with the value redacted. Every mention is looked at (a full scan along the store's cursor: a number can be
written in ways a full-text index does not tokenize alike). Afterwards no copy stays behind:

- SQLite: ``secure_delete`` on, the FTS5 index merged (``optimize``: deleted entries leave its shadow tables),
  the file rebuilt (``VACUUM``) and the write-ahead log checkpointed and truncated;
- Elasticsearch: ``delete_by_query`` by id, refresh, and a force-merge that expunges the deleted documents
  (old versions of redacted ones included) where the cluster supports it.

Retention keeps the counts: a mention published before the cut-off keeps its row, time, platform, brands and
sentiment, and loses its text, title, author, link and extra fields.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, text

from foundation.erasure import REDACTED, Subject, SubjectKind, compact_sqlite
from index.base import MAX_LIMIT, Mention, MentionFilter, MentionStore, SearchRequest

#: What a purged mention's text becomes.
PURGED = "[已过保留期]"


@dataclass
class MentionErasure:
    deleted: list[str] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)


def _all(store: MentionStore, flt: MentionFilter | None = None) -> Iterator[Mention]:
    cursor: str | None = None
    while True:
        page = store.search(
            SearchRequest(filter=flt or MentionFilter(), limit=MAX_LIMIT, cursor=cursor, highlight=False)
        )
        yield from (hit.mention for hit in page.hits)
        if not page.next_cursor or not page.hits:
            return
        cursor = page.next_cursor


def _redacted(mention: Mention, subject: Subject) -> Mention | None:
    """The mention without the subject's identifier, or ``None`` when it holds none."""
    data = mention.model_dump(exclude={"content_hash"})
    changed = {
        "title": subject.redact(mention.title) if mention.title else mention.title,
        "text": subject.redact(mention.text),
        "url": subject.redact(mention.url) if mention.url else mention.url,
        "author": subject.redact(mention.author) if mention.author else mention.author,
        "extra": subject.redact_deep(mention.extra),
    }
    if all(changed[k] == data[k] for k in changed):
        return None
    return Mention.model_validate({**data, **changed})


def erase_mentions(store: MentionStore, subject: Subject) -> MentionErasure:
    """Delete the subject's own posts, redact their identifier in the others, and leave no copy behind."""
    result = MentionErasure()
    rewrite: list[Mention] = []
    for mention in list(_all(store)):
        if subject.kind is SubjectKind.author and mention.author == subject.value.strip():
            result.deleted.append(mention.id)
            continue
        cleaned = _redacted(mention, subject)
        if cleaned is not None:
            rewrite.append(cleaned)
    delete_mentions(store, result.deleted)
    for start in range(0, len(rewrite), 500):
        store.upsert(rewrite[start : start + 500])
    result.redacted = [m.id for m in rewrite]
    compact(store)
    return result


def purge_before(store: MentionStore, cutoff: datetime) -> int:
    """Drop the raw text of every mention published before ``cutoff``, keeping it counted; how many."""
    purged = []
    for mention in _all(store, MentionFilter(until=cutoff)):
        if mention.text == PURGED:
            continue
        data = mention.model_dump(exclude={"content_hash"})
        data.update(text=PURGED, title=None, author=None, url=None, extra={}, matched_keywords=[])
        purged.append(Mention.model_validate(data))
    for start in range(0, len(purged), 500):
        store.upsert(purged[start : start + 500])
    if purged:
        compact(store)
    return len(purged)


# -- the backends -------------------------------------------------------------------------------------------------
def delete_mentions(store: MentionStore, ids: Sequence[str]) -> None:
    """Delete mentions by id (with their brand rows and full-text entries)."""
    if not ids:
        return
    from index.elastic import ElasticMentionStore
    from index.sqlite import SQLiteMentionStore

    if isinstance(store, SQLiteMentionStore):
        with store.engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
            rowids = [
                r[0]
                for r in conn.execute(
                    text("SELECT rowid FROM mentions WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                    {"ids": list(ids)},
                )
            ]
            for rowid in rowids:
                conn.execute(text("DELETE FROM mentions_fts WHERE rowid = :r"), {"r": rowid})
                conn.execute(text("DELETE FROM mention_brands WHERE mention_rowid = :r"), {"r": rowid})
                conn.execute(text("DELETE FROM mentions WHERE rowid = :r"), {"r": rowid})
    elif isinstance(store, ElasticMentionStore):
        store.client.delete_by_query(
            index=store.alias, query={"ids": {"values": list(ids)}}, refresh=True, conflicts="proceed"
        )
    else:
        raise TypeError(f"erasing from a {store.backend} store is not supported")
    store.refresh()


def compact(store: MentionStore) -> None:
    """Leave no copy of deleted or rewritten mentions in the backend's files or segments."""
    from index.elastic import ElasticMentionStore
    from index.sqlite import SQLiteMentionStore

    if isinstance(store, SQLiteMentionStore):
        # Merge every FTS5 segment into one: entries of deleted rows leave the shadow tables.
        compact_sqlite(store.engine, "INSERT INTO mentions_fts (mentions_fts) VALUES ('optimize')")
    elif isinstance(store, ElasticMentionStore):
        store.refresh()
        # Old versions of rewritten documents live on in segments until merged away; a server that cannot
        # force-merge (the in-memory test server) keeps nothing on disk to begin with.
        with contextlib.suppress(Exception):
            store.client.indices.forcemerge(index=store.alias, only_expunge_deletes=True)


__all__ = ["PURGED", "REDACTED", "MentionErasure", "compact", "delete_mentions", "erase_mentions", "purge_before"]
