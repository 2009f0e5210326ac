"""``kolgraph user`` and ``kolgraph serve``, the admin page (users, runs) and the job runner."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

import web.jobs as jobs_module
from graph.config import load_settings
from graph.errors import Conflict
from graph.store import embedded
from graph.store.runs import current_run
from kolgraph.cli import cli
from kolgraph.cli.commands.serve import _is_loopback
from kolgraph.cli.support import UserError
from web.jobs import JobRunner, job_args
from web.users import UserStore


@pytest.fixture
def user_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("KOLGRAPH_HOME", str(tmp_path))
    monkeypatch.delenv("KOLGRAPH_CONFIG", raising=False)
    return CliRunner(), UserStore.for_home(tmp_path)


def test_user_add_from_env_updates_an_existing_user(user_cli, monkeypatch):
    runner, users = user_cli
    monkeypatch.setenv("DEMO_PW", "first-password")
    result = runner.invoke(cli, ["user", "add", "admin", "--role", "admin",
                                 "--password-env", "DEMO_PW"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output
    monkeypatch.setenv("DEMO_PW", "second-password")
    again = runner.invoke(cli, ["user", "add", "admin", "--role", "admin",
                                "--password-env", "DEMO_PW"])
    assert again.exit_code == 0 and "updated" in again.output
    assert users.check_password("admin", "second-password").role == "admin"
    assert users.check_password("admin", "first-password") is None


def test_user_add_from_stdin_and_prompt(user_cli):
    runner, users = user_cli
    result = runner.invoke(cli, ["user", "add", "ana", "--role", "analyst", "--password-stdin"],
                           input="stdin-password\n")
    assert result.exit_code == 0, result.output
    assert users.check_password("ana", "stdin-password").role == "analyst"
    prompted = runner.invoke(cli, ["user", "add", "vic", "--role", "viewer"],
                             input="prompt-password\nprompt-password\n")
    assert prompted.exit_code == 0, prompted.output
    assert users.check_password("vic", "prompt-password").role == "viewer"
    listed = runner.invoke(cli, ["user", "list", "--format", "csv"])
    assert listed.output.splitlines()[1:] and {"ana", "vic"} <= {
        line.split(",")[0] for line in listed.output.splitlines()[1:]}


def test_user_errors_name_the_parameter(user_cli, monkeypatch):
    runner, _users = user_cli
    short = runner.invoke(cli, ["user", "add", "x", "--role", "viewer", "--password-stdin"],
                          input="short\n")
    assert isinstance(short.exception, UserError) and "password" in str(short.exception)
    monkeypatch.delenv("NOPE", raising=False)
    unset = runner.invoke(cli, ["user", "add", "x", "--role", "viewer", "--password-env",
                                "NOPE"])
    assert "--password-env" in str(unset.exception)
    bad_role = runner.invoke(cli, ["user", "add", "x", "--role", "root", "--password-stdin"],
                             input="long-enough\n")
    assert bad_role.exit_code == 2 and "--role" in bad_role.output
    bad_name = runner.invoke(cli, ["user", "add", "a b", "--role", "viewer",
                                   "--password-stdin"], input="long-enough\n")
    assert "NAME" in str(bad_name.exception)
    missing = runner.invoke(cli, ["user", "remove", "ghost"])
    assert "ghost" in str(missing.exception)


def test_user_token_and_remove(user_cli):
    runner, users = user_cli
    users.add("bot", "viewer", "bot-password")
    result = runner.invoke(cli, ["user", "token", "bot"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("kgt_")
    assert users.user_for_token(token).name == "bot"
    assert token not in users.path.read_bytes().decode("latin-1")
    second = runner.invoke(cli, ["user", "token", "bot"]).output.strip()
    revoked = runner.invoke(cli, ["user", "token", "bot", "--revoke"])
    assert revoked.exit_code == 0 and "revoked 2 token(s)" in revoked.output
    assert users.user_for_token(token) is None and users.user_for_token(second) is None
    token = runner.invoke(cli, ["user", "token", "bot"]).output.strip()
    removed = runner.invoke(cli, ["user", "remove", "bot"])
    assert removed.exit_code == 0
    assert users.user_for_token(token) is None and users.get("bot") is None


def test_loopback_detection():
    assert _is_loopback("127.0.0.1") and _is_loopback("localhost") and _is_loopback("::1")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("example.org")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_kolgraph_serve_serves_the_app(web_sample, workers):
    import psutil

    port = _free_port()
    env = {**os.environ, "KOLGRAPH_HOME": str(web_sample.home),
           "KOLGRAPH_SECRET_KEY": "web-test-secret", "KOLGRAPH_PII_SALT": "web-test-salt-0123456"}
    env.pop("KOLGRAPH_CONFIG", None)
    env.pop("KOLGRAPH_COOKIE_SECURE", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from kolgraph.cli import main; main()", "serve", "--port",
         str(port), "--threads", "2", "--workers", str(workers)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    children = []
    try:
        bodies, deadline = [], time.monotonic() + 120
        while len(bodies) < 4 and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    bodies.append((r.read().decode(), r.headers))
            except OSError:
                time.sleep(0.5)
        assert bodies, process.stdout.read().decode() if process.poll() else "no answer"
        body, headers = bodies[-1]
        assert 'id="login-form"' in body
        assert headers["Server"] == "kolgraph"
        assert "Secure" not in headers["Set-Cookie"]  # loopback over http
        children = psutil.Process(process.pid).children()
        assert len(children) == (workers if workers > 1 else 0)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_admin_manages_users(client_as, web_sample):
    client = client_as("admin")
    token = _csrf(client, "/admin/")
    users = UserStore.for_home(web_sample.home)
    added = client.post("/admin/users", data={"action": "add", "name": "temp_user",
                                              "role": "viewer", "password": "temp-password",
                                              "csrf_token": token})
    assert added.status_code == 303 and users.get("temp_user").role == "viewer"
    assert "temp_user" in client.get("/admin/").get_data(as_text=True)
    client.post("/admin/users", data={"action": "role", "name": "temp_user",
                                      "role": "analyst", "csrf_token": token})
    assert users.get("temp_user").role == "analyst"
    weak = client.post("/admin/users", data={"action": "add", "name": "weak", "role": "viewer",
                                             "password": "short", "csrf_token": token})
    assert weak.status_code == 400 and "password" in weak.get_data(as_text=True)
    itself = client.post("/admin/users", data={"action": "remove",
                                               "name": web_sample.users["admin"],
                                               "csrf_token": token})
    assert itself.status_code == 400 and users.get(web_sample.users["admin"])
    client.post("/admin/users", data={"action": "remove", "name": "temp_user",
                                      "csrf_token": token})
    assert users.get("temp_user") is None


def test_removed_user_loses_the_session(client_as, web_sample, web_app):
    users = UserStore.for_home(web_sample.home)
    users.add("short_lived", "viewer", "short-lived-pw")
    from tests.web.conftest import log_in

    client = web_app.test_client()
    log_in(client, "short_lived", "short-lived-pw")
    assert client.get("/").status_code == 200
    users.remove("short_lived")
    assert client.get("/").status_code == 302


def test_admin_job_kind_is_checked(client_as):
    client = client_as("admin")
    response = client.post("/admin/jobs", data={"kind": "drop-everything",
                                                "csrf_token": _csrf(client, "/admin/")})
    assert response.status_code == 400 and "kind" in response.get_data(as_text=True)


def test_admin_analyze_job_takes_the_resolution(client_as, web_sample):
    client = client_as("admin")
    page = client.get("/admin/").get_data(as_text=True)
    analysis = current_run(web_sample.store, "analyze")
    assert f'name="resolution" type="number" step="any" min="0" value="' \
           f'{analysis["params"]["resolution"]}"' in page
    for bad in ("0", "-1", "many"):
        response = client.post("/admin/jobs", data={"kind": "analyze", "resolution": bad,
                                                    "csrf_token": _csrf(client, "/admin/")})
        error = re.search(r'class="kg-error" role="alert">([^<]*)<',
                          response.get_data(as_text=True))
        assert response.status_code == 400 and error, bad
        assert error.group(1).startswith("resolution: ") and "--" not in error.group(1), bad
    assert job_args("analyze", {"resolution": "2.5"}) == ["analyze", "--resolution", "2.5"]
    assert job_args("analyze", {}) == ["analyze", "--resolution", "1.0"]
    assert job_args("refresh", {"resolution": "2.5"}) == ["refresh"]


def test_job_runner_runs_kolgraph_in_a_child_process(tmp_path: Path):
    home = Path(os.path.realpath(tmp_path)) / "h"
    settings = load_settings(env={"KOLGRAPH_HOME": str(home)})
    runner = JobRunner(settings)
    try:
        job = runner.start("analyze", "tester", {"resolution": "1.5"})
        assert job.process.args[-3:] == ["analyze", "--resolution", "1.5"]
        with pytest.raises(Conflict, match="already running"):
            runner.start("analyze", "tester")  # the child is still starting Python
        with pytest.raises(Conflict, match="already running"):
            JobRunner(settings).start("analyze", "tester")  # another server process
        job.process.wait(timeout=300)
        listed = runner.list()[0]
        assert listed["status"] == "failed" and listed["exit_code"] == 1
        log = Path(listed["log_file"]).read_text()
        assert "no persons" in log and "run kolgraph ingest" in log
    finally:
        embedded.stop(settings.db_dir)


def test_a_job_read_while_its_end_is_recorded_is_not_interrupted(tmp_path: Path, monkeypatch):
    """The race seen in CI: the job's process ended and was reaped, its waiter has not yet
    written the exit status. Neither this server process (whose ``poll`` answered nothing
    while the waiter reaped) nor another one (which read the record just before it was
    written) may call the job interrupted."""
    home = Path(os.path.realpath(tmp_path)) / "h"
    settings = load_settings(env={"KOLGRAPH_HOME": str(home)})
    runner = JobRunner(settings)
    try:
        job = runner.start("analyze", "tester")
        job.process.wait(timeout=300)
        meta_path = runner.folder / f"{job.job_id}.json"
        for _ in range(100):  # the waiter thread writes the exit status
            if json.loads(meta_path.read_text())["exit_code"] is not None:
                break
            time.sleep(0.05)
        recorded = json.loads(meta_path.read_text())
        unrecorded = {**recorded, "exit_code": None, "finished_at": None}
        meta_path.write_text(json.dumps(unrecorded))

        monkeypatch.setattr(job.process, "poll", lambda: None)  # as while the waiter reaps
        assert runner.get(job.job_id)["status"] == "failed"

        other_server = JobRunner(settings)
        real_gone = jobs_module.process_gone

        def gone_once_recorded(pid, host, proc_start):
            meta_path.write_text(json.dumps(recorded))  # the waiter writes meanwhile
            return real_gone(pid, host, proc_start)

        monkeypatch.setattr(jobs_module, "process_gone", gone_once_recorded)
        row = other_server.get(job.job_id)
        assert row["status"] == "failed" and row["exit_code"] == 1

        meta_path.write_text(json.dumps(unrecorded))
        monkeypatch.setattr(jobs_module, "process_gone", real_gone)
        assert other_server.get(job.job_id)["status"] == "interrupted"  # it never recorded
    finally:
        embedded.stop(settings.db_dir)
