"""Build and start the Neo4j 5.26 test server of ``tests/neo4j_server`` (Maven Central).

``build()`` compiles the launcher class and writes the resolved class path to
``target/classpath.txt`` with Maven (offline first, from ``~/.m2``; online when something is
missing there). A warm build — both outputs newer than ``pom.xml`` and the Java source, and
every jar of the class path on disk — runs no Maven at all.

The server carries the open-source Graph Data Science library 2.13 (``gds.*`` procedures).

``start()`` runs the server in a JVM with a small heap and page cache, its data in a fresh
temporary folder, Bolt on a free loopback port and a random password, and returns a
``Neo4jServer`` once the server has printed its ready line; ``Neo4jServer.stop()`` stops it
and deletes the folder. The JVM reads its standard input and stops when that closes, so it
never outlives the Python process that started it.

``python tests/neo4j_server/launch.py`` (``make neo4j``) starts one by hand and prints the
variables to point kolgraph and the tests at it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "target"
CLASSPATH_FILE = TARGET / "classpath.txt"
SOURCE = HERE / "src" / "main" / "java" / "kolgraph" / "testserver" / "Neo4jTestServer.java"
CLASS_FILE = TARGET / "classes" / "kolgraph" / "testserver" / "Neo4jTestServer.class"
GDS_PLUGINS = TARGET / "gds-plugins"
MAIN_CLASS = "kolgraph.testserver.Neo4jTestServer"
READY = "kolgraph-neo4j ready "
# What keeps an analyst's query from hurting the server, as docs/operations.md asks of a
# production one (graph/store/query_limits.NEO4J_SETTINGS; tests/test_query_safety.py checks
# that both say the same): a memory cap per transaction and for all of them, and no
# LOAD CSV from files or from any network address.
QUERY_LIMITS = (
    "db.memory.transaction.max=256m",
    "dbms.memory.transaction.total.max=512m",
    "dbms.security.allow_csv_import_from_file_urls=false",
    "internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0",
)


class Neo4jServerError(RuntimeError):
    """The test server could not be built or started; the message says why."""


@dataclass
class Neo4jServer:
    """A running test server: where it listens, how to log in, and its JVM process."""

    uri: str
    password: str
    data_dir: Path
    process: subprocess.Popen = field(repr=False)
    username: str = "neo4j"
    database: str = "neo4j"
    started_in_s: float = 0.0

    def env(self) -> dict[str, str]:
        """The ``KOLGRAPH_TEST_NEO4J_*`` variables that point the tests at this server."""
        return {"KOLGRAPH_TEST_NEO4J_URI": self.uri,
                "KOLGRAPH_TEST_NEO4J_USERNAME": self.username,
                "KOLGRAPH_TEST_NEO4J_PASSWORD": self.password,
                "KOLGRAPH_TEST_NEO4J_DATABASE": self.database}

    def stop(self, timeout_s: float = 60.0) -> int:
        """Stop the server (stdin closed, then SIGTERM, then SIGKILL) and delete its data;
        returns the JVM's exit status."""
        if self.process.poll() is None:
            try:
                if self.process.stdin:
                    self.process.stdin.close()
                self.process.wait(timeout_s / 2)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout_s / 2)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return self.process.returncode


def _tool(name: str) -> str:
    home = os.environ.get("JAVA_HOME")
    if name == "java" and home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    found = shutil.which(name)
    if not found:
        raise Neo4jServerError(f"{name} not found on PATH: the Neo4j test server needs "
                               "OpenJDK 17+ and Maven 3 (apt-get install openjdk-17-jdk-headless "
                               "maven)")
    return found


def _is_built() -> bool:
    if not (CLASSPATH_FILE.exists() and CLASS_FILE.exists() and GDS_PLUGINS.is_dir()):
        return False
    newest_input = max((HERE / "pom.xml").stat().st_mtime, SOURCE.stat().st_mtime)
    if min(CLASSPATH_FILE.stat().st_mtime, CLASS_FILE.stat().st_mtime) < newest_input:
        return False
    return all(Path(jar).exists() for jar in classpath_jars())


def classpath_jars() -> list[str]:
    """The jars of the last build's class path (empty before the first build)."""
    if not CLASSPATH_FILE.exists():
        return []
    return [p for p in CLASSPATH_FILE.read_text().strip().split(os.pathsep) if p]


def build(log: bool = True) -> bool:
    """Compile the launcher and resolve its class path unless a warm build is there.

    Returns True when Maven ran. Raises ``Neo4jServerError`` with Maven's last lines when it
    fails both offline and online.
    """
    if _is_built():
        return False
    mvn = _tool("mvn")
    # compile also writes target/classpath.txt and target/gds-plugins (pom.xml)
    goals = ["-B", "-q", "-f", str(HERE / "pom.xml"), "compile"]
    offline = subprocess.run([mvn, "-o", *goals], capture_output=True, text=True)
    if offline.returncode == 0:
        return True
    if log:
        print("tests/neo4j_server: resolving Neo4j 5.26 from Maven Central into ~/.m2 "
              "(first run only, about 190 MB)", file=sys.stderr, flush=True)
    online = subprocess.run([mvn, *goals], capture_output=True, text=True)
    if online.returncode != 0:
        tail = "\n".join((online.stdout + online.stderr).strip().splitlines()[-25:])
        raise Neo4jServerError(f"mvn failed to build tests/neo4j_server:\n{tail}")
    return True


def start(*, heap_mb: int = 768, page_cache_mb: int = 64, timeout_s: float = 240.0,
          conf_lines: tuple[str, ...] = (), extra_classpath: tuple[str, ...] = ()) -> Neo4jServer:
    """Build when needed, start a server and wait for its ready line.

    In: the JVM heap and page cache in MiB, how long to wait, extra neo4j.conf lines and
    jars (plugins). Out: a running ``Neo4jServer`` (call ``stop()``). Raises
    ``Neo4jServerError`` with the JVM's last output lines when it exits or stays silent.
    """
    t0 = time.monotonic()
    build()
    java = _tool("java")
    data_dir = Path(tempfile.mkdtemp(prefix="kg-neo4j-"))
    conf = data_dir / "neo4j.conf"
    gds = (f"server.directories.plugins={GDS_PLUGINS}",
           "dbms.security.procedures.unrestricted=gds.*")
    conf.write_text("\n".join([*gds, *QUERY_LIMITS, *conf_lines]) + "\n", encoding="utf-8")
    password = secrets.token_urlsafe(18)
    classpath = os.pathsep.join([str(TARGET / "classes"), *extra_classpath, *classpath_jars()])
    command = [java, f"-Xms{heap_mb}m", f"-Xmx{heap_mb}m", "-XX:+UseG1GC",
               "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8",
               "--add-opens=java.base/java.nio=ALL-UNNAMED",
               "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
               "--add-opens=java.base/java.lang=ALL-UNNAMED",
               "-cp", classpath, MAIN_CLASS, "--data-dir", str(data_dir / "db"),
               "--page-cache-mb", str(page_cache_mb), "--conf", str(conf),
               "--stop-on-stdin-eof"]
    log_path = data_dir / "jvm.log"
    log_file = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=log_file, text=True, encoding="utf-8",
                               env={**os.environ, "KOLGRAPH_NEO4J_PASSWORD": password})
    log_file.close()
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith(READY):
                ready.set()
        ready.set()

    threading.Thread(target=pump, name="neo4j-stdout", daemon=True).start()
    ready.wait(timeout_s)
    uri = next((line[len(READY):].strip() for line in lines if line.startswith(READY)), None)
    if uri is None:
        try:
            status = process.wait(10)
        except subprocess.TimeoutExpired:
            status = None
        state = (f"exited with status {status}" if status is not None
                 else f"printed no ready line in {timeout_s:.0f} s")
        server = Neo4jServer("", password, data_dir, process)
        output = "\n".join([*lines, *log_path.read_text(errors="replace").splitlines()][-30:])
        server.stop(timeout_s=20)
        raise Neo4jServerError(f"the Neo4j test server {state}:\n{output}")
    return Neo4jServer(uri, password, data_dir, process,
                       started_in_s=time.monotonic() - t0)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """``make neo4j``: start a server, print how to use it, stop it on Ctrl-C or SIGTERM.

    ``--heap-mb`` and ``--page-cache-mb`` size it (768 and 64 by default, as in the tests;
    the 100,000-person benchmark wants more, e.g. 3072 and 1024).
    """
    import argparse

    parser = argparse.ArgumentParser(description="Start a Neo4j 5.26 server for development.")
    parser.add_argument("--heap-mb", type=int, default=768)
    parser.add_argument("--page-cache-mb", type=int, default=64)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    t0 = time.monotonic()
    try:
        built = build()
        server = start(heap_mb=args.heap_mb, page_cache_mb=args.page_cache_mb)
    except Neo4jServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    how = "built and started" if built else "started"
    print(f"Neo4j 5.26 test server {how} in {time.monotonic() - t0:.1f} s; data in "
          f"{server.data_dir} (deleted when it stops)\n"
          f"  export NEO4J_URI={server.uri} NEO4J_USERNAME=neo4j "
          f"NEO4J_PASSWORD={server.password}\n"
          f"  export KOLGRAPH_TEST_NEO4J_URI={server.uri} "
          f"KOLGRAPH_TEST_NEO4J_PASSWORD={server.password}   # tests wipe it\n"
          "Ctrl-C stops it.", flush=True)
    try:
        while server.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
