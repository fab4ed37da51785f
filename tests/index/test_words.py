"""Word statistics for the facets: what counts as a word, document frequency, scaling and smoothing."""

from __future__ import annotations

from index.words import (
    RisingWord,
    WordCount,
    excluded_words,
    is_content_word,
    rising_words,
    stopwords,
    top_words,
)


def test_stop_words_numbers_single_characters_and_brands_are_not_words() -> None:
    assert {"我们", "因为", "the", "would"} <= stopwords()
    brands = excluded_words(["鲜达外卖", "XianDa"])
    assert {"鲜达外卖", "鲜达", "外卖", "xianda"} <= brands
    for token in ("我们", "the", "好", "a", "2026", "x5", "3000", "鲜达", "xianda"):
        assert not is_content_word(token, brands), token
    for token in ("退款", "漏液", "battery", "ios"):
        assert is_content_word(token, brands), token


def test_top_words_count_mentions_not_occurrences() -> None:
    sample = [["退款", "退款", "退款", "客服"], ["退款", "物流"], ["物流", "我们"], ["漏液"]]
    # Ties in code-point order: 物 (U+7269) before 退 (U+9000).
    assert top_words(sample, total=4, limit=3) == [WordCount("物流", 2), WordCount("退款", 2), WordCount("客服", 1)]


def test_top_words_scale_a_partial_sample_to_the_total() -> None:
    sample = [["退款"], ["退款"], ["物流"], ["客服"]]
    assert top_words(sample, total=400)[0] == WordCount("退款", 200)


def test_rising_words_smooth_and_need_enough_mentions() -> None:
    now = [["漏液", "退款"]] * 12 + [["爆炸"]] * 2 + [["客服"]] * 5
    before = [["漏液"], ["退款"]] + [["退款"]] * 11 + [["客服"]] * 5
    rising = rising_words(now, len(now), before, len(before))
    assert rising == [RisingWord("漏液", 12, 1, 6.5)]  # 爆炸 0 → 2 is too few; 退款 12 → 12 and 客服 did not rise


def test_rising_words_compare_estimated_counts_across_periods() -> None:
    # Now: 1,000 mentions, 100 sampled, 10 of them with 漏液 → about 100; before: 50, all sampled, 5 with it.
    now = [["漏液"]] * 10 + [["其它词"]] * 90
    before = [["漏液"]] * 5 + [["其它词"]] * 45
    (word, *_) = rising_words(now, 1000, before, 50)
    assert word == RisingWord("其它词", 900, 45, 19.59)
    assert RisingWord("漏液", 100, 5, 16.83) in rising_words(now, 1000, before, 50)
    assert rising_words([], 0, before, 50) == []
