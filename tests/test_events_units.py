"""Event batching on plain data: the sort-based aggregation equals pandas' groupby."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph.ingest import events as ev

AGGREGATE = {"c": ("ts", "size"), "f": ("ts", "min"), "l": ("ts", "max"), "m": ("m", "sum")}


def random_events(rng: np.random.Generator, n: int, wide: bool = False) -> pd.DataFrame:
    scale = 2**57 if wide else 1  # wide: the keys do not fit one 64-bit integer
    return pd.DataFrame({
        "s": rng.integers(0, 50, n) * scale, "d": rng.integers(0, 30, n),
        "t": pd.Categorical(rng.choice(["like", "reply", "share"], n),
                            categories=["like", "reply", "share"]),
        "ts": rng.integers(0, 20 * ev.DAY, n), "m": rng.random(n).round(2)})


def by_pandas(frame: pd.DataFrame, day: np.ndarray, keys: list[str]
              ) -> tuple[pd.DataFrame, np.ndarray]:
    grouped = frame.groupby([pd.Series(day, name="_day"), *keys], sort=True,
                            observed=True).agg(**AGGREGATE).reset_index()
    return grouped, ~grouped.duplicated(subset=keys, keep="first").to_numpy()


@pytest.mark.parametrize("wide", [False, True])
def test_aggregate_equals_groupby(wide: bool) -> None:
    frame = random_events(np.random.default_rng(5), 20_000, wide)
    day = frame["ts"].to_numpy() // ev.DAY
    keys = ["s", "d", "t"]
    grouped, first = ev._aggregate(frame, day, keys, AGGREGATE)
    expected, expected_first = by_pandas(frame, day, keys)
    pd.testing.assert_frame_equal(grouped, expected, check_dtype=False, rtol=1e-12)
    assert grouped["t"].dtype == frame["t"].dtype
    assert (first == expected_first).all() and 0 < first.sum() < len(first)


def test_pack_refuses_what_does_not_fit() -> None:
    assert ev._pack([np.array([3, 1]), np.array([2, 2])]).tolist() == [14, 6]
    assert ev._pack([np.array([2**40]), np.array([2**30])]) is None
    assert ev._pack([np.array([-1])]) is None
