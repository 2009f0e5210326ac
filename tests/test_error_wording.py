"""Errors raised below the CLI name the parameter, never a command-line flag: no message built
in ``graph``, ``gnn``, ``web``, the use-cases or the workflow mentions ``--something`` (the CLI,
``kolgraph/cli``, words them for the command line, in one place). Read from the source: every
string in a ``raise`` statement, an ``abort(...)`` or an error class's construction."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import graph.errors
from graph.errors import InvalidInput, KolgraphError, NotFound

ROOT = Path(__file__).resolve().parents[1]
BELOW_THE_CLI = [*sorted((ROOT / "graph").rglob("*.py")), *sorted((ROOT / "gnn").rglob("*.py")),
                 *sorted((ROOT / "web").glob("*.py")),
                 *sorted((ROOT / "kolgraph" / "usecases").rglob("*.py")),
                 ROOT / "kolgraph" / "workflow.py"]
FLAG = re.compile(r"(?:^|[\s'\"`(])--[a-z]")
ERROR_NAMES = re.compile(r"(Error|Exception|InvalidInput|NotFound|NotReady|Conflict|"
                         r"UnknownQuery)$")


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _messages(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each string that an error message is built from in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            found += [(node.lineno, s) for s in _strings(node.exc)]
        elif isinstance(node, ast.Call) and (_call_name(node) == "abort"
                                             or ERROR_NAMES.search(_call_name(node))):
            found += [(node.lineno, s) for s in _strings(node)]
    return found


def test_the_scan_finds_messages_and_flags():
    assert FLAG.search('"--resolution: must be > 0"') and FLAG.search("use (--k 3)")
    assert not FLAG.search("a -- b") and not FLAG.search("x--y")
    messages = [m for p in BELOW_THE_CLI for _line, m in _messages(p)]
    assert len(messages) > 200
    assert any("must be > 0" in m for m in messages)


@pytest.mark.parametrize("path", BELOW_THE_CLI, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_error_message_below_the_cli_names_a_flag(path: Path):
    flagged = [(line, text) for line, text in _messages(path) if FLAG.search(text)]
    assert flagged == []


def test_errors_name_the_parameter_as_the_caller_named_it():
    err = InvalidInput("community", "no community 99 in the current analyze run")
    assert (err.param, str(err)) == ("community", "community: no community 99 in the current "
                                     "analyze run")
    assert isinstance(err, ValueError) and isinstance(err, KolgraphError)
    assert str(NotFound("no person 'x'", param="person_id")) == "person_id: no person 'x'"
    assert all(issubclass(getattr(graph.errors, name), KolgraphError)
               for name in ("InvalidInput", "NotFound", "NotReady", "Conflict"))
