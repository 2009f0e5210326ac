"""The admin page's jobs (parameters, logs by job id), the run table and the overview
dashboard, against the real embedded database."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import time
from collections import Counter
from pathlib import Path

import pytest
from flask_babel import force_locale

from graph.store.runs import current_run, list_runs
from tests.web.conftest import csrf_token, log_in
from tests.web.job_support import ADMIN, PASSWORD, job_home  # noqa: F401 (fixture)
from web.job_params import job_args, job_params
from web.runs_data import human_duration

_ERROR = re.compile(r'class="kg-error" role="alert">([^<]*)<')


def _error(response) -> str:
    found = _ERROR.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:300]
    return found.group(1)


def _wait_for_log(client, job_id: str, timeout_s: float = 300) -> tuple[str, dict]:
    """Poll the log endpoint as the page does, until done; the text and the last answer."""
    offset, text, deadline = 0, "", time.monotonic() + timeout_s
    while True:
        answer = client.get(f"/admin/jobs/{job_id}/log?offset={offset}",
                            headers={"Accept": "application/json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        data = answer.get_json()
        assert data["offset"] == offset
        text += data["text"]
        offset = data["next_offset"]
        if data["done"]:
            return text, data
        assert time.monotonic() < deadline, text[-2000:]
        time.sleep(0.5)


# ------------------------------------------------------------------------- job parameters
@pytest.mark.parametrize(("kind", "form", "param"), [
    ("analyze", {"algorithm": "kmeans"}, "algorithm"),
    ("analyze", {"min_community_size": "0"}, "minimum community size"),
    ("analyze", {"min_community_size": "2.5"}, "minimum community size"),
    ("analyze", {"resolution": "nan"}, "resolution"),
    ("refresh", {"k": "0"}, "recommendations per person (k)"),
    ("refresh", {"k": "1001"}, "recommendations per person (k)"),
    ("refresh", {"epochs": "ten"}, "epochs"),
    ("train", {"epochs": "-3"}, "epochs"),
])
def test_bad_job_parameters_are_refused_naming_the_field(client_as, kind, form, param):
    client = client_as("admin")
    before = client.get("/admin/").get_data(as_text=True).count("data-job=")
    response = client.post("/admin/jobs", data={"kind": kind, **form,
                                                "csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 400
    assert _error(response).startswith(f"{param}: ")
    assert client.get("/admin/").get_data(as_text=True).count("data-job=") == before


def test_job_parameter_errors_in_chinese(client_as):
    client = client_as("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.post("/admin/jobs", data={"kind": "analyze", "algorithm": "kmeans",
                                                "csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 400 and _error(response).startswith("算法：")
    response = client.post("/admin/jobs", data={"kind": "refresh", "k": "0",
                                                "csrf_token": csrf_token(client, "/admin/")})
    message = _error(response)
    assert message.startswith("每人推荐数 (k)：") and "至少" in message


def test_job_arguments_of_each_kind():
    assert job_args("analyze", {"resolution": "1.5", "algorithm": "louvain",
                                "min_community_size": "4"}) == [
        "analyze", "--resolution", "1.5", "--algorithm", "louvain", "--min-community-size", "4"]
    assert job_args("refresh", {"k": "7", "epochs": "3", "retrain": "on"}) == [
        "refresh", "--k", "7", "--epochs", "3", "--retrain"]
    assert job_args("train", {"epochs": "2", "resolution": "9"}) == ["train", "--epochs", "2"]
    assert job_params("refresh", {"k": " ", "retrain": ""}) == {}


# ------------------------------------------------------------------------------ job logs
@pytest.mark.parametrize("role", [None, "viewer", "analyst"])
def test_job_log_is_for_admins_only(client_as, role):
    response = client_as(role).get("/admin/jobs/analyze-20260101T000000-abcdef/log",
                                   headers={"Accept": "application/json"})
    assert response.status_code == (401 if role is None else 403)


@pytest.mark.parametrize("job_id", [
    "analyze-20260101T000000-abcdef",          # the shape of a job id, but no such job
    "..%2F..%2Fweb%2Fusers.sqlite3",             # a path, encoded
    "analyze-20260101T000000-abcdef.log",
    "users",
])
def test_job_log_answers_only_job_ids(client_as, job_id):
    response = client_as("admin").get(f"/admin/jobs/{job_id}/log",
                                      headers={"Accept": "application/json"})
    assert response.status_code == 404
    if "%2F" not in job_id:  # a "/" makes it another URL: no route at all
        assert "job_id" in response.get_data(as_text=True)


def test_job_log_offset_is_checked(job_home):  # noqa: F811
    client = job_home.app.test_client()
    log_in(client, ADMIN, PASSWORD)
    meta_dir = job_home.settings.logs_dir / "web-jobs"
    meta_dir.mkdir(parents=True, exist_ok=True)
    job_id = "train-20260101T000000-0a0b0c"
    (meta_dir / f"{job_id}.json").write_text(json.dumps(
        {"job_id": job_id, "kind": "train", "user": ADMIN, "started_at": "2026-01-01T00:00:00Z",
         "params": {"epochs": 2}, "exit_code": 0, "finished_at": "2026-01-01T00:01:00Z"}))
    (meta_dir / f"{job_id}.log").write_text("line one\nline two 训练\n", encoding="utf-8")
    for bad in ("-1", "x"):
        answer = client.get(f"/admin/jobs/{job_id}/log?offset={bad}",
                            headers={"Accept": "application/json"})
        assert answer.status_code == 400 and answer.get_json()["parameter"] == "offset"
    whole = client.get(f"/admin/jobs/{job_id}/log").get_json()
    assert whole["text"] == "line one\nline two 训练\n" and whole["done"]
    assert whole["status"] == "complete" and whole["exit_code"] == 0
    rest = client.get(f"/admin/jobs/{job_id}/log?offset=9").get_json()
    assert rest["text"] == "line two 训练\n" and rest["next_offset"] == whole["next_offset"]
    (meta_dir / f"{job_id}.json").unlink()
    (meta_dir / f"{job_id}.log").unlink()


def test_analyze_job_from_the_page_runs_with_its_parameters(job_home):  # noqa: F811
    """The form's values reach the analyze use case (the run's params), the job list shows
    them, and the log is served by job id while and after the job runs."""
    client = job_home.app.test_client()
    log_in(client, ADMIN, PASSWORD)
    response = client.post("/admin/jobs", data={
        "kind": "analyze", "resolution": "1.5", "algorithm": "louvain",
        "min_community_size": "3", "csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    job_id = re.search(r"follow=([^&#]+)", response.headers["Location"]).group(1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-log-url="/admin/jobs/{job_id}/log"' in page
    assert str(job_home.settings.logs_dir) not in page  # no server path shown any more
    text, last = _wait_for_log(client, job_id)
    assert last["status"] == "complete" and last["exit_code"] == 0, text[-2000:]
    run = current_run(job_home.store, "analyze")
    assert run is not None and run["run_id"] in text
    assert run["params"]["algorithm"] == "louvain"
    assert run["params"]["resolution"] == 1.5
    assert run["params"]["min_community_size"] == 3
    row = re.search(rf'<tr data-job="{job_id}">(.*?)</tr>',
                    client.get("/admin/").get_data(as_text=True), re.S).group(1)
    assert all(p in row for p in ("resolution=1.5", "algorithm=louvain",
                                  "min_community_size=3"))
    again, _ = _wait_for_log(client, job_id)  # still readable after the job
    assert again == text
    page = client.get("/runs").get_data(as_text=True)
    analyze_row = re.search(rf'<tr class="kg-run-complete" data-run="{run["run_id"]}">(.*?)</tr>',
                            page, re.S).group(1)
    assert '<td class="kg-algorithm">louvain</td>' in analyze_row


# ------------------------------------------------------------------------------- runs page
def test_run_table_columns(client_as, web_sample):
    page = client_as("viewer").get("/runs").get_data(as_text=True)
    table = re.search(r'<table class="kg-table kg-runs">(.*?)</table>', page, re.S).group(1)
    headers = re.findall(r"<th>([^<]*)</th>", table.split("</thead>")[0])
    assert headers == ["kind", "algorithm", "status", "started", "duration", "counts",
                       "details"]
    run = current_run(web_sample.store, "analyze")
    row = re.search(rf'data-run="{run["run_id"]}">(.*?)</tr>', table, re.S).group(1)
    assert f'<td class="kg-algorithm">{run["params"]["algorithm"]}</td>' in row
    seconds = (dt.datetime.fromisoformat(run["finished_at"].replace("Z", "+00:00"))
               - dt.datetime.fromisoformat(run["started_at"].replace("Z", "+00:00")))
    shown = re.search(r'data-seconds="([0-9.]+)">([^<]+)<', row)
    assert shown and float(shown.group(1)) == pytest.approx(seconds.total_seconds(), abs=0.1)
    assert f'persons <b title="{run["metrics"]["persons"]:,}">' in row
    assert "<summary>parameters</summary>" in row
    assert (f"<dt><code>resolution</code></dt><dd><code>{run['params']['resolution']}</code>"
            "</dd>") in row
    refresh = current_run(web_sample.store, "refresh")
    refresh_row = re.search(rf'data-run="{refresh["run_id"]}">(.*?)</tr>', table, re.S).group(1)
    assert "recommendations <b" in refresh_row


def test_runs_page_marks_runs_of_gone_processes_interrupted(client_as, web_sample):
    run_id = "train-19990101T000000-deadbeef"
    web_sample.store.write(
        "CREATE (r:Run {run_id: $id, kind: 'train', status: 'running', "
        "started_at: '1999-01-01T00:00:00Z', params: '{}', metrics: '{}', pid: 999999999, "
        "host: $host, proc_start: 1.0})", {"id": run_id, "host": socket.gethostname()})
    try:
        page = client_as("viewer").get("/runs").get_data(as_text=True)
        assert f'<tr class="kg-run-interrupted" data-run="{run_id}">' in page
    finally:
        web_sample.store.write("MATCH (r:Run {run_id: $id}) DELETE r", {"id": run_id})


def test_human_duration_in_both_languages(web_app):
    with web_app.test_request_context():
        with force_locale("en"):
            assert human_duration(133.2) == "2 min 13 sec"
            assert human_duration(3900) == "1 hr 5 min"
            assert human_duration(0.2) == "0 sec"
            assert human_duration(None) == ""
        with force_locale("zh_Hans_CN"):
            assert human_duration(133) == "2分钟 13秒"


# -------------------------------------------------------------------------------- overview
def test_overview_equals_independent_counts(client_as, web_sample):
    store = web_sample.store
    d = client_as("viewer").get("/api/v1/overview").get_json()
    # persons per platform: from every (person, platform) pair, counted here
    pairs = store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                       "RETURN DISTINCT p.person_id AS p, a.platform AS platform").rows
    expected = Counter(r["platform"] for r in pairs)
    assert {r["platform"]: r["persons"] for r in d["persons_per_platform"]} == dict(expected)
    assert [r["persons"] for r in d["persons_per_platform"]] == \
        sorted(expected.values(), reverse=True)
    # growth: every account's creation time, bucketed here
    accounts = store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                          "WHERE a.created_at IS NOT NULL "
                          "RETURN p.person_id AS p, a.created_at AS t").rows
    assert accounts, "the sample has account creation times"

    def month(t: float) -> str:
        return f"{dt.datetime.fromtimestamp(int(t), dt.UTC):%Y-%m}"

    first: dict[str, float] = {}
    for r in accounts:
        first[r["p"]] = min(first.get(r["p"], r["t"]), r["t"])
    growth = {m["month"]: m for m in d["growth"]}
    assert Counter(month(r["t"]) for r in accounts) == \
        Counter({k: v["accounts"] for k, v in growth.items() if v["accounts"]})
    assert Counter(month(t) for t in first.values()) == \
        Counter({k: v["persons"] for k, v in growth.items() if v["persons"]})
    months = [m["month"] for m in d["growth"]]
    assert months == sorted(months) and len(set(months)) == len(months)
    # top communities: the largest of the current analyze run, the bucket left out
    run = current_run(store, "analyze")
    sizes = store.read("MATCH (c:Community) WHERE c.run_id = $run AND c.community_id <> 0 "
                       "RETURN c.community_id AS id, c.size AS size "
                       "ORDER BY size DESC, id LIMIT 5", {"run": run["run_id"]}).rows
    assert [(c["community_id"], c["size"]) for c in d["top_communities"]] == \
        [(r["id"], r["size"]) for r in sizes]
    top = d["top_communities"][0]
    kol = store.read("MATCH (p:Person) WHERE p.community_id = $c "
                     "RETURN p.person_id AS id ORDER BY p.community_rank LIMIT 1",
                     {"c": top["community_id"]}).rows
    assert top["top_kol"]["person_id"] == kol[0]["id"]
    assert d["communities"] == store.scalar(
        "MATCH (c:Community) WHERE c.run_id = $run AND c.community_id <> 0 RETURN count(c)",
        {"run": run["run_id"]})
    for kind in ("analyze", "refresh"):
        assert d["last"][kind]["run_id"] == list_runs(store, kind, limit=1)[0]["run_id"]


def test_overview_page_shows_the_dashboard(client_as, web_sample):
    page = client_as("viewer").get("/").get_data(as_text=True)
    for section in ("platform-counts", "growth", "top-communities", "last-runs"):
        assert f'id="{section}"' in page
    assert 'id="last-analyze" data-status="complete"' in page
    assert "<meter" in page and "Last runs" not in page
    zh = client_as("viewer")
    zh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = zh.get("/").get_data(as_text=True)
    assert "各平台人数" in page and "最大的社群" in page


def test_overview_reads_nothing_per_person_twice(client_as, web_sample, monkeypatch):
    """The platform and growth aggregations are cached per ingest run."""
    from graph.store import overview_reads

    client = client_as("viewer")
    client.get("/")
    calls: list[str] = []
    for name in ("persons_per_platform", "growth_per_month"):
        real = getattr(overview_reads, name)
        monkeypatch.setattr(overview_reads, name,
                            lambda store, _real=real, _n=name: calls.append(_n) or _real(store))
    assert client.get("/").status_code == 200 and calls == []


def test_job_files_are_named_only_after_checked_ids(job_home):  # noqa: F811
    from web.jobs import JobRunner

    runner = JobRunner(job_home.settings)
    for bad in ("../x", "analyze-1-2", "analyze-20260101T000000-abcdef/../../x"):
        with pytest.raises(Exception, match="no job"):
            runner.read_log(bad)
    assert not (Path(job_home.settings.logs_dir) / "x").exists()
