"""Small, dependency-free learners for the second model and the stack: used at training time only.

The project has no numpy; these are plain Python and sized for tens of thousands of short texts:

- :func:`train_logistic`: logistic regression over a text's token set (binary features, or naive Bayes
  log-count ratios: NBSVM), trained with AdaGrad SGD. A few epochs over 60k texts take about a minute.
- :func:`fit_dense_logistic`: logistic regression over a handful of dense features, by Newton's method
  (IRLS). Used to stack and calibrate the models' log-odds into one probability.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def sigmoid(z: float) -> float:
    """Logistic function, safe for large ``|z|``."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def logit(p: float) -> float:
    """The log-odds of ``p``, clipped a hair inside (0, 1) so that 0 and 1 stay finite."""
    p = min(1.0 - 1e-12, max(1e-12, p))
    return math.log(p / (1.0 - p))


@dataclass
class SparseLogistic:
    """``P(y=1) = sigmoid(bias + sum(weights[t] for t in tokens))``; tokens without a weight count 0."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def logit(self, tokens: Sequence[str]) -> float:
        w = self.weights
        return self.bias + sum(w.get(t, 0.0) for t in tokens)


def train_logistic(
    docs: Sequence[Sequence[str]],
    labels: Sequence[int],
    sample_weights: Sequence[float] | None = None,
    *,
    values: Mapping[str, float] | None = None,
    epochs: int = 5,
    learning_rate: float = 0.1,
    l2: float = 1e-5,
    seed: int = 0,
) -> SparseLogistic:
    """Fit a :class:`SparseLogistic` by AdaGrad SGD over shuffled passes.

    Without ``values`` every token of a text is a feature of value 1. With ``values`` (naive Bayes
    log-count ratios: NBSVM, Wang & Manning 2012) a token's feature is its ratio, so the regression starts
    from the Bayes evidence and learns how far to trust each token; tokens without a ratio are dropped, and
    the returned weights are ``weight * ratio``, so scoring stays one sum over a text's tokens.

    AdaGrad gives rare tokens larger steps than common ones, which suits bag-of-words text; the small learning
    rate and few epochs are the regularisation (``l2`` only nudges the weights that move).
    """
    features: list[tuple[list[str], list[float]]] = []
    for doc in docs:
        if values is None:
            features.append((list(doc), [1.0] * len(doc)))
        else:
            kept = [t for t in doc if t in values]
            features.append((kept, [values[t] for t in kept]))
    weights: dict[str, float] = {}
    squared: dict[str, float] = {}
    bias, bias_squared = 0.0, 1e-8
    order = list(range(len(docs)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            toks, xs = features[i]
            p = sigmoid(bias + sum(weights.get(t, 0.0) * x for t, x in zip(toks, xs, strict=True)))
            g = p - labels[i]
            if sample_weights is not None:
                g *= sample_weights[i]
            bias_squared += g * g
            bias -= learning_rate * g / math.sqrt(bias_squared)
            for t, x in zip(toks, xs, strict=True):
                w = weights.get(t, 0.0)
                gt = g * x + l2 * w
                s = squared.get(t, 1e-8) + gt * gt
                squared[t] = s
                weights[t] = w - learning_rate * gt / math.sqrt(s)
    if values is not None:
        weights = {t: w * values[t] for t, w in weights.items()}
    return SparseLogistic(weights, bias)


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Solve a small linear system by Gaussian elimination with partial pivoting."""
    n = len(rhs)
    m = [[*row, rhs[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-300:
            raise ValueError("singular system: a stacking feature is constant or duplicated")
        for r in range(n):
            if r != col and m[r][col] != 0.0:
                f = m[r][col] / m[col][col]
                for j in range(col, n + 1):
                    m[r][j] -= f * m[col][j]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit_dense_logistic(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    sample_weights: Sequence[float] | None = None,
    *,
    l2: float = 1.0,
    max_iter: int = 50,
) -> tuple[list[float], float]:
    """Coefficients and intercept of an L2-penalised logistic regression (the intercept is not penalised)."""
    n = len(rows[0]) + 1
    w = [0.0] * n
    weights = sample_weights if sample_weights is not None else [1.0] * len(rows)
    for _ in range(max_iter):
        hessian = [[0.0] * n for _ in range(n)]
        grad = [0.0] * n
        for row, y, sw in zip(rows, labels, weights, strict=True):
            x = [*row, 1.0]
            p = sigmoid(sum(a * b for a, b in zip(w, x, strict=True)))
            e, r = (p - y) * sw, p * (1 - p) * sw
            for i in range(n):
                grad[i] += e * x[i]
                xr = x[i] * r
                for j in range(i, n):
                    hessian[i][j] += xr * x[j]
        for i in range(n):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
        for i in range(n - 1):
            hessian[i][i] += l2
            grad[i] += l2 * w[i]
        step = _solve(hessian, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w[:-1], w[-1]
