"""Query: read-only Cypher for analysts — the named, parameterized queries of the library
(``cypher/library``) and ad-hoc queries — with a row cap and a timeout. The database refuses
any write (``ReadOnlyViolation``); a query past its time is stopped (``QueryTimeout``), one
past its memory cap too (``QueryMemoryExceeded``); the database stops sending rows after the
cap. A query that would read a file or the network (``LOAD CSV``), or a NUL character in a
query or a parameter, is refused before anything runs (``InvalidInput``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph import querylib
from graph.config import Settings
from graph.query_guard import check_analyst_query
from graph.querylib import LibraryQuery
from graph.store.base import GraphStore, QueryResult


def library() -> list[dict[str, Any]]:
    """One row per library query: ``name, title, parameters`` (as in the headers:
    ``[name=default]`` when optional), ``description, example``."""
    def shown(param: querylib.QueryParam) -> str:
        if param.required:
            return param.name
        return f"[{param.name}={json.dumps(param.default, ensure_ascii=False)}]"

    return [{"name": q.name, "title": q.title, "parameters": " ".join(map(shown, q.params)),
             "description": q.description, "example": q.example}
            for q in querylib.list_queries()]


def library_query(name: str, raw: Mapping[str, object], *,
                  bind: bool = True) -> tuple[LibraryQuery, dict[str, Any]]:
    """Library query ``name`` and its parameters converted to the declared types (when
    ``bind``); ``InvalidInput`` subclasses for an unknown name or a bad parameter, before
    anything runs."""
    query = querylib.get_query(name)
    return query, (querylib.bind_params(query, raw) if bind else {})


def text_of(store: GraphStore, query: LibraryQuery) -> str:
    """The text of a library query for the database of ``store``."""
    return query.text(store.dialect)


def run(store: GraphStore, settings: Settings, *, text: str | None = None,
        query: LibraryQuery | None = None, params: Mapping[str, Any] | None = None,
        limit: int | None = None, timeout_s: float | None = None) -> QueryResult:
    """Run the library ``query`` (parameters already bound) or the Cypher ``text``, read
    only, capped at ``limit`` rows (default: the configured cap; 0 for none) and stopped
    after ``timeout_s`` seconds (default: the configured timeout). Raises ``InvalidInput``
    (``cypher`` or the parameter at fault) for what ``check_analyst_query`` refuses, and the
    store's errors."""
    check_analyst_query(text or "" if query is None else "", params)
    cap = settings.query_row_cap if limit is None else limit
    timeout = settings.query_timeout_s if timeout_s is None else timeout_s
    if query is not None:
        return querylib.run_bound(store, query, dict(params or {}), limit=cap,
                                  timeout_s=timeout)
    assert text is not None
    return store.read(text, dict(params or {}), timeout_s=timeout, limit=cap or None)


def explain(store: GraphStore, text: str, params: Mapping[str, Any] | None = None) -> str:
    """The database's plan for ``text``, without running it (``InvalidInput`` as ``run``)."""
    check_analyst_query(text, params)
    return store.explain(text, dict(params or {}))
