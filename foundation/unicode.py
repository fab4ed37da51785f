"""NFKC normalisation, fast for Chinese posts, and remembered for the texts of the last batches.

One crawled post is normalised by several readers in turn: the sentiment scorer (:func:`sentiment.features.normalize`),
the complaint reader (through :func:`index.text.normalize`) and the index (the same, for the post's text), a
thousand other posts apart in a batch. Remembered, the second and third reader find it for the cost of a hash
(computed once per string object) and a comparison.

And computed faster: 85% of the shared corpora's texts change under NFKC, nearly all because of a few common
compatibility characters (full-width punctuation and ASCII, the ideographic and the no-break space, "…"), and
``unicodedata.normalize`` then decomposes and recomposes the whole text (~8 us for 60 characters). Replacing just
those characters by their NFKD forms first leaves the text's NFKD form as it is, hence its NFKC form (the
composition of the NFKD form): the same string, and for 97% of texts ``unicodedata.normalize`` returns after its
quick check (tests compare the two on the corpora and on random mixes with combining marks, jamo and kana).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Texts remembered: a batch of up to 4,096 posts (a source's ``batch_size``: 200 by default, 1,000 in the benches),
#: so that a post normalised when its batch is scored is still here when the batch is written.
REMEMBERED = 4096

#: The compatibility characters Chinese posts hold most, each with its NFKD form: 85% of the bench's texts hold one,
#: 3% another (measured on 20,000 mentions).
_COMPAT = {
    chr(code): unicodedata.normalize("NFKD", chr(code)) for code in (*range(0xFF01, 0xFF5F), 0x3000, 0x2026, 0xA0)
}
_COMPAT_CHARS = re.compile("[\uff01-\uff5e\u3000\u2026\xa0]")


def _decomposed(match: re.Match[str]) -> str:
    return _COMPAT[match.group()]


@lru_cache(maxsize=REMEMBERED)
def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``."""
    return unicodedata.normalize("NFKC", _COMPAT_CHARS.sub(_decomposed, text))
