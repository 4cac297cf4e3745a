"""Helpers shared by the reliability tests and the ``bench/`` scripts: a real ``regio serve``
subprocess, a digest of everything the store holds, and the check that an answer to bad input is
a clean 4xx.

They speak HTTP only, so the same code drives the embedded store, the remote-engine mode and the
gunicorn setup, and a crash of the server (a Rust stack overflow is a SIGSEGV, not an exception)
shows up as a failed test instead of taking pytest down with it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import requests

from regio import paths

REGIO = str(Path(sys.executable).with_name("regio"))
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))

#: The graph hostile and fault tests write to (SHACL shapes target nothing in it).
SCRATCH = "https://example.org/reliability/scratch"
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "pyo3_runtime", "PanicException")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A ``regio serve`` (or gunicorn) process on loopback with its own data directory.

    The token goes in through the environment, never on the command line, where ``ps`` and the
    logs would show it.  stdout and stderr go to ``log_path`` so tests can read what was logged.
    """

    data_dir: Path
    token: str | None = "reliability-secret-token-0123456789"
    config: Mapping[str, str] = field(default_factory=dict)
    store_url: str | None = None
    wsgi: str = "regio"          # "regio" (regio serve) or "gunicorn"
    workers: int = 2
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.wsgi == "gunicorn":
            return [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(self.workers), "--threads", "4", "--timeout", "120",
                    "--worker-class", "regio.web.keepalive.KeepAliveWorker", "regio.web:create_app()"]
        cmd = [REGIO, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.store_url:
            cmd += ["--store", self.store_url]
        else:
            cmd += ["--data-dir", str(self.data_dir)]
        return cmd

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGIO_")}
        env["REGIO_HOME"] = str(paths.ROOT)
        env["PYTHONUNBUFFERED"] = "1"
        if self.token:
            env["REGIO_TOKEN"] = self.token
        if self.store_url:
            env["REGIO_STORE_URL"] = self.store_url
        else:
            env["REGIO_DATA_DIR"] = str(self.data_dir)
        env.update({k: str(v) for k, v in self.config.items()})
        return env

    def start(self, timeout: float = 180.0) -> "Server":
        self.port = self.port or free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_path or self.data_dir.with_name(self.data_dir.name + f"-{self.port}.log")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), env=self.environment(), stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log()[-3000:]}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group (gunicorn master and workers, query workers): no
        atexit, no flush, no graceful shutdown.  Returns when every member is gone, so that the
        store's lock is free for the restart."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _live_members(self.process.pid):
                time.sleep(0.05)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _live_members(pgid: int) -> bool:
    """Whether a process group still has a member that is not a zombie (orphaned zombies are
    not always reaped here: PID 1 of this machine does not wait for them)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@dataclass
class Engine:
    """``oxigraph serve`` from the PyPI ``oxigraph`` package: the remote engine of remote mode."""

    location: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "Engine":
        self.port = self.port or free_port()
        self.location.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [OXIGRAPH, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/query", params={"query": "ASK {}"}, timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("oxigraph serve did not start")

    def kill9(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def graphs(base: str, session: requests.Session | None = None) -> list[str]:
    """Every named graph of the store, through the protocol."""
    http = session or requests
    r = http.get(base + "/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                 headers={"Accept": "application/sparql-results+json"}, timeout=60)
    r.raise_for_status()
    return sorted(b["g"]["value"] for b in r.json()["results"]["bindings"])


def digest(base: str, session: requests.Session | None = None, *, skip: Iterable[str] = ()) -> str:
    """SHA-256 over every graph's sorted N-Triples, fetched with the Graph Store Protocol.

    The Graph Store GET is not subject to the result-row limit, so the digest covers all of it.
    """
    http = session or requests
    h = hashlib.sha256()
    for g in graphs(base, session):
        if g in skip:
            continue
        r = http.get(base + "/data", params={"graph": g}, headers={"Accept": "application/n-triples"}, timeout=120)
        r.raise_for_status()
        h.update(g.encode() + b"\n")
        h.update(b"\n".join(sorted(r.content.splitlines())))
        h.update(b"\n\n")
    return h.hexdigest()


def clean_error(status: int, body: bytes | str, *, what: str = "") -> None:
    """Assert an answer is not a server error and carries no traceback; a 4xx must say why."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    assert status < 500, f"{what}: server error {status}: {text[:500]}"
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, f"{what}: traceback leaked in a {status} answer: {text[:500]}"
    if status >= 400 and status not in (405,):
        assert text.strip(), f"{what}: {status} without a message"


def count_matches(base: str, sparql_pattern: str, session: requests.Session | None = None) -> int:
    http = session or requests
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ {sparql_pattern} }}"
    r = http.get(base + "/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"},
                 timeout=60)
    r.raise_for_status()
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


#: Test namespaces: cleanup removes every triple that mentions them, wherever a write put it.
TEST_IRI_PREFIXES = ("https://example.org/", "https://e/")


def cleanup(srv: Server, keep_graphs: list[str]) -> None:
    """Undo what accepted test writes did: drop new graphs and every triple in a test namespace."""
    for g in graphs(srv.url):
        if g not in keep_graphs:
            r = requests.delete(srv.url + "/data", params={"graph": g}, headers=srv.auth(), timeout=60)
            assert r.status_code < 300 or r.status_code == 404, r.text
    mentions = " || ".join(f'STRSTARTS(STR(?{v}), "{p}")' for p in TEST_IRI_PREFIXES for v in "spo")
    update = ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } "
              f"FILTER(?g != <https://w3id.org/regio/graph/inferred> && ({mentions})) }}")
    r = requests.post(srv.url + "/sparql", data=update.encode(),
                      headers={**srv.auth(), "Content-Type": "application/sparql-update"}, timeout=120)
    assert r.status_code < 300, r.text
    requests.delete(srv.url + "/data", params={"graph": SCRATCH}, headers=srv.auth(), timeout=60)
