"""Values that cannot break the transport or the analysis (issue 18, items 1-2): any text
either round-trips through the stores and the ingest or is refused with a reason; numbers,
timestamps, platform codes and the PII salt are accepted only in their documented forms;
the analysis takes its "now" from the run's clock (or ``as_of``), never from the data.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.analytics.evaluation import nmi
from graph.analytics.weights import load_weights
from graph.config import ConfigError, Settings, load_settings
from graph.ingest.pii import identity_hashes
from graph.ingest.pipeline import ingest_folder
from graph.ingest.timestamps import parse_epoch
from graph.store.base import UNSAFE_TEXT, GraphStore, ParameterValueError
from graph.store.cypher_literal import Table
from graph.store.falkordb_store import FalkorDBStore
from kolgraph.usecases.analyze import AnalyzeParams, run_analysis

#: Characters that break naive transports: NUL and other controls, quotes, backslashes,
#: separators, a BOM, non-BMP and lone surrogates.
HOSTILE = "\x00\x01\x1b\x7f\x85\t\n\r\\\"'`,;:{}$\u2028\ufeff\U0001F600\u4e2d\ud800\udfff "
ANY_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12),
    st.text(alphabet=st.sampled_from(HOSTILE), max_size=8))
#: Text a UTF-8 file can hold (no lone surrogates): what an input file can bring.
FILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.text(alphabet=st.sampled_from(HOSTILE.replace("\ud800", "").replace("\udfff", "")),
            max_size=8))
FAST = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
_keys = itertools.count()


def _unsafe(values: list[str]) -> bool:
    return any(UNSAFE_TEXT.search(v) for v in values)


@FAST
@given(values=st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_any_text_parameter_round_trips_or_is_refused(any_store: GraphStore,
                                                      values: list[str]) -> None:
    """A text (and a list of texts) written through ``GraphStore.write`` reads back equal,
    or, when no database can hold it (NUL, lone surrogate), is refused before anything is
    written, on both backends."""
    key = next(_keys)
    query = "CREATE (:ValueProbe {k: $k, one: $one, many: $many})"
    params = {"k": key, "one": values[0], "many": values}
    if _unsafe(values):
        with pytest.raises(ParameterValueError, match=r"NUL character|U\+0001|lone surrogate"):
            any_store.write(query, params)
    else:
        any_store.write(query, params)
    rows = any_store.read("MATCH (p:ValueProbe {k: $k}) RETURN p.one AS one, p.many AS many",
                          {"k": key}).rows
    assert rows == ([] if _unsafe(values) else [{"one": values[0], "many": values}])


@FAST
@given(values=st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_text_in_a_table_parameter_round_trips_or_is_refused(store: FalkorDBStore,
                                                                 values: list[str]) -> None:
    """The FalkorDB table fast path (columns serialised by Arrow) is as safe as the rest."""
    column = np.array(values, dtype=object)
    query = "UNWIND $rows AS r RETURN r[0] AS v, r[1] AS i"
    if _unsafe(values):
        with pytest.raises(ParameterValueError, match=r"NUL character|U\+0001|lone surrogate"):
            store.read(query, {"rows": Table([column, np.arange(len(values))])})
        return
    rows = store.read(query, {"rows": Table([column, np.arange(len(values))])}).rows
    assert [r["v"] for r in sorted(rows, key=lambda r: r["i"])] == values


def _write_accounts(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(["platform", "account_id", "display_name"])
        writer.writerows([("zhihu", account, name) for account, name in rows])


@FAST
@given(cells=st.lists(st.tuples(FILE_TEXT, FILE_TEXT), min_size=1, max_size=4))
def test_any_text_through_ingest_is_stored_equal_or_quarantined(
        store: FalkorDBStore, settings: Settings, tmp_path: Path,
        cells: list[tuple[str, str]]) -> None:
    """Accounts whose ids and display names hold arbitrary text: each row is loaded with
    its values read back equal (surrounding whitespace stripped, as documented), or
    quarantined with a reason naming the column; the ingest itself never fails."""
    example = next(_keys)
    prefix = f"e{example}u"
    rows = [(f"{prefix}{i}_{account}", name) for i, (account, name) in enumerate(cells)]
    folder = tmp_path / f"ex{example}"
    folder.mkdir()
    _write_accounts(folder / "accounts.csv", rows)
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    counts = report.files[0]
    assert (counts.read, counts.loaded + counts.quarantined + counts.duplicates) == (
        len(rows), len(rows))
    reasons = []
    if report.quarantine_file:
        reasons = [line.split("\t", 1)[0].split(":", 2)[2]
                   for line in Path(report.quarantine_file).read_text("utf-8").splitlines()]
    assert all("column 'account_id'" in r or "column 'display_name'" in r for r in reasons)
    stored = {r["k"]: r["n"] for r in store.read(
        "MATCH (a:Account) WHERE a.account_id STARTS WITH $p "
        "RETURN a.account_id AS k, a.display_name AS n", {"p": prefix}).rows}
    strip = pd.Series([v for row in rows for v in row], dtype=str).str.strip().tolist()
    expected = dict(zip(strip[0::2], strip[1::2], strict=True))
    for account, name in expected.items():
        if "\x00" in account + name:
            assert account not in stored  # a NUL anywhere: quarantined
        elif account in stored:
            assert stored[account] in (name, None if name == "" else name)
    assert len(stored) == counts.loaded


def test_sixteen_digit_epochs_are_microseconds(store: FalkorDBStore, settings: Settings,
                                               tmp_path: Path) -> None:
    """A 16-digit epoch is microseconds (it was read as milliseconds: year 57,000)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "interactions.csv").write_text(
        "platform,src_account,dst_account,type,timestamp\n"
        "zhihu,1,2,like,1751328000123456\nzhihu,1,3,like,1751328000123\n"
        "zhihu,1,4,like,2025-07-01T08:00:00+08:00\n", encoding="utf-8")
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert report.files[0].loaded == 3
    rows = store.read("MATCH ()-[r:INTERACTED]->() RETURN r.first_at AS t").rows
    assert [r["t"] for r in rows] == [1_751_328_000] * 3


def test_epoch_units_and_forms() -> None:
    secs, ok, why = parse_epoch(pd.Series(
        ["1751328000", "1751328000000", "1751328000000000", "now", "today", "20250701",
         "2025-07-01", "07/01/2025"]))
    assert ok.tolist() == [True, True, True, False, False, False, True, False]
    assert secs[ok].tolist() == [1_751_328_000] * 3 + [1_751_328_000]
    assert "8-digit" in why[5]
    secs, ok, _ = parse_epoch(pd.Series(["1751328000000", "x"]), "epoch_ms")
    assert (secs[0], ok.tolist()) == (1_751_328_000, [True, False])


@pytest.mark.parametrize("salt", ["a", " ", "short-salt", " padded-salt-0123456789 "])
def test_a_weak_salt_is_refused_naming_the_setting(salt: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KOLGRAPH_PII_SALT must"):
        load_settings(env={"KOLGRAPH_PII_SALT": salt})
    config = tmp_path / "kolgraph.toml"
    config.write_text(f'pii_salt = "{salt}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kolgraph\.toml: pii_salt must"):
        load_settings(config, env={})
    accounts = pd.DataFrame({"phone": ["13800000000"], "email": [""], "unionid": [""]})
    with pytest.raises(ConfigError, match="KOLGRAPH_PII_SALT must"):
        identity_hashes(accounts, salt)


def test_a_salt_of_sixteen_characters_is_accepted() -> None:
    assert load_settings(env={"KOLGRAPH_PII_SALT": "0123456789abcdef"}).pii_salt == \
        "0123456789abcdef"


def test_as_of_setting_and_bad_values() -> None:
    assert load_settings(env={"KOLGRAPH_AS_OF": "2025-07-01"}).as_of == 1_751_328_000
    with pytest.raises(ConfigError, match="KOLGRAPH_AS_OF"):
        load_settings(env={"KOLGRAPH_AS_OF": "yesterday"})
    with pytest.raises(ConfigError, match="KOLGRAPH_FUTURE_SKEW"):
        load_settings(env={"KOLGRAPH_FUTURE_SKEW": "-1"})


FUTURE = 4_070_908_800  # 2099-01-01T00:00:00Z
AS_OF = 1_782_864_000.0  # 2026-07-01: the end of the sample's year


def _memberships(result: object) -> pd.Series:
    persons = result.persons  # type: ignore[attr-defined]
    return persons.set_index("person_id")["community_id"].sort_index()


def test_one_future_dated_row_changes_no_community(store: FalkorDBStore, settings: Settings,
                                                   tmp_path: Path) -> None:
    """The 2,000-person sample plus one interaction dated 2099: the row is quarantined and
    the analysis gives the same communities as without it; let in (a skew of a century),
    it counts as one new tie and the analysis still measures recency from the run's clock
    (it took "now" from the newest tie: 19 communities fell to 5, modularity to 0)."""
    from graph.ingest.sample import generate_sample

    sample = tmp_path / "sample"
    generate_sample(sample, persons=2000, seed=7)
    run = dataclasses.replace(settings, home=tmp_path)
    ingest_folder(store, run, sample)
    weights = load_weights()
    _, before = run_analysis(store, weights, AnalyzeParams(seed=1, as_of=AS_OF))

    edges = pd.read_csv(next(sample.glob("interactions*")), dtype=str, nrows=1)
    future = tmp_path / "future"
    future.mkdir()
    row = edges.iloc[0]
    (future / "interactions.csv").write_text(
        "platform,src_account,dst_account,type,timestamp\n"
        f"{row['platform']},{row['src_account']},{row['dst_account']},comment,{FUTURE}\n",
        encoding="utf-8")
    report = ingest_folder(store, run, future)
    assert (report.files[0].loaded, report.files[0].quarantined) == (0, 1)
    assert "in the future" in Path(str(report.quarantine_file)).read_text("utf-8")
    _, after = run_analysis(store, weights, AnalyzeParams(seed=1, as_of=AS_OF))
    assert after.metrics["communities"] == before.metrics["communities"]
    assert after.metrics["modularity"] == before.metrics["modularity"]
    assert _memberships(after).equals(_memberships(before))

    report = ingest_folder(store, dataclasses.replace(run, future_skew_s=1e10), future)
    assert report.files[0].loaded == 1
    clock = time.time()
    _, let_in = run_analysis(store, weights, AnalyzeParams(seed=1))
    assert clock - 5 <= let_in.metrics["now"] <= time.time() + 5
    assert let_in.metrics["communities"] >= 0.8 * before.metrics["communities"]
    assert let_in.metrics["modularity"] >= 0.9 * before.metrics["modularity"]
    assert nmi(_memberships(before).to_numpy(),
               _memberships(let_in).reindex(_memberships(before).index).to_numpy()) >= 0.9


def test_analyze_as_of_option_names_itself(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kolgraph.cli import cli

    result = CliRunner().invoke(cli, ["analyze", "--as-of", "yesterday"],
                                env={"KOLGRAPH_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert "Invalid value for --as-of: must be epoch seconds or an ISO-8601" in result.output
