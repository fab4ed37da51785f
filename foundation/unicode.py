"""NFKC normalisation, remembered for the texts of the last batches.

One crawled post is normalised by several readers in turn: the sentiment scorer (:func:`sentiment.features.normalize`),
the complaint reader (through :func:`index.text.normalize`) and the index (the same, for the post's text), a
thousand other posts apart in a batch. NFKC costs ~8 us for a post of 60 characters (85% of the shared corpora's
texts change under it: full-width punctuation), as much as segmenting it; remembered, the second and third reader
find it for the cost of a hash (computed once per string object) and a comparison.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Texts remembered: a batch of up to 4,096 posts (a source's ``batch_size``: 200 by default, 1,000 in the benches),
#: so that a post normalised when its batch is scored is still here when the batch is written.
REMEMBERED = 4096


@lru_cache(maxsize=REMEMBERED)
def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``."""
    return unicodedata.normalize("NFKC", text)
