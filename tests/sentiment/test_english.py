"""English: VADER mapped onto the service's score scale, with the complaint cap."""

from __future__ import annotations

from pathlib import Path

from sentiment import SentimentService
from sentiment.base import SentimentLabel, Thresholds
from sentiment.data import read_labelled
from sentiment.english import VADER_NEGATIVE, VADER_POSITIVE, VaderScorer, compound_to_score
from sentiment.metrics import accuracy

SAMPLE = Path(__file__).parent / "data" / "english_mentions.csv"


def test_compound_maps_monotonically_with_vaders_cut_points_on_the_thresholds() -> None:
    t = Thresholds(0.3, 0.7)
    assert compound_to_score(-1.0, t) == 0.0 and compound_to_score(1.0, t) == 1.0
    assert compound_to_score(VADER_NEGATIVE, t) == 0.3 and compound_to_score(VADER_POSITIVE, t) == 0.7
    assert compound_to_score(0.0, t) == 0.5 and compound_to_score(7.0, t) == 1.0
    grid = [compound_to_score(c / 100, t) for c in range(-100, 101)]
    assert grid == sorted(grid)
    assert [t.label(compound_to_score(c, t)) for c in (-0.06, -0.04, 0.04, 0.06)] == [
        SentimentLabel.negative,
        SentimentLabel.neutral,
        SentimentLabel.neutral,
        SentimentLabel.positive,
    ]


def test_english_sample() -> None:
    """40 hand-written brand mentions (a sanity floor, not a benchmark: there is no English corpus here)."""
    rows = read_labelled(SAMPLE)
    scores = VaderScorer().score_batch([r.text for r in rows])
    assert all(s is not None for s in scores)
    assert accuracy([r.label for r in rows], [s or 0.5 for s in scores]) >= 0.9


def test_polite_english_complaints_are_negative() -> None:
    scorer = VaderScorer()
    capped, unanswered, free, never_regret = scorer.score_batch(
        [
            "Please refund me as soon as possible, thanks!",
            "XianDa support never answered.",  # VADER alone: positive ("support")
            "Thanks, great support!",
            "I never regret buying it",
        ]
    )
    assert capped is not None and capped < Thresholds().negative_below
    assert unanswered is not None and unanswered < Thresholds().negative_below
    assert free is not None and free > Thresholds().positive_above
    assert never_regret is not None and never_regret > Thresholds().positive_above


def test_default_service_routes_by_language() -> None:
    zh, en, ja, empty = SentimentService.default().analyze_batch(
        ["物流很快，包装完好，好评", "Terrible service, still waiting for my order", "このアプリは最高です", ""]
    )
    assert (zh.scorer, zh.language, zh.label) == ("yuqing-zh", "zh", SentimentLabel.positive)
    assert (en.scorer, en.language, en.label) == ("vader", "en", SentimentLabel.negative)
    assert (ja.language, ja.label, ja.score) == ("ja", SentimentLabel.unscored, None)
    assert empty.label is SentimentLabel.unscored
