"""The hot words an alert shows (and puts in its ticket) are content words: never 的, 了, 是 or another stop
word, a single character or a number. Checked on real negative delivery reviews (../shared waimai_10k, test
split) stored in the embedded index."""

from __future__ import annotations

import csv
from pathlib import Path

from alerts.rules.base import top_words
from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore
from index.words import stopwords
from tests.factories import make_mention

FUNCTION_WORDS = {"的", "了", "是", "我", "也", "就", "都", "不", "吗", "呢", "还", "很", "在", "有"}


def real_negative_reviews(shared: Path, limit: int) -> list[str]:
    path = shared / "data" / "sentiment" / "waimai_10k_test.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [row["text"] for row in csv.DictReader(handle) if row["label"] == "0"]
    return rows[:limit]


def test_alert_hot_words_hold_no_stop_word_on_real_reviews(tmp_path: Path, shared_dir: Path) -> None:
    reviews = real_negative_reviews(shared_dir, 200)
    assert len(reviews) == 200
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    try:
        store.upsert([make_mention(f"鲜达外卖 {text}", label="negative", score=0.1) for text in reviews])
        store.refresh()
        words = top_words(store, MentionFilter(brands=["鲜达外卖"]), exclude=["鲜达外卖", "鲜达"], limit=20)
    finally:
        store.close()
    assert len(words) == 20
    found = [w for w, _ in words]
    assert not set(found) & FUNCTION_WORDS, found
    assert not set(found) & stopwords(), found
    assert all(len(w) > 1 and not w.isnumeric() for w in found), found
    assert not {"鲜达", "外卖鲜达", "鲜达外卖"} & set(found)
    # What people complain about in delivery reviews is there (not hand-picked: the most frequent content words).
    assert {"送餐", "外卖", "小时", "味道", "送到"} & set(found), found
