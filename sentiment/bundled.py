"""snownlp's bundled sentiment model as evidence for the stack, read from the installed package, without snownlp.

snownlp's default (``SnowNLP(text).sentiments``) cuts a text with its own segmenter, drops its stop words and
sums its naive Bayes log-likelihood ratios over the words that remain. Its segmenter is a pure-Python
character tagger (about 40 texts/s), so here the same ratios are summed over jieba's words of the normalised
text instead (stop words dropped, repeats counted as snownlp counts them): about as accurate as snownlp's
default (0.835 against 0.848 on 400 shared test reviews, the same label on 91% of them) at jieba's speed.

The stack (:mod:`sentiment.model`) uses this sum as one more feature beside the project's own models. The
stack is fitted only on training rows snownlp's bundled model was not trained on (see
:func:`sentiment.evalsets.snownlp_texts`), so it learns how far to trust snownlp's evidence on texts it never
saw, not on texts it recalls.
"""

from __future__ import annotations

import gzip
import marshal
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentiment.evalsets import snownlp_data_dir


def read_snownlp_bayes(path: Path) -> tuple[float, dict[str, float]]:
    """Prior log-odds and per-token log-likelihood ratios (pos vs neg) of a snownlp Bayes model file.

    snownlp's ``Bayes.classify`` returns ``sigmoid(prior + sum(ratio[t] for t in words))`` for the winning
    class, where ``ratio[t] = log(freq_pos(t)) - log(freq_neg(t))`` and ``freq`` is its add-one estimate (a
    token one class never saw has count ``none``). Precomputing the ratios makes scoring one look-up per token.
    """
    with gzip.open(path, "rb") as f:
        # Package data: ours written by sentiment.train, or snownlp's own (its format is marshal).
        data: dict[str, Any] = marshal.loads(f.read())  # noqa: S302
    classes = data["d"]
    pos, neg = classes["pos"], classes["neg"]
    pos_total, neg_total = float(pos["total"]), float(neg["total"])
    log_pos_none = math.log(pos["none"] / pos_total)
    log_neg_none = math.log(neg["none"] / neg_total)
    ratios: dict[str, float] = {}
    pos_d: dict[str, float] = pos["d"]
    neg_d: dict[str, float] = neg["d"]
    for token in pos_d.keys() | neg_d.keys():
        lp = math.log(pos_d[token] / pos_total) if token in pos_d else log_pos_none
        ln = math.log(neg_d[token] / neg_total) if token in neg_d else log_neg_none
        ratios[token] = lp - ln
    return math.log(pos_total) - math.log(neg_total), ratios


def snownlp_frequent(path: Path) -> list[str]:
    """The tokens of a snownlp Bayes model file, most counted in its training texts first (ties: file order)."""
    with gzip.open(path, "rb") as f:
        data: dict[str, Any] = marshal.loads(f.read())  # noqa: S302 - package data, as read_snownlp_bayes
    counts: dict[str, float] = {}
    for name in ("pos", "neg"):
        for token, n in data["d"][name]["d"].items():
            counts[token] = counts.get(token, 0) + n
    return sorted(counts, key=counts.__getitem__, reverse=True)


#: The bundled model's file inside snownlp's ``sentiment`` package folder (Python 3 marshal, gzip).
BUNDLED_FILE = "sentiment.marshal.3"


@dataclass(frozen=True)
class BundledEvidence:
    """snownlp's bundled naive Bayes: prior log-odds, per-word log-likelihood ratios and its stop words."""

    prior: float
    ratios: dict[str, float]
    stop_words: frozenset[str]

    def log_odds(self, words: Iterable[str]) -> float:
        """Log-odds that a text is positive from its words, as snownlp's ``Sentiment.classify`` sums them."""
        ratios, stop = self.ratios, self.stop_words
        total = self.prior
        for word in words:
            if word not in stop:
                total += ratios.get(word, 0.0)
        return total


def load_bundled(folder: Path | None = None) -> BundledEvidence:
    """Read snownlp's bundled model and stop words from ``folder`` (snownlp's ``sentiment`` package folder)."""
    folder = folder or snownlp_data_dir()
    if folder is None or not (folder / BUNDLED_FILE).exists():
        raise FileNotFoundError("snownlp's bundled sentiment model is not installed (pip install snownlp)")
    prior, ratios = read_snownlp_bayes(folder / BUNDLED_FILE)
    stop_path = folder.parent / "normal" / "stopwords.txt"
    lines = stop_path.read_text(encoding="utf-8").splitlines() if stop_path.exists() else []
    # Whitespace never reaches snownlp's classifier (its segmenter drops it); jieba returns it as words.
    stop = frozenset(w.strip() for w in lines if w.strip()) | {" ", ""}
    return BundledEvidence(prior, ratios, stop)
