"""The ingest category path of two checkouts, alternating A/B on the same texts (a shared machine drifts).

Times ``ModelClassifier.category(text, sentiment=score)`` — what the crawl calls per mention, given the
sentiment score it already has — on the real texts of the labelled set (train + dev, timing only), in a fresh
process per run, checkouts alternating; prints texts/s per run and the ratio of each B run to the A run before it.

    .venv/bin/python bench/category_ab.py --a ../yuqing-main --b .     # about a minute per pair on a quiet core
    .venv/bin/python bench/category_ab.py --a ../yuqing-main --b . --pairs 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from sentiment import SentimentService
from tickets.classify import ModelClassifier
texts = json.loads(open(sys.argv[3], encoding="utf-8").read())
scores = [r.score if r.language == "zh" else None for r in SentimentService.default().analyze_batch(texts)]
reader = ModelClassifier()
reader.category(texts[0], sentiment=scores[0])  # the model is loaded before timing
best = float("inf")
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    answers = [reader.category(t, sentiment=s).value for t, s in zip(texts, scores)]
    best = min(best, time.perf_counter() - started)
print(json.dumps({"n": len(texts), "rate": len(texts) / best, "answers": answers}))
"""


def run(checkout: Path, repeat: int, texts: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(checkout.resolve()), str(repeat), str(texts)],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"the run in {checkout} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="the checkout to compare against (e.g. ../yuqing-main)")
    parser.add_argument("--b", type=Path, default=Path("."), help="the checkout measured (default: this one)")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="passes over the texts per run; the best is kept")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tickets.understanding.devset import load

    # Both checkouts read the same texts (those labelled in this one), handed over in a file.
    folder = tempfile.TemporaryDirectory()
    texts = Path(folder.name) / "texts.json"
    texts.write_text(json.dumps([r.text for r in (*load("train"), *load("dev"))], ensure_ascii=False), "utf-8")
    ratios = []
    for pair in range(args.pairs):
        a, b = run(args.a, args.repeat, texts), run(args.b, args.repeat, texts)
        ratio = b["rate"] / a["rate"]
        ratios.append(ratio)
        same = sum(x == y for x, y in zip(a["answers"], b["answers"], strict=True))
        print(
            f"pair {pair + 1}: A {a['rate']:7.0f} texts/s  B {b['rate']:7.0f} texts/s  "
            f"B/A {ratio:5.2f}x  same category {same}/{a['n']}",
            flush=True,
        )
    ratios.sort()
    print(
        f"B/A over {len(ratios)} pairs: median {ratios[len(ratios) // 2]:.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}x"
    )


if __name__ == "__main__":
    main()
