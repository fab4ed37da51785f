"""The default Chinese scorer: the model trained by :mod:`sentiment.train` and shipped in ``models/``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from sentiment.base import Scorer
from sentiment.features import MODELS_DIR
from sentiment.model import ZhModel

log = logging.getLogger(__name__)

_models: dict[Path, ZhModel] = {}
_models_lock = threading.Lock()


def load_model(directory: Path = MODELS_DIR) -> ZhModel:
    """The model in ``directory``, loaded on first use and then shared by every scorer in the process."""
    model = _models.get(directory)
    if model is None:
        with _models_lock:
            model = _models.get(directory)
            if model is None:
                model = _models[directory] = ZhModel(directory)
    return model


class _ZhModelScorer(Scorer):
    """Shared plumbing: lazy model, one text's failure is that text's ``None``."""

    def __init__(self, directory: Path = MODELS_DIR) -> None:
        self.directory = directory

    def languages(self) -> frozenset[str]:
        return frozenset({"zh"})

    @property
    def model(self) -> ZhModel:
        return load_model(self.directory)

    def _score(self, model: ZhModel, text: str) -> float | None:
        raise NotImplementedError

    def score_batch(self, texts: Sequence[str]) -> list[float | None]:
        model = self.model
        out: list[float | None] = []
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                out.append(None)
                continue
            try:
                out.append(self._score(model, text))
            except Exception as exc:  # one bad text must not fail the batch
                log.warning("%s could not score a text (%s): %.40r", self.name, type(exc).__name__, text)
                out.append(None)
        return out


class ZhScorer(_ZhModelScorer):
    """Chinese, simplified or traditional, reviews and social-media posts: the default.

    snownlp's naive Bayes retrained on the shared corpora, whose evidence two logistic regressions re-weight,
    one for posts and one for reviews; see :mod:`sentiment.model`. On one core, about 1,500 texts/s for long
    Weibo posts and 10,000 for short reviews (jieba's segmentation is most of it). Loading jieba's dictionary
    and the model takes about 4 s and 160 MB, once per process (snownlp's own import: 1.7 s and 400 MB).
    """

    name = "yuqing-zh"

    def _score(self, model: ZhModel, text: str) -> float | None:
        return model.score(text)


class GeneralZhScorer(_ZhModelScorer):
    """The default model without its per-domain experts (:mod:`sentiment.experts`): for benchmarks."""

    name = "yuqing-zh-general"

    def _score(self, model: ZhModel, text: str) -> float | None:
        return model.score(text, use_experts=False)


class RetrainedSnowNLPScorer(_ZhModelScorer):
    """snownlp's naive Bayes alone, as retrained and shipped in the default model, Platt-calibrated.

    Not a default: it is what retraining snownlp gives without the rest, for benchmarks and ablations.
    """

    name = "snownlp-retrained"

    def _score(self, model: ZhModel, text: str) -> float | None:
        from sentiment.features import tokens

        toks = tokens(text)
        return model.nb_probability(model.parts(model.nb_tokens(toks))) if toks else None
