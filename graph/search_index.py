"""An in-memory index of the persons' search keys (``graph.names``), so that the web search
answers without scanning the database (plain data in, no store).

It gives the same answer, in the same order, as ``graph.store.web_reads.search`` and
``search_count``: a person is found when its key holds the normalised query or the query's
pinyin form; ranked ``exact`` (a name equal to the query), ``prefix``, ``substring`` (in
the names part), else ``pinyin``; the person whose id is the query comes first; then by kol
score (missing: -1), followers (missing: 0), id.

All keys are kept as one UTF-8 byte string (``SEP``-bounded records, end to end) with the
start offset of each person's record: a query is one C-speed ``re`` scan of that string,
its hits mapped back to persons with ``numpy.searchsorted``; the byte before and after a hit
(``SEP`` or not) and its place before or after the record's ``TAB`` give its rank. The work
per query grows with the number of hits, not of persons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import numpy as np
import numpy.typing as npt

from graph.names import SEP, TAB, normalise, pinyin_query

#: How a search result matched, best first.
MATCH_KINDS: tuple[str, ...] = ("exact", "prefix", "substring", "pinyin")

_SEP = ord(SEP)
_NONE = len(MATCH_KINDS)
_TABB = ord(TAB)
#: Candidates (persons holding every 3-byte piece of the query) beyond which the whole text
#: is scanned instead of theirs.
_MANY = 20_000
#: Hits of one scan beyond which numpy finds them (a Python object per hit costs more).
_FEW = 2_000
#: Recent queries whose matches an index keeps (the next page, the count then the page).
_RECENT = 256


def _starts_of_runs(values: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Where each run of equal values of a sorted array starts."""
    mask = np.ones(len(values), dtype=np.bool_)
    mask[1:] = values[1:] != values[:-1]
    return mask


@dataclass(frozen=True)
class SearchRow:
    """One person as the index needs it; ``search_key`` ``None`` when it has none (then
    only its id finds it)."""

    person_id: str
    search_key: str | None
    kol_score: float | None
    followers_total: int | None


class SearchIndex:
    """The search keys of many persons, answering ``count`` and ``page``.

    >>> index = SearchIndex([SearchRow("p1", "\\nzhou\\n\\t\\n", 0.5, 10),
    ...                      SearchRow("p2", "\\nzhoushu\\n\\t\\n", 0.9, 3)])
    >>> index.count("ZHOU"), index.page("zhou", 0, 20)
    (2, [('p1', 'exact'), ('p2', 'prefix')])
    """

    def __init__(self, rows: Iterable[SearchRow]) -> None:
        ids: list[str] = []
        keys: list[bytes] = []
        kol: list[float] = []
        followers: list[int] = []
        for row in rows:
            ids.append(row.person_id)
            keys.append((row.search_key or "").encode("utf-8"))
            kol.append(-1.0 if row.kol_score is None else float(row.kol_score))
            followers.append(0 if row.followers_total is None else int(row.followers_total))
        self._ids = ids
        self._by_id = {pid: i for i, pid in enumerate(ids)}
        lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
        self._starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) \
            if keys else np.zeros(0, dtype=np.int64)
        self._tabs = self._starts + np.fromiter(
            (k.find(TAB.encode()) if TAB.encode() in k else len(k) for k in keys),
            dtype=np.int64, count=len(keys))
        self._text = b"".join(keys)
        self._bytes = np.frombuffer(self._text, dtype=np.uint8)
        id_order = np.argsort(np.array(ids, dtype=object), kind="stable") if ids else \
            np.zeros(0, dtype=np.int64)
        id_rank = np.empty(len(ids), dtype=np.int64)
        id_rank[id_order] = np.arange(len(ids))
        order = np.lexsort((id_rank, -np.array(followers, dtype=np.float64),
                            -np.array(kol, dtype=np.float64)))
        self._position = np.empty(len(ids), dtype=np.int64)
        self._position[order] = np.arange(len(ids))
        self._ends = np.append(self._starts[1:], len(self._text)).astype(np.int64)
        self._grams, self._gram_first, self._gram_people = self._trigrams()
        self._ranks = lru_cache(maxsize=_RECENT)(self._match)

    def _trigrams(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                 npt.NDArray[np.int32]]:
        """The persons whose key holds each 3-byte sequence (no ``SEP``/``TAB`` in it):
        the distinct sequences (as numbers, sorted), where each one's persons start in the
        third array (sorted persons per sequence)."""
        data = self._bytes
        if len(data) < 3:
            return (np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64),
                    np.zeros(0, dtype=np.int32))
        wide = data.astype(np.int32)
        codes = (wide[:-2] << 16) | (wide[1:-1] << 8) | wide[2:]
        del wide
        plain = (data != _SEP) & (data != _TABB)
        keep = np.flatnonzero(plain[:-2] & plain[1:-1] & plain[2:])
        del plain
        owner = np.repeat(np.arange(len(self._ids), dtype=np.int32),
                          self._ends - self._starts)
        pairs = (codes[keep].astype(np.int64) << 32) | owner[keep]
        del codes, owner, keep
        pairs.sort()
        pairs = pairs[_starts_of_runs(pairs)]
        gram_of = pairs >> 32
        first = np.flatnonzero(_starts_of_runs(gram_of))
        return (gram_of[first], np.append(first, len(pairs)).astype(np.int64),
                (pairs & 0xFFFFFFFF).astype(np.int32))

    def _candidates(self, raw: bytes) -> npt.NDArray[np.int64] | None:
        """The persons whose key holds every 3-byte sequence of ``raw`` (a superset of those
        holding ``raw``), or ``None`` when ``raw`` is too short or they are too many."""
        if len(raw) < 3:
            return None
        wanted = np.unique([(raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2]
                            for i in range(len(raw) - 2)])
        at = np.searchsorted(self._grams, wanted)
        if (at >= len(self._grams)).any() or (
                self._grams[np.minimum(at, len(self._grams) - 1)] != wanted).any():
            return np.zeros(0, dtype=np.int64)
        spans = sorted((int(self._gram_first[i + 1] - self._gram_first[i]), int(i))
                       for i in at)
        people: npt.NDArray[np.int32] | None = None
        for size, i in spans[:4]:
            part = self._gram_people[self._gram_first[i]:self._gram_first[i] + size]
            people = part if people is None else np.intersect1d(people, part,
                                                                assume_unique=True)
        assert people is not None
        return None if len(people) > _MANY else people.astype(np.int64)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def nbytes(self) -> int:
        """Bytes held by the key text and the per-person arrays (not the id strings)."""
        return (len(self._text) + self._starts.nbytes + self._tabs.nbytes
                + self._ends.nbytes + self._position.nbytes + self._grams.nbytes
                + self._gram_first.nbytes + self._gram_people.nbytes)

    def _offsets(self, needle: str) -> npt.NDArray[np.int64]:
        """Where ``needle`` occurs in the key text: a C scan while the hits are few, numpy
        over the bytes (every occurrence, overlapping ones too) when they are many."""
        raw = needle.encode("utf-8")
        pattern = re.compile(re.escape(raw))
        people = self._candidates(raw)
        if people is not None:  # scan only their keys, end to end
            if not len(people):
                return np.zeros(0, dtype=np.int64)
            starts, ends = self._starts[people], self._ends[people]
            text = self._text
            part = b"".join([text[a:b] for a, b in zip(starts.tolist(), ends.tolist(),
                                                        strict=True)])
            local = np.fromiter((m.start() for m in pattern.finditer(part)), dtype=np.int64)
            part_starts = np.concatenate(([0], np.cumsum(ends - starts)[:-1]))
            which = np.searchsorted(part_starts, local, side="right") - 1
            return starts[which] + (local - part_starts[which])
        hits = [m.start() for m in islice(pattern.finditer(self._text), _FEW)]
        if len(hits) < _FEW:
            return np.array(hits, dtype=np.int64)
        data = self._bytes
        found = np.flatnonzero(data[:max(0, len(data) - len(raw) + 1)] == raw[0])
        for shift, byte in enumerate(raw[1:], start=1):
            found = found[data[found + shift] == byte]
        return found.astype(np.int64)

    def _match(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The persons whose key matches ``text`` and the rank of each (``MATCH_KINDS``)."""
        q, py = normalise(text), pinyin_query(text)
        if not q or not self._ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        rank = np.full(len(self._ids), _NONE, dtype=np.int64)
        hits = self._offsets(q)
        who = np.searchsorted(self._starts, hits, side="right") - 1
        before = self._bytes[hits - 1] == _SEP
        end = hits + len(q.encode("utf-8"))
        after = self._bytes[np.minimum(end, len(self._bytes) - 1)] == _SEP
        named = end <= self._tabs[who]
        ranks = np.where(named, np.where(before & after, 0, np.where(before, 1, 2)), 3)
        np.minimum.at(rank, who, ranks)
        if py not in ("", q):
            more = self._offsets(py)
            np.minimum.at(rank, np.searchsorted(self._starts, more, side="right") - 1, 3)
        found = np.flatnonzero(rank < _NONE)
        ranks = rank[found]
        found.flags.writeable = ranks.flags.writeable = False  # shared by the cache
        return found, ranks

    def search(self, text: str, skip: int = 0, limit: int = 20
               ) -> tuple[int, list[tuple[str, str]]]:
        """``(count(text), page(text, skip, limit))`` from one scan."""
        return self.count(text), self.page(text, skip, limit)

    def count(self, text: str) -> int:
        """How many persons ``page`` finds for ``text`` in all."""
        if not normalise(text):
            return 0
        found, _ = self._ranks(text)
        head = self._by_id.get(text)
        return len(found) + int(head is not None and not np.isin(head, found))

    def page(self, text: str, skip: int = 0, limit: int = 20) -> list[tuple[str, str]]:
        """``(person_id, match kind)`` of the persons found by ``text``, best first, ``limit``
        of them from ``skip``."""
        if not normalise(text):
            return []
        found, ranks = self._ranks(text)
        head = self._by_id.get(text)
        first: list[tuple[int, int]] = []
        if head is not None:
            keep = found != head
            found, ranks = found[keep], ranks[keep]
            first = [(head, 0)]
        ordered = np.argsort(ranks * len(self._ids) + self._position[found], kind="stable")
        lo, hi = max(0, skip), max(0, skip) + max(0, limit)
        chosen = ordered[max(0, lo - len(first)):max(0, hi - len(first))]
        listed = first[lo:hi] + list(zip(found[chosen].tolist(), ranks[chosen].tolist(),
                                         strict=True))
        return [(self._ids[i], MATCH_KINDS[r]) for i, r in listed]
