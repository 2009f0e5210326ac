"""Pure pieces of the web app: doctests, the score explanation, chart builders, the cache."""

from __future__ import annotations

import ast
import doctest
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import web.cache
import web.charts
import web.data
import web.errors
import web.export
import web.html
import web.job_params
import web.limiter
import web.seed_jobs
import web.users
import web.why
from graph.analytics import ranking
from web.cache import RunCache


@pytest.mark.parametrize("module", [web.cache, web.charts, web.data, web.errors, web.export,
                                    web.html, web.job_params, web.limiter, web.seed_jobs,
                                    web.why])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_explain_score_reproduces_the_analytics_kol_score():
    rng = np.random.default_rng(3)
    components = pd.DataFrame({name: rng.pareto(2.0, 200) * (rng.random(200) > 0.2)
                               for name in web.data.web_reads.COMPONENTS})
    weights = {"pagerank": 0.35, "in_strength": 0.2, "reach": 0.25, "engagement_rate": 0.1,
               "betweenness": 0.1}
    expected = ranking.kol_score(components, weights)
    stats = {name: {"median": float(np.median(components[name][components[name] > 0])),
                    "max": float(components[name].max())} for name in components}
    for i in range(0, 200, 17):
        why = web.data.explain_score(components.iloc[i].to_dict(), stats, weights)
        assert sum(w["contribution"] for w in why) == pytest.approx(expected[i], abs=1e-3)
        contributions = [w["contribution"] for w in why]
        assert contributions == sorted(contributions, reverse=True)


def test_charts_are_chartjs_configs():
    curve = web.charts.training_curve_chart([{"epoch": 1, "loss": 2.0},
                                             {"epoch": 2, "loss": 1.5, "val_hits@50": 0.4}])
    assert curve["type"] == "line" and curve["data"]["labels"] == [1, 2]
    assert curve["data"]["datasets"][1]["data"] == [None, 0.4]
    bars = web.charts.evaluation_chart([
        {"split": "val", "task": "people", "method": "learned_ranker", "recall@50": 0.7},
        {"split": "val", "task": "people", "method": "adamic_adar", "recall@50": 0.5},
        {"split": "hidden", "task": "people", "method": "learned_ranker", "recall@50": 0.9}])
    assert bars["data"]["labels"] == ["learned ranker", "Adamic-Adar index"]
    assert bars["data"]["datasets"][0]["data"] == [0.7, 0.5]


def test_cache_computes_a_missing_key_once_under_concurrency():
    cache, calls = RunCache(4), []
    gate = threading.Event()

    def compute():
        gate.wait(5)
        calls.append(1)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", compute)))
               for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert results == ["value"] * 8 and len(calls) == 1


def test_cache_evicts_the_least_recently_used():
    cache = RunCache(2)
    cache.get("a", lambda: 1), cache.get("b", lambda: 2), cache.get("a", lambda: 0)
    cache.get("c", lambda: 3)
    assert cache.get("a", lambda: -1) == 1 and cache.get("b", lambda: -2) == -2


def test_csv_cells_cannot_become_formulas():
    from web.export import csv_cell

    for text in ("=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\tx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell(-1.5) == -1.5 and csv_cell("李文") == "李文" and csv_cell(None) == ""


def test_user_lookups_follow_changes_made_by_another_process(tmp_path):
    from web.users import UserStore

    web_side, cli_side = (UserStore(tmp_path / "u.sqlite3") for _ in range(2))
    cli_side.add("ana", "viewer", "password-1")
    token = cli_side.new_token("ana")
    assert web_side.get("ana").role == "viewer" and web_side.user_for_token(token).name == "ana"
    for role in ("analyst", "admin", "viewer", "admin"):
        cli_side.set_role("ana", role)
        assert web_side.get("ana").role == role
    cli_side.remove("ana")
    assert web_side.get("ana") is None and web_side.user_for_token(token) is None


def test_secret_key_is_generated_once_per_home(tmp_path):
    from web.security import secret_key

    first = secret_key(None, tmp_path)
    assert len(first) >= 64 and secret_key(None, tmp_path) == first
    path = tmp_path / "web" / "secret_key"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert secret_key("configured", tmp_path) == "configured"


@pytest.mark.parametrize("target,expected", [
    ("/influencers?page=2", "/influencers?page=2"), ("https://evil.example/", "/"),
    ("//evil.example/", "/"), ("/\\evil.example/", "/"), ("javascript:alert(1)", "/"),
    ("/x\r\nSet-Cookie: a=b", "/"), ("", "/"), (None, "/")])
def test_log_in_redirects_only_to_local_paths(target, expected):
    from web.auth import _safe_next

    assert _safe_next(target) == expected


def _texts(tree: ast.AST) -> list[str]:
    """The string literals of a module but its docstrings."""
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docs]


def test_no_web_text_names_a_command_line_option():
    """Errors of the web name parameters; no text of web/ names a --option, but the command
    line that web/jobs.py gives the child ``kolgraph`` process it starts (its flags per form
    field are in web/job_params.py)."""
    folder = Path(web.data.__file__).parent
    found = {path.name: text for path in folder.glob("*.py")
             if path.name not in ("jobs.py", "job_params.py")
             for text in _texts(ast.parse(path.read_text(encoding="utf-8")))
             if re.search(r"--[a-z]", text)}
    assert found == {}
