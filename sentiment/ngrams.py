"""Character n-grams of a whole batch of texts at once, hashed to buckets with numpy.

The n-gram model (:mod:`sentiment.ngram_model`) reads no words: its features are the characters, character
pairs and triples of the normalised text (:func:`sentiment.features.normalize`), each counted once per text.
Character n-grams need no segmenter (jieba was a third of the old scorer's time) and catch what segmentation
misses (``不好`` inside an unknown word). A batch is turned into one array of code points and every n-gram of
every text is hashed in a few vectorised numpy operations, so the cost per text is a few microseconds of C
instead of a Python loop over its tokens.

Hashing (multiplicative, 64-bit, wrapping) is fixed here and recorded in the model file (``hash``): training
and scoring must use the same :func:`buckets`, or the weights mean nothing. Two n-grams may share a bucket;
the model is trained on the buckets, so a collision is part of what it learned, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: Version of the hashing below; a model file names the version it was trained with.
HASH_VERSION = 1
#: Largest n-gram (characters); 1..MAX_N are all used.
MAX_N = 3
_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads consecutive values over the high bits
_STEP = np.uint64(1_000_003)  # a prime larger than any code point: (a, b) and (b, a) hash apart
# Separators: n-grams never span two texts (joined with NUL) or two chunks of one text (a space).
_SEPARATORS = (0, 0x20)

Codes = npt.NDArray[np.uint64]
Ints = npt.NDArray[np.int64]


def _codepoints(texts: Sequence[str]) -> tuple[Codes, Ints]:
    """All texts as one array of code points (NUL between texts) and the index of each text's first one."""
    joined = "\x00".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    if len(texts) > 1:
        starts[1:] = np.cumsum(lengths[:-1] + 1)
    return codes, starts


def buckets(texts: Sequence[str], bits: int) -> tuple[Ints, Ints]:
    """``(text index, bucket)`` of every distinct hashed n-gram (1..:data:`MAX_N` characters) of each text.

    Pairs are sorted by text, then bucket; a bucket appears once per text (binary features).
    """
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes, starts = _codepoints(texts)
    total = len(codes)
    # Which text each position belongs to (a separator: the text before it, and it starts no n-gram).
    owner = np.searchsorted(starts, np.arange(total, dtype=np.int64), side="right") - 1
    breaks = np.isin(codes, np.array(_SEPARATORS, dtype=np.uint64))
    keys: list[Ints] = []
    owners: list[Ints] = []
    shift = np.uint64(64 - bits)
    h = np.zeros(total, dtype=np.uint64)
    valid = np.ones(total, dtype=bool)
    for n in range(1, MAX_N + 1):
        m = total - n + 1
        if m <= 0:
            break
        # h[i] is the hash of codes[i : i + n], built from the hash of codes[i : i + n - 1].
        h = h[:m] * _STEP + codes[n - 1 : n - 1 + m] + np.uint64(n)
        valid = valid[:m] & ~breaks[n - 1 : n - 1 + m]
        idx = np.flatnonzero(valid)
        keys.append(((h[idx] * _MIX) >> shift).astype(np.int64))
        owners.append(owner[idx])
    bucket = np.concatenate(keys)
    text = np.concatenate(owners)
    # Sort and drop repeats (np.unique hashes instead of sorting in numpy 2.x: ten times slower here).
    combined = np.sort((text << bits) | bucket)
    if len(combined) > 1:
        combined = combined[np.concatenate(([True], combined[1:] != combined[:-1]))]
    return combined >> bits, combined & ((1 << bits) - 1)
