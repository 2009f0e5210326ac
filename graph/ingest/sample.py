"""Realistic multi-platform sample data in kolgraph's canonical input format, with ground truth.

``generate_sample(out_dir)`` writes ``accounts``, ``interactions``, ``contents``,
``engagements`` and ``identity_links`` (``.csv``, ``.parquet`` or ``.jsonl``) for a planted
world: topic communities of heavy-tailed sizes, small friend groups inside them, a few KOLs per
community (about 0.5-1% of persons) who draw a large share of the community's follows, likes,
shares and comments and create most of the paid content, and five knowledge-paid platforms
(``dedao``, ``ximalaya``, ``zhihu``, ``bilibili``, ``channels``), about a third of persons
being on two or more of them. Planted KOLs also promote paid contents, and some of their audience
buy them within days (``sample_purchases``). The ground truth (planted community and KOLs of
each person, and the purchases KOLs caused) goes to a separate folder, by default the sibling
``<out>.truth``, which ingest never reads.

The data is clean: every row is valid (required columns set, known types, parsable ``+08:00``
timestamps, no self-loops, non-negative amounts) and nothing is duplicated (no two identical
rows, one follow per account pair, one purchase/subscription per account and item); the
ingest's bad-input corpus lives elsewhere. The same seed gives byte-identical files.

Sizes: 1,000 to 1,000,000 persons; about 1.4 accounts, 6.5 interactions and 3.5 engagements
per person. Everything is vectorised numpy; strings are built by array operations and written
with pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import InvalidInput
from graph.ingest.sample_activity import (
    ENGAGEMENT_TYPES,
    INTERACTION_TYPES,
    KINDS,
    Contents,
    Engagements,
    Interactions,
    build_contents,
    build_engagements,
    build_interactions,
)
from graph.ingest.sample_identity import Identities, build_identities
from graph.ingest.sample_ids import YEAR_START_EPOCH, account_ids, content_ids, iso_times
from graph.ingest.sample_io import FORMATS, write_table
from graph.ingest.sample_names import (
    GIVEN,
    KOL_TITLES,
    KOL_VERBS,
    SURNAME_WEIGHTS,
    SURNAMES,
    account_names,
    content_titles,
    kol_handles,
    name_pinyin,
    person_names,
)
from graph.ingest.sample_purchases import (
    Planted,
    kol_ties,
    merge_engagements,
    plant_purchases,
)
from graph.ingest.sample_world import PLATFORMS, TOPICS, World, build_world

MIN_PERSONS, MAX_PERSONS = 1_000, 1_000_000
INPUT_FILES: tuple[str, ...] = ("accounts", "interactions", "contents", "engagements",
                                "identity_links")
TRUTH_FILES: tuple[str, ...] = ("persons", "kols", "attributed_purchases", "early_purchases")
PLANTING_STREAM = 0xA77           # the planted purchases' own random stream, beside the seed
ACCOUNTS_SINCE_EPOCH = 1_388_505_600     # 2014-01-01 +08:00: oldest account creation


@dataclass(frozen=True)
class SampleSummary:
    """What ``generate_sample`` wrote: folders, counts and the path of every file."""

    out_dir: Path
    truth_dir: Path
    file_format: str
    seed: int
    persons: int
    communities: int
    kols: int
    accounts: int
    multi_platform_persons: int
    interactions: int
    contents: int
    engagements: int
    identity_links: int
    attributed_purchases: int = 0
    early_purchases: int = 0
    files: dict[str, Path] = field(default_factory=dict)

    def rows(self) -> dict[str, int]:
        """Rows per written file, e.g. ``{"accounts": 1402, ..., "persons": 1000}``."""
        return {"accounts": self.accounts, "interactions": self.interactions,
                "contents": self.contents, "engagements": self.engagements,
                "identity_links": self.identity_links, "persons": self.persons,
                "kols": self.kols, "attributed_purchases": self.attributed_purchases,
                "early_purchases": self.early_purchases}


def default_truth_dir(out_dir: Path) -> Path:
    """The sibling folder ``<out>.truth``: ``default_truth_dir(Path('d/s'))`` is ``d/s.truth``."""
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + ".truth")


def _check_args(out_dir: Path, persons: int, file_format: str, truth_dir: Path) -> None:
    if isinstance(persons, bool) or not isinstance(persons, (int, np.integer)) \
            or not MIN_PERSONS <= persons <= MAX_PERSONS:
        raise InvalidInput("persons", f"expected an integer from {MIN_PERSONS} to "
                                      f"{MAX_PERSONS}, got {persons!r}")
    if file_format not in FORMATS:
        raise InvalidInput("file_format", f"expected one of {', '.join(FORMATS)}, "
                                          f"got {file_format!r}")
    out, truth = out_dir.resolve(), truth_dir.resolve()
    if truth == out or truth.is_relative_to(out):
        raise InvalidInput("truth_dir", f"{truth_dir} is inside out_dir {out_dir}; ingest "
                           "reads every file there, so the ground truth must live elsewhere")
    if out.exists() and not out.is_dir():
        raise InvalidInput("out_dir", f"{out_dir} exists and is not a folder")
    for stem in INPUT_FILES:
        for other in FORMATS:
            if other != file_format and (out / f"{stem}.{other}").exists():
                raise InvalidInput("out_dir", f"{out / f'{stem}.{other}'} is left from another "
                                   "format; ingest would read it too. Remove it or pick "
                                   "another folder")


def generate_sample(out_dir: Path, persons: int = 1000, seed: int = 7, file_format: str = "csv",
                    truth_dir: Path | None = None) -> SampleSummary:
    """Write a sample of ``persons`` persons to ``out_dir`` in ``file_format`` (csv, parquet or
    jsonl) and its ground truth (``persons.csv``, ``kols.csv``, ``attributed_purchases.csv``,
    ``early_purchases.csv``) to ``truth_dir`` (default ``<out_dir>.truth``); folders are
    created, our files overwritten. Returns the counts.

    Raises ``InvalidInput`` naming the parameter at fault (``persons`` out of
    1,000..1,000,000, unknown ``file_format``, ``truth_dir`` inside ``out_dir``, files of
    another format in ``out_dir``).
    """
    out_dir = Path(out_dir)
    truth_dir = Path(truth_dir) if truth_dir is not None else default_truth_dir(out_dir)
    _check_args(out_dir, persons, file_format, truth_dir)
    n = int(persons)
    rng = np.random.default_rng(seed)

    world = build_world(rng, n)
    surname = rng.choice(len(SURNAMES), n, p=SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum())
    given1 = rng.integers(0, len(GIVEN), n)
    given2 = np.where(rng.random(n) < 0.7, rng.integers(0, len(GIVEN), n), -1)
    identities = build_identities(rng, world, name_pinyin(surname, given1, given2))
    acc_ids = np.empty(world.n_accounts, dtype=object)
    for p, platform in enumerate(PLATFORMS):
        on_platform = np.nonzero(world.acc_platform == p)[0]
        acc_ids[on_platform] = account_ids(rng, platform, on_platform.size)
    ids = _Ids(platform=pa.array(PLATFORMS, type=pa.string()),
               account=pa.array(acc_ids, type=pa.string()))
    del acc_ids

    out_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}

    def put(name: str, table: pa.Table) -> None:
        files[name] = write_table(table, out_dir / f"{name}.{file_format}", file_format)
        rows[name] = table.num_rows

    # One table at a time, so the largest ones are never in memory together.
    inter = build_interactions(rng, world)
    in_follows = np.bincount(inter.dst[inter.type == 0], minlength=world.n_accounts)
    audiences = kol_ties(world, inter)
    put("interactions", _interactions_table(inter, ids))
    del inter
    names = person_names(surname, given1, given2)
    put("accounts", _accounts_table(rng, world, ids, _display_names(rng, world, names, surname),
                                    in_follows, identities))
    put("identity_links", _links_table(rng, world, ids, identities))
    del identities, names
    contents = build_contents(rng, world)
    content_table, content_id = _contents_table(rng, world, contents, ids)
    put("contents", content_table)
    engagements = build_engagements(rng, world, contents)
    planted = plant_purchases(np.random.default_rng((seed, PLANTING_STREAM)), world, audiences,
                              contents, engagements)
    del audiences
    put("engagements", _engagements_table(
        merge_engagements(engagements, planted.engagements, contents.creator.size), contents,
        content_id, ids))
    del engagements
    persons_truth, kols_truth, person_key = _truth_tables(rng, world, ids)
    files["persons"] = write_table(persons_truth, truth_dir / "persons.csv", "csv")
    files["kols"] = write_table(kols_truth, truth_dir / "kols.csv", "csv")
    caused, early = _purchase_truth(planted, world, contents, content_id, ids, person_key)
    files["attributed_purchases"] = write_table(caused, truth_dir / "attributed_purchases.csv",
                                                "csv")
    files["early_purchases"] = write_table(early, truth_dir / "early_purchases.csv", "csv")
    return SampleSummary(
        out_dir=out_dir, truth_dir=truth_dir, file_format=file_format, seed=seed, persons=n,
        communities=world.n_communities, kols=int(world.is_kol.sum()),
        accounts=world.n_accounts, multi_platform_persons=int((world.n_platforms() >= 2).sum()),
        interactions=rows["interactions"], contents=rows["contents"],
        engagements=rows["engagements"], identity_links=rows["identity_links"],
        attributed_purchases=caused.num_rows, early_purchases=early.num_rows,
        files={name: files[name] for name in (*INPUT_FILES, *TRUTH_FILES)})


@dataclass(frozen=True)
class _Ids:
    """Strings looked up by index: platform names and the account id of each account."""

    platform: pa.Array
    account: pa.Array


def _interactions_table(inter: Interactions, ids: _Ids) -> pa.Table:
    return pa.table({
        "platform": ids.platform.take(pa.array(inter.platform)),
        "src_account": ids.account.take(pa.array(inter.src)),
        "dst_account": ids.account.take(pa.array(inter.dst)),
        "type": pa.array(INTERACTION_TYPES, type=pa.string()).take(pa.array(inter.type)),
        "timestamp": iso_times(inter.time),
    })


def _accounts_table(rng: np.random.Generator, world: World, ids: _Ids, display: np.ndarray,
                    in_follows: np.ndarray, identities: Identities) -> pa.Table:
    """Accounts in random order; ``followers`` = follows received in the sample plus an
    outside audience (KOLs: about 20x their in-follows; others: up to 2x, plus a few)."""
    a = world.n_accounts
    multiplier = np.where(world.is_kol[world.acc_person], rng.lognormal(3.0, 0.5, a),
                          rng.uniform(0.0, 2.0, a))
    followers = in_follows + np.round(in_follows * multiplier).astype(np.int64) \
        + rng.poisson(2.0, a)
    created = rng.integers(ACCOUNTS_SINCE_EPOCH, YEAR_START_EPOCH, a)
    return pa.table({
        "platform": ids.platform.take(pa.array(world.acc_platform)),
        "account_id": ids.account,
        "display_name": pa.array(display, type=pa.string()),
        "followers": pa.array(followers, type=pa.int64()),
        "created_at": iso_times(created),
        "phone": pa.array(identities.phone, type=pa.string()),
        "email": pa.array(identities.email, type=pa.string()),
        "unionid": pa.array(identities.unionid, type=pa.string()),
    }).take(pa.array(rng.permutation(a)))


def _links_table(rng: np.random.Generator, world: World, ids: _Ids,
                 identities: Identities) -> pa.Table:
    a, b = identities.link_a, identities.link_b
    return pa.table({
        "platform_a": ids.platform.take(pa.array(world.acc_platform[a])),
        "account_a": ids.account.take(pa.array(a)),
        "platform_b": ids.platform.take(pa.array(world.acc_platform[b])),
        "account_b": ids.account.take(pa.array(b)),
    }).take(pa.array(rng.permutation(a.size)))


def _engagements_table(engage: Engagements, contents: Contents, content_id: pa.Array,
                       ids: _Ids) -> pa.Table:
    return pa.table({
        "platform": ids.platform.take(pa.array(contents.platform[engage.content])),
        "account_id": ids.account.take(pa.array(engage.account)),
        "content_id": content_id.take(pa.array(engage.content)),
        "type": pa.array(ENGAGEMENT_TYPES, type=pa.string()).take(pa.array(engage.type)),
        "timestamp": iso_times(engage.time),
        "amount": pa.array(engage.amount, type=pa.float64(), from_pandas=True),
    })


def _display_names(rng: np.random.Generator, world: World, names: np.ndarray,
                   surname: np.ndarray) -> np.ndarray:
    """Account display names: ordinary persons vary per platform (name, name + suffix,
    nickname); a KOL uses one brand handle such as ``张老师讲AI`` everywhere."""
    a = world.n_accounts
    display = account_names(names[world.acc_person], rng.choice(3, a, p=[0.4, 0.25, 0.35]),
                            rng.integers(0, 10_000, a))
    handles = kol_handles(surname, rng.integers(0, len(KOL_TITLES), world.n),
                          rng.integers(0, len(KOL_VERBS), world.n),
                          world.comm_topic[world.community])
    kol_account = world.is_kol[world.acc_person]
    display[kol_account] = handles[world.acc_person[kol_account]]
    return display


def _contents_table(rng: np.random.Generator, world: World, c: Contents,
                    ids: _Ids) -> tuple[pa.Table, pa.Array]:
    """The contents table (rows shuffled) and the content id of each content row."""
    item_ids = np.empty(c.creator.size, dtype=object)
    for p, platform in enumerate(PLATFORMS):
        rows = np.nonzero(c.platform == p)[0]
        item_ids[rows] = content_ids(rng, platform, rows.size)
    titles = content_titles(c.topic, c.kind, rng.integers(0, 6, c.creator.size),
                            rng.integers(0, 4, c.creator.size))
    content_id = pa.array(item_ids, type=pa.string())
    table = pa.table({
        "platform": ids.platform.take(pa.array(c.platform)),
        "content_id": content_id,
        "creator_account": ids.account.take(pa.array(world.acc_of[c.creator, c.platform])),
        "title": pa.array(titles, type=pa.string()),
        "kind": pa.array(KINDS, type=pa.string()).take(pa.array(c.kind)),
        "topic": pa.array(TOPICS, type=pa.string()).take(pa.array(c.topic)),
        "price": pa.array(c.price, type=pa.float64()),
    }).take(pa.array(rng.permutation(c.creator.size)))
    return table, content_id


def _truth_tables(rng: np.random.Generator, world: World,
                  ids: _Ids) -> tuple[pa.Table, pa.Table, pa.Array]:
    """``persons.csv`` (person, community, topic, is_kol, accounts) sorted by person key,
    ``kols.csv`` (person, community, accounts) and the key of each person index; accounts are
    ``platform:account_id`` joined by ``;``, the person's first account first."""
    keys = pc.utf8_lpad(pa.array((rng.permutation(world.n) + 1).astype(str)), 7, "0")
    keys = pc.binary_join_element_wise("P", keys, "")
    acc_key = pc.binary_join_element_wise(
        ids.platform.take(pa.array(world.acc_platform)), ids.account, ":")
    offsets = np.concatenate([[0], np.cumsum(world.n_platforms())]).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), acc_key), ";")
    persons = pa.table({
        "person": keys,
        "community": pa.array(world.community, type=pa.int64()),
        "topic": pa.array(TOPICS, type=pa.string()).take(
            pa.array(world.comm_topic[world.community])),
        "is_kol": pa.array(world.is_kol.astype(np.int64)),
        "accounts": joined,
    })
    persons = persons.take(pc.sort_indices(persons, sort_keys=[("person", "ascending")]))
    kols = persons.filter(pc.equal(persons["is_kol"], 1)).select(["person", "community",
                                                                  "accounts"])
    return persons, kols, keys


def _purchase_truth(planted: Planted, world: World, c: Contents, content_id: pa.Array,
                    ids: _Ids, person_key: pa.Array) -> tuple[pa.Table, pa.Table]:
    """``attributed_purchases.csv`` and ``early_purchases.csv``: one row per planted purchase
    (``buyer``, ``buyer_account``, ``content_key``, ``kol``, ``kol_account``, ``shared_at``,
    ``purchased_at`` (epoch seconds), ``type``, ``amount``), by purchase time then buyer."""
    acc_key = pc.binary_join_element_wise(
        ids.platform.take(pa.array(world.acc_platform)), ids.account, ":")
    content_key = pc.binary_join_element_wise(ids.platform.take(pa.array(c.platform)),
                                              content_id, ":")

    def table(share: np.ndarray, buyer: np.ndarray, at: np.ndarray,
              kind: np.ndarray) -> pa.Table:
        item, kol = planted.share_content[share], planted.share_kol[share]
        platform = c.platform[item]
        out = pa.table({
            "buyer": person_key.take(pa.array(buyer)),
            "buyer_account": acc_key.take(pa.array(world.acc_of[buyer, platform])),
            "content_key": content_key.take(pa.array(item)),
            "kol": person_key.take(pa.array(kol)),
            "kol_account": acc_key.take(pa.array(world.acc_of[kol, platform])),
            "shared_at": pa.array(planted.shared_at[share], type=pa.int64()),
            "purchased_at": pa.array(at, type=pa.int64()),
            "type": pa.array(ENGAGEMENT_TYPES, type=pa.string()).take(pa.array(kind)),
            "amount": pa.array(c.price[item], type=pa.float64()),
        })
        return out.take(pc.sort_indices(out, sort_keys=[("purchased_at", "ascending"),
                                                        ("buyer", "ascending")]))

    return (table(planted.caused, planted.caused_buyer, planted.caused_at,
                  planted.caused_type),
            table(planted.early, planted.early_buyer, planted.early_at, planted.early_type))
