"""Remote mode passes queries on without a dataset when the engine's default graph is already the
union of its graphs (``oxigraph serve --union-default-graph``, Virtuoso), and names the graphs
when it is not — the answers must be the same either way, with and without ``inference=false``.
Large answers are streamed through whole; one abandoned half-way leaves the next ones intact."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from regio.store import graphs
from conftest import require_tool

N = 1500  # triples in the user graph: the answer to selecting them all is well over 64 KiB


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module", params=[True, False], ids=["union-default", "plain"])
def app(request):
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    require_tool(Path(exe).exists(), "the oxigraph server is not installed (pip install oxigraph)")
    port = _free_port()
    cmd = [exe, "serve", "--bind", f"127.0.0.1:{port}"] + (["--union-default-graph"] if request.param else [])
    engine = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/query", params={"query": "ASK {}"}, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or engine.poll() is not None:
                    pytest.fail("oxigraph serve did not start")
                time.sleep(0.1)
        user = "".join(f'<https://example.org/s{i}> <https://example.org/p> "{"x" * 40} {i}" .\n'
                       for i in range(N))
        inferred = "".join(f"<https://example.org/s{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/C> .\n" for i in range(10))
        for graph, body in ((graphs.USER, user), (graphs.INFERRED, inferred)):
            r = requests.post(base + "/store", params={"graph": graph}, data=body.encode(),
                              headers={"Content-Type": "application/n-triples"}, timeout=30)
            assert r.status_code in (201, 204), r.text
        from regio.web import create_app

        application = create_app({"TESTING": True, "REGIO_STORE_URL": base + "/query",
                                  "REGIO_LOAD_DEFAULT": False})
        application.union_expected = request.param
        yield application
    finally:
        engine.terminate()
        engine.wait(timeout=10)


def _count(client, query: str, **params) -> int:
    r = client.get("/sparql", query_string={"query": query, **params},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return int(json.loads(r.get_data())["results"]["bindings"][0]["n"]["value"])


def test_probe_finds_what_the_engine_does(app) -> None:
    assert app.extensions["regio.store"].union_default() is app.union_expected


def test_default_graph_is_the_union_either_way(app) -> None:
    client = app.test_client()
    assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == N + 10
    assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", inference="false") == N
    assert _count(client, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == 2


def test_large_answers_stream_through_whole(app) -> None:
    client = app.test_client()
    r = client.get("/sparql", query_string={"query": "SELECT ?s ?o WHERE { ?s <https://example.org/p> ?o }"},
                   headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200
    body = r.get_data()
    assert len(body) > 1 << 16
    assert len(body.decode("utf-8").strip().splitlines()) == N + 1


def test_an_abandoned_answer_leaves_the_next_intact(app) -> None:
    client = app.test_client()
    for _ in range(3):
        r = client.get("/sparql", query_string={"query": "SELECT ?s ?o WHERE { ?s ?p ?o }"},
                       headers={"Accept": "text/csv"}, buffered=False)
        assert r.status_code == 200
        next(r.response)  # the first piece only, then the client goes away
        r.close()
        assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == N + 10
