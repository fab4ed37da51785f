"""Similar past cases: closed tickets ranked by how much their words resemble a new one (TF-IDF cosine over
jieba-segmented text), so agents reuse what worked."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from index.text import segment

# Words that say nothing about what went wrong.
_STOP = frozenset(
    "的 了 是 我 你 他 她 它 们 在 也 和 就 都 而 及 与 着 或 一个 没有 我们 你们 这 那 有 吗 呢 吧 啊 很 还 又 "
    "a an the and or to of in on for is are was were be it this that i you we they my our your".split()
)


def _terms(text: str) -> list[str]:
    return [t for t in segment(text) if t not in _STOP and (len(t) > 1 or not t.isascii())]


def rank_similar(
    query: str, documents: Sequence[tuple[int, str]], limit: int = 5, min_score: float = 0.05
) -> list[tuple[int, float]]:
    """The ids of the ``documents`` most similar to ``query``, best first, with their cosine similarity."""
    if not documents:
        return []
    bags = [(doc_id, Counter(_terms(text))) for doc_id, text in documents]
    df: Counter[str] = Counter()
    for _, bag in bags:
        df.update(bag.keys())
    n = len(bags)

    def vector(bag: Counter[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in bag.items()}

    q = vector(Counter(_terms(query)))
    q_norm = math.sqrt(sum(v * v for v in q.values()))
    if q_norm == 0:
        return []
    scored = []
    for doc_id, bag in bags:
        d = vector(bag)
        norm = math.sqrt(sum(v * v for v in d.values()))
        if norm == 0:
            continue
        score = sum(w * d.get(t, 0.0) for t, w in q.items()) / (q_norm * norm)
        if score >= min_score:
            scored.append((doc_id, score))
    scored.sort(key=lambda pair: (-pair[1], -pair[0]))
    return scored[:limit]
