"""``ingest_folder``: read -> validate -> de-duplicate -> pseudonymise -> resolve
identities -> upsert, with a reconciled report and a ``Run`` of kind ``ingest``.

Every file is read and validated before anything is written, so a file that cannot be read
at all stops the ingest with nothing of it loaded. Re-running is safe at any point: nodes are
MERGEd with SET (idempotent) and events go in self-identifying day batches recorded in the
``IngestBatch`` ledger in the same query (see ``events``).
"""

from __future__ import annotations

import stat
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.arrays import sorted_unique
from graph.config import Settings
from graph.ingest import events as ev
from graph.ingest.arrow_keys import arrow_strings, is_in, lookup, positions_in_each
from graph.ingest.formats import KIND_ORDER, PII_COLUMNS, format_of, kind_of
from graph.ingest.identity import resolve_codes
from graph.ingest.mapping import FileMapping, MappingError, load_mapping
from graph.ingest.memory import release_free_memory
from graph.ingest.prepare import (
    DEDUP_KEYS,
    IDENTITY_HASHES,
    chunks,
    prepare_chunk,
    preparer,
    worker_count,
)
from graph.ingest.quarantine import write_quarantine
from graph.ingest.readers import LINE, InputError, read_chunks
from graph.ingest.report import FileCounts, IngestReport
from graph.ingest.run_lock import ingest_lock
from graph.ingest.timestamps import TimeWindow
from graph.ingest.validate import Rejected
from graph.names import KeyMaker
from graph.store import ingest_writes as w
from graph.store.base import GraphStore
from graph.store.runs import finish_run, start_run

FILE = "_file"


def _plan(folder: Path, mapping: dict[str, FileMapping], mapping_path: Path | None
          ) -> tuple[list[tuple[Path, str, FileMapping]], dict[str, str]]:
    """The input files of ``folder`` (path, kind, mapping) in reading order, and the
    entries ignored with the reason (``{name: reason}``). Only regular files are read: a
    directory, FIFO, socket or dangling link named like an input file is ignored; a
    symbolic link that leads out of ``folder`` is refused (``InputError``), its target
    unread."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    names = {p.name for p in folder.iterdir()}
    for name in mapping:
        if name not in names:
            raise MappingError(f"{mapping_path}: files.{name!r}: no such file in {folder}")
    planned, ignored = [], {}
    inside = folder.resolve()
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        spec = mapping.get(path.name, FileMapping())
        kind = spec.kind or kind_of(path.name)
        if kind is None or (format_of(path.name) is None and path.name not in mapping):
            ignored[path.name] = "not an input file"
            continue
        why = _not_regular(path, inside)
        if why:
            ignored[path.name] = why
            continue
        planned.append((path, kind, spec))
    planned.sort(key=lambda p: (KIND_ORDER.index(p[1]), p[0].name))
    return planned, ignored


def _not_regular(path: Path, folder: Path) -> str | None:
    """Why ``path`` (an entry of the resolved ``folder``) is not read, or ``None`` for a
    regular file (or a link to one inside ``folder``); ``InputError`` for a link that
    leads out of ``folder``."""
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(folder):
            raise InputError(f"{path}: a symbolic link to a file outside the input folder; "
                             "refused (copy the file into the folder)")
        if not target.exists():
            return "a dangling symbolic link"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(mode):
        return "a directory"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device)"
    return None


def _progress(enabled: bool, total: int, desc: str) -> Any:
    if not enabled:
        return None
    from graph.progress import progress_bar

    return progress_bar(total, desc)


def ingest_folder(store: GraphStore, settings: Settings, folder: Path,
                  mapping: Path | None = None, progress: bool = False) -> IngestReport:
    """Ingest every input file of ``folder`` (see DESIGN.md "Canonical input") into
    ``store``; return the report (also stored as the metrics of a ``Run`` of kind
    ``ingest``).

    Raises ``InputError`` (a file cannot be read, or lacks a required column),
    ``MappingError`` (the mapping file is malformed), ``MissingSaltError`` (PII present but
    ``KOLGRAPH_PII_SALT`` unset) or ``IngestBusyError`` (another ingest into the graph of
    ``settings`` is running), before anything is written.
    """
    with ingest_lock(settings.home, settings.graph_name):
        return _ingest(store, settings, Path(folder), mapping, progress)


def _ingest(store: GraphStore, settings: Settings, folder: Path, mapping: Path | None,
            progress: bool) -> IngestReport:
    clock = time.monotonic()
    # rows dated beyond the ingest's clock plus the allowed skew are quarantined
    window = TimeWindow.from_clock(time.time(), settings.future_skew_s)
    report = IngestReport(folder=str(folder))
    planned, ignored = _plan(folder, load_mapping(mapping), mapping)
    report.ignored_files, report.ignored_reasons = list(ignored), ignored

    # --- read and validate every file
    typed: dict[str, list[pd.DataFrame]] = defaultdict(list)
    rejected: list[tuple[str, Rejected]] = []
    counts: dict[str, FileCounts] = {}
    bar = _progress(progress, len(planned), "read+validate")

    bad_rows: list[Rejected] = []

    def collect(fc: FileCounts, unreadable: list[tuple[int, str]]) -> None:
        bad = [Rejected(line, reason, {}) for line, reason in unreadable] + bad_rows
        bad_rows.clear()
        bad.sort(key=lambda r: r.line)
        fc.quarantined = len(bad)
        rejected.extend((fc.file, r) for r in bad)
        if bar:
            bar.update(1)

    # one file at a time, each in chunks (reading the next one meanwhile would hold more
    # text); only the validated rows of a chunk are kept
    workers = worker_count(sum(path.stat().st_size for path, _, _ in planned))
    with preparer(workers) as pool:
        for path, kind, spec in planned:
            reader = read_chunks(path, kind, spec)
            fc = counts[path.name] = FileCounts(path.name, kind, reader.format)
            unreadable: list[tuple[int, str]] = []
            prepared: list[Future[tuple[pd.DataFrame, list[Rejected]]]] = []
            for chunk in reader:
                fc.read += len(chunk.frame) + len(chunk.unreadable)
                unreadable += chunk.unreadable
                prepared += [pool.submit(prepare_chunk, kind, part, spec.timestamp_format,
                                         path.name, settings.pii_salt, window)
                             for part in chunks(chunk.frame)]
                del chunk
                # at most a few chunks in flight: the others are validated and compact
                while len(prepared) > 2 * max(workers, 1):
                    _collect(fc, prepared.pop(0), typed, bad_rows)
            fc.encoding = reader.encoding
            if reader.dialect is not None:
                fc.delimiter = reader.dialect.delimiter
                fc.quotechar = reader.dialect.quotechar
            for future in prepared:
                _collect(fc, future, typed, bad_rows)
            collect(fc, unreadable)
    report.files = list(counts.values())
    report.seconds["read_validate"] = round(time.monotonic() - clock, 3)
    release_free_memory()  # the files' text

    frames = {}
    for kind in list(typed):
        frames[kind] = _dedup(kind, pd.concat(typed.pop(kind), ignore_index=True), counts)
    for fc in report.files:
        fc.loaded = fc.read - fc.quarantined - fc.duplicates

    # the line and file columns were for the counts, the raw identity values for the
    # de-duplication (they are hashed: ``prepare_chunk``); the writes need none of them
    for kind in list(frames):
        frames[kind] = frames[kind].drop(columns=[LINE, FILE] + (
            list(PII_COLUMNS) if kind == "accounts" else []))

    # --- write
    report.run_id = start_run(store, "ingest", {"folder": str(folder),
                                                "mapping": str(mapping) if mapping else None})
    report.quarantine_file = (str(p) if (p := write_quarantine(
        settings.quarantine_dir, report.run_id, rejected)) else None)
    try:
        # frees the events' key strings before the nodes are written
        accounts_named, contents_named = _referenced(frames)
        release_free_memory()
        events = {k: frames.pop(k) for k in ev.SOURCES if k in frames}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-batch") as pool:
            batched: list[Future[list[ev.EventBatch]]] = []

            def batch_events() -> None:
                # in a second thread, while the database writes the nodes (the batching
                # frees the event frames)
                batched.append(pool.submit(_event_batches, events))

            node_ids = _write_nodes(store, frames, report, progress, accounts_named,
                                    contents_named, batch_events)  # frees the accounts
            release_free_memory()
            _write_events(store, batched[0].result(), report, progress, node_ids)
    except BaseException:
        finish_run(store, report.run_id, report.to_dict(), status="failed")
        raise
    report.seconds["total"] = round(time.monotonic() - clock, 3)
    finish_run(store, report.run_id, report.to_dict())
    w.compact_after_large_write(store, report.accounts + report.persons_created
                                + report.contents + report.events_new)
    return report


def _collect(fc: FileCounts, future: Future[tuple[pd.DataFrame, list[Rejected]]],
             typed: dict[str, list[pd.DataFrame]], bad: list[Rejected]) -> None:
    """Keep the validated rows of one prepared chunk of file ``fc`` (in ``typed``) and its
    rejected rows (in ``bad``)."""
    good, wrong = future.result()
    bad += wrong
    typed[fc.kind].append(good.assign(**{FILE: fc.file}))


def _dedup(kind: str, frame: pd.DataFrame, counts: dict[str, FileCounts]) -> pd.DataFrame:
    """``frame`` without the rows that repeat an earlier row's ``DEDUP_KEYS`` (counted per
    file in ``counts``); event rows are compared by their row hashes (``ev.ROW_HASH``)
    first."""
    keys = DEDUP_KEYS[kind] or [c for c in frame.columns
                                if c not in (LINE, FILE, IDENTITY_HASHES)]
    if kind in ev.SOURCES:
        dupes = _duplicated(frame, keys, frame[ev.ROW_HASH].to_numpy())
    else:
        dupes = frame.duplicated(subset=keys, keep="first").to_numpy()
    for name, n in pd.Series(frame[FILE].to_numpy()[dupes]).value_counts().items():
        counts[str(name)].duplicates += int(n)
    return frame[~dupes].reset_index(drop=True)


def _duplicated(frame: pd.DataFrame, keys: list[str], hashes: np.ndarray) -> np.ndarray:
    """``frame.duplicated(subset=keys, keep="first")`` computed on the rows' hashes: only
    the rows whose hash repeats are compared by value (so a hash collision between two
    different rows keeps both)."""
    repeated = np.flatnonzero(pd.Series(hashes).duplicated(keep=False).to_numpy())
    dupes = np.zeros(len(frame), dtype=bool)
    if len(repeated):
        dupes[repeated] = frame.iloc[repeated].duplicated(subset=keys, keep="first").to_numpy()
    return dupes


def _split_keys(keys: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The platform and the platform's own id of each ``platform:id`` key (by Arrow: a
    sixteenth of pandas' time for the 1.5M keys of the 1M sample).

    >>> [s.tolist() for s in _split_keys(pd.Series(["zhihu:a:b", "dedao:7"]))]
    [['zhihu', 'dedao'], ['a:b', '7']]
    """
    parts = pc.split_pattern(arrow_strings(keys), ":", max_splits=1)

    def part(i: int) -> pd.Series:
        return pd.Series(pc.list_element(parts, i).to_numpy(zero_copy_only=False),
                         index=keys.index, dtype=object)

    return part(0), part(1)


#: The columns that hold account keys, and those that hold content keys, by input kind.
ACCOUNT_KEYS = [("interactions", "src"), ("interactions", "dst"), ("engagements", "account"),
                ("contents", "creator"), ("identity_links", "a"), ("identity_links", "b")]
CONTENT_KEYS = [("engagements", "content")]


def _referenced(frames: dict[str, pd.DataFrame]) -> tuple[pd.Index, pd.Index]:
    """The distinct account keys that events, contents and identity links name, and the
    distinct content keys that engagements name. Each endpoint key of the event frames is
    replaced (in ``frames``) by its position there, so that grouping works on integers and
    the writer takes node ids (or keys) by position; the batch digests use the row hashes
    of the strings (``_dedup``)."""
    def encode(kind: str, column: str) -> tuple[np.ndarray, pa.Array]:
        # Arrow hashes the bytes: several times faster, and far smaller, than pandas' hash
        # table of Python strings; and it lets go of the interpreter (two columns at once)
        encoded = pc.dictionary_encode(arrow_strings(frames[kind][column]))
        return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-keys") as pool:
        named = [(kind, column) for kind, column in ACCOUNT_KEYS + CONTENT_KEYS
                 if kind in frames]
        codes = dict(zip(named, pool.map(lambda c: encode(*c), named), strict=True))

    def distinct(columns: list[tuple[str, str]]) -> pa.Array:
        parts = [codes[c][1] for c in columns if c in codes]
        return (pc.unique(pa.chunked_array(parts, type=pa.large_string())) if parts
                else pa.array([], type=pa.large_string()))

    accounts, contents = distinct(ACCOUNT_KEYS), distinct(CONTENT_KEYS)
    for (kind, column), (indices, dictionary) in codes.items():
        if kind in ev.SOURCES:
            named = contents if (kind, column) in CONTENT_KEYS else accounts
            position = pc.index_in(dictionary, value_set=named).to_numpy(
                zero_copy_only=False).astype(np.int64)
            frames[kind][column] = position[indices]
    return (pd.Index(accounts.to_numpy(zero_copy_only=False), dtype=object),
            pd.Index(contents.to_numpy(zero_copy_only=False), dtype=object))


def _write_nodes(store: GraphStore, frames: dict[str, pd.DataFrame], report: IngestReport,
                 progress: bool, accounts_named: pd.Index, contents_named: pd.Index,
                 planned: Callable[[], None]) -> w.NodeIds:
    """Platforms, persons, accounts (``frames["accounts"]`` is popped), contents, given
    the account and content keys that the run references (``_referenced``); ``planned``
    is called once the persons are planned, before the writes that keep the database
    busy. Returns the referenced keys with their node ids (-1 where the store gave
    none)."""
    accounts = frames.pop("accounts", None)
    clock = time.monotonic()
    existing = w.existing_accounts(store).drop_duplicates("account_key")
    known = existing["account_key"]

    listed = accounts["account_key"] if accounts is not None else pd.Series([], dtype=str)
    ref = pd.Series(accounts_named, dtype=object)
    # accounts seen only in events: the new ones, and those that a stopped run created
    # without their ON (the bulk path writes it after the nodes)
    unlisted = ref[~is_in(ref, listed)]
    stubs = unlisted[~is_in(unlisted, known[existing["on_platform"].astype(bool)])]
    stub_absent = ~is_in(stubs, known)
    report.accounts_created_from_events = int(stub_absent.sum())

    platforms = set(_split_keys(ref)[0].unique()) | (
        set(accounts["platform"].unique()) if accounts is not None else set())
    if platforms:
        w.upsert_platforms(store, platforms)
    stub_platform, stub_id = _split_keys(stubs)
    stub_rows = pd.DataFrame({"account_key": stubs, "platform": stub_platform,
                              "account_id": stub_id})
    report.seconds["accounts"] = round(time.monotonic() - clock, 3)

    # persons first (resolved in memory), so that new accounts are created with their
    # HAS_ACCOUNT in one query
    clock = time.monotonic()
    plan = _plan_persons(existing, accounts, stub_rows, frames.get("identity_links"), report)
    release_free_memory()
    planned()
    # every Person in the graph, with or without accounts (a run stopped half-way can
    # leave some without): those are MERGEd where their properties change, the others
    # created
    persons = w.existing_persons(store)
    absent = ~is_in(plan.props["person_id"], persons["person_id"])
    write = absent | ~_same_rows(plan.props, persons, "person_id",
                                 ["display_name", "platforms", "followers_total",
                                  "search_key"])
    person_ids = w.upsert_persons(store, plan.props[write], absent[write])
    person_nodes = pd.concat([pd.Series(persons["node_id"].to_numpy(),
                                        index=persons["person_id"]).dropna().astype(np.int64),
                              person_ids])
    owners = w.OwnerIds(w.platform_node_ids(store),
                        person_nodes[~person_nodes.index.duplicated(keep="last")])
    report.seconds["persons"] = round(time.monotonic() - clock, 3)

    clock = time.monotonic()
    account_ids = [pd.Series(existing["node_id"].to_numpy(), index=existing["account_key"])
                   .dropna().astype(np.int64)]
    if accounts is not None:
        last = accounts.drop_duplicates("account_key", keep="last")
        del accounts  # its only reference (popped from ``frames``): freed before the writes
        release_free_memory()
        created = last["created_at"].to_numpy()
        frame = last.assign(
            created_at=pd.Series(pd.array(created, dtype="Int64"), index=last.index).where(
                created >= 0),
            person_id=lookup(plan.person_of, last["account_key"]))
        absent = ~is_in(frame["account_key"], known)
        # an account in the graph with these very properties and its ON is not written
        write = absent | ~_same_rows(
            frame.assign(created_at=frame["created_at"].fillna(-1).astype(np.int64),
                         on_platform=True), existing, "account_key",
            ["platform", "account_id", "display_name", "followers", "created_at",
             "identity_hashes", "on_platform"])
        bar = _progress(progress, int(write.sum()), "accounts")
        account_ids.append(w.upsert_accounts(
            store, frame[write], absent[write], progress=bar.update if bar else None,
            owners=owners))
        report.accounts = len(frame)
        del last, frame
    stub_rows["person_id"] = lookup(plan.person_of, stub_rows["account_key"])
    account_ids.append(w.ensure_accounts(store, stub_rows, stub_absent, owners))
    report.seconds["accounts"] = round(report.seconds["accounts"] + time.monotonic() - clock, 3)

    clock = time.monotonic()
    moved = plan.moved[is_in(plan.moved["account_key"], known)]
    owned = existing["account_key"][existing["person_id"].notna()]
    w.assign_persons(store, moved, ~moved["account_key"].isin(owned).to_numpy())
    report.persons_merged = w.delete_empty_persons(store, plan.vanished)
    del plan, existing
    report.seconds["persons"] = round(report.seconds["persons"] + time.monotonic() - clock, 3)

    clock = time.monotonic()
    if "contents" in frames:
        contents = frames["contents"].drop_duplicates("content_key", keep="last")
        w.upsert_contents(store, contents)
        report.contents = len(contents)
    engaged = pd.Series(contents_named, dtype=object)
    if len(engaged):
        keys = engaged
        if "contents" in frames:
            keys = keys[~keys.isin(frames["contents"]["content_key"])]
        content_platform, content_id = _split_keys(keys)
        w.ensure_contents(store, pd.DataFrame({
            "content_key": keys, "platform": content_platform, "content_id": content_id}))
    ids = pd.concat(account_ids)
    ids = ids[~ids.index.duplicated(keep="last")]
    node_ids = w.NodeIds(
        pd.Series(lookup(ids, accounts_named, -1).astype(np.int64), index=accounts_named),
        pd.Series(lookup(w.content_node_ids(store, list(engaged)), contents_named, -1)
                  .astype(np.int64), index=contents_named))
    report.seconds["contents"] = round(time.monotonic() - clock, 3)
    return node_ids


def _same_rows(rows: pd.DataFrame, graph: pd.DataFrame, key: str, columns: list[str]
               ) -> np.ndarray:
    """Whether each of ``rows`` has a row of ``graph`` with the same ``key`` and equal
    values in every one of ``columns`` (lists compare element by element)."""
    found = pc.index_in(arrow_strings(rows[key]), value_set=arrow_strings(graph[key]))
    same = pc.is_valid(found).to_numpy(zero_copy_only=False)
    at = pc.fill_null(found, 0).to_numpy(zero_copy_only=False)
    if not same.any():
        return same
    for column in columns:
        mine, theirs = rows[column].to_numpy(), graph[column].to_numpy()[at]
        if mine.dtype == object and len(mine) and isinstance(mine[0], list):
            equal = np.fromiter((a == b for a, b in zip(mine, theirs, strict=True)),
                                dtype=bool, count=len(mine))
        else:
            equal = np.asarray(mine == theirs, dtype=bool)
        same &= equal
    return same


def _event_batches(frames: dict[str, pd.DataFrame]) -> list[ev.EventBatch]:
    """The day batches of the interactions, then of the engagements (see ``events``); each
    frame is popped from ``frames`` and freed once batched."""
    batches = []
    if "interactions" in frames:
        events = frames.pop("interactions")[["src", "dst", "type", "ts", ev.ROW_HASH]]
        batches += ev.interaction_batches(events)
        del events
    if "engagements" in frames:
        batches += ev.engagement_batches(frames.pop("engagements")[
            ["account", "content", "type", "ts", "amount", ev.ROW_HASH]])
    return batches


def _write_events(store: GraphStore, batches: list[ev.EventBatch], report: IngestReport,
                  progress: bool, node_ids: w.NodeIds) -> None:
    """Write the batches not yet in the ledger, several days per write (each with the
    ledger entries of its days); count the skipped ones in ``report``."""
    clock = time.monotonic()
    bar = _progress(progress, sum(b.events for b in batches), "events")
    done = w.loaded_batches(store, [b.key for b in batches])
    fresh = {kind: not w.has_relationships(store, kind) for kind in ev.KEYS}

    def jobs() -> Iterator[w.Job]:
        for kind in ev.KEYS:
            todo = [b for b in batches if b.kind == kind and b.key not in done]
            skipped = [b for b in batches if b.kind == kind and b.key in done]
            report.batches_skipped += len(skipped)
            report.events_already_loaded += sum(b.events for b in skipped)
            if bar:
                bar.update(sum(b.events for b in skipped))
            for group in ev.groups(todo, w.event_group_rows(store, fresh[kind])):
                created, merged = ev.combine(kind, group, fresh[kind])
                yield w.event_batches_job(
                    store, kind, [(b.key, b.events) for b in group], created, merged,
                    report.run_id, (len(group), sum(b.events for b in group)), node_ids)

    def written(tag: object) -> None:
        # the tag of every job of jobs() above: (batches, events) written by it
        batches_written, events = cast(tuple[int, int], tag)
        report.batches_written += batches_written
        report.events_new += events
        if bar:
            bar.update(events)

    w.write_pipelined(store, jobs(), written)
    report.seconds["events"] = round(time.monotonic() - clock, 3)


@dataclass
class PersonPlan:
    """What the person stage writes: the person of every account (``person_of``, indexed by
    account key), the accounts whose person changed or is new (``moved``: account_key,
    person_id), the persons to MERGE with their properties (``props``), and the persons
    that lose all their accounts (``vanished``)."""

    person_of: pd.Series
    moved: pd.DataFrame
    props: pd.DataFrame
    vanished: list[str]


def _search_keys(group: np.ndarray, starts: np.ndarray, names: np.ndarray,
                 keys: np.ndarray) -> list[str]:
    """The ``search_key`` (``graph.names``) of each person: rows sorted by person
    (``group``, main account first), a person's rows starting at ``starts``; the accounts'
    display ``names`` and ``keys`` (``platform:account_id``)."""
    maker = KeyMaker()
    bounds = [*starts.tolist(), len(group)]
    return [maker.key([*(n for n in names[lo:hi] if isinstance(n, str)),
                       *(str(k).split(":", 1)[-1] for k in keys[lo:hi])])
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=False)]


def _plan_persons(existing: pd.DataFrame, accounts: pd.DataFrame | None,
                  stubs: pd.DataFrame, links: pd.DataFrame | None,
                  report: IngestReport) -> PersonPlan:
    """Resolve identities over every account (graph + run) and compute the touched
    persons' properties; fills the person counts of ``report`` (not ``persons_merged``)."""
    table = existing.set_index("account_key")[["platform", "display_name", "followers",
                                               "identity_hashes"]]
    table["followers"] = table["followers"].fillna(0).astype(np.int64)
    if accounts is not None:
        new = accounts.drop_duplicates("account_key", keep="last").set_index("account_key")[
            ["platform", "display_name", "followers", "identity_hashes"]]
        table = pd.concat([table[~is_in(pd.Series(table.index), pd.Series(new.index))], new])
    if len(stubs):
        extra = stubs[~is_in(stubs["account_key"], pd.Series(table.index))].set_index(
            "account_key")
        extra = extra.assign(display_name=extra["account_id"], followers=0,
                             identity_hashes=pd.Series([[] for _ in range(len(extra))],
                                                       index=extra.index, dtype=object))
        table = pd.concat([table, extra[["platform", "display_name", "followers",
                                         "identity_hashes"]]])
    old_person = existing.set_index("account_key")["person_id"].dropna()
    lists = table["identity_hashes"].to_numpy()
    hashes = pd.DataFrame({  # one row per (account, hash)
        "account": np.repeat(table.index.to_numpy(), [len(h) for h in lists]),
        "hash": np.fromiter(chain.from_iterable(lists), dtype=object)})
    del lists
    persons = resolve_codes(
        pd.Series(table.index, dtype=object), hashes,
        links[["a", "b"]] if links is not None else pd.DataFrame({"a": [], "b": []}),
        pd.DataFrame({"account": old_person.index.to_numpy(),
                      "group": old_person.to_numpy()}))
    report.identity_conflicts = persons.conflicts
    del hashes
    keys = arrow_strings(persons.keys)
    person_ids = persons.ids[persons.person]
    old_at, listed_at, stubs_at, row_key = positions_in_each(
        [old_person.index, accounts["account_key"] if accounts is not None else [],
         stubs["account_key"], table.index], keys)

    def count_distinct(codes: np.ndarray) -> int:
        seen = np.zeros(len(persons.ids), dtype=bool)
        seen[codes] = True
        return int(seen.sum())

    previous = np.full(len(persons.keys), None, dtype=object)
    previous[old_at] = old_person.to_numpy()
    changed = previous != person_ids
    moved = pd.DataFrame({"account_key": persons.keys[changed],
                          "person_id": person_ids[changed]})
    gone = pd.Series(pd.Series(previous[changed], dtype=object).dropna().unique(),
                     dtype=object)
    vanished = sorted(gone[~is_in(gone, pd.Series(persons.ids, dtype=object))])
    report.persons_created = int((~is_in(pd.Series(persons.ids), old_person)).sum())
    listed = persons.person[listed_at]
    report.persons = count_distinct(np.concatenate([persons.person[stubs_at], listed]))
    report.accounts_merged_into_persons = len(persons.keys) - len(persons.ids)

    touched = np.zeros(len(persons.ids), dtype=bool)
    touched[persons.person[changed]] = True
    touched[listed] = True
    row_person = persons.person[row_key]
    rows = np.flatnonzero(touched[row_person])
    followers = table["followers"].to_numpy(np.int64)[rows]
    # within a person: most followers first, then the smallest key (codes follow key order)
    order = rows[np.lexsort((row_key[rows], -followers, row_person[rows]))]
    group = row_person[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else group
    platform = pc.dictionary_encode(arrow_strings(table["platform"])).indices.to_numpy(
        zero_copy_only=False).astype(np.int64)[order]
    width = platform.max(initial=0) + 1
    pairs = sorted_unique(group.astype(np.int64) * width + platform)  # (person, platform)
    platforms = np.bincount(pairs // width, minlength=len(persons.ids))
    props = pd.DataFrame({
        "person_id": persons.ids[group[starts]],
        "display_name": table["display_name"].to_numpy()[order][starts],
        "platforms": platforms[group[starts]].astype(np.int64),
        "followers_total": np.add.reduceat(table["followers"].to_numpy(np.int64)[order],
                                           starts) if len(starts) else
        np.zeros(0, dtype=np.int64)})
    props["search_key"] = _search_keys(group, starts, table["display_name"].to_numpy()[order],
                                       table.index.to_numpy()[order])
    person_of = pd.Series(person_ids, index=pd.Index(persons.keys, dtype=object),
                          dtype=object)
    return PersonPlan(person_of, moved, props, vanished)
