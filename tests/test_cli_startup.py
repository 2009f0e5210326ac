"""Commands start without the libraries they do not use: listing the commands, every
command's ``--help``, and the everyday commands ``models``, ``runs`` and ``query`` never import
PyTorch (it costs seconds), and ``kolgraph --help`` imports none of the data libraries either.
How long they take is measured in ``benchmarks/startup.py``, not here.

Each command runs in a fresh interpreter (``sys.modules`` of a test process holds everything
the other tests imported), against the session's embedded database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.config import Settings
from tests.paths import REPO

# Runs each ``kolgraph ARGS`` of the JSON list in the second argument in turn in this
# interpreter, and writes to the file named by the first the exit status of each and the
# modules imported so far after each.
_RUN_AND_LIST_MODULES = """
import json, sys
from kolgraph.cli.main import main
after = []
for args in json.loads(sys.argv[2]):
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    after.append({"args": args, "exit": code, "modules": sorted(sys.modules)})
with open(sys.argv[1], "w") as fh:
    json.dump(after, fh)
"""

GNN_LIBRARIES = ("torch", "torch_geometric", "lightgbm")
DATA_LIBRARIES = (*GNN_LIBRARIES, "pandas", "numpy", "scipy", "igraph", "pyarrow", "pypinyin",
                  "flask")


def imported_after_each(commands: list[list[str]], env: dict[str, str],
                        listing: Path) -> list[tuple[str, set[str]]]:
    """``kolgraph ARGS`` of each of ``commands`` run in turn in one fresh interpreter: each
    command's words and the modules imported once it ended (exit status 0 asserted)."""
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_MODULES, str(listing),
                           json.dumps(commands)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    after = json.loads(listing.read_text())
    for ran in after:
        assert ran["exit"] in (0, None), f"kolgraph {' '.join(ran['args'])}: {done.stderr}"
    return [(" ".join(ran["args"]), set(ran["modules"])) for ran in after]


def imported_by(args: list[str], env: dict[str, str], listing: Path) -> set[str]:
    """The modules imported by ``kolgraph ARGS`` in a fresh interpreter."""
    return imported_after_each([args], env, listing)[0][1]


def heavy(modules: set[str], libraries: tuple[str, ...]) -> list[str]:
    """The ``libraries`` among the top-level packages of ``modules``."""
    return sorted({name.split(".")[0] for name in modules} & set(libraries))


@pytest.fixture(scope="module")
def env(settings: Settings, _server: Path) -> dict[str, str]:
    """The environment of a command on the session's embedded database."""
    return {**os.environ, "KOLGRAPH_HOME": str(settings.home),
            "KOLGRAPH_PII_SALT": "test-salt-0123456789", "KOLGRAPH_GRAPH": "startup"}


def _command_paths() -> list[list[str]]:
    from tests.test_cli_conventions import COMMANDS

    return [list(path) for path in COMMANDS]


def test_listing_the_commands_imports_no_data_library(env: dict[str, str],
                                                       tmp_path: Path) -> None:
    loaded = imported_by(["--help"], env, tmp_path / "modules.json")
    assert "kolgraph.cli.commands.analyze" in loaded  # the listing reads every command
    assert heavy(loaded, DATA_LIBRARIES) == []


def test_help_of_every_command_imports_no_gnn_library(env: dict[str, str],
                                                      tmp_path: Path) -> None:
    helps = [[*path, "--help"] for path in _command_paths()]
    after = imported_after_each(helps, env, tmp_path / "modules.json")
    assert len(after) == len(helps) > 20
    for command, loaded in after:  # modules pile up: the first command listed is the culprit
        assert heavy(loaded, GNN_LIBRARIES) == [], f"kolgraph {command}"


# Each command with the use-case module that shows it ran its code, not only its options.
EVERYDAY = [
    (["models"], "gnn.registry"),
    (["models", "--format", "json"], "gnn.registry"),
    (["runs"], "kolgraph.usecases.runs"),
    (["runs", "--kind", "refresh", "--format", "json"], "kolgraph.usecases.runs"),
    (["query", "MATCH (p:Person) RETURN count(p) AS persons"], "kolgraph.usecases.query"),
    (["query", "current_runs"], "graph.querylib"),
]


@pytest.mark.parametrize(("args", "ran"), EVERYDAY, ids=[" ".join(a) for a, _ in EVERYDAY])
def test_everyday_commands_import_no_gnn_library(args: list[str], ran: str,
                                                 env: dict[str, str], tmp_path: Path,
                                                 settings: Settings) -> None:
    model = settings.models_dir / "train-20261204T000000Z"  # the files models lists
    model.mkdir(parents=True, exist_ok=True)
    (model / "model.json").write_text(json.dumps({
        "created_at": "2026-12-04T00:00:00Z", "promoted": False,
        "choice": {"people": "adamic_adar", "content": "popularity"}}))
    (model / "metrics.json").write_text(json.dumps({"ranking": []}))
    (model / "counts.json").write_text(json.dumps({"persons": 300}))
    loaded = imported_by(args, env, tmp_path / "modules.json")
    assert ran in loaded
    assert heavy(loaded, GNN_LIBRARIES) == []
