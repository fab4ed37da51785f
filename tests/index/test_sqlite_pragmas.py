"""The SQLite store's writing connections take a larger page cache and a rarer checkpoint; readers keep the
defaults, and what a write stores is the same either way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection

from index.base import MentionFilter, SearchRequest
from index.sqlite import WRITE_PRAGMAS, SQLiteMentionStore
from tests.index.test_contract import T0, mk


def _pragma(conn: Connection, name: str) -> int:
    return int(conn.exec_driver_sql(f"PRAGMA {name}").scalar_one())


def test_write_connection_sets_the_write_pragmas(tmp_path: Path) -> None:
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    wanted = {p.split()[1]: int(p.split("=")[1]) for p in WRITE_PRAGMAS}
    assert wanted == {"cache_size": -65536, "wal_autocheckpoint": 10000}
    with store._write_connection() as conn:
        assert {name: _pragma(conn, name) for name in wanted} == wanted
    store.close()


def test_reading_connections_keep_sqlites_defaults(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    writer = SQLiteMentionStore.at(path)
    writer.ensure_schema()
    writer.upsert([mk("p1", "物流太慢了")])
    reader = SQLiteMentionStore.at(path)  # its own engine: a process that only reads, as the API mostly does
    with reader._read() as conn:
        assert _pragma(conn, "cache_size") == -2000
        assert _pragma(conn, "wal_autocheckpoint") == 1000
    writer.close()
    reader.close()


def test_many_batches_under_the_write_pragmas_are_all_readable_by_another_connection(tmp_path: Path) -> None:
    # 120 batches of 50: the WAL holds several thousand pages before its first checkpoint; a second store on the
    # same file (another process's view) must see every committed batch all the same.
    path = tmp_path / "m.sqlite3"
    writer = SQLiteMentionStore.at(path)
    writer.ensure_schema()
    reader = SQLiteMentionStore.at(path)
    for b in range(120):
        batch = [
            mk(f"p{b}-{i}", f"第{b}批第{i}条：物流太慢，客服不回", published=T0 + timedelta(minutes=b * 50 + i))
            for i in range(50)
        ]
        assert len(writer.upsert(batch).created) == 50
        if b % 40 == 39:
            assert reader.count(MentionFilter()) == (b + 1) * 50
    page = reader.search(SearchRequest(filter=MentionFilter(text="物流"), limit=5))
    assert page.total == 6000
    assert [hit.mention.post_id for hit in page.hits][:2] == ["p119-49", "p119-48"]
    writer.close()
    reader.close()
