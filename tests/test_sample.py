"""The sample data generator: determinism, formats, planted structure, truth, identities, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from graph.errors import InvalidInput
from graph.ingest.sample import INPUT_FILES, SampleSummary, generate_sample
from graph.ingest.sample_truth import truth_accounts
from kolgraph.cli import cli
from kolgraph.cli.support import UserError

COLUMNS = {
    "accounts": ["platform", "account_id", "display_name", "followers", "created_at", "phone",
                 "email", "unionid"],
    "interactions": ["platform", "src_account", "dst_account", "type", "timestamp"],
    "contents": ["platform", "content_id", "creator_account", "title", "kind", "topic",
                 "price"],
    "engagements": ["platform", "account_id", "content_id", "type", "timestamp", "amount"],
    "identity_links": ["platform_a", "account_a", "platform_b", "account_b"],
}
PLATFORMS = {"dedao", "ximalaya", "zhihu", "bilibili", "channels"}
TOPICS = {"AI", "finance", "parenting", "history", "career", "psychology", "fitness",
          "languages"}
ACCOUNT_ID = {"dedao": r"\d{8}", "ximalaya": r"\d{9}", "zhihu": r"[0-9a-f]{32}",
              "bilibili": r"\d{7,10}", "channels": r"sph[A-Za-z0-9]{7}"}


def read(path: Path) -> pd.DataFrame:
    """A generated file as strings (numbers stay as written), whatever its format."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True, dtype=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return generate_sample(tmp_path_factory.mktemp("s") / "data", persons=3000, seed=11)


@pytest.fixture(scope="module")
def data(sample: SampleSummary) -> dict[str, pd.DataFrame]:
    frames = {name: read(sample.files[name]) for name in INPUT_FILES}
    frames["persons"] = pd.read_csv(sample.files["persons"], dtype={"accounts": str})
    frames["kols"] = pd.read_csv(sample.files["kols"], dtype={"accounts": str})
    return frames


@pytest.fixture(scope="module")
def owner(sample: SampleSummary) -> pd.DataFrame:
    """Person, community and is_kol of each planted account, indexed by platform:account_id."""
    return truth_accounts(sample.truth_dir).set_index("account_key")


def keys(frame: pd.DataFrame, platform: str, account: str) -> pd.Series:
    return frame[platform] + ":" + frame[account]


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a", persons=1000, seed=3)
    again = generate_sample(tmp_path / "b", persons=1000, seed=3)
    other = generate_sample(tmp_path / "c", persons=1000, seed=4)
    for name, path in first.files.items():
        assert path.read_bytes() == again.files[name].read_bytes(), name
    assert first.files["interactions"].read_bytes() != other.files["interactions"].read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_has_the_canonical_columns(tmp_path: Path, fmt: str) -> None:
    summary = generate_sample(tmp_path / "out", persons=1000, seed=5, file_format=fmt)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{name}.{fmt}" for name in INPUT_FILES)
    for name in INPUT_FILES:
        frame = read(tmp_path / "out" / f"{name}.{fmt}")
        assert list(frame.columns) == COLUMNS[name], name
        assert len(frame) == summary.rows()[name] > 0, name
    accounts = read(tmp_path / "out" / f"accounts.{fmt}")
    assert accounts["phone"].dropna().map(type).eq(str).all()


def test_canonical_values_are_valid_and_unique(data: dict[str, pd.DataFrame]) -> None:
    acc, inter = data["accounts"], data["interactions"]
    contents, eng = data["contents"], data["engagements"]
    assert not acc.duplicated(["platform", "account_id"]).any()
    for platform, pattern in ACCOUNT_ID.items():
        ids = acc.loc[acc["platform"] == platform, "account_id"]
        assert len(ids) > 0 and ids.str.fullmatch(pattern).all(), platform
    assert acc["phone"].dropna().str.fullmatch(r"1[3-9]\d{9}").all()
    assert acc["email"].dropna().str.fullmatch(r"[a-z0-9]+@[a-z0-9]+\.com").all()
    assert acc["display_name"].str.contains(r"[\u4e00-\u9fff]").mean() > 0.9
    assert set(inter["type"]) == {"follow", "mention", "reply", "comment", "share", "like"}
    counts = inter["type"].value_counts()
    assert set(counts.index[:2]) == {"follow", "like"}
    assert set(inter["platform"]) == PLATFORMS
    assert not inter.duplicated().any() and not eng.duplicated().any()
    assert not (inter["src_account"] == inter["dst_account"]).any()
    follows = inter[inter["type"] == "follow"]
    assert not follows.duplicated(["platform", "src_account", "dst_account"]).any()
    known = set(keys(acc, "platform", "account_id"))
    assert set(keys(inter, "platform", "src_account")) <= known
    assert set(keys(inter, "platform", "dst_account")) <= known
    assert set(keys(eng, "platform", "account_id")) <= known
    assert set(keys(contents, "platform", "creator_account")) <= known
    for frame in (inter, eng):
        times = pd.to_datetime(frame["timestamp"], format="%Y-%m-%dT%H:%M:%S%z")
        assert frame["timestamp"].str.endswith("+08:00").all()
        assert times.max() - times.min() <= pd.Timedelta(days=366)
    assert set(contents["kind"]) == {"course", "audio_column", "live", "ebook"}
    assert set(contents["topic"]) <= TOPICS
    price = contents["price"].astype(float)
    assert (price == 0).any() and price[price > 0].between(9.9, 999).all()
    assert contents["title"].str.contains(r"[\u4e00-\u9fff]").all()
    assert not contents.duplicated(["platform", "content_id"]).any()
    assert set(eng["type"]) == {"view", "like", "comment", "share", "purchase", "subscribe"}
    priced = eng.merge(contents, on=["platform", "content_id"], suffixes=("", "_c"))
    assert len(priced) == len(eng)
    paid = priced["type"].isin(["purchase", "subscribe"])
    amount, price = priced["amount"].astype(float), priced["price"].astype(float)
    assert (amount[paid] == price[paid]).all()
    assert priced.loc[~paid, "amount"].isna().all()
    assert not priced[paid].duplicated(["platform", "account_id", "content_id", "type"]).any()


def test_sizes_and_shares(sample: SampleSummary, data: dict[str, pd.DataFrame]) -> None:
    persons = data["persons"]
    rows_per_person = (len(data["interactions"]) + len(data["engagements"])) / len(persons)
    assert 8 <= rows_per_person <= 12
    multi = persons["accounts"].str.contains(";").mean()
    assert 0.28 <= multi <= 0.40
    assert 0.004 <= persons["is_kol"].mean() <= 0.02
    sizes = persons["community"].value_counts()
    assert sizes.min() >= 20 and sizes.max() >= 3 * sizes.median()
    assert set(persons["topic"]) == TOPICS
    assert sample.multi_platform_persons == int(persons["accounts"].str.contains(";").sum())


def test_kols_draw_far_more_interactions_than_the_median(data: dict[str, pd.DataFrame],
                                                        owner: pd.DataFrame) -> None:
    inter = data["interactions"]
    target = owner.loc[keys(inter, "platform", "dst_account"), "person"]
    indegree = target.value_counts().reindex(data["persons"]["person"], fill_value=0)
    is_kol = data["persons"].set_index("person")["is_kol"] == 1
    assert indegree[is_kol].median() >= 10 * max(1, indegree[~is_kol].median())
    assert indegree[is_kol].sum() / indegree.sum() >= 0.15
    acc = data["accounts"].set_index(keys(data["accounts"], "platform", "account_id"))
    followers = acc["followers"].astype(int)
    in_follows = keys(inter[inter["type"] == "follow"], "platform", "dst_account").value_counts()
    assert (followers.reindex(in_follows.index) >= in_follows).all()
    kol_accounts = owner.index[owner["is_kol"] == 1]
    assert followers[kol_accounts].median() > 10 * followers.drop(kol_accounts).median()


def test_most_activity_stays_in_the_community(data: dict[str, pd.DataFrame],
                                              owner: pd.DataFrame) -> None:
    inter = data["interactions"]
    src = owner.loc[keys(inter, "platform", "src_account"), "community"].to_numpy()
    dst = owner.loc[keys(inter, "platform", "dst_account"), "community"].to_numpy()
    assert 0.80 <= (src == dst).mean() <= 0.95
    contents, eng = data["contents"], data["engagements"]
    creator = owner.loc[keys(contents, "platform", "creator_account")]
    assert creator["is_kol"].mean() >= 0.7
    made_in = pd.Series(creator["community"].to_numpy(),
                        index=keys(contents, "platform", "content_id"))
    engaged = owner.loc[keys(eng, "platform", "account_id"), "community"].to_numpy()
    assert (made_in[keys(eng, "platform", "content_id")].to_numpy() == engaged).mean() >= 0.65


def test_friend_groups_close_triangles(data: dict[str, pd.DataFrame], owner: pd.DataFrame) -> None:
    inter = data["interactions"]
    src = owner.loc[keys(inter, "platform", "src_account"), "person"].to_numpy()
    dst = owner.loc[keys(inter, "platform", "dst_account"), "person"].to_numpy()
    graph = nx.Graph(zip(src, dst, strict=True))
    sampled = nx.gnm_random_graph(graph.number_of_nodes(), graph.number_of_edges(), seed=1)
    assert nx.average_clustering(graph) > 5 * nx.average_clustering(sampled)


def test_identities_resolve_to_exactly_the_planted_persons(data: dict[str, pd.DataFrame],
                                                           owner: pd.DataFrame) -> None:
    acc = data["accounts"].assign(key=keys(data["accounts"], "platform", "account_id"))
    graph = nx.Graph()
    graph.add_nodes_from(acc["key"])
    for column in ("phone", "email", "unionid"):
        for _, group in acc.dropna(subset=[column]).groupby(column)["key"]:
            graph.add_edges_from(zip(group.iloc[:-1], group.iloc[1:], strict=True))
    links = data["identity_links"]
    graph.add_edges_from(zip(keys(links, "platform_a", "account_a"),
                             keys(links, "platform_b", "account_b"), strict=True))
    resolved = {frozenset(c) for c in nx.connected_components(graph)}
    planted = {frozenset(a.split(";")) for a in data["persons"]["accounts"]}
    assert resolved == planted
    by_value = nx.Graph()
    for column in ("phone", "email", "unionid"):
        for _, group in acc.dropna(subset=[column]).groupby(column)["key"]:
            by_value.add_edges_from(zip(group.iloc[:-1], group.iloc[1:], strict=True))
    # A chain: A~B by a shared value, B~C only by a link row (C shares no value at all).
    chains = [(u, v) for u, v in zip(keys(links, "platform_a", "account_a"),
                                      keys(links, "platform_b", "account_b"), strict=True)
              if (u in by_value) != (v in by_value)]
    assert by_value.number_of_edges() > 0 and chains


def test_truth_is_a_sibling_folder_consistent_with_the_files(sample: SampleSummary,
                                                            data: dict[str, pd.DataFrame]) -> None:
    assert sample.truth_dir == sample.out_dir.with_name(sample.out_dir.name + ".truth")
    assert not sample.truth_dir.resolve().is_relative_to(sample.out_dir.resolve())
    persons, kols = data["persons"], data["kols"]
    assert list(persons.columns) == ["person", "community", "topic", "is_kol", "accounts"]
    assert list(kols.columns) == ["person", "community", "accounts"]
    assert persons["person"].is_unique and len(persons) == sample.persons
    planted = persons["accounts"].str.split(";").explode()
    files = keys(data["accounts"], "platform", "account_id")
    assert planted.is_unique and set(planted) == set(files)
    assert kols.equals(persons.loc[persons["is_kol"] == 1, list(kols.columns)]
                       .reset_index(drop=True))
    assert persons.groupby("community")["topic"].nunique().eq(1).all()


def test_truth_dir_and_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="truth_dir"):
        generate_sample(tmp_path / "out", truth_dir=tmp_path / "out" / "truth")
    with pytest.raises(ValueError, match="persons"):
        generate_sample(tmp_path / "out", persons=999)
    with pytest.raises(InvalidInput, match="file_format"):
        generate_sample(tmp_path / "out", file_format="xlsx")
    summary = generate_sample(tmp_path / "out", persons=1000, truth_dir=tmp_path / "t")
    assert summary.files["persons"] == tmp_path / "t" / "persons.csv"
    with pytest.raises(ValueError, match=re.escape("accounts.csv")):
        generate_sample(tmp_path / "out", persons=1000, file_format="parquet",
                        truth_dir=tmp_path / "t")


def test_cli_help_run_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    helped = runner.invoke(cli, ["sample", "--help"])
    assert helped.exit_code == 0 and "--truth" in helped.output
    assert "--file-format" in helped.output
    out = tmp_path / "cli"
    ran = runner.invoke(cli, ["sample", "--out", str(out), "--persons", "1000", "--seed", "2",
                              "--file-format", "parquet", "--truth", str(tmp_path / "truth")])
    assert ran.exit_code == 0, ran.output
    assert "1,000 persons" in ran.output
    assert (out / "interactions.parquet").exists()
    assert (tmp_path / "truth" / "kols.csv").exists()
    inside = runner.invoke(cli, ["sample", "--out", str(out), "--file-format", "parquet",
                                 "--truth", str(out / "t")])
    assert isinstance(inside.exception, UserError) and "--truth" in str(inside.exception)
    small = runner.invoke(cli, ["sample", "--out", str(out), "--persons", "10"])
    assert small.exit_code == 2 and "--persons" in small.output

