"""Every docstring example of the ``graph``, ``gnn`` and ``kolgraph`` packages runs and holds
(they document the plain functions; pytest's own collection covers only ``tests``; ``web``
has its own in ``tests/web``)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gnn
import graph
import kolgraph

MODULES = sorted(m.name for package in (graph, gnn, kolgraph)
                 for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
                 if not m.name.endswith(".__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
