"""foundation.unicode: the remembered NFKC gives what unicodedata gives, and the second reader gets it remembered."""

from __future__ import annotations

import unicodedata

import pytest

from foundation.unicode import REMEMBERED, nfkc
from index.text import normalize


@pytest.mark.parametrize(
    "text",
    ["ＡＢＣ１２３！", "好评，下次还来！", "café", "ｶﾀｶﾅ", "\u2f00\uf900", "", "轉發理由很好//@某品牌客服"],
)
def test_nfkc_is_unicodedata_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)
    assert normalize(text) == normalize.__wrapped__(text)


def test_a_batch_normalised_when_scored_is_still_remembered_when_written() -> None:
    nfkc.cache_clear()
    batch = [f"第{i}条评论：质量很差！！" for i in range(1000)]
    first = [nfkc(t) for t in batch]  # the sentiment scorer's pass
    assert [nfkc(t) for t in batch] == first  # the complaint reader's, a batch later
    info = nfkc.cache_info()
    assert info.hits == len(batch) and info.misses == len(batch) and 4 * len(batch) <= REMEMBERED
