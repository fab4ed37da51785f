"""Long ranges' words from each day's top words (index.sqlite_words): exact while nothing is left out, kept
current through re-scores, edits and deletions, and flagged as estimates once words are left out or edges
are sampled."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from index import sqlite_rollups, sqlite_words
from index.base import Mention, MentionFilter, mention_id
from index.sqlite import SQLiteMentionStore
from index.words import period_words
from sentiment.base import SentimentLabel
from tests.index.test_rollups import FILTERS, T0, TEXTS, corpus, expected_words, matches

#: The filters the day lists answer: one brand or all, and a time range (ragged edges included).
LONG = [f for f in FILTERS if len(f.brands) <= 1 and not (f.platforms or f.labels or f.languages or f.dated_only)]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SQLiteMentionStore:
    monkeypatch.setattr(sqlite_rollups, "WORD_ROWS_BUDGET", 0)  # every range is "long": the day lists answer
    found = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    found.ensure_schema()
    return found


def _stale(store: SQLiteMentionStore) -> dict[int, int]:
    with store.engine.connect() as conn:
        return sqlite_words.stale_days(conn, -(1 << 40), 1 << 40)


def check_exact(store: SQLiteMentionStore, mentions: list[Mention]) -> None:
    assert len(LONG) >= 4
    for flt in LONG:
        got = store.word_frequencies(flt)
        assert got is not None and got.exact, flt
        assert got.counts == dict(expected_words(mentions, flt)), flt
        assert got.total == sum(1 for m in mentions if matches(m, flt))


def test_day_lists_answer_exactly_and_follow_rescores_edits_and_deletions(store: SQLiteMentionStore) -> None:
    mentions = corpus()
    store.upsert(mentions)
    assert _stale(store)  # written, not yet listed
    check_exact(store, mentions)
    assert _stale(store) == {}  # the first reader built and saved every day's lists
    rng = random.Random(5)
    current = {m.id: m for m in mentions}
    changed = []
    for m in rng.sample(mentions, 20):
        update: dict[str, Any] = {"sentiment_label": SentimentLabel.negative, "sentiment_score": 0.1}
        if rng.random() < 0.5:  # other brands, another day, other words
            update |= {"brands": ["globex"], "published_at": m.published_at + timedelta(hours=30), "text": TEXTS[3]}
        new = Mention.model_validate(m.model_copy(update={**update, "content_hash": ""}).model_dump())
        current[m.id] = new
        changed.append(new)
    store.upsert(changed)
    gone = [m.id for m in rng.sample(list(current.values()), 10)]
    store.delete([*gone, mention_id("weibo", "never")])
    for i in gone:
        del current[i]
    assert _stale(store)
    check_exact(store, list(current.values()))
    assert _stale(store) == {}


def test_a_rescore_that_keeps_the_words_leaves_the_lists_current(store: SQLiteMentionStore) -> None:
    mentions = corpus(20)
    store.upsert(mentions)
    check_exact(store, mentions)
    rescored = [
        Mention.model_validate(
            {**m.model_dump(), "sentiment_label": "negative", "sentiment_score": 0.01, "content_hash": ""}
        )
        for m in mentions
    ]
    assert len(store.upsert(rescored).updated) == 20
    assert _stale(store) == {}  # same words: nothing to rebuild


def test_saved_lists_are_what_building_the_day_gives(store: SQLiteMentionStore) -> None:
    store.upsert(corpus())
    check_exact(store, corpus())
    with store.engine.connect() as conn:
        saved = conn.execute(text("SELECT * FROM rollup_word_tops ORDER BY 1, 2, 3")).all()
        sets = dict(conn.execute(text("SELECT set_id, brands FROM rollup_brandsets")).all())
        days = dict(conn.execute(text("SELECT day, version FROM rollup_word_days")).all())
        rebuilt = [sqlite_words.build_day(conn, d, v, sets) for d, v in days.items()]
    again = sorted((b, t.day, w, n) for t in rebuilt for b, (kept, _) in t.brands.items() for w, n in kept)
    assert [tuple(r) for r in saved] == again and again


def test_left_out_words_make_an_estimate_with_lower_bounds(
    store: SQLiteMentionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_words, "TOP_PER_DAY", 2)
    mentions = corpus()
    store.upsert(mentions)
    flt = MentionFilter(since=T0, until=T0 + timedelta(days=4))  # whole days: no edges
    got = store.word_frequencies(flt)
    want = expected_words(mentions, flt)
    assert got is not None and not got.exact
    assert got.total == len(mentions)
    assert got.counts and all(0 < n <= want[w] for w, n in got.counts.items())
    assert len(got.counts) < len(want)  # words were left out
    # Each day's two most frequent words (and those tied with them) are all the lists hold.
    with store.engine.connect() as conn:
        listed = conn.execute(text("SELECT day, COUNT(*), MIN(n) FROM rollup_word_tops WHERE brand = '' GROUP BY day"))
        cuts = dict(conn.execute(text("SELECT day, cut FROM rollup_word_cuts WHERE brand = ''")).all())
        for day, kept, least in listed:
            assert kept >= 2 and cuts.get(day, 0) < least, day  # ties with the second kept, none above the cut
    assert max(got.counts, key=lambda w: got.counts[w]) == want.most_common(1)[0][0]
    words = period_words(store, flt, MentionFilter(since=T0 - timedelta(days=4), until=T0), frozenset(), 5, 100)
    assert not words.exact and words.top[0].word == want.most_common(1)[0][0]


def test_sampled_edges_are_scaled_estimates(store: SQLiteMentionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_words, "EDGE_SAMPLE", 5)
    mentions = corpus(200)
    store.upsert(mentions)
    # Two ragged edges of ~20 hours each: both sampled.
    flt = MentionFilter(since=T0 + timedelta(hours=4), until=T0 + timedelta(days=3, hours=20))
    got = store.word_frequencies(flt)
    assert got is not None and not got.exact
    want = expected_words(mentions, flt)
    assert got.total == sum(1 for m in mentions if matches(m, flt))
    top = want.most_common(1)[0]
    assert abs(got.counts[top[0]] - top[1]) < 0.5 * top[1]  # an estimate, near the count


def test_a_reader_does_not_wait_for_a_writer(store: SQLiteMentionStore) -> None:
    mentions = corpus()
    store.upsert(mentions)
    with store.engine.connect().execution_options(yuqing_immediate=True) as writer, writer.begin():
        writer.exec_driver_sql("INSERT INTO rollup_word_days VALUES (-1, 1)")  # holds the write lock
        check_exact(store, mentions)  # answered from lists built in memory, not saved
        assert _stale(store)
    check_exact(store, mentions)
    assert _stale(store) == {}


def test_an_estimate_counts_only_the_words_the_day_lists_hold(
    store: SQLiteMentionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word seen only in a sampled edge would look new (0 before, a scaled count now): it is left out."""
    monkeypatch.setattr(sqlite_words, "TOP_PER_DAY", 2)
    monkeypatch.setattr(sqlite_words, "EDGE_SAMPLE", 5)
    mentions = corpus(200)
    store.upsert(mentions)
    flt = MentionFilter(since=T0 + timedelta(hours=4), until=T0 + timedelta(days=3, hours=20))
    got = store.word_frequencies(flt)
    assert got is not None and not got.exact and got.counts
    with store.engine.connect() as conn:
        listed = {w for (w,) in conn.execute(text("SELECT word FROM rollup_word_tops WHERE brand = ''"))}
    assert set(got.counts) <= listed
    assert len(set(expected_words(mentions, flt)) - listed) > 0  # there were such words to leave out
