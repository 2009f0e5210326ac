"""Every person's leaderboard row with its accounts, held packed in memory per analyze and
ingest run, so that the pages listing persons (leaderboard, community members, badges) cut
them from memory instead of reading the database for each page.

A row is what ``web_reads.persons_by_ids(..., with_accounts=True)`` gives, kept as one
``marshal`` string (its values and its accounts' values as tuples: about 0.3 kB a person,
types kept exactly); unpacking 50 rows costs far less than reading and parsing them.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Sequence
from typing import Any

from graph.store.base import Row
from graph.store.web_reads import ACCOUNT_FIELDS


class PersonRows:
    """Rows by person id, packed.

    >>> rows = PersonRows([[{"person_id": "p1", "kol_score": 0.5, "rank": None,
    ...                      "accounts": [{"platform": "zhihu", "account_id": "a",
    ...                                    "display_name": "周", "followers": 3}]}]])
    >>> rows.rows(["p2", "p1", "p1"])
    [{'person_id': 'p1', 'kol_score': 0.5, 'rank': None, 'accounts': [{'platform': 'zhihu', \
'account_id': 'a', 'display_name': '周', 'followers': 3}]}]
    >>> len(rows)
    1
    """

    def __init__(self, batches: Iterable[list[Row]]) -> None:
        self._packed: dict[str, bytes] = {}
        self._columns: tuple[str, ...] = ()
        for batch in batches:
            for row in batch:
                if not self._columns:
                    self._columns = tuple(k for k in row if k != "accounts")
                values = tuple(row[k] for k in self._columns)
                accounts = tuple(tuple(a[f] for f in ACCOUNT_FIELDS) for a in row["accounts"])
                self._packed[str(row["person_id"])] = marshal.dumps((values, accounts))

    def __len__(self) -> int:
        return len(self._packed)

    def rows(self, person_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The rows of ``person_ids`` in their order, each once; unknown ids left out."""
        out = []
        for pid in dict.fromkeys(person_ids):
            packed = self._packed.get(pid)
            if packed is None:
                continue
            values, accounts = marshal.loads(packed)
            row = dict(zip(self._columns, values, strict=True))
            row["accounts"] = [dict(zip(ACCOUNT_FIELDS, a, strict=True)) for a in accounts]
            out.append(row)
        return out
