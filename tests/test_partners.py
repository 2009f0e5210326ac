"""Partners (异业联盟) on both backends, on the library graph of ``tests/library_graph.py``:
a customer list imported raw (hashed with our salt) or pre-hashed matches the persons whose
accounts carry the same identity hashes, stores nothing but the matches, reports its bad rows
by line and column, and a new import replaces the previous matches; the overlap by community
and the best-reaching KOLs are checked against counts made here from the library's known
communities and audiences.

The library input gives W a phone, L an e-mail and Z a unionid; the ``customers_graph``
fixture gives C, Q, S and J identity hashes too, written as the ingest writes them
(``pii.hash_value`` with the test salt).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.errors import InvalidInput, NotFound
from graph.ingest.pii import MissingSaltError, hash_value
from kolgraph.usecases import campaigns, partners
from tests.library_graph import CURRENT, CURRENT_LABELS
from tests.test_cypher_library import kolgraph, lib_any_store, lib_store  # noqa: F401  (fixtures)

Lib = tuple[Any, dict]
SALT = "test-salt-0123456789"
#: Identity values given here to accounts of the library graph: account -> (kind, value).
EXTRA: dict[str, tuple[str, str]] = {
    "zhihu:chen": ("phone", "13900000003"), "bilibili:qian": ("email", "qian@example.com"),
    "dedao:sun_d": ("unionid", "u-sun"), "dedao:jiang": ("phone", "13900000014"),
}
#: A partner's list in raw values: W (phone, written another way), L (e-mail, other case),
#: Z (unionid), C, Q, S; two customers we do not have; and bad rows (lines 10 to 13).
RAW_LIST = ("\ufeffPhone,email,unionid,name\n"
            "+86 138-0000-0001,,,王\n"            # line 2: W
            ",LI@Example.com,,李\n"                # 3: L
            ",,u-zhao,赵\n"                        # 4: Z
            "13900000003,,,陈\n"                   # 5: C
            ",qian@example.com,,钱\n"              # 6: Q
            ",,u-sun,孙\n"                         # 7: S
            "13700000000,nobody@example.com,,无\n"  # 8: unknown to us
            ",,u-nobody,\n"                        # 9: unknown to us
            ",,,only a name\n"                     # 10: no identity value
            "12ab,not-an-email,,\n"                # 11: bad phone and bad e-mail
            "13900000003,,,x,extra\n"              # 12: a cell too many
            "phone:0123456789abcdef0123456789abcdef,,,\n")  # 13: a hash in raw mode
RAW_VALUES = ["13800000001", "138-0000-0001", "li@example.com", "LI@Example.com", "u-zhao",
              "13900000003", "qian@example.com", "u-sun", "13700000000",
              "nobody@example.com", "u-nobody", "only a name"]
MATCHED = {"W", "L", "Z", "C", "Q", "S"}


@pytest.fixture(scope="module")
def customers_graph(lib_any_store: tuple[Any, dict]) -> tuple[Any, dict]:  # noqa: F811
    store, ids = lib_any_store
    for account, (kind, value) in EXTRA.items():
        store.write("MATCH (a:Account {account_key: $key}) SET a.identity_hashes = $hashes",
                    {"key": account, "hashes": [hash_value(SALT, kind, value)]})
    return store, ids


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _customers(store: Any, partner_id: str) -> dict[str, list[str]]:
    return {r["person_id"]: r["via"] for r in store.read(
        "MATCH (p:Person)-[e:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
        "RETURN p.person_id AS person_id, e.via AS via", {"id": partner_id}).rows}


def _handles(ids: dict[str, str], person_ids: Any) -> set[str]:
    handle = {v: k for k, v in ids.items()}
    return {handle[p] for p in person_ids}


def test_a_raw_list_is_hashed_matched_and_never_stored(customers_graph: Lib,
                                                       tmp_path: Path) -> None:
    store, ids = customers_graph
    rid = partners.create(store, "某书店", alpha="0.8", beta="0.1", user="ann")
    assert rid.startswith("R") and len(rid) == 13
    report = partners.import_customers(store, rid, _write(tmp_path, "list.csv", RAW_LIST),
                                       hashed=False, salt=SALT, user="ann")
    assert (report.rows, report.accepted, report.rejected) == (12, 8, 4)
    assert (report.columns, report.ignored_columns) == (["phone", "email", "unionid"],
                                                       ["name"])
    assert report.values == {"phone": 3, "email": 3, "unionid": 3}
    assert report.matched == 6 and report.matched_by_kind == {"phone": 2, "email": 2,
                                                              "unionid": 2}
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (10, "phone/email/unionid", "no identity value"),
        (11, "email", "invalid email address (value masked)"),
        (11, "phone", "invalid phone number (value masked)"),
        (12, "#5", "5 cells but the header has 4 columns"),
        (13, "phone", "already a hash; import the file as pre-hashed"),
    ]
    found = _customers(store, rid)
    assert _handles(ids, found) == MATCHED
    assert found[ids["W"]] == ["phone"] and found[ids["Z"]] == ["unionid"]
    got = partners.get(store, rid)
    assert (got["customers"], got["matched"], got["alpha"], got["beta"], got["import_mode"],
            got["imported_by"]) == (8, 6, 0.8, 0.1, "raw", "ann")
    # nothing of the list but the matches is in the database: no raw value, no hash of an
    # unmatched customer
    everything = json.dumps(
        [r["p"] for r in store.read("MATCH (n) RETURN properties(n) AS p").rows]
        + [r["p"] for r in store.read("MATCH ()-[e]->() RETURN properties(e) AS p").rows],
        ensure_ascii=False)
    for value in RAW_VALUES:
        assert value not in everything, value
    for kind, value in (("phone", "13700000000"), ("email", "nobody@example.com"),
                        ("unionid", "u-nobody")):
        assert hash_value(SALT, kind, value).split(":")[1] not in everything


def test_a_pre_hashed_list_matches_the_same_persons(customers_graph: Lib, tmp_path: Path) -> None:
    store, ids = customers_graph
    rid = partners.create(store, "hashed partner", user="ann")
    w = hash_value(SALT, "phone", "13800000001")
    lines = ["phone,email,unionid",
             w + ",,",                                                      # 2: W, prefixed
             "," + hash_value(SALT, "email", "li@example.com").split(":")[1].upper() + ",",
             ",," + hash_value(SALT, "unionid", "u-zhao"),                  # 4: Z
             hash_value(SALT, "phone", "13900000003").split(":")[1] + ",,",  # 5: C, bare
             "," + hash_value(SALT, "email", "qian@example.com") + ",",     # 6: Q
             ",," + hash_value(SALT, "unionid", "u-sun"),                   # 7: S
             "13800000001,,",                                               # 8: a raw value
             "," + w + ",",                                                 # 9: wrong kind
             "abc,,"]                                                       # 10: not a hash
    report = partners.import_customers(store, rid, _write(tmp_path, "h.csv", "\n".join(lines)),
                                       hashed=True, salt=None, user="ann")
    assert _handles(ids, _customers(store, rid)) == MATCHED
    assert (report.accepted, report.rejected, report.matched) == (6, 3, 6)
    assert [(p.line, p.column) for p in report.problems] == [(8, "phone"), (9, "email"),
                                                             (10, "phone")]
    assert report.problems[1].reason == "a phone hash in column 'email'"
    assert "13800000001" not in json.dumps([p.reason for p in report.problems])


def test_a_new_import_replaces_the_matches(customers_graph: Lib, tmp_path: Path) -> None:
    store, ids = customers_graph
    rid = partners.create(store, "replaced", user="ann")
    partners.import_customers(store, rid, _write(tmp_path, "a.csv", RAW_LIST), False, SALT)
    report = partners.import_customers(
        store, rid, _write(tmp_path, "b.csv", "phone\n13900000014\n13900000003\n"), False,
        SALT, "bob")
    assert report.matched == 2 and _handles(ids, _customers(store, rid)) == {"J", "C"}
    got = partners.get(store, rid)
    assert (got["customers"], got["matched"], got["imported_by"]) == (2, 2, "bob")
    partners.import_customers(store, rid, _write(tmp_path, "c.csv", "email\nx@y.z\n"), False,
                              SALT)
    assert _customers(store, rid) == {} and partners.get(store, rid)["matched"] == 0


def test_overlap_by_community_and_platform(customers_graph: Lib, tmp_path: Path) -> None:
    store, ids = customers_graph
    rid = partners.create(store, "overlap", user="ann")
    partners.import_customers(store, rid, _write(tmp_path, "l.csv", RAW_LIST), False, SALT)
    found = partners.overlap(store, rid)
    assert (found.customers, found.matched, found.match_rate) == (8, 6, 6 / 8)
    # independently: the current analysis of tests/library_graph.py
    expected = []
    for community in sorted({v[0] for v in CURRENT.values()}):
        members = {h for h, v in CURRENT.items() if v[0] == community}
        if members & MATCHED:
            expected.append({"community_id": community, "title": CURRENT_LABELS[community][0],
                             "matched": len(members & MATCHED),
                             "size": len(members),
                             "share": len(members & MATCHED) / len(members)})
    assert sorted(found.by_community, key=lambda r: r["community_id"]) == expected
    assert found.unassigned == 0
    on = {r["platform"]: r for r in found.by_platform}
    platforms: dict[str, set[str]] = {}
    for row in store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                          "RETURN p.person_id AS p, a.platform AS platform").rows:
        platforms.setdefault(row["platform"], set()).add(row["p"])
    for platform, persons in platforms.items():
        hit = _handles(ids, persons) & MATCHED
        assert on[platform]["matched"] == len(hit)
        assert on[platform]["size"] == len(persons)


def test_best_kols_against_an_independent_count(customers_graph: Lib, tmp_path: Path) -> None:
    store, ids = customers_graph
    rid = partners.create(store, "kols", user="ann")
    partners.import_customers(store, rid, _write(tmp_path, "l.csv", RAW_LIST), False, SALT)
    best = partners.best_kols(store, rid, k=20)
    customers = {ids[h] for h in MATCHED}
    pairs = campaigns.audience(store, list(ids.values()))
    expected = []
    for person, group in pairs.groupby("person"):
        audience = set(group["member"])
        if audience & customers:
            score = CURRENT[_handles(ids, [person]).pop()][1]
            expected.append((-len(audience & customers), -score, person, len(audience)))
    expected.sort()
    assert [(r["person_id"], r["customers"], r["audience"]) for r in best] == \
        [(p, -c, a) for c, _s, p, a in expected]
    assert [r["rank"] for r in best] == list(range(1, len(best) + 1))
    assert best[0]["person_id"] == ids["W"] and (best[0]["customers"], best[0]["audience"]) \
        == (4, 7)
    assert best[0]["share"] == pytest.approx(4 / 7)
    assert len(partners.best_kols(store, rid, k=1)) == 1
    # only the highest-scored candidate looked at
    assert [r["person_id"] for r in partners.best_kols(store, rid, k=5, candidates=1)] == \
        [ids["W"]]


def test_partners_are_kept_changed_and_deleted(customers_graph: Lib, tmp_path: Path) -> None:
    store, ids = customers_graph
    rid = partners.create(store, "  Acme  Books ", user="ann")
    got = partners.get(store, rid)
    assert (got["name"], got["alpha"], got["beta"], got["status"], got["created_by"]) == \
        ("Acme Books", 1.0, 0.0, "active", "ann")
    by_name = partners.get_by_name(store, "acme books")
    assert by_name is not None and by_name["partner_id"] == rid
    assert partners.get_by_name(store, "nobody") is None
    with pytest.raises(InvalidInput, match="exists") as err:
        partners.create(store, "ACME BOOKS", user="ann")
    assert err.value.param == "name"
    updated = partners.update(store, rid, {"beta": "0.25", "name": "Acme 书店"}, "bob")
    assert (updated["name"], updated["alpha"], updated["beta"]) == ("Acme 书店", 1.0, 0.25)
    assert rid in {r["partner_id"] for r in partners.list_all(store)}
    partners.import_customers(store, rid, _write(tmp_path, "l.csv", RAW_LIST), False, SALT)
    partners.delete(store, rid, "bob")
    assert rid not in {r["partner_id"] for r in partners.list_all(store)}
    assert _customers(store, rid) == {}
    with pytest.raises(NotFound) as missing:
        partners.get(store, rid)
    assert missing.value.param == "partner_id"
    # the name is free again
    partners.delete(store, partners.create(store, "Acme Books", user="ann"), "ann")


@pytest.mark.parametrize(("call", "param"), [
    (lambda s: partners.create(s, " "), "name"),
    (lambda s: partners.create(s, "x" * 121), "name"),
    (lambda s: partners.create(s, "a", alpha="-1"), "alpha"),
    (lambda s: partners.create(s, "a", alpha="abc"), "alpha"),
    (lambda s: partners.create(s, "a", beta="inf"), "beta"),
    (lambda s: partners.create(s, "a", beta=-0.5), "beta"),
])
def test_wrong_values_name_the_parameter(customers_graph: Lib, call: Any, param: str) -> None:
    store, _ids = customers_graph
    with pytest.raises(InvalidInput) as err:
        call(store)
    assert err.value.param == param


def test_import_errors(customers_graph: Lib, tmp_path: Path) -> None:
    store, _ids = customers_graph
    rid = partners.create(store, "errors", user="ann")
    no_column = _write(tmp_path, "names.csv", "name,city\na,b\n")
    with pytest.raises(InvalidInput) as err:
        partners.import_customers(store, rid, no_column, False, SALT)
    assert err.value.param == "path" and "names.csv" in str(err.value)
    assert "phone, email, unionid" in str(err.value)
    with pytest.raises(InvalidInput, match="no such file"):
        partners.import_customers(store, rid, tmp_path / "none.csv", False, SALT)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("phone,name\n13800000001,王老师\n".encode("gb18030"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        partners.import_customers(store, rid, gbk, False, SALT)
    with pytest.raises(MissingSaltError, match="KOLGRAPH_PII_SALT"):
        partners.import_customers(store, rid, _write(tmp_path, "p.csv", "phone\n1380000\n"),
                                  False, None)
    with pytest.raises(NotFound):
        partners.import_customers(store, "Rnothere", no_column, False, SALT)
    partners.import_customers(store, rid, _write(tmp_path, "one.csv", "phone\n13900000003\n"),
                              False, SALT)
    with pytest.raises(InvalidInput, match="no usable customer row") as empty:
        partners.import_customers(store, rid, _write(tmp_path, "e.csv", "phone\n\n12ab\n"),
                                  False, SALT)
    assert empty.value.param == "path" and partners.get(store, rid)["matched"] == 1
    with pytest.raises(InvalidInput) as bad_k:
        partners.best_kols(store, rid, k=0)
    assert bad_k.value.param == "k"


def test_the_cli_round_trip(kolgraph: Any, lib_store: Lib,  # noqa: F811
                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ids = lib_store
    for account, (kind, value) in EXTRA.items():
        store.write("MATCH (a:Account {account_key: $key}) SET a.identity_hashes = $hashes",
                    {"key": account, "hashes": [hash_value(SALT, kind, value)]})
    monkeypatch.setenv("KOLGRAPH_PII_SALT", SALT)
    code, out, err = kolgraph("partner", "create", "CLI 书店", "--alpha", "0.9", "--beta",
                              "0.05")
    assert code == 0, err
    rid = out.strip()
    listed = _write(tmp_path, "list.csv", RAW_LIST)
    code, out, err = kolgraph("partner", "import", rid, str(listed))
    assert code == 0, err
    assert "12 rows, 8 accepted, 4 rejected" in out and "matched: 6 persons" in out
    assert f"{listed}  11    phone" in out
    code, out, _ = kolgraph("partner", "import", rid, str(listed), "--format", "csv")
    assert out.splitlines()[0] == "file,line,column,reason" and len(out.splitlines()) == 6
    code, out, _ = kolgraph("partner", "list", "--format", "json")
    assert {r["partner_id"]: r["matched"] for r in json.loads(out)}[rid] == 6
    code, out, err = kolgraph("partner", "show", rid)
    assert code == 0 and "overlap: 6 of our persons match 8 customer rows (match rate 75.0%)" \
        in out, err
    code, out, _ = kolgraph("partner", "show", rid, "--format", "json")
    assert json.loads(out)["matched"] == 6
    code, out, err = kolgraph("partner", "kols", rid, "--k", "2", "--format", "json")
    assert code == 0, err
    assert [r["person_id"] for r in json.loads(out)][0] == ids["W"]
    code, out, err = kolgraph("partner", "set", rid, "--alpha", "abc")
    assert code == 2 and "error: --alpha: not a number: 'abc'" in err
    code, out, err = kolgraph("partner", "import", rid, str(tmp_path / "none.csv"))
    assert code == 2 and "error: FILE:" in err and "no such file" in err
    code, out, err = kolgraph("partner", "show", "Rnothere")
    assert code == 1 and "error: ID: no partner 'Rnothere'" in err
    monkeypatch.delenv("KOLGRAPH_PII_SALT")
    code, out, err = kolgraph("partner", "import", rid, str(listed))
    assert code != 0 and "KOLGRAPH_PII_SALT" in err
    assert kolgraph("partner", "delete", rid)[0] == 0
    assert rid not in kolgraph("partner", "list")[1]
