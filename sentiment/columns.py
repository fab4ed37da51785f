"""Every weight a text's tokens add up to, for the general model and its experts, in one float64 matrix.

Scoring a text sums, per token it knows, the general model's four parts (:meth:`sentiment.model.ZhModel.parts`)
and each expert's three columns (:meth:`sentiment.experts.Experts._sums`). Done as two dictionaries of tuples,
each token is looked up twice in a dictionary of 100,000-180,000 words and each weight is read from its own float
object: most of the time goes to memory, not arithmetic. Here a token is looked up once, in one index, and the
weights of its row are read from one contiguous matrix; the rows are added with ``numpy.add.accumulate``, which
adds them one after the other from the starting values, so every column gets the same additions in the same order
as ``sum(column, start)`` (CPython 3.11's float ``sum`` adds in order): the same bits (a test compares them on the
shared corpora). A token that one of the two tables lacks has zeros in its columns there: adding ``0.0`` to a sum
that starts at a non-zero prior changes no bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat

import numpy as np


class TokenColumns:
    """Token -> row index and a matrix with one column per summed weight; row ``len(index)`` is all zeros."""

    def __init__(
        self,
        tables: Sequence[tuple[Mapping[str, Sequence[float]], int]],
        starts: Sequence[float],
        hot: Iterable[str] = (),
    ):
        """``tables``: (token -> weights, number of weights) per table, their columns side by side in this order;
        ``starts``: the value each column's sum starts from (the priors and biases); ``hot``: tokens in the order
        texts use them, most used first (those no table holds are skipped), numbered before the rest.

        Looking up a text's ~90 tokens in an index of ~180,000 goes to memory three times per token (the hash
        slot, the entry, the key's characters to compare); with the hot tokens' entries, key strings (allocated
        afresh, one after the other) and rows side by side, most of those reads find the cache already holding
        them. Only where a token is stored changes: each column still adds the text's tokens in the text's order.
        """
        width = sum(n for _, n in tables)
        if len(starts) != width:
            raise ValueError(f"{len(starts)} starting values for {width} columns")
        # C-level loops: this runs at every model load (about 0.1 s for the shipped model and experts).
        names = dict.fromkeys(chain.from_iterable(table for table, _ in tables))
        first = [t for t in hot if t in names]
        # Fresh copies of the hot keys (equal strings: dict.fromkeys keeps the first), allocated one after the other.
        fresh = (t.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for t in first)
        ordered = dict.fromkeys(chain(fresh, names))
        self.index = dict(zip(ordered, range(len(ordered)), strict=True))
        self.size = len(names)
        self.weights = np.zeros((self.size + 1, width))
        lo = 0
        for table, n in tables:
            rows = np.fromiter(map(self.index.__getitem__, table), dtype=np.intp, count=len(table))
            flat = np.fromiter(chain.from_iterable(table.values()), dtype=np.float64, count=n * len(table))
            self.weights[rows, lo : lo + n] = flat.reshape(-1, n)
            lo += n
        self.starts = np.array(starts, dtype=np.float64)

    def sums(self, toks: Sequence[str]) -> list[float]:
        """Every column's sum over the known tokens among ``toks``, added in their order from its start."""
        # Unknown tokens read the all-zero last row rather than being filtered out first: adding 0.0 to a sum
        # that started from a non-zero value never changes a bit (only -0.0 + 0.0 would, and such a sum cannot
        # reach -0.0), and the filter cost more than the additions.
        found = np.fromiter(map(self.index.get, toks, repeat(self.size)), dtype=np.intp, count=len(toks))
        block = np.empty((found.size + 1, len(self.starts)))
        block[0] = self.starts
        np.take(self.weights, found, axis=0, out=block[1:])
        total: list[float] = np.add.accumulate(block, axis=0)[-1].tolist()
        return total
