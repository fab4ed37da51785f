"""The search language across backends: schema upgrades that add the category field, and random queries that
must find the same mentions on SQLite and Elasticsearch (the fixed cases are in ``test_query_contract.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundation.errors import InvalidQuery
from index.base import FacetCount, MentionFilter
from index.elastic import ANALYSIS, MAPPINGS, ElasticMentionStore
from index.query import ast
from index.sqlite import SQLiteMentionStore
from tests.index.test_contract import mk, write
from tests.index.test_query_contract import GY, XD, corpus_mentions, found

# -- schema upgrades --------------------------------------------------------------------------------------


def test_sqlite_migration_adds_category_to_an_existing_index(tmp_path: Any) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    store = SQLiteMentionStore.at(tmp_path / "old.sqlite3")
    cfg = Config()
    cfg.set_main_option("script_location", "index:migrations")
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(
            text(
                "INSERT INTO mentions (id, platform, post_id, source, text, published_at, collected_at, updated_at, "
                "language, sentiment_label, matched_keywords, extra, content_hash) VALUES "
                "(:id, 'weibo', 'old', 's', '旧的退款', 0, 0, 0, 'zh', 'unscored', '[]', '{}', 'h')"
            ),
            {"id": mk("old").id},
        )
    store.ensure_schema()
    old = store.get(mk("old").id)
    assert old is not None and old.category is None
    write(store, [mk("new", "配送太慢", category="logistics")])
    assert store.count(MentionFilter(query="category:logistics")) == 1
    assert store.count(MentionFilter(query="-category:logistics")) == 1
    store.close()


@pytest.mark.elasticsearch
def test_elastic_schema_update_adds_category_to_an_existing_index(elastic_store: ElasticMentionStore) -> None:
    client = elastic_store.client
    old = ElasticMentionStore(client, index_prefix="yqold")
    properties = {k: v for k, v in MAPPINGS["properties"].items() if k != "category"}
    client.indices.create(
        index=old.first_index,
        settings={"analysis": ANALYSIS},
        mappings={**MAPPINGS, "properties": properties},
        aliases={old.alias: {"is_write_index": True}},
    )
    old.ensure_schema()
    old.ensure_schema()  # idempotent
    mapping = client.indices.get_mapping(index=old.alias).body[old.first_index]["mappings"]
    assert mapping["properties"]["category"] == {"type": "keyword"}
    write(old, [mk("new", "配送太慢", category="logistics"), mk("plain")])
    assert old.count(MentionFilter(query="category:logistics")) == 1
    assert old.facets(MentionFilter(), size=5).facets["category"] == [FacetCount("logistics", 1)]


# -- differential: random queries, both backends ----------------------------------------------------------
_VOCABULARY = ["退款", "申请", "客服", "质量", "配送", "骑手", "差", "refund", "quality", "a", "x", "battery", "漏液"]
_leaf = st.one_of(
    st.builds(ast.Word, st.sampled_from(_VOCABULARY), st.just(False), st.sampled_from([None, None, "title", "text"])),
    st.builds(ast.Word, st.sampled_from(["refun", "退", "qual", "ba"]), st.just(True)),
    st.builds(ast.Phrase, st.sampled_from(["申请 退款", "refund please", "quality x", "退款 申请", "态度差"])),
    st.builds(
        ast.Phrase, st.sampled_from(["quality refund", "质量 退款", "refund a quality", "申请 客服"]), st.integers(0, 7)
    ),
    st.builds(ast.Match, st.just("platform"), st.sampled_from(["weibo", "reddit", "dianping"])),
    st.builds(ast.Match, st.just("brand"), st.sampled_from([XD, GY])),
    st.builds(ast.Match, st.just("lang"), st.sampled_from(["en", "zh"])),
    st.builds(ast.Match, st.just("category"), st.sampled_from(["process", "logistics", "product_quality"])),
    st.builds(ast.Match, st.just("author"), st.sampled_from(["张三", "lumi_fan"])),
    st.builds(ast.Match, st.just("sentiment"), st.sampled_from(["negative", "positive", "unscored"])),
    st.builds(ast.Range, st.just("sentiment"), st.sampled_from([None, "0.1", "0.2"]), st.sampled_from(["0.3", "0.9"])),
    st.builds(
        ast.Range, st.just("rating"), st.sampled_from([None, "1", "2"]), st.sampled_from([None, "2", "5"])
    ).filter(lambda r: r.lower is not None or r.upper is not None),
    st.builds(ast.Range, st.just("date"), st.sampled_from([None, "2026-11-01", "2026-11-05"]), st.just("2026-11-07")),
)


def _grow(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
    return st.one_of(
        children.map(ast.Not),
        st.lists(children, min_size=2, max_size=3).map(lambda c: ast.And(tuple(c))),
        st.lists(children, min_size=2, max_size=3).map(lambda c: ast.Or(tuple(c))),
    )


@pytest.mark.elasticsearch
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.recursive(_leaf, _grow, max_leaves=6))
def test_random_queries_find_the_same_mentions_on_both_backends(
    elastic_corpus: tuple[SQLiteMentionStore, ElasticMentionStore], tree: ast.Node
) -> None:
    query = ast.render(tree)
    results = []
    for store in elastic_corpus:
        try:
            results.append(found(store, query))
        except InvalidQuery as exc:  # e.g. title:a NEAR text:b: then both must refuse it
            results.append({f"invalid: {exc}"})
    assert results[0] == results[1], query


@pytest.fixture
def elastic_corpus(
    elastic_store: ElasticMentionStore, tmp_path: Path
) -> Iterator[tuple[SQLiteMentionStore, ElasticMentionStore]]:
    sqlite = SQLiteMentionStore.at(tmp_path / "diff.sqlite3")
    sqlite.ensure_schema()
    for store in (sqlite, elastic_store):
        write(store, corpus_mentions())
    yield sqlite, elastic_store
    sqlite.close()
