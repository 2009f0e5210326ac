"""Audience overlap between KOLs: the Jaccard index of their de-duplicated audiences, so a
campaign does not pay two KOLs to reach the same people.

>>> import pandas as pd
>>> pairs = pd.DataFrame({"person": ["k1", "k1", "k1", "k2", "k2"],
...                       "member": ["a", "b", "c", "b", "c"]})
>>> audience_overlap(pairs, ["k1", "k2"]).to_dict("records")
[{'a': 'k1', 'b': 'k2', 'shared': 2, 'union': 3, 'jaccard': 0.6666666666666666}]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

OVERLAP_COLUMNS = ["a", "b", "shared", "union", "jaccard"]


def audience_overlap(pairs: pd.DataFrame, persons: Sequence[str]) -> pd.DataFrame:
    """Jaccard overlap of the audiences of every pair of ``persons`` (in the given order).

    ``pairs`` has a row ``(person, member)`` per audience member (``ranking.audience_pairs``;
    more columns, such as the platform of ``graph.analytics.planner``, may repeat a pair).
    Returns ``DataFrame[a, b, shared, union, jaccard]``, one row per pair ``a`` before ``b``
    in ``persons``, sorted by decreasing ``jaccard``; persons without an audience get 0.
    """
    persons = list(dict.fromkeys(persons))
    if len(persons) < 2:
        return pd.DataFrame({c: [] for c in OVERLAP_COLUMNS})
    chosen = pairs.loc[pairs["person"].isin(persons), ["person", "member"]].drop_duplicates()
    row = pd.Index(persons).get_indexer(pd.Index(chosen["person"]))
    members, col = np.unique(chosen["member"].astype(str).to_numpy(), return_inverse=True)
    incidence = sp.csr_matrix((np.ones(len(chosen)), (row, col)),
                              shape=(len(persons), max(len(members), 1)))
    shared = (incidence @ incidence.T).toarray()
    sizes = np.diag(shared)
    a, b = np.triu_indices(len(persons), k=1)
    union = sizes[a] + sizes[b] - shared[a, b]
    jaccard = np.divide(shared[a, b], union, out=np.zeros(a.size), where=union > 0)
    out = pd.DataFrame({"a": np.asarray(persons, dtype=object)[a],
                        "b": np.asarray(persons, dtype=object)[b],
                        "shared": shared[a, b].astype(int), "union": union.astype(int),
                        "jaccard": jaccard})
    return out.sort_values("jaccard", ascending=False, kind="stable").reset_index(drop=True)
