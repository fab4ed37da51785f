"""Per-domain experts (sentiment.experts): routing, file format, size, and figures on a real slice."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sentiment import SentimentService
from sentiment.data import SHARED_DIR, Example
from sentiment.evalsets import evaluation_sets
from sentiment.experts import EXPERTS_NAME, Expert, Experts, load_experts_meta, read_expert_weights, write_experts
from sentiment.experts_train import Settings, Support, _fit_sentiment, fit_expert
from sentiment.features import MODELS_DIR, analyse
from sentiment.learn import sigmoid
from sentiment.metrics import accuracy
from sentiment.rows import Row
from sentiment.zh import load_model

META = json.loads((MODELS_DIR / "yuqing_zh.json").read_text(encoding="utf-8"))
EXPERTS_META = load_experts_meta(MODELS_DIR)

BOOK_REVIEW = "这本书的内容很精彩，作者文笔流畅，翻译也不错，值得一读，推荐给喜欢历史的朋友"
LAPTOP_REVIEW = "笔记本散热不好，风扇噪音大，屏幕有坏点，电池续航也不到两小时，键盘手感一般"
WAIMAI_REVIEW = "外卖送餐太慢了，等了一个半小时，饭菜都凉了，米饭也少"
WEIBO_POST = "#今日话题# 今天和闺蜜去看了电影，哈哈哈笑死我了[哈哈]//@某某: 转发微博"


def _route(text: str) -> str | None:
    model = load_model()
    assert model.experts is not None
    toks, _, words = analyse(text)
    expert, _ = model.experts.route(toks, sigmoid(model.parts(toks, words).domain))
    return None if expert is None else expert.name


def test_the_shipped_experts_are_for_the_shipped_general_model() -> None:
    """Their routing was chosen beside one general model: a retrain must refit them (the model logs it too)."""
    assert EXPERTS_META["provenance"]["general_model_trained_at"] == META["provenance"]["trained_at"]
    assert {e["name"] for e in EXPERTS_META["experts"]} == {"books", "computers"}
    # Measured with experts for waimai too: on waimai's held-out rows it changed nothing the blend could keep.
    assert set(EXPERTS_META["not_shipped"]) == {"waimai"}


def test_reviews_of_an_expert_domain_go_to_its_expert() -> None:
    assert _route(BOOK_REVIEW) == "books"
    assert _route(LAPTOP_REVIEW) == "computers"


def test_weibo_posts_and_other_reviews_go_to_no_expert() -> None:
    assert _route(WEIBO_POST) is None
    assert _route(WAIMAI_REVIEW) is None  # waimai has no shipped expert: the general model judges it


def test_a_post_never_goes_to_an_expert_whatever_its_gate() -> None:
    """Above ``post_max`` post-likeness, a text stays with the general model even if a gate claims it."""
    model = load_model()
    assert model.experts is not None
    toks = analyse(BOOK_REVIEW).tokens
    assert model.experts.route(toks, 0.0)[0] is not None
    assert model.experts.route(toks, model.experts.post_max + 0.01)[0] is None
    assert model.experts.blend(toks, 0.3, 0.99) == 0.3


def test_the_blend_moves_an_expert_domain_review_toward_the_expert() -> None:
    model = load_model()
    assert model.experts is not None
    toks = analyse(BOOK_REVIEW).tokens
    expert, route = model.experts.route(toks, 0.0)
    assert expert is not None and 0.0 < route.weight <= expert.mix
    general, blended = 0.5, model.experts.blend(toks, 0.5, 0.0)
    assert (blended > general) == (expert.logit(toks) > 0)


def test_experts_file_round_trips(tmp_path: Path) -> None:
    a = Expert("a", 0.1, -0.2, -1.0, (0.5, 1.0, 0.0), {"好": (1.0, 0.5, 0.25), "书": (0.0, 0.0, 2.0)}, 0.75)
    b = Expert("b", 0.0, 0.0, 0.0, (0.0, 1.0, 0.0), {"差": (-1.0, -0.5, 0.0)}, 1.0)
    path = tmp_path / "e.marshal"
    write_experts(path, [a, b])
    stored = read_expert_weights(path)
    assert stored == {"a": a.weights, "b": b.weights}
    experts = Experts((a, b), 0.5, 0.8, 0.5)
    assert experts.route(["书", "好"], 0.0)[0] == a  # gate sigmoid(-1 + 2.25) = 0.78: weight 0.7 * 0.75
    assert experts.route(["差"], 0.0)[0] is None  # b's gate sigmoid(0) = 0.5: weight 0


def test_the_model_folder_stays_small() -> None:
    """Everything under sentiment/models measured 5.3 MB with the experts (general model 3.7 MB + experts
    1.5 MB + tables); the cap leaves room for a retrain, not for another copy of a model."""
    total = sum(f.stat().st_size for f in MODELS_DIR.iterdir() if f.is_file())
    assert total < 7_000_000
    assert (MODELS_DIR / f"{EXPERTS_NAME}.marshal").stat().st_size < 2_000_000


@pytest.fixture(scope="module")
def held_out() -> dict[str, list[Example]]:
    if not SHARED_DIR.exists():
        pytest.skip(f"no shared corpora at {SHARED_DIR}: the figures need the real held-out rows")
    provenance = META["provenance"]
    return evaluation_sets(SHARED_DIR, provenance["seed"], provenance["config"]["holdout"])


def _accuracy(name: str, rows: list[Example]) -> float:
    scores = [r.score for r in SentimentService.from_names([name]).analyze_batch([e.text for e in rows])]
    return accuracy([e.label for e in rows], [0.5 if s is None else s for s in scores])


@pytest.mark.parametrize(("domain", "floor"), [("书籍", 0.90), ("计算机", 0.90)])
def test_experts_lift_their_domains_on_held_out_rows(
    held_out: dict[str, list[Example]], domain: str, floor: float
) -> None:
    """Held-out rows no model trained on (books n=142: 0.887 -> 0.937; laptops n=193: 0.902 -> 0.933)."""
    rows = [e for e in held_out["shopping_holdout"] if e.group == domain]
    before, after = _accuracy("yuqing-zh-general", rows), _accuracy("yuqing-zh", rows)
    assert after >= floor
    assert after > before


def test_weibo_posts_keep_their_accuracy(held_out: dict[str, list[Example]]) -> None:
    """Weibo held-out posts (n=1,064): 0.856 before the experts, 0.855 after (one post of 1,064)."""
    rows = held_out["weibo_holdout"]
    assert _accuracy("yuqing-zh", rows) >= 0.85
    assert _accuracy("yuqing-zh", rows) >= _accuracy("yuqing-zh-general", rows) - 0.003


def _rows(group: str, spec: list[tuple[int, list[str]]], copies: int) -> list[Row]:
    return [Row("shopping", "review", y, " ".join(t), group, list(t)) for _ in range(copies) for y, t in spec]


def test_support_rows_teach_the_expert_what_its_domain_rows_leave_open() -> None:
    """In the domain's rows "快" leans positive (2 to 1) but "好"/"差" decide; other domains' reviews say "快" is
    positive outright. With support weight 0 the expert is the domain's rows alone; with support, the regression
    trusts "快" more, and its vocabulary stays the domain's (NBSVM: a token needs the domain's Bayes ratio)."""
    domain = _rows("书籍", [(1, ["好", "快"]), (1, ["好", "快"]), (0, ["差", "快"]), (0, ["差"])], 10)
    support = _rows("衣服", [(1, ["快", "棒"]), (0, ["慢", "烂"])], 30)
    in_domain = lambda r: r.group == "书籍"  # noqa: E731
    s = Settings(folds=2, min_df=1, gate_min_df=1, support_weights=(0.0,))
    alone, stats = fit_expert("books", domain, domain + support, in_domain, s, 1, support)
    same, _ = fit_expert("books", domain, domain + support, in_domain, s, 1)
    assert stats["support_weight"] == 0.0 and stats["support_rows"] == 0
    assert alone.weights == same.weights  # weight 0 is exactly the domain's rows alone
    docs, labels = [r.tokens for r in domain], [r.label for r in domain]
    helped = _fit_sentiment(docs, labels, s, 1, Support([r.tokens for r in support], [r.label for r in support], 1.0))
    unhelped = _fit_sentiment(docs, labels, s, 1)
    assert helped[3]["快"] > unhelped[3]["快"]
    assert set(helped[3]) <= {"好", "快", "差"}  # "棒", "慢", "烂" are not the domain's words
    _, stats = fit_expert(
        "books", domain, domain + support, in_domain, replace(s, support_weights=(0.0, 1.0)), 1, support
    )
    assert stats["support_weight"] in (0.0, 1.0)
    assert set(stats["cross_fitted_balanced_accuracy"]) == {"0.0", "1.0"}
