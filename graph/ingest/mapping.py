"""The mapping file (TOML): per input file, platform-native column names -> canonical names,
the text encoding and the timestamp format. Validated with errors naming the file and key.

Example::

    [files."zhihu_users.csv"]
    kind = "accounts"                  # needed when the name does not say it
    encoding = "gb18030"               # utf-8, utf-8-sig, gb18030; detected when absent
    timestamp_format = "%Y/%m/%d %H:%M"  # strptime format, local time UTC+8 unless %z
    delimiter = ";"                    # CSV: sniffed when absent
    quotechar = '"'                    # CSV: '"' when absent
    [files."zhihu_users.csv".columns]
    uid = "account_id"
    nick = "display_name"
"""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import KolgraphError
from graph.ingest.formats import KINDS
from graph.ingest.timestamps import EPOCH_UNITS


class MappingError(KolgraphError, ValueError):
    """The mapping file is malformed; the message names the file and the key at fault."""


@dataclass(frozen=True)
class FileMapping:
    """How to read one input file."""

    kind: str | None = None
    encoding: str | None = None
    timestamp_format: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    quotechar: str | None = None


_FILE_KEYS = {"kind", "encoding", "timestamp_format", "columns", "delimiter", "quotechar"}


def load_mapping(path: Path | None) -> dict[str, FileMapping]:
    """Read and validate the mapping file; ``{}`` when ``path`` is ``None``.

    Raises ``MappingError`` naming ``path`` and the offending key.
    """
    if path is None:
        return {}
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"{path}: mapping file not found") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: mapping file is not UTF-8 ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: invalid TOML: {exc}") from exc
    unknown = set(data) - {"files"}
    if unknown:
        raise MappingError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} "
                           "(expected [files.\"NAME\"] tables)")
    files = data.get("files", {})
    if not isinstance(files, dict):
        raise MappingError(f"{path}: 'files' must be a table")
    return {name: _file_mapping(path, name, spec) for name, spec in files.items()}


def _file_mapping(path: Path, name: str, spec: object) -> FileMapping:
    where = f"{path}: files.{name!r}"
    if not isinstance(spec, dict):
        raise MappingError(f"{where} must be a table")
    unknown = set(spec) - _FILE_KEYS
    if unknown:
        raise MappingError(f"{where}: unknown key {sorted(unknown)[0]!r} "
                           f"(one of {', '.join(sorted(_FILE_KEYS))})")
    kind = spec.get("kind")
    if kind is not None and kind not in KINDS:
        raise MappingError(f"{where}.kind: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    encoding = spec.get("encoding")
    if encoding is not None:
        _check_encoding(where, encoding)
    delimiter, quotechar = spec.get("delimiter"), spec.get("quotechar")
    for key, value in (("delimiter", delimiter), ("quotechar", quotechar)):
        if value is not None and (not isinstance(value, str) or len(value) != 1
                                  or not value.isascii() or value in "\r\n"):
            raise MappingError(f"{where}.{key}: must be one ASCII character other than a "
                               f"line break, not {value!r}")
    if delimiter is not None and delimiter == quotechar:
        raise MappingError(f"{where}.quotechar: the same character as the delimiter")
    ts_format = spec.get("timestamp_format")
    if ts_format is not None and (not isinstance(ts_format, str) or (
            "%" not in ts_format and ts_format not in EPOCH_UNITS)):
        raise MappingError(f"{where}.timestamp_format: not a strptime format or one of "
                           f"{', '.join(EPOCH_UNITS)}: {ts_format!r}")
    columns = spec.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise MappingError(f"{where}.columns must map column names to canonical names")
    allowed = set(KINDS[kind].columns) if kind else {c for k in KINDS.values() for c in k.columns}
    for native, canonical in columns.items():
        if canonical not in allowed:
            raise MappingError(f"{where}.columns.{native!r}: unknown canonical column "
                               f"{canonical!r}" + (f" for kind {kind}" if kind else ""))
    targets = list(columns.values())
    dupes = sorted({c for c in targets if targets.count(c) > 1})
    if dupes:
        raise MappingError(f"{where}.columns: two columns map to {dupes[0]!r}")
    return FileMapping(kind=kind, encoding=encoding, timestamp_format=ts_format,
                       columns=dict(columns), delimiter=delimiter, quotechar=quotechar)


def _check_encoding(where: str, encoding: object) -> None:
    """A text encoding that keeps ASCII as it is (line ends, delimiters and quotes are found
    in the bytes), else ``MappingError`` naming ``where``."""
    try:
        codecs.lookup(str(encoding))
    except LookupError as exc:
        raise MappingError(f"{where}.encoding: unknown encoding {encoding!r}") from exc
    try:
        ascii_kept = "a,\"\n".encode(str(encoding)) == b'a,"\n'
    except (LookupError, UnicodeError, TypeError, ValueError):
        ascii_kept = False
    if not isinstance(encoding, str) or not ascii_kept:
        raise MappingError(f"{where}.encoding: {encoding!r} is not a text encoding that "
                           "keeps ASCII as it is (e.g. utf-8, gb18030, latin-1)")
