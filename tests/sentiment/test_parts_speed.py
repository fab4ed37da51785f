"""The Chinese model's parts summed column by column give the bits of the loop that adds each token's weights."""

from __future__ import annotations

import random
from functools import lru_cache

from sentiment.bundled import read_snownlp_bayes
from sentiment.features import tokens
from sentiment.model import Parts, read_linear, token_table
from sentiment.zh import load_model
from tests.conftest import corpus_texts


@lru_cache(maxsize=1)
def _token_weights() -> dict[str, tuple[float, float, float, float]]:
    """The model's weights per token, read from its files again (the model keeps them in a matrix only)."""
    model = load_model()
    _, nb = read_snownlp_bayes(model.directory / model.meta["files"]["nb"])
    return token_table(nb, read_linear(model.directory / model.meta["files"]["linear"]))


def _parts_token_by_token(toks: list[str]) -> Parts:
    """How the parts were summed before: one token at a time, four additions each."""
    model = load_model()
    nb, general, social, domain = model.nb_prior, *model.biases
    for token in toks:
        v = _token_weights().get(token)
        if v is not None:
            nb += v[0]
            general += v[1]
            social += v[2]
            domain += v[3]
    return Parts(nb, general, social, domain)


def test_column_sums_are_the_token_by_token_sums_on_corpus_texts() -> None:
    texts = corpus_texts()
    model = load_model()
    sample = [*random.Random(5).sample(texts, 3000), "", "……", "的"]
    for text in sample:
        toks = tokens(text)
        assert model.parts(toks) == _parts_token_by_token(toks), text
    assert model.parts([]) == Parts(model.nb_prior, *model.biases)


def test_one_pass_over_the_tokens_gives_the_parts_and_experts_sums_on_corpus_texts() -> None:
    """:meth:`ZhModel.score` reads the general parts and the experts' sums from one matrix
    (:mod:`sentiment.columns`): the same bits as :meth:`ZhModel.parts` and :meth:`Experts._sums`, and so the same
    scores as the two passes."""
    from sentiment.features import analyse
    from sentiment.learn import sigmoid

    texts = corpus_texts()
    model = load_model()
    experts = model.experts
    assert experts is not None and experts.experts  # the shipped model has experts: the test covers them
    routed = 0
    for text in [*random.Random(6).sample(texts, 3000), "", "……", "的", "zzzz qqqq"]:
        toks, cues, _ = analyse(text)
        sums = model._columns.sums(toks)
        parts = model.parts(toks)
        assert sums[:4] == [parts.nb, parts.general, parts.social, parts.domain], text
        assert sums[4:] == [x for row in experts._sums(toks) for x in row], text
        if not toks:
            continue
        p = experts.blend(toks, model.stacked(parts), sigmoid(parts.domain))
        if model.complaint_cues.intersection(cues):
            p = min(p, model.complaint_cap)
        assert model.score(text) == p, text
        routed += experts.route(toks, sigmoid(parts.domain))[0] is not None
    assert routed > 300  # many texts go to an expert


def test_hot_tokens_change_where_rows_are_not_the_sums() -> None:
    """The columns numbered hot tokens first (as the model loads them) sum each text to the same bits as in
    table order, and the look-up still finds every token, hot or not."""
    from sentiment.columns import TokenColumns

    table = dict(list(_token_weights().items())[:5000])
    plain = TokenColumns([(table, 4)], [0.25, -0.5, 0.125, 1.0])
    hot_order = [*list(table)[::-7], "not a token"]
    hot = TokenColumns([(table, 4)], [0.25, -0.5, 0.125, 1.0], hot_order)
    assert hot.size == plain.size and set(hot.index) == set(plain.index)
    rng = random.Random(5)
    vocab = [*table, "unknown", "又一个"]
    for _ in range(300):
        toks = rng.sample(vocab, rng.randrange(0, 60))
        assert hot.sums(toks) == plain.sums(toks)
