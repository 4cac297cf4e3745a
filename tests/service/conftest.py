"""Live servers for the service tests: real HTTP on loopback, started once per test session.

* ``embedded`` — the app over an empty embedded store (its own data directory), with a token,
  2 killable query workers, a 2 s query timeout, 1,000 result rows, a 1 MiB body limit;
* ``remote`` — the same app in remote-engine mode in front of a real ``oxigraph serve`` (the PyPI
  ``oxigraph`` package) on a free loopback port.

Both validate writes with a tiny stand-in validator (``STAND_IN``: it rejects any triple whose
predicate is ``https://example.org/test/invalid``), so the write pipeline is exercised fast; one
test in ``test_writes.py`` runs the real ``regio.validation`` shapes.  The servers run in threads
(werkzeug's threaded server), the engine in a subprocess; all are stopped at the end.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

TOKEN = "service-test-token-7c1f0a"
INVALID = "https://example.org/test/invalid"
QUERY_TIMEOUT = 2.0
MAX_ROWS = 1000
MAX_BODY = 1 << 20
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


@dataclass
class StandInReport:
    conforms: bool
    text: str = ""

    def to_text(self) -> str:
        return self.text

    def to_json(self) -> str:
        return '{"conforms": %s, "results": [{"message": "%s"}]}' % (str(self.conforms).lower(), self.text)

    def to_turtle(self) -> str:
        return ("@prefix sh: <http://www.w3.org/ns/shacl#> . [] a sh:ValidationReport ; "
                f"sh:conforms {str(self.conforms).lower()} .")


def stand_in_validator(graph) -> StandInReport:
    """Rejects triples with the predicate INVALID; counts calls so tests can see it ran."""
    stand_in_validator.calls += 1
    bad = [str(s) for s, p, o in graph if str(p) == INVALID]
    return StandInReport(not bad, "" if not bad else f"{bad[0]}: {INVALID} is not allowed")


stand_in_validator.calls = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A Flask app served by werkzeug in a thread on a free loopback port."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def store(self):
        return self.app.extensions["regio.store"]

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def update(self, text: str) -> requests.Response:
        return requests.post(self.url + "/sparql", data=text.encode(), timeout=30,
                             headers={**self.auth(), "Content-Type": "application/sparql-update"})

    def ask(self, text: str) -> bool:
        r = requests.get(self.url + "/sparql", params={"query": text}, timeout=30,
                         headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.text
        return r.json()["boolean"]

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.store.close()


class Engine:
    """``oxigraph serve`` (in memory) on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([OXIGRAPH, "serve", "--bind", f"127.0.0.1:{self.port}",
                                      "--timeout-s", str(int(QUERY_TIMEOUT) + 1)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/query", params={"query": "ASK {}"}, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def service_config(**extra) -> dict:
    config = {
        "TESTING": True, "REGIO_TOKEN": TOKEN, "REGIO_LOAD_DEFAULT": False,
        "REGIO_QUERY_TIMEOUT": QUERY_TIMEOUT, "REGIO_MAX_ROWS": MAX_ROWS, "REGIO_MAX_BODY": MAX_BODY,
        "REGIO_QUERY_WORKERS": 2, "REGIO_VALIDATOR": stand_in_validator,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def engine():
    if not Path(OXIGRAPH).exists():
        pytest.fail("the oxigraph server is not installed (pip install oxigraph; it is a test extra)")
    eng = Engine()
    yield eng
    eng.stop()


@pytest.fixture(scope="session")
def embedded(tmp_path_factory):
    from regio.web import create_app

    server = LiveServer(create_app(service_config(REGIO_DATA_DIR=str(tmp_path_factory.mktemp("embedded")))))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote(engine):
    from regio.web import create_app

    server = LiveServer(create_app(service_config(REGIO_STORE_URL=engine.url + "/query")))
    yield server
    server.stop()


@pytest.fixture(params=["embedded", "remote"])
def live(request) -> LiveServer:
    """Each test using it runs against the embedded store and against remote-engine mode."""
    return request.getfixturevalue(request.param)
