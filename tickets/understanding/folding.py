"""Text folding shared by every part of one reading of a complaint."""

from __future__ import annotations

from index.text import normalize

#: :func:`index.text.normalize`, which remembers the last texts: one reading folds the same text in the features,
#: the type cues, the urgency rules and the evidence, and the index normalises the same post when it is written
#: (its NFKC step is :func:`foundation.unicode.nfkc`, fast for the common full-width characters).
fold = normalize
