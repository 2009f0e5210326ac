"""A public social graph (an undirected edge list) written in the canonical input format,
with a share of its ties hidden first: how recommendations are measured on data that
kolgraph did not generate.

Every node becomes one person with an account on the first platform; a share of them also
has an account on the second platform, linked to the first by ``identity_links`` (so
identity resolution is part of the flow). Each kept tie is one ``follow`` between two
accounts of a platform both persons are on, in a random direction. Ties carry no time (the
graphs have none), so the hold-out inside kolgraph is random too.

>>> import tempfile, pandas as pd
>>> folder = Path(tempfile.mkdtemp())
>>> edges = pd.DataFrame({"id_1": [0, 0, 1, 2], "id_2": [1, 2, 2, 3]})
>>> hidden = write_edge_list(edges, folder, hide_frac=0.25, seed=0)
>>> len(hidden), sorted(p.name for p in folder.iterdir())
(1, ['accounts.csv', 'identity_links.csv', 'interactions.csv'])
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

PLATFORMS = ("bilibili", "zhihu")
TIE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z: one time for every tie


def account_id(node: int) -> str:
    """The account id that node ``node`` gets on every platform."""
    return f"n{node}"


def node_of_account(account: str) -> int:
    """Inverse of ``account_id``."""
    return int(str(account)[1:])


def hide_ties(u: np.ndarray, v: np.ndarray, frac: float, seed: int) -> np.ndarray:
    """Mask of about ``frac`` of the ties, drawn at random, never a node's last tie."""
    rng = np.random.default_rng(seed)
    n = int(max(u.max(initial=-1), v.max(initial=-1))) + 1
    deg = np.bincount(np.concatenate([u, v]), minlength=n).tolist()
    hidden = np.zeros(len(u), dtype=bool)
    want = int(round(frac * len(u)))
    count = 0
    for i in rng.permutation(len(u)).tolist():
        if count >= want:
            break
        a, b = int(u[i]), int(v[i])
        if deg[a] > 1 and deg[b] > 1:
            hidden[i] = True
            deg[a] -= 1
            deg[b] -= 1
            count += 1
    return hidden


def write_edge_list(edges: pd.DataFrame, out: Path, *, hide_frac: float = 0.1, seed: int = 0,
                    second_platform_share: float = 0.3) -> pd.DataFrame:
    """Write ``edges`` (columns ``id_1, id_2``: node ids, undirected) into ``out`` as
    ``accounts.csv``, ``interactions.csv`` and ``identity_links.csv``, leaving out about
    ``hide_frac`` of the ties. Returns the hidden ties: ``id_1, id_2`` (``id_1 < id_2``) and
    ``a, b``, the account keys of the two nodes on the first platform."""
    a = edges["id_1"].to_numpy(np.int64)
    b = edges["id_2"].to_numpy(np.int64)
    keep = a != b
    u, v = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    pairs = np.unique(np.stack([u, v], axis=1), axis=0)
    u, v = pairs[:, 0], pairs[:, 1]
    hidden = hide_ties(u, v, hide_frac, seed)
    rng = np.random.default_rng(seed + 1)
    nodes = np.unique(np.concatenate([u, v]))
    both = set(nodes[rng.random(len(nodes)) < second_platform_share].tolist())
    out.mkdir(parents=True, exist_ok=True)
    with (out / "accounts.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "account_id", "display_name", "followers"])
        for node in nodes.tolist():
            for platform in PLATFORMS[:2 if node in both else 1]:
                writer.writerow([platform, account_id(node), f"user {node}", 0])
    with (out / "identity_links.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform_a", "account_a", "platform_b", "account_b"])
        for node in sorted(both):
            writer.writerow([PLATFORMS[0], account_id(node), PLATFORMS[1], account_id(node)])
    flip = rng.random(len(u)) < 0.5
    second = rng.random(len(u)) < 0.5
    with (out / "interactions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "src_account", "dst_account", "type", "timestamp"])
        for i in np.flatnonzero(~hidden).tolist():
            x, y = (int(v[i]), int(u[i])) if flip[i] else (int(u[i]), int(v[i]))
            on_second = second[i] and x in both and y in both
            writer.writerow([PLATFORMS[1] if on_second else PLATFORMS[0], account_id(x),
                             account_id(y), "follow", TIE_TIME])
    hu, hv = u[hidden], v[hidden]
    return pd.DataFrame({"id_1": hu, "id_2": hv,
                         "a": [f"{PLATFORMS[0]}:{account_id(x)}" for x in hu.tolist()],
                         "b": [f"{PLATFORMS[0]}:{account_id(x)}" for x in hv.tolist()]})


def hide_in_folder(src: Path, out: Path, *, hide_frac: float = 0.1, seed: int = 0
                   ) -> dict[str, pd.DataFrame]:
    """Copy a canonical CSV folder (``kolgraph sample``'s) to ``out`` without about
    ``hide_frac`` of its account ties (every interaction row of an unordered account pair)
    and of its engagement pairs (every row of an account–content pair), never an account's
    or a content's last one. Returns the hidden pairs by kind: ``people`` (``a, b``: account
    keys) and ``content`` (``a``: account key, ``b``: content key)."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    hidden: dict[str, pd.DataFrame] = {}
    for kind, name, cols in (("people", "interactions", ("src_account", "dst_account")),
                             ("content", "engagements", ("account_id", "content_id"))):
        frame = pd.read_csv(src / f"{name}.csv", dtype=str, keep_default_na=False)
        left = frame["platform"] + ":" + frame[cols[0]]
        right = frame["platform"] + ":" + frame[cols[1]]
        if kind == "people":
            lo, hi = np.minimum(left, right), np.maximum(left, right)
        else:
            lo, hi = left.to_numpy(), right.to_numpy()
        pair = pd.Series(lo).astype(str) + "\t" + pd.Series(hi).astype(str)
        codes, uniques = pd.factorize(pair)
        first, second = (pd.Series(uniques).str.split("\t", n=1, expand=True)[i].to_numpy()
                         for i in (0, 1))
        tag = ("", "") if kind == "people" else ("a\t", "c\t")  # keep the two sides apart
        nodes, inverse = np.unique(np.concatenate([tag[0] + first.astype(object),
                                                   tag[1] + second.astype(object)]),
                                   return_inverse=True)
        pu, pv = inverse[:len(first)], inverse[len(first):]
        mask = hide_ties(pu, pv, hide_frac, seed)
        frame[~mask[codes]].to_csv(out / f"{name}.csv", index=False)
        hidden[kind] = pd.DataFrame({"a": first[mask], "b": second[mask]})
    for path in src.iterdir():
        if path.is_file() and path.name not in ("interactions.csv", "engagements.csv"):
            shutil.copy(path, out / path.name)
    return hidden
