"""The analytics' tunable weights: defaults in ``weights.toml`` beside this module, overridable
by a TOML file of the same shape (only the keys it names change).

>>> w = load_weights()
>>> w.interaction["purchase"] > w.interaction["share"] > w.interaction["comment"]
True
>>> w.interaction["comment"] > w.interaction["follow"] > w.interaction["like"]
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from graph.errors import KolgraphError

KOL_COMPONENTS: tuple[str, ...] = ("pagerank", "in_strength", "reach", "engagement_rate",
                                   "betweenness")


class WeightsError(KolgraphError, ValueError):
    """A weights file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Weights:
    """Everything ``weights.toml`` holds, parsed and checked."""

    interaction: dict[str, float]
    content_tie_factor: float
    content_tie_full: tuple[str, ...]
    half_life_days: float
    kol_score: dict[str, float]
    betweenness_exact_below: int
    betweenness_samples: int
    overlap_top_n: int
    rr_sets: int | None
    mc_runs: int
    epsilon: float = 0.1
    celf_runs: int = 100

    @property
    def content_interaction(self) -> dict[str, float]:
        """Type weights of ties to a content's creator (``content_tie_factor`` applied)."""
        return {t: w if t in self.content_tie_full else w * self.content_tie_factor
                for t, w in self.interaction.items()}


def _default_text() -> str:
    return resources.files("graph.analytics").joinpath("weights.toml").read_text("utf-8")


def _merge(base: dict[str, Any], extra: dict[str, Any], where: str) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if key not in base:
            raise WeightsError(f"{where}: unknown key {key!r} (known: {', '.join(base)})")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise WeightsError(f"{where}: [{key}] must be a table")
            out[key] = _merge(base[key], value, f"{where} [{key}]")
        else:
            out[key] = value
    return out


def _number(table: dict[str, Any], key: str, where: str, *, integer: bool = False) -> Any:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise WeightsError(f"{where}: {key} must be a non-negative number, got {value!r}")
    return int(value) if integer else float(value)


def load_weights(path: str | Path | None = None) -> Weights:
    """The default weights, with the keys of the TOML file ``path`` (when given) overriding them.

    Raises ``WeightsError`` naming the file and key when a value is unknown or invalid.
    """
    data = tomllib.loads(_default_text())
    if path is not None:
        path = Path(path)
        try:
            extra = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise WeightsError(f"{path}: weights file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise WeightsError(f"{path}: {exc}") from exc
        data = _merge(data, extra, str(path))
    where = str(path or "weights.toml")
    inter = {k: _number(data["interaction_weights"], k, f"{where} [interaction_weights]")
             for k in data["interaction_weights"]}
    kol = {k: _number(data["kol_score"], k, f"{where} [kol_score]") for k in KOL_COMPONENTS}
    if sum(kol.values()) <= 0:
        raise WeightsError(f"{where} [kol_score]: the weights must not all be 0")
    half_life = _number(data["recency"], "half_life_days", f"{where} [recency]")
    if half_life <= 0:
        raise WeightsError(f"{where} [recency]: half_life_days must be > 0")
    full = data["projection"]["content_tie_full"]
    if not isinstance(full, list) or not all(isinstance(t, str) for t in full):
        raise WeightsError(f"{where} [projection]: content_tie_full must be a list of types")
    return Weights(
        interaction=inter,
        content_tie_factor=_number(data["projection"], "content_tie_factor",
                                   f"{where} [projection]"),
        content_tie_full=tuple(full),
        half_life_days=half_life,
        kol_score=kol,
        betweenness_exact_below=_number(data["betweenness"], "exact_below", where, integer=True),
        betweenness_samples=max(1, _number(data["betweenness"], "samples", where, integer=True)),
        overlap_top_n=_number(data["overlap"], "top_n", where, integer=True),
        rr_sets=_number(data["seeds"], "rr_sets", where, integer=True) or None,
        mc_runs=max(1, _number(data["seeds"], "mc_runs", where, integer=True)),
        epsilon=_epsilon(data["seeds"], f"{where} [seeds]"),
        celf_runs=max(1, _number(data["seeds"], "celf_runs", where, integer=True)),
    )


def _epsilon(table: dict[str, Any], where: str) -> float:
    value = _number(table, "epsilon", where)
    if not 0 < value < 1:
        raise WeightsError(f"{where}: epsilon must be between 0 and 1, got {value!r}")
    return float(value)
