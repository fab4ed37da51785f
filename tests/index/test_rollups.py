"""Counts kept at ingest answer exactly what counting every mention answers, on both backends.

Every assertion compares a store's facets, counts, trends and word frequencies with the same figures computed
here in Python from the mentions themselves, over ranges that start and end inside hours and days (the
roll-ups' ragged edges), before and after re-scores, edits and deletions.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from index import elastic_rollups
from index import sqlite as sqlite_module
from index.base import Mention, MentionFilter, MentionStore, SearchRequest, mention_id
from index.buckets import bucket_starts
from index.rollups import content_words, rowid_key
from index.sqlite import SQLiteMentionStore
from index.sqlite_write import row_values
from index.text import index_fields
from sentiment.base import SentimentLabel
from tests.index.test_contract import mk

T0 = datetime(2024, 3, 10, tzinfo=UTC)
BRANDS = ["acme", "globex", "鲜达"]
PLATFORMS = ["weibo", "douyin", "reddit"]
TEXTS = [
    "外卖送得太慢了，申请退款一直没人处理",
    "客服态度很好，物流速度很快",
    "电池续航很差，屏幕质量不错",
    "包装破损，再也不买了",
    "The battery is terrible and the refund took forever",
    "会员卡充值以后门店不认，投诉无门",
]
LABELS = [SentimentLabel.negative, SentimentLabel.positive, SentimentLabel.neutral, SentimentLabel.unscored]
CATEGORIES = [None, "logistics", "process", "product_quality"]


def corpus(count: int = 60, seed: int = 7) -> list[Mention]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        brands = rng.sample(BRANDS, 2 if rng.random() < 0.2 else 1)
        label = rng.choice(LABELS)
        body = rng.choice(TEXTS)
        out.append(
            mk(
                f"r{i}",
                body,
                title=rng.choice([None, "退款问题", "好评"]),
                platform=rng.choice(PLATFORMS),
                published=T0 + timedelta(minutes=rng.randrange(4 * 24 * 60), seconds=rng.randrange(60)),
                brands=brands,
                language="en" if body.isascii() else "zh",
                score=None if label is SentimentLabel.unscored else 0.5,
                label=label,
                category=rng.choice(CATEGORIES),
            )
        )
        if rng.random() < 0.15:  # an undated post: volume counts leave it out (dated_only)
            out[-1] = Mention.model_validate({**out[-1].model_dump(), "date_estimated": True, "content_hash": ""})
    return out


def matches(m: Mention, flt: MentionFilter) -> bool:
    return (
        (not flt.brands or bool(set(flt.brands) & set(m.brands)))
        and (not flt.platforms or m.platform in flt.platforms)
        and (not flt.labels or m.sentiment_label in flt.labels)
        and (not flt.languages or m.language in flt.languages)
        and not (flt.dated_only and m.date_estimated)
        and (flt.since is None or m.published_at >= flt.since)
        and (flt.until is None or m.published_at < flt.until)
    )


def expected_facets(mentions: list[Mention], flt: MentionFilter) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {k: Counter() for k in ("platform", "brand", "sentiment", "category", "language")}
    for m in mentions:
        if matches(m, flt):
            out["platform"][m.platform] += 1
            out["sentiment"][m.sentiment_label.value] += 1
            out["language"][m.language] += 1
            if m.category:
                out["category"][m.category] += 1
            for b in m.brands:
                out["brand"][b] += 1
    return out


def expected_words(mentions: list[Mention], flt: MentionFilter) -> Counter[str]:
    out: Counter[str] = Counter()
    for m in mentions:
        if matches(m, flt):
            seg = index_fields(m.title, m.text)
            out.update(content_words(seg["title_seg"], seg["text_seg"]))
    return out


FILTERS = [
    MentionFilter(),
    MentionFilter(brands=["acme"]),
    MentionFilter(brands=["acme", "globex"]),
    MentionFilter(brands=["nobody"]),
    MentionFilter(platforms=["weibo"], labels=[SentimentLabel.negative]),
    # ragged edges: inside an hour and inside a day at both ends
    MentionFilter(since=T0 + timedelta(hours=5, minutes=17), until=T0 + timedelta(days=2, hours=7, minutes=3)),
    MentionFilter(brands=["鲜达"], since=T0 + timedelta(minutes=31), until=T0 + timedelta(days=3, seconds=7)),
    MentionFilter(since=T0 + timedelta(hours=3), until=T0 + timedelta(hours=3, minutes=40)),
    # the volume rules' counts: one brand, labels, dated posts only
    MentionFilter(brands=["acme"], labels=[SentimentLabel.negative], dated_only=True, since=T0 + timedelta(hours=2)),
    MentionFilter(dated_only=True, since=T0 + timedelta(minutes=50), until=T0 + timedelta(days=3, hours=1)),
    MentionFilter(brands=["鲜达"], labels=[SentimentLabel.negative, SentimentLabel.neutral]),
    MentionFilter(languages=["zh"], since=T0 + timedelta(hours=20, minutes=5)),
]


def check(store: MentionStore, mentions: list[Mention]) -> None:
    store.refresh()
    for flt in FILTERS:
        want = expected_facets(mentions, flt)
        got = store.facets(flt, size=100)
        total = sum(1 for m in mentions if matches(m, flt))
        assert got.total == total == store.count(flt), flt
        for name, counter in want.items():
            assert {c.value: c.count for c in got.facets[name]} == dict(counter), (name, flt)
        labels = store.label_counts(flt)
        assert {k.value: v for k, v in labels.items() if v} == dict(want["sentiment"])
        frequencies = store.word_frequencies(flt.model_copy(update={"platforms": [], "labels": []}))
        if frequencies is not None:
            plain = flt.model_copy(update={"platforms": [], "labels": []})
            assert frequencies.exact, flt  # a small store: nothing is left out or sampled
            assert frequencies.counts == dict(expected_words(mentions, plain)), flt
            assert frequencies.total == sum(1 for m in mentions if matches(m, plain))
    since, until = T0 + timedelta(hours=1, minutes=10), T0 + timedelta(days=3, hours=2)
    shapes = [
        (interval, tz, MentionFilter(brands=["acme"], since=since, until=until))
        for interval, tz in (("hour", "UTC"), ("day", "Asia/Shanghai"), ("hour", "Asia/Kolkata"), ("day", "UTC"))
    ]
    shapes.append(("day", "UTC", MentionFilter(since=since, until=until, dated_only=True)))
    negative = [SentimentLabel.negative, SentimentLabel.neutral]
    shapes.append(("hour", "UTC", MentionFilter(brands=["globex"], since=since, until=until, labels=negative)))
    for interval, tz, flt in shapes:
        starts = bucket_starts(since, until, interval, ZoneInfo(tz))  # type: ignore[arg-type]
        ends = [*starts[1:], until]
        buckets = store.trend(flt, interval, tz)  # type: ignore[arg-type]
        for bucket, start, end in zip(buckets, starts, ends, strict=True):
            inside = [m for m in mentions if matches(m, flt) and start <= m.published_at < end]
            assert (bucket.count, bucket.negative) == (
                len(inside),
                sum(m.sentiment_label is SentimentLabel.negative for m in inside),
            ), (interval, tz, start)


def test_rollups_answer_like_counting_every_mention(mention_store: MentionStore) -> None:
    mentions = corpus()
    mention_store.upsert(mentions)
    check(mention_store, mentions)


def test_rollups_follow_rescores_edits_and_deletions(mention_store: MentionStore) -> None:
    mentions = corpus()
    mention_store.upsert(mentions)
    rng = random.Random(3)
    current = {m.id: m for m in mentions}
    changed = []
    for m in rng.sample(mentions, 20):
        update: dict[str, Any] = {"sentiment_label": SentimentLabel.negative, "sentiment_score": 0.1}  # re-score
        if rng.random() < 0.5:  # an edit: other brands, another day, other words
            update |= {"brands": ["globex"], "published_at": m.published_at + timedelta(hours=30), "text": TEXTS[3]}
        new = m.model_copy(update={**update, "content_hash": ""})
        new = Mention.model_validate(new.model_dump())
        current[m.id] = new
        changed.append(new)
    result = mention_store.upsert(changed)
    assert len(result.updated) == 20
    gone = [m.id for m in rng.sample(list(current.values()), 10)]
    mention_store.refresh()
    assert sorted(mention_store.delete([*gone, mention_id("weibo", "never")])) == sorted(gone)
    for i in gone:
        del current[i]
    check(mention_store, list(current.values()))
    assert mention_store.get(gone[0]) is None


def test_totals_are_exact_without_words_and_capped_with_them(
    mention_store: MentionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "TOTAL_CAP", 5)
    monkeypatch.setattr(elastic_rollups, "TOTAL_CAP", 5)
    mentions = [mk(f"t{i}", "申请退款一直没人处理", published=T0 + timedelta(minutes=i)) for i in range(8)]
    mention_store.upsert(mentions)
    mention_store.refresh()
    words = mention_store.search(SearchRequest(filter=MentionFilter(text="退款"), limit=3))
    assert (words.total, words.total_exact) == (5, False)
    assert [h.mention.id for h in words.hits] == [m.id for m in reversed(mentions)][:3]
    few = mention_store.search(SearchRequest(filter=MentionFilter(text="退款", until=T0 + timedelta(minutes=4))))
    assert (few.total, few.total_exact) == (4, True)
    brand = mention_store.search(SearchRequest(filter=MentionFilter(brands=["acme"]), limit=3))
    assert (brand.total, brand.total_exact) == (8, True)


def _plan(store: SQLiteMentionStore, sql: str, params: dict[str, Any]) -> str:
    explain = "EXPLAIN QUERY PLAN " + sql
    with store.engine.connect() as conn:
        rows = conn.execute(SQLiteMentionStore._expand(explain, params), params).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_sqlite_newest_first_plans_read_in_order_without_sorting(tmp_path: Path) -> None:
    """The query plans of the searches the API issues: no sort of all matches, brands through their key."""
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    store.upsert(corpus(30))
    seen: list[str] = []
    original = sqlite_module.SQLiteMentionStore._expand

    def spy(sql: str, params: dict[str, Any]) -> Any:
        if "ORDER BY" in sql and "LIMIT :limit" in sql:
            seen.append(_plan(store, sql, params))
        return original(sql, params)

    week = T0 + timedelta(days=1)
    for flt in (
        MentionFilter(text="退款"),
        MentionFilter(brands=["acme"], since=week, until=week + timedelta(days=2)),
        MentionFilter(text="退款", since=week, platforms=["weibo"]),
        MentionFilter(),
    ):
        seen.clear()
        store._expand = spy  # type: ignore[method-assign]
        store.search(SearchRequest(filter=flt))
        store._expand = original  # type: ignore[method-assign]
        assert seen and "USE TEMP B-TREE FOR ORDER BY" not in seen[0], (flt, seen[0])
        if flt.brands:
            assert "SEARCH b USING PRIMARY KEY (brand=?" in seen[0], seen[0]
    store.close()


def test_sqlite_migration_rekeys_and_counts_an_existing_index(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    store = SQLiteMentionStore.at(tmp_path / "old.sqlite3")
    cfg = Config()
    cfg.set_main_option("script_location", "index:migrations")
    mentions = corpus(25)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")  # the layout before the roll-ups (0006)
        for rowid, m in enumerate(mentions, start=1):  # the old layout: rowids in insertion order
            values = row_values(m)
            cols = ", ".join(values)
            conn.execute(
                text(f"INSERT INTO mentions (rowid, {cols}) VALUES (:rowid, :{', :'.join(values)})"),
                {"rowid": rowid, **values},
            )
            conn.execute(
                text("INSERT INTO mentions_fts (rowid, title_seg, text_seg, text_sub) VALUES (:r, :a, :b, :c)"),
                {"r": rowid, **dict(zip("abc", index_fields(m.title, m.text).values(), strict=True))},
            )
            for b in m.brands:
                conn.execute(
                    text("INSERT INTO mention_brands VALUES (:b, :r, :p)"),
                    {"b": b, "r": rowid, "p": values["published_at"]},
                )
    store.ensure_schema()
    with store.engine.connect() as conn:
        keyed: dict[str, int] = {row[0]: row[1] for row in conn.execute(text("SELECT id, rowid FROM mentions"))}
    assert keyed == {m.id: rowid_key(int(m.published_at.timestamp() * 1000), m.id) for m in mentions}
    check(store, mentions)
    newest = store.search(SearchRequest(filter=MentionFilter(text="退款"), limit=100))
    assert [h.mention.id for h in newest.hits] == [
        m.id
        for m in sorted(mentions, key=lambda m: (m.published_at, m.id), reverse=True)
        if "退款" in (m.title or "") + m.text
    ]
    store.close()


def test_word_counts_too_costly_for_the_rollups_fall_back_to_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two brands over a long range: the day lists are per brand, so the newest mentions are sampled."""
    from index import sqlite_rollups
    from index.words import period_words

    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    mentions = corpus()
    store.upsert(mentions)
    flt = MentionFilter(brands=["acme", "globex"], since=T0, until=T0 + timedelta(days=2))
    previous = MentionFilter(brands=["acme", "globex"], since=T0 - timedelta(days=2), until=T0)
    exact = store.word_frequencies(flt)
    assert exact is not None and exact.exact and exact.counts == dict(expected_words(mentions, flt))
    monkeypatch.setattr(sqlite_rollups, "WORD_ROWS_BUDGET", 10)
    assert store.word_frequencies(flt) is None
    top, _, is_exact = period_words(store, flt, previous, frozenset(), 5, sample=1000)
    # The sample holds every matching mention here, so the estimate is the exact count.
    assert is_exact
    assert [(w.word, w.count) for w in top] == sorted(exact.counts.items(), key=lambda i: (-i[1], i[0]))[:5]
    store.close()


def test_dates_outside_the_rowid_range_are_still_found_in_order(mention_store: MentionStore) -> None:
    old = mk("old", "退款 旧帖", published=datetime(1965, 1, 1, tzinfo=UTC))
    now = mk("now", "退款 新帖", published=T0)
    far = mk("far", "退款 远帖", published=datetime(2150, 6, 1, tzinfo=UTC))
    mention_store.upsert([old, now, far])
    mention_store.refresh()
    newest = mention_store.search(SearchRequest(filter=MentionFilter(text="退款")))
    assert [h.mention.id for h in newest.hits] == [far.id, now.id, old.id]
    for since, until, want in (
        (datetime(1960, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC), [old.id]),
        (datetime(2100, 1, 1, tzinfo=UTC), None, [far.id]),
        (None, datetime(2100, 1, 1, tzinfo=UTC), [now.id, old.id]),
    ):
        for text_ in ("退款", None):
            flt = MentionFilter(text=text_, since=since, until=until)
            page = mention_store.search(SearchRequest(filter=flt))
            assert [h.mention.id for h in page.hits] == want and page.total == len(want), (flt, page.hits)
            assert mention_store.count(flt) == mention_store.facets(flt).total == len(want)


ROLLUP_TABLES = ("rollup_days", "rollup_hours", "rollup_words", "rollup_brand_days", "rollup_brand_hours")


def _rollup_tables(store: SQLiteMentionStore) -> dict[str, set[tuple[Any, ...]]]:
    """Every roll-up row, brand sets by name (their ids depend on the order they were first seen)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        names: dict[int, str] = dict(conn.exec_driver_sql("SELECT set_id, brands FROM rollup_brandsets").all())
        for table in ROLLUP_TABLES:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table}").all()
            named = (tuple(names[v] if c == "set_id" else v for c, v in zip(r._fields, r, strict=True)) for r in rows)
            out[table] = set(named)
    return out


def test_sqlite_rollup_tables_after_batches_equal_counting_the_stored_mentions_again(tmp_path: Path) -> None:
    """The grouped counting of a batch (index.rollups.RollupDelta) leaves the same rows as counting what is stored
    from scratch, after inserts, re-scores, edits and deletions; no counter is left at zero."""
    from index.sqlite_write import backfill_lean, backfill_rollups

    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    mentions = corpus(200, seed=11)
    for start in range(0, len(mentions), 37):  # batches that straddle hours and days
        store.upsert(mentions[start : start + 37])
    rng = random.Random(5)
    changed = []
    for m in rng.sample(mentions, 40):
        update: dict[str, Any] = {"sentiment_label": SentimentLabel.negative, "category": "logistics"}
        if rng.random() < 0.5:
            later = m.published_at + timedelta(hours=7)
            update |= {"brands": ["globex", "鲜达"], "published_at": later, "text": TEXTS[4]}
        changed.append(Mention.model_validate({**m.model_copy(update=update).model_dump(), "content_hash": ""}))
    written = store.upsert(changed)
    assert len(written.updated) > 30 and len(written.updated) + len(written.unchanged) == 40  # some were so already
    assert len(store.delete([m.id for m in rng.sample(mentions, 30)])) == 30
    kept = _rollup_tables(store)
    assert all(row[-1] > 0 for rows in kept.values() for row in rows)
    with store.engine.begin() as conn:
        for table in ROLLUP_TABLES:
            conn.exec_driver_sql(f"DELETE FROM {table}")
        backfill_rollups(conn)
        backfill_lean(conn)
    recounted = _rollup_tables(store)
    for table in ROLLUP_TABLES:
        assert kept[table] == recounted[table], table
    assert len(kept["rollup_brand_hours"]) > 500  # the comparison covers a real spread of keys
    store.close()


def test_a_sqlite_write_pauses_the_cycle_collector_and_resumes_it_even_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from index import sqlite_write

    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    during: list[bool] = []
    real = sqlite_write.index_tokens

    def spy(title: str | None, body: str) -> tuple[list[str], list[str], list[str]]:
        during.append(gc.isenabled())
        return real(title, body)

    monkeypatch.setattr(sqlite_write, "index_tokens", spy)
    assert len(store.upsert(corpus(5)).created) == 5
    assert during == [False] * 5 and gc.isenabled()

    def broken(title: str | None, body: str) -> tuple[list[str], list[str], list[str]]:
        raise RuntimeError("tokenizer failed")

    monkeypatch.setattr(sqlite_write, "index_tokens", broken)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        sqlite_write.write_batch(conn, corpus(3, seed=9))
    assert gc.isenabled()
    store.close()


def test_stored_row_is_row_values_in_column_order() -> None:
    """The write path builds each mentions row without row_values' dictionary: the same values, in COLUMNS order."""
    from index.sqlite_write import COLUMNS, _row

    mentions = corpus(40)
    mentions[3] = Mention.model_validate(
        {**mentions[3].model_dump(), "extra": {"likes_text": "1万", "n": 3}, "content_hash": ""}
    )
    assert any(m.date_estimated for m in mentions)
    for rowid, m in enumerate(mentions, start=1):
        values = row_values(m)
        assert list(values) == COLUMNS
        assert _row(m, rowid, None) == (rowid, *values.values())
        kept = (rowid, *{**values, "collected_at": 12345}.values())
        assert _row(m, rowid, 12345) == kept  # a replaced mention keeps its first seen
