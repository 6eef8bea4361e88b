"""Group-wise reductions over flat study arrays.

Every estimator in :mod:`metareview.stats` works on flat arrays of study rows plus an
integer ``group`` array saying which analysis each row belongs to.  :class:`Groups`
precomputes what is needed to reduce per group and to broadcast per-group values back to
rows, choosing the fastest primitive for the layout it is given:

* rows sorted by group with no empty group: ``np.add.reduceat`` and ``np.repeat``
  (contiguous, the layout every caller in this package produces);
* anything else: ``np.bincount(group, weights=x)`` and fancy indexing.

Both are single passes with no Python loop over groups.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


class Groups:
    """Index of which group (analysis) each study row belongs to.

    Parameters
    ----------
    index
        Integer array, one entry per row, values in ``0 .. n - 1``.
    n
        Number of groups.  Groups without rows are allowed (they pool to "not estimable").
    """

    __slots__ = ("_ones", "_starts", "counts", "index", "n")

    def __init__(self, index: NDArray[np.integer], n: int | None = None) -> None:
        idx = np.asarray(index)
        if idx.ndim != 1:
            raise ValueError(f"group index must be one-dimensional, got shape {idx.shape}")
        if idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"group index must hold integers, got dtype {idx.dtype}")
        idx = idx.astype(np.intp, copy=False)
        if n is None:
            n = int(idx.max()) + 1 if idx.size else 0
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"group index values must lie in 0..{n - 1}")
        self.index: IntArray = idx
        self.n: int = int(n)
        self._starts: IntArray | None = None
        self._ones: FloatArray | None = None  # set when every group has the same size
        if idx.size < 2 or bool(np.all(idx[1:] >= idx[:-1])):
            # sorted (non-decreasing) layout: counts from the group boundaries, O(n log rows)
            starts = np.searchsorted(idx, np.arange(self.n, dtype=np.intp), side="left")
            ends = np.empty_like(starts)
            ends[:-1] = starts[1:]
            if self.n:
                ends[-1] = idx.size
            self.counts: IntArray = (ends - starts).astype(np.intp)
            if self.n and idx.size and bool(np.all(self.counts > 0)):
                self._starts = starts.astype(np.intp)
                if bool(np.all(self.counts == self.counts[0])):
                    self._ones = np.ones(int(self.counts[0]))
        else:
            self.counts = np.bincount(idx, minlength=self.n).astype(np.intp)

    @classmethod
    def from_counts(cls, counts: NDArray[np.integer]) -> Groups:
        """Groups for rows laid out contiguously, ``counts[j]`` rows for group ``j``."""
        c = np.asarray(counts, dtype=np.intp)
        return cls(np.repeat(np.arange(c.size, dtype=np.intp), c), c.size)

    @property
    def contiguous(self) -> bool:
        """True when the fast contiguous (``reduceat``) path is used."""
        return self._starts is not None

    def sum(self, x: NDArray[np.floating] | NDArray[np.bool_]) -> FloatArray:
        """Per-group sums of ``x`` (length ``n``); empty groups sum to 0."""
        if self._ones is not None:  # equal sizes: a matrix-vector product is fastest
            return np.asarray(x, dtype=np.float64).reshape(self.n, -1) @ self._ones
        if self._starts is not None:
            return np.add.reduceat(np.asarray(x, dtype=np.float64), self._starts)
        return np.bincount(self.index, weights=x, minlength=self.n).astype(np.float64, copy=False)

    def add_expanded(self, x: FloatArray, values: FloatArray, sign: float = 1.0) -> FloatArray:
        """``x + sign * expand(values)`` in one pass when all groups have the same size."""
        if self._ones is not None:
            col = values[:, None] if sign > 0 else -values[:, None]
            return np.add(x.reshape(self.n, -1), col).reshape(-1)
        e = self.expand(values)
        return np.add(x, e, out=e) if sign > 0 else np.subtract(x, e, out=e)

    def expand(self, values: NDArray[Any]) -> NDArray[Any]:
        """Broadcast per-group ``values`` back to one value per row."""
        if self._starts is not None:
            return np.repeat(values, self.counts)
        return values[self.index]
