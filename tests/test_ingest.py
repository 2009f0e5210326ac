"""Ingest against the real embedded database: idempotence, incremental loads, identity
resolution (transitive, late links, conflicts), PII, encodings, formats, mapping, CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from graph.config import Settings
from graph.ingest.identity import person_id_for
from graph.ingest.pii import MissingSaltError
from graph.ingest.pipeline import ingest_folder
from graph.store.base import GraphStore
from graph.store.falkordb_store import FalkorDBStore

ACC_H = "platform,account_id,display_name,followers,created_at,phone,email,unionid\n"
INT_H = "platform,src_account,dst_account,type,timestamp\n"
ENG_H = "platform,account_id,content_id,type,timestamp,amount\n"
LINK_H = "platform_a,account_a,platform_b,account_b\n"
DAY = 86_400
T0 = 1_751_328_000  # 2025-07-01T00:00:00Z


def write(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def state(store: GraphStore) -> dict[str, object]:
    """Counts and property sums that must be equal for equal ingests."""
    out: dict[str, object] = {**store.node_counts(), **store.relationship_counts()}
    out.pop("Run")
    out["person_ids"] = sorted(r["p"] for r in store.read(
        "MATCH (p:Person) RETURN p.person_id AS p").rows)
    for name, query in {
        "interacted": "MATCH ()-[r:INTERACTED]->() RETURN sum(r.count) AS c, "
                      "sum(r.first_at) AS f, sum(r.last_at) AS l",
        "engaged": "MATCH ()-[r:ENGAGED]->() RETURN sum(r.count) AS c, sum(r.amount) AS m, "
                   "sum(r.last_at) AS l",
        "follows": "MATCH ()-[r:FOLLOWS]->() RETURN sum(r.since) AS s",
        "persons": "MATCH (p:Person) RETURN sum(p.followers_total) AS f, "
                   "sum(p.platforms) AS n",
    }.items():
        row = store.read(query).rows[0]
        out[name] = {k: round(v or 0, 6) for k, v in row.items()}
    return out


@pytest.fixture
def other_store(_server: Path) -> Iterator[FalkorDBStore]:
    """A second empty graph on the same server, for comparing two ways of loading."""
    s = FalkorDBStore(_server, f"ingest_other_{id(object())}")
    s.apply_schema()
    yield s
    s.drop_all()
    s.close()


@pytest.fixture
def cfg(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, home=tmp_path / "home")


def small_world(folder: Path) -> Path:
    events = [f"zhihu,{i % 7},{(i * 3 + 1) % 7},{t},{T0 + i * 20_000}"
              for i, t in enumerate(["like", "reply", "follow", "mention"] * 10)
              if i % 7 != (i * 3 + 1) % 7]
    engagements = [f"dedao,d{i % 4},c{i % 3},{t},{T0 + i * 30_000},{1.5 * (t == 'purchase')}"
                   for i, t in enumerate(["view", "purchase", "like"] * 8)]
    return write(folder, {
        "accounts.csv": ACC_H + "".join(
            f"zhihu,{i},用户{i},{i * 10},,{'1380000000' + str(i % 3) if i < 3 else ''},,\n"
            for i in range(7)) + "dedao,d0,得到0,3,,13800000000,,\n",
        "interactions.csv": INT_H + "\n".join(events) + "\n",
        "contents.csv": "platform,content_id,creator_account,title,kind,topic,price\n"
                        "dedao,c0,d0,课0,course,AI,99\ndedao,c1,d0,课1,audio,finance,0\n",
        "engagements.csv": ENG_H + "\n".join(engagements) + "\n",
        "identity_links.csv": LINK_H + "zhihu,5,zhihu,6\n",
    })


def test_same_folder_twice_is_idempotent(store: GraphStore, cfg: Settings, tmp_path: Path
                                         ) -> None:
    folder = small_world(tmp_path / "in")
    first = ingest_folder(store, cfg, folder)
    before = state(store)
    second = ingest_folder(store, cfg, folder)
    assert state(store) == before
    assert first.events_new > 0 and second.events_new == 0
    assert second.events_already_loaded == first.events_new
    assert before["interacted"]["c"] > 0 and before["engaged"]["m"] > 0  # type: ignore[index]


def test_incremental_days_equal_one_load(store: GraphStore, other_store: GraphStore,
                                         cfg: Settings, tmp_path: Path) -> None:
    folder = small_world(tmp_path / "all")
    ingest_folder(other_store, cfg, folder)
    cut = T0 + 4 * DAY
    parts = {}
    for name in ("interactions.csv", "engagements.csv"):
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        early = frame["timestamp"].astype(int) < cut
        parts[name] = (frame[early], frame[~early])
    day1 = write(tmp_path / "day1", {n: (folder / n).read_text() for n in
                                     ("accounts.csv", "contents.csv", "identity_links.csv")})
    day2 = write(tmp_path / "day2", {})
    for name, (early, late) in parts.items():
        early.to_csv(day1 / name, index=False)
        late.to_csv(day2 / name, index=False)
        assert len(early) and len(late)
    ingest_folder(store, cfg, day1)
    report = ingest_folder(store, cfg, day2)
    assert report.events_already_loaded == 0
    assert report.events_new == sum(len(late) for _, late in parts.values())
    assert state(store) == state(other_store)


def test_identities_transitive_and_conflicts(store: GraphStore, cfg: Settings,
                                             tmp_path: Path) -> None:
    crowd = "".join(f"weibo,w{i},w,0,,,shop@x.com,\n" for i in range(25))
    folder = write(tmp_path / "in", {
        "accounts.csv": ACC_H + "zhihu,a,A,1,,13811112222,,\n"
                                "dedao,b,B,5,,+86 138-1111-2222,B@Mail.com,\n"
                                "bilibili,c,C,2,,,b@mail.com,\n"
                                "ximalaya,d,D,9,,,,\n" + crowd,
        "identity_links.csv": LINK_H + "bilibili,c,ximalaya,d\n",
    })
    report = ingest_folder(store, cfg, folder)
    rows = store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) WHERE NOT a.platform = "
                      "'weibo' RETURN p.person_id AS p, p.platforms AS n, "
                      "p.followers_total AS f, p.display_name AS name").rows
    members = ["zhihu:a", "dedao:b", "bilibili:c", "ximalaya:d"]
    assert {r["p"] for r in rows} == {person_id_for(members)}
    assert (rows[0]["n"], rows[0]["f"], rows[0]["name"]) == (4, 17, "D")
    assert store.scalar("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account {platform: 'weibo'}) "
                        "RETURN count(DISTINCT p) AS n") == 25
    assert [c["accounts"] for c in report.identity_conflicts] == [25]


def test_late_link_merges_two_persons(store: GraphStore, cfg: Settings, tmp_path: Path
                                      ) -> None:
    first = write(tmp_path / "one", {
        "accounts.csv": ACC_H + "zhihu,a,A,1,,,,\ndedao,b,B,2,,,,\nzhihu,x,X,0,,,,\n",
        "interactions.csv": INT_H + f"zhihu,x,a,like,{T0}\n",
        "engagements.csv": ENG_H + f"dedao,b,c1,purchase,{T0},9.5\n",
    })
    ingest_folder(store, cfg, first)
    assert store.node_counts()["Person"] == 3
    late = write(tmp_path / "two", {"identity_links.csv": LINK_H + "zhihu,a,dedao,b\n"})
    report = ingest_folder(store, cfg, late)
    survivor = person_id_for(["dedao:b", "zhihu:a"])
    assert survivor == person_id_for(["dedao:b"])
    assert report.persons_merged == 1
    assert store.node_counts()["Person"] == 2
    row = store.read(
        "MATCH (p:Person {person_id: $p})-[:HAS_ACCOUNT]->(a:Account) "
        "OPTIONAL MATCH (a)<-[i:INTERACTED]-() OPTIONAL MATCH (a)-[e:ENGAGED]->() "
        "RETURN count(DISTINCT a) AS accounts, count(DISTINCT i) AS i, sum(e.amount) AS m, "
        "max(p.platforms) AS n", {"p": survivor}).rows[0]
    assert row == {"accounts": 2, "i": 1, "m": 9.5, "n": 2}
    assert store.scalar("MATCH (a:Account) WHERE NOT (:Person)-[:HAS_ACCOUNT]->(a) "
                        "RETURN count(a) AS n") == 0


def test_pii_never_stored(store: GraphStore, cfg: Settings, tmp_path: Path) -> None:
    phone, email, union = "13912345678", "li.si@example.com", "oUnion_77xyz"
    folder = write(tmp_path / "in", {
        "accounts.csv": ACC_H + f"zhihu,1,李四,3,,{phone},{email},{union}\n"
                                f"zhihu,2,王五,bad,,{phone},{email},{union}\n",
    })
    report = ingest_folder(store, cfg, folder)
    values = store.read("MATCH (n) RETURN n").rows
    dump = json.dumps([dict(r["n"].properties) for r in values], ensure_ascii=False)
    assert "李四" in dump
    for raw in (phone, email, union, "12345678"):
        assert raw not in dump
        assert report.quarantine_file is not None
        assert raw not in Path(report.quarantine_file).read_text(encoding="utf-8")
    assert "***" in Path(report.quarantine_file).read_text(encoding="utf-8")


def test_pii_refused_without_salt(store: GraphStore, cfg: Settings, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {"accounts.csv": ACC_H + "zhihu,1,a,1,,,x@y.cn,\n"})
    with pytest.raises(MissingSaltError, match="KOLGRAPH_PII_SALT"):
        ingest_folder(store, dataclasses.replace(cfg, pii_salt=None), folder)
    assert store.node_counts()["Account"] == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_detected(store: GraphStore, cfg: Settings, tmp_path: Path,
                            encoding: str) -> None:
    folder = write(tmp_path / "in", {"accounts.csv": ACC_H + "zhihu,1,知识付费达人,5,,,,\n"},
                   encoding)
    report = ingest_folder(store, cfg, folder)
    assert report.files[0].encoding == encoding
    assert store.scalar("MATCH (a:Account) RETURN a.display_name AS n") == "知识付费达人"


def test_three_formats_load_the_same_graph(store: GraphStore, other_store: GraphStore,
                                           cfg: Settings, tmp_path: Path) -> None:
    csv_folder = small_world(tmp_path / "csv")
    ingest_folder(store, cfg, csv_folder)
    expected = state(store)
    for fmt in ("parquet", "jsonl"):
        out = tmp_path / fmt
        out.mkdir()
        for path in csv_folder.iterdir():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            if fmt == "parquet":
                frame.to_parquet(out / f"{path.stem}.parquet")
            else:
                frame.to_json(out / f"{path.stem}.jsonl", orient="records", lines=True,
                              force_ascii=False)
        other_store.write("MATCH (n) DETACH DELETE n")
        ingest_folder(other_store, cfg, out)
        assert state(other_store) == expected, fmt


def test_sample_ingest_matches_sample_counts(store: GraphStore, cfg: Settings,
                                             tmp_path: Path) -> None:
    from graph.ingest.sample import generate_sample

    generate_sample(tmp_path / "s", persons=1000, seed=3)
    report = ingest_folder(store, cfg, tmp_path / "s")
    assert all(f.reconciles for f in report.files)
    assert store.node_counts()["Person"] == 1000
    assert report.events_new == sum(f.loaded for f in report.files
                                    if f.kind in ("interactions", "engagements"))


def test_cli_json_report_and_run(kolgraph_home: Path, settings: Settings, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.store.runs import current_run
    from kolgraph.cli import cli

    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_PII_SALT", "cli-salt-0123456789")
    monkeypatch.setenv("KOLGRAPH_GRAPH", "ingest_cli")
    folder = write(tmp_path / "in", {"accounts.csv": ACC_H + "zhihu,1,a,1,,,,\nzhihu,1,a,1,,,,\n"
                                     "zhihu,,b,1,,,,\n"})
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["totals"] == {"read": 3, "loaded": 1, "quarantined": 1, "duplicates": 1}
    bad = CliRunner().invoke(cli, ["ingest", str(tmp_path / "missing")])
    assert bad.exit_code != 0 and "missing: not a folder" in str(bad.exception)
    with FalkorDBStore(settings.db_dir, "ingest_cli") as s:
        run = current_run(s, "ingest")
        assert run is not None and run["metrics"]["totals"] == report["totals"]
        s.drop_all()


def test_second_ingest_into_the_same_graph_is_refused(kolgraph_home: Path, settings: Settings,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """While one process ingests into a graph, another's ingest stops at once with an error
    naming the holder; a dead holder's lock is free (the kernel drops it)."""
    from kolgraph.cli import cli

    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_PII_SALT", "cli-salt-0123456789")
    monkeypatch.setenv("KOLGRAPH_GRAPH", "ingest_locked")
    folder = write(tmp_path / "in", {"accounts.csv": ACC_H + "zhihu,1,a,1,,,,\n"})
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from graph.ingest.run_lock import ingest_lock\n"
         "with ingest_lock(Path(sys.argv[1]), 'ingest_locked'):\n"
         "    print('held', flush=True); time.sleep(60)", str(kolgraph_home)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = CliRunner().invoke(cli, ["ingest", str(folder)])
        assert busy.exit_code != 0
        assert f"another ingest into graph 'ingest_locked' is running (pid {holder.pid}" in \
            str(busy.exception)
    finally:
        holder.kill()
        holder.wait()
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    with FalkorDBStore(settings.db_dir, "ingest_locked") as s:
        assert s.node_counts()["Account"] == 1
        s.drop_all()
