"""The minimal script a user would write instead of ``kolgraph analyze``: the baseline of
``benchmarks/analytics.py --e2e``.

Reads the ties from a CSV (two columns of node names), runs igraph's Leiden (modularity, the
same two refinement passes as kolgraph) and igraph's PageRank, and writes one row per node
(``node, community, pagerank``) to a CSV. Prints its modularity and its stage times as one
JSON line on standard output.

    python benchmarks/minimal_igraph.py TIES.csv SRC_COLUMN DST_COLUMN OUT.csv
"""

from __future__ import annotations

import json
import sys
import time

import igraph as ig
import numpy as np
import pandas as pd


def main() -> None:
    ties_csv, src, dst, out = sys.argv[1:5]
    started = time.perf_counter()
    ties = pd.read_csv(ties_csv, usecols=[src, dst], dtype=str)
    codes, names = pd.factorize(pd.concat([ties[src], ties[dst]], ignore_index=True))
    pairs = codes.reshape(2, -1).T
    read_s = time.perf_counter() - started
    clock = time.perf_counter()
    graph = ig.Graph(n=len(names), edges=pairs, directed=True)
    undirected = graph.as_undirected(mode="collapse")
    communities = undirected.community_leiden(objective_function="modularity", n_iterations=2)
    pagerank = graph.pagerank()
    algorithms_s = time.perf_counter() - clock
    clock = time.perf_counter()
    pd.DataFrame({"node": names, "community": np.asarray(communities.membership),
                  "pagerank": pagerank}).to_csv(out, index=False)
    write_s = time.perf_counter() - clock
    print(json.dumps({"nodes": len(names), "ties": len(ties),
                      "modularity": undirected.modularity(communities.membership),
                      "communities": len(communities), "read_s": read_s,
                      "algorithms_s": algorithms_s, "write_s": write_s}))


if __name__ == "__main__":
    main()
