"""The Chinese model's parts summed column by column give the bits of the loop that adds each token's weights."""

from __future__ import annotations

import random

from sentiment.features import tokens
from sentiment.model import Parts
from sentiment.zh import load_model
from tests.conftest import corpus_texts


def _parts_token_by_token(toks: list[str]) -> Parts:
    """How the parts were summed before: one token at a time, four additions each."""
    model = load_model()
    nb, general, social, domain = model.nb_prior, *model.biases
    for token in toks:
        v = model._table.get(token)
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
