"""The analysts' Cypher library: named, parameterized queries in ``cypher/library/*.cypher``,
package data of the ``cypher`` package read with ``importlib.resources`` (so also from a wheel).

Each file is one query. It starts with a header of ``// key: value`` comment lines, then the
query text; a file may hold a variant per dialect after a ``// dialect: neo4j`` (or
``falkordb``) line. README ("Writing a library query") documents the format. Example header::

    // title: Top KOLs of a community
    // description: Members of one community of the current analysis, best KOL first.
    // param: community_id int -- community number in the current analysis
    // param: k int = 10 -- how many persons
    // columns: rank, person_id, display_name, kol_score
    // example: kolgraph query top_kols_in_community -p community_id=1 -p k=5

Parsing is strict: a malformed header raises ``LibraryError`` naming the file and line.
Parameters given as text (the CLI's ``-p k=v``, a web form) are converted to the header's
types by ``bind_params`` before anything runs; ``run_library_query`` runs a query through
``GraphStore.read``, which the database refuses to let write.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePath

from graph.errors import InvalidInput, KolgraphError
from graph.store.base import GraphStore, QueryResult, QueryTimeout

DIALECTS = ("falkordb", "neo4j")
PARAM_TYPES = ("string", "int", "float", "bool", "list<string>", "list<int>")
#: What a library query name looks like; anything else given to ``kolgraph query`` is Cypher.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

_HEADER_KEYS = ("title", "description", "param", "columns", "example", "deepen", "title_zh",
                "description_zh", "param_zh")
#: Header keys that may repeat (one line per parameter).
_REPEATED_KEYS = ("param", "param_zh")
_PARAM_ZH = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s+--\s+(?P<text>\S.*)$")
_REQUIRED_KEYS = ("title", "description", "columns", "example")
_FIELD = re.compile(r"^//\s?([a-z_]+):\s*(.*)$")
_CONTINUATION = re.compile(r"^//\s{2,}(\S.*)$")
_DIALECT = re.compile(r"^//\s*dialect:\s*(\S+)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>[a-z<>]+)"
    r"(?:\((?P<low>-?\d+(?:\.\d+)?)?\.\.(?P<high>-?\d+(?:\.\d+)?)?\))?"
    r"(?:\s*=\s*(?P<default>.+?))?\s+--\s+(?P<description>\S.*)$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class LibraryError(KolgraphError, ValueError):
    """A library file is malformed (the message starts with ``file:line:``), or the library
    folder holds no query."""


class UnknownQuery(InvalidInput):
    """No library query of that name; the message suggests close names."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class ParameterError(InvalidInput):
    """A parameter is missing, unknown or of the wrong type; the message names it. The
    fields let each front end word it its own way: ``name`` (the query parameter),
    ``problem`` (``"missing"``, ``"unknown"`` or ``"type"``), ``expected`` (its type and
    range, e.g. ``int(1..)``; ``""`` for an unknown one) and ``given`` (the value given, or
    ``None``)."""

    def __init__(self, message: str, *, name: str = "", problem: str = "",
                 expected: str = "", given: object = None) -> None:
        super().__init__(None, message)
        self.name, self.problem, self.expected, self.given = name, problem, expected, given


@dataclass(frozen=True)
class QueryParam:
    """One declared parameter of a library query."""

    name: str
    type: str
    default: object | None
    required: bool
    description: str
    #: Inclusive bounds of an ``int``/``float`` parameter (``int(1..)``), ``None``: unbounded.
    minimum: float | None = field(default=None, compare=False)
    maximum: float | None = field(default=None, compare=False)

    def check(self, value: object) -> object:
        """``value`` when it is within the bounds, else ``ValueError``."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                (self.minimum is not None and value < self.minimum)
                or (self.maximum is not None and value > self.maximum)):
            raise ValueError(f"out of range {self.range_text()}")
        return value

    def range_text(self) -> str:
        """The bounds as the header writes them, e.g. ``(1..)``; ``""`` when unbounded."""
        if self.minimum is None and self.maximum is None:
            return ""
        def show(v: float | None) -> str:
            return "" if v is None else f"{v:g}"
        return f"({show(self.minimum)}..{show(self.maximum)})"


@dataclass(frozen=True)
class LibraryQuery:
    """One library query: its header and its text per dialect."""

    name: str
    title: str
    description: str
    params: tuple[QueryParam, ...]
    columns: tuple[str, ...]
    example: str
    path: Traversable = field(compare=False, repr=False, default=Path())
    variants: tuple[tuple[str, str], ...] = field(compare=False, repr=False, default=())
    #: An int parameter raised 1, 2, ... up to its given value until the query returns rows
    #: (``// deepen: NAME``): an exhaustive search bounded by it stops at the first depth
    #: that has an answer. ``None``: the query runs once.
    deepen: str | None = field(compare=False, default=None)
    #: The Chinese title, description and parameter help (``// title_zh:``,
    #: ``// description_zh:``, ``// param_zh: NAME -- text``); ``""``/absent: none.
    title_zh: str = field(compare=False, default="")
    description_zh: str = field(compare=False, default="")
    params_zh: tuple[tuple[str, str], ...] = field(compare=False, default=())

    def title_in(self, language: str) -> str:
        """The title in ``language`` (``"zh..."``: the Chinese one when there is one)."""
        return self.title_zh if language.startswith("zh") and self.title_zh else self.title

    def description_in(self, language: str) -> str:
        """The description in ``language``, as ``title_in``."""
        if language.startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description

    def param_help(self, name: str, language: str) -> str:
        """The help of parameter ``name`` in ``language``, as ``title_in``."""
        if language.startswith("zh") and (text := dict(self.params_zh).get(name)):
            return text
        param = self.param(name)
        return param.description if param else ""

    def text(self, dialect: str) -> str:
        """The query text for ``dialect`` (``"falkordb"`` or ``"neo4j"``)."""
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; one of {', '.join(DIALECTS)}")
        return dict(self.variants)[dialect]

    def param(self, name: str) -> QueryParam | None:
        """The declared parameter ``name``, or ``None``."""
        return next((p for p in self.params if p.name == name), None)


# ------------------------------------------------------------------ value conversion
def _to_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text.strip()):
        raise ValueError
    return int(text)


def _to_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError
    return value


def _to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError


def _to_list(item: Callable[[str], object]) -> Callable[[str], list[object]]:
    def convert(text: str) -> list[object]:
        stripped = text.strip()
        if stripped.startswith("["):
            values = json.loads(stripped)
            if not isinstance(values, list):
                raise ValueError
            return [item(v if isinstance(v, str) else json.dumps(v)) for v in values]
        return [item(part.strip()) for part in stripped.split(",") if part.strip()]
    return convert


def _to_string(text: str) -> str:
    return text


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "string": _to_string, "int": _to_int, "float": _to_float, "bool": _to_bool,
    "list<string>": _to_list(_to_string), "list<int>": _to_list(_to_int)}


def convert_value(type_name: str, raw: object) -> object:
    """Convert ``raw`` (text, or an already typed value) to ``type_name``; ``ValueError``
    when it does not fit.

    >>> convert_value("int", "10"), convert_value("list<int>", "1,2"), convert_value("bool", "no")
    (10, [1, 2], False)
    """
    if isinstance(raw, str):
        return _CONVERTERS[type_name](raw)
    checks: dict[str, Callable[[object], bool]] = {
        "string": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "list<string>": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "list<int>": lambda v: isinstance(v, list) and all(
            isinstance(x, int) and not isinstance(x, bool) for x in v)}
    if not checks[type_name](raw):
        raise ValueError
    return float(raw) if type_name == "float" else raw  # type: ignore[arg-type]


# ------------------------------------------------------------------------- parsing
def _fail(path: Traversable, line: int, message: str) -> LibraryError:
    return LibraryError(f"{path}:{line}: {message}")


def _parse_param(path: Traversable, line: int, text: str) -> QueryParam:
    match = _PARAM.match(text.strip())
    if not match:
        raise _fail(path, line, f"malformed param {text!r}: expected "
                    "'// param: NAME TYPE [= DEFAULT] -- DESCRIPTION'")
    type_name = match["type"]
    if type_name not in PARAM_TYPES:
        raise _fail(path, line, f"param {match['name']!r}: unknown type {type_name!r}; "
                    f"one of {', '.join(PARAM_TYPES)}")
    low, high = (float(v) if v is not None else None for v in (match["low"], match["high"]))
    if (low is not None or high is not None) and type_name not in ("int", "float"):
        raise _fail(path, line, f"param {match['name']!r}: a range needs int or float")
    bounds = QueryParam(match["name"], type_name, None, True, "", low, high)
    default_text = match["default"]
    default: object | None = None
    if default_text is not None and default_text != "null":
        raw = default_text
        if type_name == "string" and raw.startswith('"'):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise _fail(path, line, f"param {match['name']!r}: bad quoted default "
                            f"{default_text!r}") from exc
        try:
            default = bounds.check(convert_value(type_name, raw))
        except (ValueError, json.JSONDecodeError) as exc:
            raise _fail(path, line, f"param {match['name']!r}: default {default_text!r} "
                        f"is not a {type_name}{bounds.range_text()}") from exc
    return QueryParam(match["name"], type_name, default, default_text is None,
                      match["description"].strip(), low, high)


def _header(path: Traversable, lines: list[str]) -> tuple[dict[str, list[tuple[int, str]]], int]:
    """The header fields (key -> [(line number, value)]) and the index of the first body line."""
    fields: dict[str, list[tuple[int, str]]] = {}
    last: list[tuple[int, str]] | None = None
    index = 0
    for index, raw in enumerate(lines):
        line = raw.rstrip()
        number = index + 1
        if not line.startswith("//") or _DIALECT.match(line):
            break
        if (cont := _CONTINUATION.match(line)) and last is not None:
            last[-1] = (last[-1][0], f"{last[-1][1]} {cont[1].strip()}")
            continue
        if line.strip() == "//":
            continue
        match = _FIELD.match(line)
        if not match:
            raise _fail(path, number, f"malformed header line {line!r}: expected "
                        "'// key: value' with key one of " + ", ".join(_HEADER_KEYS))
        key, value = match[1], match[2].strip()
        if key not in _HEADER_KEYS:
            raise _fail(path, number, f"unknown header key {key!r}; one of "
                        + ", ".join(_HEADER_KEYS))
        if key not in _REPEATED_KEYS and key in fields:
            raise _fail(path, number, f"header key {key!r} given twice")
        if not value:
            raise _fail(path, number, f"header key {key!r} has no value")
        last = fields.setdefault(key, [])
        last.append((number, value))
    else:
        index = len(lines)
    for key in _REQUIRED_KEYS:
        if key not in fields:
            raise _fail(path, 1, f"header lacks '// {key}: ...'")
    return fields, index


def _variants(path: Traversable, lines: list[str], start: int) -> dict[str, tuple[int, str]]:
    """Query text per dialect: the common body, overridden by ``// dialect: X`` sections."""
    sections: dict[str, tuple[int, list[str]]] = {"*": (start + 1, [])}
    current = "*"
    for index in range(start, len(lines)):
        line = lines[index].rstrip()
        if match := _DIALECT.match(line):
            current = match[1]
            if current not in DIALECTS:
                raise _fail(path, index + 1, f"unknown dialect {current!r}; one of "
                            + ", ".join(DIALECTS))
            if current in sections:
                raise _fail(path, index + 1, f"dialect {current!r} given twice")
            sections[current] = (index + 1, [])
        elif line.strip() and not line.lstrip().startswith("//"):
            number, body = sections[current]
            if not body and current == "*":
                sections[current] = (index + 1, body)  # errors point at the first line
            body.append(line)
    texts = {k: (number, "\n".join(body).strip()) for k, (number, body) in sections.items()}
    out = {}
    for dialect in DIALECTS:
        number, text = texts.get(dialect) or texts["*"]
        if not text:
            raise _fail(path, number, f"no query text for dialect {dialect!r}")
        out[dialect] = (number, text)
    return out


def _deepen(path: Traversable, field_lines: list[tuple[int, str]] | None,
            params: tuple[QueryParam, ...]) -> str | None:
    if not field_lines:
        return None
    number, name = field_lines[0]
    param = next((p for p in params if p.name == name), None)
    if param is None or param.type != "int" or param.required:
        raise _fail(path, number, f"deepen: {name!r} must be a declared int parameter "
                    "with a default")
    return name


def library_dir() -> Traversable:
    """The library folder: ``library/`` of the ``cypher`` package, wherever it is installed."""
    return resources.files("cypher") / "library"


def _folder(directory: Traversable | str | os.PathLike[str] | None) -> Traversable:
    if directory is None:
        return library_dir()
    return Path(directory) if isinstance(directory, (str, os.PathLike)) else directory


def _query_files(folder: Traversable) -> list[Traversable]:
    """The ``*.cypher`` files of ``folder`` by name; ``LibraryError`` when there is none (a
    library folder missing from an installation is an error, never an empty library)."""
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".cypher") and p.is_file()),
                   key=lambda p: p.name) if folder.is_dir() else []
    if not files:
        raise LibraryError(f"{folder}: no library query (*.cypher file) there; is kolgraph "
                           "installed with its cypher package data?")
    return files


def parse_query_file(path: Traversable | str | os.PathLike[str]) -> LibraryQuery:
    """Parse one library file; ``LibraryError`` (with file and line) when it is malformed."""
    path = Path(path) if isinstance(path, (str, os.PathLike)) else path
    name = PurePath(path.name).stem
    if not NAME_PATTERN.match(name):
        raise _fail(path, 1, f"file name {name!r} is not a query name (lowercase letters, "
                    "digits and '_', starting with a letter)")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{path}: cannot read: {exc}") from exc
    fields, start = _header(path, lines)
    params = tuple(_parse_param(path, n, v) for n, v in fields.get("param", []))
    seen: set[str] = set()
    for (number, _), param in zip(fields.get("param", []), params, strict=True):
        if param.name in seen:
            raise _fail(path, number, f"param {param.name!r} declared twice")
        seen.add(param.name)
    variants = _variants(path, lines, start)
    for dialect, (number, text) in variants.items():
        used = set(_PARAM_USE.findall(text))
        if undeclared := sorted(used - seen):
            raise _fail(path, number, f"{dialect} query uses undeclared parameter(s) "
                        + ", ".join(f"${u}" for u in undeclared))
        if unused := sorted(seen - used):
            raise _fail(path, number, f"{dialect} query does not use declared parameter(s) "
                        + ", ".join(unused))
    deepen = _deepen(path, fields.get("deepen"), params)
    columns = tuple(c.strip() for c in fields["columns"][0][1].split(","))
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", c) for c in columns):
        raise _fail(path, fields["columns"][0][0], "columns must be comma-separated names")
    params_zh = []
    for number, text in fields.get("param_zh", []):
        match = _PARAM_ZH.match(text)
        if not match or match["name"] not in seen:
            raise _fail(path, number, f"malformed param_zh {text!r}: expected "
                        "'// param_zh: NAME -- TEXT' naming a declared parameter")
        params_zh.append((match["name"], match["text"].strip()))
    return LibraryQuery(
        name=name, title=fields["title"][0][1], description=fields["description"][0][1],
        params=params, columns=columns, example=fields["example"][0][1], path=path,
        variants=tuple((d, variants[d][1]) for d in DIALECTS), deepen=deepen,
        title_zh=fields.get("title_zh", [(0, "")])[0][1],
        description_zh=fields.get("description_zh", [(0, "")])[0][1],
        params_zh=tuple(params_zh))


def list_queries(directory: Traversable | str | os.PathLike[str] | None = None
                 ) -> list[LibraryQuery]:
    """Every query of the library folder (default: ``library_dir()``), sorted by name
    (parsed afresh on each call); ``LibraryError`` when the folder holds none."""
    return [parse_query_file(p) for p in _query_files(_folder(directory))]


def get_query(name: str,
              directory: Traversable | str | os.PathLike[str] | None = None) -> LibraryQuery:
    """The library query ``name``; ``UnknownQuery`` (suggesting close names) when absent,
    ``LibraryError`` when the library folder holds no query at all."""
    folder = _folder(directory)
    path = folder / f"{name}.cypher"
    if NAME_PATTERN.match(name) and path.is_file():
        return parse_query_file(path)
    names = [PurePath(p.name).stem for p in _query_files(folder)]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    close += [n for n in names if name and name in n and n not in close][:3 - len(close)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownQuery(f"unknown library query {name!r}{hint} "
                       "(the library lists them all)")


def bind_params(query: LibraryQuery, raw: Mapping[str, object]) -> dict[str, object]:
    """Typed parameters for ``query`` from ``raw`` (name -> text, or already typed values):
    converts to the header's types, fills defaults, and raises ``ParameterError`` for a
    missing, unknown or ill-typed one, before anything runs.

    Every declared parameter is in the result (``None`` for an optional one without value).
    An empty (or blank) text counts as not given, as an empty field of a web form does.
    """
    declared = {p.name: p for p in query.params}
    for name in raw:
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            names = ", ".join(declared) or "none"
            raise ParameterError(f"parameter {name!r}: not a parameter of {query.name}{hint} "
                                 f"(its parameters: {names})", name=name, problem="unknown",
                                 given=raw[name])
    bound: dict[str, object] = {}
    for param in query.params:
        value = raw.get(param.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if param.required:
                raise ParameterError(f"parameter {param.name!r}: required ({param.type}: "
                                     f"{param.description})", name=param.name,
                                     problem="missing",
                                     expected=param.type + param.range_text())
            bound[param.name] = param.default
            continue
        try:
            bound[param.name] = param.check(convert_value(param.type, value))
        except (ValueError, json.JSONDecodeError) as exc:
            raise ParameterError(f"parameter {param.name!r}: expected {param.type}"
                                 f"{param.range_text()}, got {value!r}", name=param.name,
                                 problem="type", expected=param.type + param.range_text(),
                                 given=value) from exc
    return bound


def run_bound(store: GraphStore, query: LibraryQuery, params: Mapping[str, object], *,
              limit: int, timeout_s: float) -> QueryResult:
    """Run ``query`` with already bound ``params`` (``bind_params``) through
    ``GraphStore.read``. A query with ``deepen`` runs with that parameter at 1, 2, ... up to
    its bound value and returns the first result with rows (or the last, empty one);
    ``timeout_s`` covers all the runs together."""
    text = query.text(store.dialect)
    cap = limit or None
    if query.deepen is None or params.get(query.deepen) is None:
        return store.read(text, params, timeout_s=timeout_s, limit=cap)
    deadline = time.monotonic() + timeout_s
    top = int(params[query.deepen])  # type: ignore[call-overload]
    result = QueryResult(list(query.columns), [])
    for depth in range(1, top + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout(f"read: stopped at its time limit ({timeout_s:g} s) while "
                               f"searching with {query.deepen}={depth}")
        result = store.read(text, {**params, query.deepen: depth}, timeout_s=left, limit=cap)
        if result.rows:
            break
    return result


def run_library_query(store: GraphStore, name: str, raw: Mapping[str, object], *,
                      limit: int, timeout_s: float) -> QueryResult:
    """Run the library query ``name`` read-only with ``raw`` parameters (see
    ``bind_params``); ``limit`` caps the rows (0: no cap), ``timeout_s`` stops the query on
    the server. Raises ``UnknownQuery``, ``ParameterError`` or the store's errors
    (``ReadOnlyViolation``, ``QueryTimeout``, ...)."""
    query = get_query(name)
    return run_bound(store, query, bind_params(query, raw), limit=limit, timeout_s=timeout_s)
