"""Partner pages on the web tests' sample: a viewer adds a partner, uploads its customer list
(raw phone numbers of some of the sample's accounts, unknown numbers and a bad row), sees the
persons matched — counted independently from the sample's accounts file — by community and
the KOLs who reach them best; nothing raw is stored; the campaign report applies the
partner's revenue share; only an admin deletes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient

from kolgraph.usecases import attribution, campaigns
from kolgraph.usecases import partners as usecase
from tests.web.conftest import csrf_token


def _create(client: FlaskClient, **values: str) -> str:
    token = csrf_token(client, "/partners")
    response = client.post("/partners", data={"csrf_token": token, **values})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return re.search(r"/partners/(R[0-9a-f]+)$", response.headers["Location"]).group(1)


def _phones(web_sample, count: int) -> list[tuple[str, str]]:
    """(platform:account_id, phone) of the first ``count`` accounts with a phone."""
    path = web_sample.home / "input" / "sample" / "accounts.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["phone"]]
    return [(f"{r['platform']}:{r['account_id']}", r["phone"]) for r in rows[:count]]


def test_a_viewer_imports_a_partner_list_and_sees_the_overlap(
        web_sample, client_as: Callable[[str | None], FlaskClient]) -> None:
    viewer = client_as("viewer")
    pid = _create(viewer, name="某书店 web", alpha="0.8", beta="0.1")
    known = _phones(web_sample, 40)
    expected = {r["person_id"] for r in web_sample.store.read(
        "UNWIND $keys AS key MATCH (p:Person)-[:HAS_ACCOUNT]->(:Account {account_key: key}) "
        "RETURN DISTINCT p.person_id AS person_id", {"keys": [k for k, _ in known]}).rows}
    body = "phone\n" + "".join(f"{phone}\n" for _, phone in known) \
        + "19900000001\n19900000002\nnot-a-phone\n"
    token = csrf_token(viewer, f"/partners/{pid}")
    done = viewer.post(f"/partners/{pid}/import", content_type="multipart/form-data",
                       data={"csrf_token": token,
                             "file": (io.BytesIO(body.encode("utf-8")), "客户.csv")},
                       follow_redirects=True)
    page = done.get_data(as_text=True)
    assert done.status_code == 200, page[:800]
    assert f'data-matched="{len(expected)}"' in page and len(expected) > 0
    assert "line 44" in page  # the bad row, named by its line
    stored = web_sample.store.read(
        "MATCH (p:Person)-[:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
        "RETURN p.person_id AS person_id", {"id": pid}).rows
    assert {r["person_id"] for r in stored} == expected
    kept = web_sample.store.read(
        "MATCH (:Person)-[e:PARTNER_CUSTOMER]->(r:Partner {partner_id: $id}) "
        "RETURN properties(r) AS r, collect(properties(e)) AS e", {"id": pid}).rows
    assert known[0][1] not in repr(kept) and "19900000001" not in repr(kept)
    assert 'id="partner-by-community"' in page
    best = usecase.best_kols(web_sample.store, pid, 20)
    assert [f'data-person-id="{k["person_id"]}"' in page for k in best] == [True] * len(best)
    api = viewer.get(f"/api/v1/partners/{pid}").get_json()
    assert api["matched"] == len(expected) and len(api["best_kols"]) == len(best)

    cid = campaigns.create(web_sample.store, {"name": "with partner", "partner": "某书店 WEB"},
                           "viewer")
    campaigns.select(web_sample.store, cid, [k["person_id"] for k in best[:3]] or
                     [web_sample.top_person_id], "viewer")
    report = viewer.get(f"/campaigns/{cid}/report?partner_revenue=1000").get_data(as_text=True)
    found = attribution.report(web_sample.store, cid, partner_revenue=1000)
    assert found.divided_revenue == 0.8 * found.totals["attributed_revenue"] + 0.1 * 1000
    assert f'data-divided="{found.divided_revenue}"' in report


def test_partner_form_errors_and_roles(web_sample,
                                       client_as: Callable[[str | None], FlaskClient]) -> None:
    viewer = client_as("viewer")
    token = csrf_token(viewer, "/partners")
    bad = viewer.post("/partners", data={"csrf_token": token, "name": "x", "alpha": "-1"})
    assert bad.status_code == 400 and "alpha" in bad.get_data(as_text=True)
    pid = _create(viewer, name="roles partner")
    token = csrf_token(viewer, f"/partners/{pid}")
    empty = viewer.post(f"/partners/{pid}/import", content_type="multipart/form-data",
                        data={"csrf_token": token,
                              "file": (io.BytesIO(b"name\nx\n"), "bad.csv")})
    assert empty.status_code == 400 and "path" in empty.get_data(as_text=True)
    assert viewer.post(f"/partners/{pid}/delete", data={"csrf_token": token}).status_code == 403
    admin = client_as("admin")
    token = csrf_token(admin, f"/partners/{pid}")
    assert admin.post(f"/partners/{pid}/delete", data={"csrf_token": token}).status_code == 303
    assert admin.get(f"/partners/{pid}").status_code == 404


def test_refused_rows_are_explained_in_the_users_language(
        web_sample, client_as: Callable[[str | None], FlaskClient]) -> None:
    viewer = client_as("viewer")
    pid = _create(viewer, name="坏行 web")
    body = "phone,email\n13800138000,not-an-email\n,\nphone:" + "a" * 32 + ",\n"
    token = csrf_token(viewer, f"/partners/{pid}")
    done = viewer.post(f"/partners/{pid}/import", content_type="multipart/form-data",
                       headers={"Accept-Language": "zh-CN"},
                       data={"csrf_token": token,
                             "file": (io.BytesIO(body.encode("utf-8")), "bad.csv")},
                       follow_redirects=True)
    page = done.get_data(as_text=True)
    assert done.status_code == 200, page[:800]
    # line 2: a bad email; line 3: nothing; line 4: a hash in a raw import
    for chinese in ("邮箱地址无效（不显示原值）", "没有身份标识值", "已是哈希值"):
        assert chinese in page, chinese
    assert "invalid email" not in page and "no identity value" not in page
    assert "not-an-email" not in page  # never the refused value
