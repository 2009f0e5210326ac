"""The campaign seeds page and its API with plans computed in the background
(``web.seed_jobs``): the job runner on its own (identical requests share a job, at most
``running`` at a time, use-case errors kept, unexpected ones retried, a cap on unfinished
jobs), then the page and the API on the loaded sample: the first request answers with the
progress (202 on the API), the status reaches done, the next request shows the plan; a bad
person id names its field."""

from __future__ import annotations

import html as htmllib
import re
import threading
import time

import pytest

from graph.errors import InvalidInput
from web.seed_jobs import SeedJobs

DEADLINE_S = 180


# ------------------------------------------------------------------------- the job runner
def _blocked(started: list[str], release: threading.Event, name: str):
    def compute(progress):
        started.append(name)
        progress("sampling", 0.25)
        release.wait(10)
        return {"name": name}
    return compute


def test_identical_requests_share_a_job_and_two_run_at_a_time():
    jobs, release, started = SeedJobs(running=2), threading.Event(), []
    first = jobs.start("a", _blocked(started, release, "a"))
    assert jobs.start("a", _blocked(started, release, "again")) is first
    second = jobs.start("b", _blocked(started, release, "b"))
    third = jobs.start("c", _blocked(started, release, "c"))
    deadline = time.monotonic() + 5
    while len(started) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert sorted(started) == ["a", "b"]  # "c" waits its turn, "again" never runs
    assert third.status().state == "running" and third.status().stage == "queued"
    assert first.status().stage == "sampling" and first.status().fraction == 0.25
    release.set()
    for job in (first, second, third):
        assert job.wait(5)
    assert [j.status().result for j in (first, second, third)] == [
        {"name": "a"}, {"name": "b"}, {"name": "c"}]
    assert first.status().state == "done" and first.status().fraction == 1.0


def test_use_case_errors_are_kept_and_unexpected_ones_tried_again():
    jobs, calls = SeedJobs(), []

    def invalid(progress):
        calls.append("invalid")
        raise InvalidInput("include", "unknown person 'x'")

    def broken(progress):
        calls.append("broken")
        raise RuntimeError("boom")

    job = jobs.start("bad", invalid)
    assert job.wait(5) and job.status().state == "error"
    assert isinstance(job.status().error, InvalidInput)
    assert jobs.start("bad", invalid) is job and calls == ["invalid"]  # kept, not run again
    failed = jobs.start("broken", broken)
    assert failed.wait(5) and failed.status().state == "error"
    assert jobs.start("broken", broken) is failed  # seen by its pollers, not restarted
    failed.retry_after_s = 0  # ... until a while later
    again = jobs.start("broken", broken)
    assert again is not failed and again.wait(5) and calls == ["invalid", "broken", "broken"]


def test_unfinished_jobs_are_capped():
    jobs, release, started = SeedJobs(running=1, pending=2), threading.Event(), []
    assert jobs.start(1, _blocked(started, release, "1")) is not None
    assert jobs.start(2, _blocked(started, release, "2")) is not None
    assert jobs.start(3, _blocked(started, release, "3")) is None
    release.set()


# ---------------------------------------------------------------------- page and API
@pytest.fixture
def no_wait(web_app, monkeypatch):
    """Requests answer at once with the job (the other web tests wait for the plan)."""
    monkeypatch.setitem(web_app.config, "SEEDS_WAIT_S", 0)


def _poll(client, url: str) -> dict:
    """The status at ``url`` once it is no longer ``running``."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
        assert set(body) >= {"state", "stage", "stage_text", "fraction", "message"}
        assert 0 <= body["fraction"] <= 1
        if body["state"] != "running":
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def _status_url(page: str) -> str:
    found = re.search(r'<section id="seeds-progress"[^>]*data-status-url="([^"]+)"', page)
    assert found, page[-2000:]
    return htmllib.unescape(found.group(1))


def test_first_request_shows_the_progress_then_the_plan(client_as, web_sample, no_wait):
    client = client_as("viewer")
    path = f"/influencers/seeds?k=2&model=lt&platform={web_sample.platform}"
    first = client.get(path)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "<progress" in page and 'id="seeds-reach"' not in page
    assert "js/seeds.js" in page and '<meta http-equiv="refresh"' in page
    assert 'id="seeds-reload"' in page
    status_url = _status_url(page)
    assert status_url.startswith("/influencers/seeds/status?") and "model=lt" in status_url
    done = _poll(client, status_url)
    assert done["state"] == "done" and done["fraction"] == 1.0 and done["stage"] == "done"

    page = client.get(path).get_data(as_text=True)
    assert 'id="seeds-progress"' not in page and "<progress" not in page
    for strategy in ("imm", "top_pagerank", "top_followers"):
        assert f'<tr data-strategy="{strategy}"' in page
    assert 'id="seeds-model" data-model="lt"' in page and "linear threshold" in page
    assert re.search(r'id="seeds-guarantee" data-guaranteed="(true|false)"', page)
    assert 'class="kg-best" data-best="true"' in page
    assert ('id="seeds-imm-warning"' in page) == ('<tr data-strategy="imm" class="kg-best"'
                                                  not in page)
    assert '<option value="lt" selected>' in page


def test_the_api_answers_202_while_computing_then_the_plan(client_as, web_sample, no_wait):
    client = client_as("viewer")
    excluded = web_sample.top_person_id
    url = f"/api/v1/influencers/seeds?k=2&model=ic&exclude={excluded}"
    first = client.get(url)
    assert first.status_code == 202 and first.headers["Retry-After"] == "1"
    assert first.get_json()["state"] == "running"
    deadline = time.monotonic() + DEADLINE_S
    while (response := client.get(url)).status_code == 202:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert response.status_code == 200
    plan = response.get_json()
    assert [r["strategy"] for r in plan["strategies"]][:3] == ["imm", "top_pagerank",
                                                               "top_followers"]
    assert plan["model"] == "ic" and "guaranteed" in plan["strategies"][0]
    assert all(excluded not in r["seeds"] for r in plan["strategies"])


def test_a_bad_include_id_names_the_field(client_as, no_wait):
    client = client_as("viewer")
    path = "/influencers/seeds?k=2&include=no-such-person"
    first = client.get(path)
    assert first.status_code in (200, 400)
    if first.status_code == 200:  # the job is running: its status ends with the error
        failed = _poll(client, _status_url(first.get_data(as_text=True)))
        assert failed["state"] == "error" and failed["parameter"] == "include"
        assert failed["status"] == 400
        assert failed["message"].startswith("parameter include: unknown person")
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and 'id="seeds-form"' in text
    assert re.search(r'<p class="kg-error" role="alert" id="seeds-error" '
                     r'data-parameter="include">parameter include: unknown person', text)
    api = client.get("/api/v1/influencers/seeds?k=2&include=no-such-person")
    assert api.status_code == 400 and api.get_json()["parameter"] == "include"
    model = client.get("/influencers/seeds?k=2&model=sir")
    assert model.status_code == 400 and 'data-parameter="model"' in model.get_data(as_text=True)


def test_the_status_speaks_the_users_language(client_as, no_wait):
    client = client_as("viewer")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    failed = _poll(client, "/influencers/seeds/status?k=2&model=lt&include=no-such-person")
    assert failed["state"] == "error" and failed["message"].startswith("参数 include")


def test_too_many_unfinished_plans_is_a_503(client_as, web_app, no_wait, monkeypatch):
    from web.context import get_context

    with web_app.app_context():
        monkeypatch.setattr(get_context(), "seed_jobs", SeedJobs(pending=0))
    response = client_as("viewer").get("/api/v1/influencers/seeds?k=5&model=lt")
    assert response.status_code == 503
    assert response.get_json()["message"].startswith("too many seed plans")
