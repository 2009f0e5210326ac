"""The web package imports without a cycle: any module of ``web/`` can be imported first, no
module but the entry points imports ``web.app``, no blueprint imports another, and the factory
imports its blueprints at the top (no function-level imports of ``web`` modules outside the
entry points)."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import web

WEB_DIR = Path(web.__file__).parent
MODULES = sorted(f"web.{m.name}" for m in pkgutil.iter_modules([str(WEB_DIR)]))
ENTRY_POINTS = {"web.commands"}  # ``kolgraph serve`` / ``kolgraph user``: builds the app
BLUEPRINTS = {"web.admin", "web.api", "web.auth", "web.campaigns", "web.console",
              "web.favicon", "web.pages", "web.partners", "web.preferences"}

# Run in one fresh interpreter: for each module, forget every ``web`` module, import that one
# first, then all the others; report the modules whose import failed, with the error.
_IMPORT_EACH_FIRST = """
import importlib, json, sys
modules = json.loads(sys.argv[1])
failed = {}
for first in modules:
    for name in [m for m in sys.modules if m == "web" or m.startswith("web.")]:
        del sys.modules[name]
    try:
        for name in [first] + [m for m in modules if m != first]:
            importlib.import_module(name)
    except Exception as exc:
        failed[first] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""


def _web_imports(module: str) -> list[tuple[str, bool]]:
    """``(imported web module, inside a function)`` for every import of ``module``."""
    path = WEB_DIR / f"{module.split('.', 1)[1]}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {id(node) for fn in ast.walk(tree)
              if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
              for node in ast.walk(fn)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "web":
            names = [f"web.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        found += [(name, id(node) in nested) for name in names
                  if name == "web" or name.startswith("web.")]
    return found


def test_every_web_module_imports_first():
    result = subprocess.run([sys.executable, "-c", _IMPORT_EACH_FIRST, json.dumps(MODULES)],
                            capture_output=True, text=True, timeout=300,
                            cwd=WEB_DIR.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def test_only_entry_points_import_the_factory():
    importers = {m for m in MODULES for name, _ in _web_imports(m) if name == "web.app"}
    assert importers <= ENTRY_POINTS


def test_no_blueprint_imports_another():
    for module in BLUEPRINTS:
        imported = {name for name, _ in _web_imports(module)}
        assert not imported & (BLUEPRINTS - {module}), module


def test_web_modules_import_web_modules_at_the_top():
    late = {m: name for m in MODULES if m not in ENTRY_POINTS
            for name, inside in _web_imports(m) if inside}
    assert late == {}


def test_the_factory_registers_every_blueprint():
    from web.app import BLUEPRINTS as registered

    assert {bp.import_name for bp in registered} == BLUEPRINTS
