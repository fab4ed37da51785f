"""The character n-gram complaint model on real shared texts: a retrain gives the same file, a reading does not depend
on the process, and the evidence shown to agents is words of the text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tickets.enums import Category
from tickets.understanding.devset import Labelled, load
from tickets.understanding.folding import fold
from tickets.understanding.model import ComplaintModel
from tickets.understanding.train import DEFAULT_C, train
from tickets.understanding.understand import Understander

ROOT = Path(__file__).resolve().parents[3]


def _split(name: str) -> list[Labelled]:
    try:
        return load(name)
    except FileNotFoundError as exc:
        unavailable(str(exc))
        raise


def test_a_retrain_gives_the_same_file(tmp_path: Path) -> None:
    rows = _split("train")[::5]  # a fifth of the train split keeps the test short; every domain is in it
    assert len({r.domain for r in rows}) >= 10
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    with open(os.devnull, "w") as quiet:
        for path in paths:
            train(rows, log=quiet, c=DEFAULT_C).save(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    model = ComplaintModel.load(paths[0])
    assert len(model.vocabulary) > 1000
    assert {p.primary for p in map(lambda r: model.predict(r.text, sentiment=0.2), rows[:60])} - {Category.other}


_READ = """
import json, sys
from tickets.understanding.devset import load
from tickets.understanding.understand import Understander
reader = Understander()
out = []
for i, row in enumerate(load("dev")[:80]):
    u = reader.understand(row.text, sentiment=(i % 9) / 9)
    out.append([[c.value for c in u.categories], u.type, u.grade.value, u.confidence, u.evidence])
print(json.dumps(out, ensure_ascii=False))
"""


def test_a_reading_does_not_depend_on_the_process_hash_seed() -> None:
    _split("dev")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _READ], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert len({tuple(reading[0]) for reading in outputs[0]}) >= 4


@pytest.fixture(scope="module")
def dev() -> list[Labelled]:
    return _split("dev")


def test_evidence_is_words_of_the_text(dev: list[Labelled]) -> None:
    reader = Understander()
    explained = named = 0
    for row in dev[:150]:
        seen = reader.understand(row.text)
        folded = fold(row.text)
        for cat in seen.categories:
            if cat is Category.other:
                continue
            named += 1
            words = seen.evidence.get(cat.value, [])
            explained += bool(words)
            assert all(w in folded for w in words), (row.text, words)
    assert explained >= 0.8 * named  # nearly every category named comes with the words behind it


def test_evidence_never_holds_personal_data() -> None:
    # Evidence is shown to agents who may not see names or numbers: it is cut from the masked text.
    text = "钱多多女士说外卖送错了，退款也不给，电话13812341357没人接，客服态度很差"
    seen = Understander().understand(text)
    words = [w for ws in seen.evidence.values() for w in ws]
    assert words  # the reading still explains itself
    assert not any("多多" in w or "138" in w or "1234" in w for w in words), words
