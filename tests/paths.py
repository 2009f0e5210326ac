"""Where the repo's own files are, for tests and benchmarks only.

Package code never locates files this way: kolgraph reads its own files (the ``cypher``
package, ``weights.toml``, the web app's templates) with ``importlib.resources`` or next to
its modules, so that an installed wheel works (``make wheel-check``).
"""

from __future__ import annotations

from pathlib import Path

#: The root of this repository (the checkout, not an installed package).
REPO = Path(__file__).resolve().parents[1]
#: Screenshots and other files the tests leave for a look (ignored by git).
ARTIFACTS = REPO / "test-artifacts"
#: The real social graphs shared beside the repository (``../shared/datasets``; README there).
DATASETS = REPO.parent / "shared" / "datasets"
