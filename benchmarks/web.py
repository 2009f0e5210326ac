"""Load benchmark of the web UI: overview, leaderboard, community, search and person pages
under 16 clients.

Prepares (once) a KOLGRAPH_HOME holding the ``--persons`` sample through ``kolgraph.workflow``
(the flow of ``kolgraph demo``) — sample, the real ingest, analyze, a model trained for ``--epochs``
epochs (made current whatever its quality) and a refresh; an existing complete sample folder
and an already analysed/refreshed home are reused — then serves the app with ``kolgraph
serve`` (waitress) in a subprocess (its log: ``HOME/web-bench-server.log``), waits until
every server process has warmed its caches (``web.warmup``: as a server that has run for a
while), logs in as a viewer through the log-in form, and drives each kind of page with
``--clients`` concurrent clients (threads, one keep-alive HTTP connection each, the session
cookie sent by hand).

    python benchmarks/web.py [--home /tmp/kg-web100k] [--sample /tmp/sample-100k]
                             [--persons 100000] [--clients 16] [--requests 640]
                             [--threads 16] [--workers 1] [--json FILE]

Kinds of page: the overview dashboard, the leaderboard's first pages, the community pages of
the 20 largest communities and their network JSON ("hot": the same URLs again and again, as
when many people open the same pages), and "cold" kinds where every measured request is a URL
nobody asked for before (leaderboard filtered by community × platform × page, community ×
member page, a search, a person each time), so that no per-URL cache can answer them. Prints,
per kind: requests, errors, the median latency of one client alone, and under load
p50/p95/p99/max (ms), requests/s and the CPU time per request of the app process, of the
database server and of the benchmark's own clients (all on the same machine).
Target: p95 under 100 ms under load.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.config import Settings, load_settings  # noqa: E402
from graph.names import normalise, pinyin_forms  # noqa: E402
from graph.store import GraphStore, open_store  # noqa: E402
from graph.store.runs import current_run  # noqa: E402

TARGET_P95_MS = 100.0
BENCH_USER = "bench_viewer"
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
WARMED = re.compile(rb"caches warmed in [0-9.]+ s \(pid ([0-9]+)\)")


# ----------------------------------------------------------------------------- preparation
def prepare(store: GraphStore, settings: Settings, sample: Path, persons: int, seed: int,
            epochs: int) -> dict[str, str]:
    """Make sure the store holds the sample, a complete analyze run and a refresh run (with a
    model trained for ``epochs`` when the home has none), through the workflow of ``kolgraph
    demo`` reusing what is there; returns what was done."""
    from kolgraph.workflow import FlowOptions, Reporter, run_flow

    done: dict[str, str] = {}

    class Times(Reporter):
        def done(self, step: str, result: object, seconds: float) -> None:
            if step == "train":
                # The load wants recommendations on the person pages whatever the model's
                # quality (tested in tests/test_gnn_*.py): the flow makes the newest model
                # current even when its training did not promote it.
                done["model"] = f"{result} current"
            elif step != "schema":
                done[step] = f"{seconds:.0f} s"

    run_flow(store, settings, FlowOptions(persons=persons, seed=seed, sample_dir=sample,
                                          train_epochs=epochs, k=10, device="cpu",
                                          reuse=True), Times())
    return done


@dataclass
class Kind:
    """One kind of page to drive: ``warm`` is requested once before measuring; ``cold`` means
    every measured request asks for a URL not asked for before (no page cache can help)."""

    name: str
    urls: list[str]
    warm: list[str]
    cold: bool


def targets(store: GraphStore, seed: int, needed: int) -> list[Kind]:
    """The kinds of page and their URLs (from the current analyze run); a cold kind gets at
    least ``needed`` distinct URLs when the data has them."""
    run = current_run(store, "analyze")
    assert run is not None, "no complete analyze run"
    communities = store.read(
        "MATCH (c:Community {run_id: $run}) RETURN c.community_id AS id, c.size AS size "
        "ORDER BY size DESC", {"run": run["run_id"]}).rows
    ids = [r["person_id"] for r in store.read(
        "MATCH (p:Person) WHERE p.analyze_run_id = $run RETURN p.person_id AS person_id",
        {"run": run["run_id"]}).rows]
    platforms = [r["name"] for r in store.read("MATCH (p:Platform) RETURN p.name AS name").rows]
    rng = random.Random(seed)
    searches = search_urls(store, rng, needed)
    top = [f"/communities/{c['id']}" for c in communities[:20]]
    leaders = [f"/influencers?page={p}" for p in range(1, 6)]
    filtered = [f"/influencers?{urlencode({'community': c['id'], 'platform': p, 'page': n})}"
                for n in (1, 2, 3) for c in communities for p in platforms]
    pages = [f"/communities/{c['id']}?page={n}" for c in communities
             for n in range(1, max(1, -(-int(c["size"]) // 50)) + 1)]
    orderings = ["/influencers"] + [f"/influencers?platform={p}" for p in platforms]
    for urls in (filtered, pages):
        rng.shuffle(urls)
    return [
        # the dashboard's aggregations are computed once per run and cached: warmed first
        Kind("overview (dashboard)", ["/"], ["/"], cold=False),
        Kind("leaderboard (pages 1-5)", leaders, leaders, cold=False),
        Kind("leaderboard filtered (community x platform x page, each once)", filtered,
             orderings, cold=True),
        Kind("community (top 20)", top, top, cold=False),
        Kind("community (community x member page, each once)", pages, [], cold=True),
        Kind("community network JSON (top 20)",
             [f"/api/v1/communities/{c['id']}/network" for c in communities[:20]],
             [f"/api/v1/communities/{c['id']}/network" for c in communities[:20]], cold=False),
        # warm: the search index (built once per run) and, waiting on the server's warm-up,
        # the default ordering, so that --only search does not measure the warm-up
        Kind("search (name substring, pinyin, initials; each query once)", searches,
             ["/influencers", f"/search?{urlencode({'q': 'warm-up'})}"], cold=True),
        Kind("person (each a first visit)",
             [f"/persons/{pid}" for pid in rng.sample(ids, min(needed, len(ids)))], [],
             cold=True),
    ]


def search_urls(store: GraphStore, rng: random.Random, needed: int) -> list[str]:
    """Search pages for what users type: the middle of a display name, its full pinyin, its
    initials, from ``needed`` random persons (distinct queries, shuffled)."""
    names_ = [r["name"] for r in store.read(
        "MATCH (p:Person) WHERE p.display_name IS NOT NULL RETURN p.display_name AS name "
        "LIMIT $n", {"n": max(needed, 1) * 20}).rows]
    queries: list[str] = []
    for name in rng.sample(names_, min(needed, len(names_))):
        forms = pinyin_forms(normalise(name))
        queries += [name[1:] or name, *(forms[:1]), *(forms[1:2])]
    unique = list(dict.fromkeys(q for q in queries if q))
    rng.shuffle(unique)
    return [f"/search?{urlencode({'q': q})}" for q in unique]


# ----------------------------------------------------------------------------- HTTP client
class Client:
    """One keep-alive HTTP connection sending the session cookie by hand (the cookie may be
    ``Secure``, which a cookie jar would not send over http)."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                ) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for header in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return resp.status, text

    def log_in(self, user: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        found = CSRF.search(page)
        if status != 200 or not found:
            raise RuntimeError(f"GET /login: status {status}, csrf token found: {bool(found)}")
        status, page = self.request("POST", "/login", {"username": user, "password": password,
                                                        "csrf_token": found.group(1)})
        if status not in (302, 303):
            raise RuntimeError(f"POST /login as {user}: status {status}: {page[:200]}")

    def close(self) -> None:
        self.conn.close()


# ----------------------------------------------------------------------------- measuring
@dataclass
class Figures:
    kind: str
    requests: int
    errors: int
    single_p50_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    rps: float
    app_cpu_ms: float = float("nan")   # CPU of the kolgraph serve process per request
    db_cpu_ms: float = float("nan")    # CPU of the embedded FalkorDB server per request
    client_cpu_ms: float = float("nan")  # CPU of this benchmark's clients per request

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.p95_ms < TARGET_P95_MS


def _timed(client: Client, path: str) -> tuple[float, int]:
    t = time.perf_counter()
    status, _ = client.request("GET", path)
    return (time.perf_counter() - t) * 1000.0, status


def cpu_seconds(proc: psutil.Process | None, children: bool = True,
                skip: frozenset[int] = frozenset()) -> float:
    """User + system CPU seconds of ``proc`` and (``children``) of its live child processes
    but those in ``skip`` (the server's workers, not the database); NaN when unknown."""
    if proc is None:
        return float("nan")
    try:
        total = 0.0
        kids = [k for k in proc.children(recursive=True) if k.pid not in skip] if children else []
        for p in [proc, *kids]:
            t = p.cpu_times()
            total += t.user + t.system
        return total
    except psutil.Error:
        return float("nan")


def database_process(home: Path) -> psutil.Process | None:
    """The embedded FalkorDB server of ``home`` (its command line names the home's socket)."""
    socket_path = str(home / "db")
    for proc in psutil.process_iter(["cmdline"]):
        if any(socket_path in part for part in proc.info["cmdline"] or []):
            return proc
    return None


def drive(kind: Kind, host: str, port: int, cookies: dict[str, str], clients: int,
          total: int, watched: tuple[psutil.Process | None, ...] = ()) -> Figures:
    """Requests ``kind.warm`` once, times 20 GETs by one client alone, then ``total`` GETs by
    ``clients`` concurrent clients (round robin over the URLs; a cold kind's measured URLs
    are all distinct, and distinct from the single client's, as far as it has URLs)."""
    solo = Client(host, port, cookies)
    for path in kind.warm:
        solo.request("GET", path)
    single = [_timed(solo, kind.urls[i % len(kind.urls)])[0] for i in range(20)]
    solo.close()
    urls = kind.urls[20:] if kind.cold and len(kind.urls) > 20 else kind.urls
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)

    def work(i: int) -> None:
        client = Client(host, port, cookies)
        start.wait()
        for n in range(i, total, clients):
            ms, status = _timed(client, urls[n % len(urls)])
            latencies[i].append(ms)
            errors[i] += status != 200
        client.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    # this process's children are the server and maybe the database: not the clients' CPU
    with_children = [p is None or p.pid != os.getpid() for p in watched]
    skip = frozenset(p.pid for p in watched if p is not None)
    cpu_before = [cpu_seconds(p, c, skip) for p, c in zip(watched, with_children, strict=True)]
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    cpu = [(cpu_seconds(p, c, skip) - b) * 1000.0 / total
           for p, c, b in zip(watched, with_children, cpu_before, strict=True)]
    cpu += [float("nan")] * (3 - len(cpu))
    ms = np.array([x for part in latencies for x in part])
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    name = kind.name if not kind.cold or len(urls) >= total else \
        f"{kind.name} [only {len(urls)} distinct URLs]"
    return Figures(name, len(ms), sum(errors), float(np.median(single)), float(p50),
                   float(p95), float(p99), float(ms.max()), len(ms) / elapsed, *cpu[:3])


# ----------------------------------------------------------------------------- serving
def serve(home: Path, port: int, threads: int, workers: int) -> subprocess.Popen:
    """``kolgraph serve`` on 127.0.0.1:``port`` for ``home`` with ``workers`` processes of
    ``threads`` threads; returns once it answers and every process has warmed its caches."""
    env = {**os.environ, "KOLGRAPH_HOME": str(home), "KOLGRAPH_COOKIE_SECURE": "0"}
    exe = Path(sys.executable).with_name("kolgraph")
    log_path = home / "web-bench-server.log"
    log_start = log_path.stat().st_size if log_path.exists() else 0
    log = log_path.open("ab")
    proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--threads", str(threads), "--workers", str(workers)],
                            env=env, stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kolgraph serve exited with status {proc.returncode} "
                               f"(see {home / 'web-bench-server.log'})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            conn.getresponse().read()
            conn.close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError("kolgraph serve did not answer within 120 s")
    # each server process warms its caches in the background when it starts: measuring
    # begins once all have (their message in the log), as a server running for a while is
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        with log_path.open("rb") as text:
            text.seek(log_start)
            # a process may warm again after the first request (new runs seen): count
            # processes, not lines
            if len(set(WARMED.findall(text.read()))) >= workers:
                return proc
        if proc.poll() is not None:
            raise RuntimeError(f"kolgraph serve exited with status {proc.returncode} "
                               f"(see {log_path})")
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"kolgraph serve did not warm its caches within 900 s (see {log_path})")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def table(rows: list[Figures], clients: int) -> str:
    """The figures as a Markdown table."""
    lines = [f"| page | requests | errors | 1 client p50 ms | {clients} clients p50 ms "
             "| p95 ms | p99 ms | max ms | requests/s | app CPU ms/req | db CPU ms/req "
             "| client CPU ms/req | p95 < 100 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for f in rows:
        lines.append(f"| {f.kind} | {f.requests} | {f.errors} | {f.single_p50_ms:.1f} "
                     f"| {f.p50_ms:.1f} | {f.p95_ms:.1f} | {f.p99_ms:.1f} | {f.max_ms:.0f} "
                     f"| {f.rps:.1f} | {f.app_cpu_ms:.1f} | {f.db_cpu_ms:.1f} "
                     f"| {f.client_cpu_ms:.1f} "
                     f"| {'yes' if f.ok else 'NO'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/kg-web100k"))
    ap.add_argument("--sample", type=Path, default=Path("/tmp/sample-100k"))
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=5, help="training epochs of the refresh")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=640, help="requests per kind of page")
    ap.add_argument("--threads", type=int, default=16,
                    help="waitress threads per server process")
    ap.add_argument("--workers", type=int, default=1,
                    help="server processes (kolgraph serve --workers)")
    ap.add_argument("--only", action="append",
                    help="drive only the kinds whose name holds this word (repeatable)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)

    # The sample's identity columns need a salt to be ingested; a benchmark home holds sample
    # data only, so a fixed salt is fine when none is configured.
    settings = load_settings(env={**os.environ, "KOLGRAPH_HOME": str(args.home),
                                  "KOLGRAPH_PII_SALT": os.environ.get("KOLGRAPH_PII_SALT")
                                  or "web-benchmark-salt"})
    store = open_store(settings)
    t = time.perf_counter()
    done = prepare(store, settings, args.sample, args.persons, args.seed, args.epochs)
    print(f"prepared {args.home} in {time.perf_counter() - t:.0f} s: {done or 'reused'}",
          flush=True)
    kinds = targets(store, args.seed, args.requests + 20)
    persons = store.read("MATCH (p:Person) RETURN count(p) AS n").rows[0]["n"]
    store.close()

    from kolgraph.usecases.users import UserStore

    password = secrets.token_urlsafe(16)
    users = UserStore.for_home(args.home)
    if any(u.name == BENCH_USER for u in users.list()):
        users.remove(BENCH_USER)
    users.add(BENCH_USER, "viewer", password)
    port = free_port()
    server = serve(args.home, port, args.threads, args.workers)
    try:
        login = Client("127.0.0.1", port)
        login.log_in(BENCH_USER, password)
        cookies = login.cookies
        login.close()
        watched = (psutil.Process(server.pid), database_process(args.home), psutil.Process())
        rows = []
        for kind in kinds:
            if args.only and not any(word in kind.name for word in args.only):
                continue
            rows.append(drive(kind, "127.0.0.1", port, cookies, args.clients, args.requests,
                              watched))
            print(f"  {rows[-1].kind}: p95 {rows[-1].p95_ms:.1f} ms, "
                  f"{rows[-1].rps:.1f} requests/s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load = os.getloadavg()
    print(f"\n{persons:,} persons; {args.clients} clients; {args.workers} server process(es) "
          f"of {args.threads} waitress threads; "
          f"{os.cpu_count()} CPUs; load average at the end {load[0]:.1f} (1 min), "
          f"{load[1]:.1f} (5 min)\n")
    print(table(rows, args.clients))
    if args.json:
        args.json.write_text(json.dumps({"persons": persons, "clients": args.clients,
                                         "workers": args.workers, "threads": args.threads,
                                         "cpus": os.cpu_count(), "loadavg": load,
                                         "rows": [asdict(r) for r in rows]}, indent=2))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
