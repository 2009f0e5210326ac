"""Chart.js configurations (``{"type", "data", "options"}``) built from plain data; the
front end (``static/js/charts.js``) draws whatever these return.

>>> platform_mix_chart({"zhihu": 0.75, "bilibili": 0.25})["data"]["labels"]
['zhihu', 'bilibili']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from web.i18n import recommender_name, term
from web.translate import gettext as _

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def platform_mix_chart(mix: Mapping[str, float] | None,
                       label: Callable[[str], str] = str) -> dict[str, Any]:
    """A doughnut of the share of a community's accounts per platform (each named by
    ``label``, e.g. its display name); texts in the request's language."""
    items = sorted((mix or {}).items(), key=lambda kv: -kv[1])
    return {"type": "doughnut",
            "data": {"labels": [label(k) for k, _v in items],
                     "datasets": [{"label": _("share of accounts"),
                                   "data": [round(float(v), 4) for _k, v in items],
                                   "backgroundColor": [_color(i) for i in range(len(items))]}]},
            "options": {"plugins": {"legend": {"position": "right"},
                                    "title": {"display": True, "text": _("Platform mix")}}}}


def training_curve_chart(curve: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Loss per epoch and validation Hits@50 where evaluated (second axis)."""
    epochs = [int(p["epoch"]) for p in curve]
    loss = [p.get("loss") for p in curve]
    hits = [p.get("val_hits@50") for p in curve]
    return {"type": "line",
            "data": {"labels": epochs, "datasets": [
                {"label": _("training loss"), "data": loss, "yAxisID": "y",
                 "borderColor": _color(0), "pointRadius": 0},
                {"label": _("validation Hits@50"), "data": hits, "yAxisID": "y1",
                 "borderColor": _color(1), "spanGaps": True}]},
            "options": {"scales": {"y": {"title": {"display": True, "text": _("loss")}},
                                   "y1": {"position": "right", "min": 0, "max": 1,
                                          "title": {"display": True, "text": "Hits@50"}}},
                        "plugins": {"title": {"display": True, "text": _("Training curve")}}}}


RANKING_METRICS = ("recall@10", "recall@20", "recall@50", "precision@10", "ndcg@10",
                   "ndcg@50", "mrr")


def evaluation_chart(metrics: Sequence[Mapping[str, Any]], split: str = "val",
                     metric: str = "recall@50") -> dict[str, Any]:
    """A bar per method and task of ``metric`` on ``split`` (the learned ranker vs. the
    heuristics, through the same recommendation path)."""
    rows = [m for m in metrics if m.get("split", split) == split]
    methods = list(dict.fromkeys(m["method"] for m in rows))
    tasks = list(dict.fromkeys(m["task"] for m in rows))
    value = {(m["method"], m["task"]): m.get(metric) for m in rows}
    return {"type": "bar",
            "data": {"labels": [recommender_name(m) for m in methods], "datasets": [
                {"label": f"{term(task)} {metric}",
                 "data": [value.get((m, task)) for m in methods],
                 "backgroundColor": _color(i)} for i, task in enumerate(tasks)]},
            "options": {"scales": {"y": {"min": 0, "max": 1}},
                        "plugins": {"title": {"display": True,
                                              "text": _("Evaluation (%(split)s, %(metric)s)",
                                                        split=term(split), metric=metric)}}}}


def person_activity_chart(months: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per month (``web.activity.monthly`` rows): engagement on the person's contents as
    bars and the conversions attributed to them as a line on a second axis."""
    return {"type": "bar",
            "data": {"labels": [m["month"] for m in months], "datasets": [
                {"type": "bar", "label": _("engagement on their contents"),
                 "data": [int(m["engagement"]) for m in months], "yAxisID": "y",
                 "backgroundColor": _color(0)},
                {"type": "line", "label": _("attributed purchases and subscriptions"),
                 "data": [int(m["conversions"]) for m in months], "yAxisID": "y1",
                 "borderColor": _color(1), "backgroundColor": _color(1)}]},
            "options": {"scales": {
                "y": {"beginAtZero": True, "title": {"display": True, "text": _("engagement")}},
                "y1": {"beginAtZero": True, "position": "right",
                       "grid": {"drawOnChartArea": False},
                       "title": {"display": True, "text": _("conversions")}}},
                "plugins": {"title": {"display": True,
                                      "text": _("Engagement and conversions per month")}}}}


def attribution_chart(rows: Sequence[Mapping[str, Any]], key: str,
                      label: Callable[[Any], str] = str, limit: int = 15) -> dict[str, Any]:
    """Attributed revenue per ``key`` (``kol``, ``platform`` or ``community_id`` rows of an
    attribution report, most revenue first), the first ``limit`` as horizontal bars, each
    named by ``label``; texts in the request's language."""
    shown = list(rows)[:limit]
    return {"type": "bar",
            "data": {"labels": [label(r) for r in shown], "datasets": [
                {"label": _("attributed revenue (¥)"),
                 "data": [round(float(r["revenue"]), 2) for r in shown],
                 "backgroundColor": [_color(i) for i in range(len(shown))]}]},
            "options": {"indexAxis": "y",
                        "plugins": {"legend": {"display": False}},
                        "scales": {"x": {"beginAtZero": True}}}}
