"""Writes: validated before they are stored (422 and nothing stored), the update's default graph is
the user graph, the validator sees the would-be state, inference hears of every change, and an
acknowledged write survives ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import rdflib
import requests

from regio.store import graphs
from regio.web import create_app

from .conftest import INVALID, TOKEN, free_port, service_config

EX = "https://example.org/writes/"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _graph() -> str:
    return f"{EX}graph/{uuid.uuid4().hex}"


def test_invalid_update_is_422_and_nothing_stored(live) -> None:
    g = _graph()
    r = live.update(f'INSERT DATA {{ GRAPH <{g}> {{ <{EX}a> <{EX}ok> "fine" . <{EX}a> <{INVALID}> "bad" }} }}')
    assert r.status_code == 422, r.text
    assert "not allowed" in r.text and "nothing was stored" in r.text
    assert not live.ask(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    # the JSON report, for programs
    r = requests.post(live.url + "/sparql", timeout=30, data=f"INSERT DATA {{ <{EX}a> <{INVALID}> 1 }}".encode(),
                      headers={**AUTH, "Content-Type": "application/sparql-update", "Accept": "application/json"})
    assert r.status_code == 422 and r.json()["conforms"] is False


def test_invalid_modify_and_graph_store_writes_leave_the_store_unchanged(live) -> None:
    g = _graph()
    assert live.update(f'INSERT DATA {{ GRAPH <{g}> {{ <{EX}a> <{EX}name> "A" }} }}').status_code == 200
    r = live.update(f"DELETE {{ GRAPH <{g}> {{ ?s <{EX}name> ?n }} }} INSERT {{ GRAPH <{g}> {{ ?s <{INVALID}> ?n }} }} "
                    f"WHERE {{ GRAPH <{g}> {{ ?s <{EX}name> ?n }} }}")
    assert r.status_code == 422, r.text
    assert live.ask(f'ASK {{ GRAPH <{g}> {{ <{EX}a> <{EX}name> "A" }} }}')
    r = requests.put(live.url + "/data", params={"graph": g}, data=f"<{EX}b> <{INVALID}> 1 .".encode(), timeout=30,
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 422
    r = requests.post(live.url + "/data", params={"graph": g}, timeout=30, headers=AUTH, files={
        "good.ttl": ("good.ttl", f"<{EX}c> <{EX}name> \"C\" .", "text/turtle"),
        "bad.ttl": ("bad.ttl", f"<{EX}c> <{INVALID}> 1 .", "text/turtle")})
    assert r.status_code == 422
    r = requests.get(live.url + "/data", params={"graph": g}, headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.text.strip() == f'<{EX}a> <{EX}name> "A" .'
    # a valid modify goes through
    r = live.update(f'WITH <{g}> DELETE {{ ?s <{EX}name> ?n }} INSERT {{ ?s <{EX}name> "B" }} WHERE {{ ?s <{EX}name> ?n }}')
    assert r.status_code == 200 and r.json() == {"added": 1, "removed": 1}
    requests.delete(live.url + "/data", params={"graph": g}, headers=AUTH, timeout=30)


def test_update_default_graph_is_the_user_graph(live) -> None:
    thing = f"{EX}{uuid.uuid4().hex}"
    assert live.update(f'INSERT DATA {{ <{thing}> <{EX}p> "in user graph" }}').status_code == 200
    assert live.ask(f"ASK {{ GRAPH <{graphs.USER}> {{ <{thing}> <{EX}p> ?o }} }}")
    # DELETE/INSERT without WITH works on the user graph, both in WHERE and in the templates
    assert live.update(f'DELETE {{ <{thing}> <{EX}p> ?o }} INSERT {{ <{thing}> <{EX}p> "changed" }} '
                       f'WHERE {{ <{thing}> <{EX}p> ?o }}').json() == {"added": 1, "removed": 1}
    r = requests.get(live.url + "/data", params={"default": ""}, headers={"Accept": "application/n-triples"}, timeout=30)
    assert f'<{thing}> <{EX}p> "changed" .' in r.text
    assert live.update(f"DELETE WHERE {{ <{thing}> ?p ?o }}").json() == {"added": 0, "removed": 1}
    assert live.update("CLEAR DEFAULT").status_code == 200
    r = live.update("DROP GRAPH <https://example.org/writes/never-created>")
    assert r.status_code == 400, r.text
    assert live.update("DROP SILENT GRAPH <https://example.org/writes/never-created>").status_code == 200


@pytest.fixture()
def app(tmp_path):
    seen: list[rdflib.Graph] = []

    def recorder(graph):
        seen.append(graph)
        from .conftest import stand_in_validator
        return stand_in_validator(graph)

    app = create_app(service_config(REGIO_DATA_DIR=str(tmp_path), REGIO_QUERY_WORKERS=0, REGIO_VALIDATOR=recorder))
    app.seen = seen
    yield app
    app.extensions["regio.store"].close()


def test_validator_sees_the_would_be_state(app) -> None:
    store = app.extensions["regio.store"]
    a, b = f"{EX}graph-a", f"{EX}graph-b"
    s, t = rdflib.URIRef(EX + "s"), rdflib.URIRef(EX + "t")
    store.update(f'INSERT DATA {{ GRAPH <{a}> {{ <{s}> <{EX}name> "S" . <{t}> a <{EX}Thing> }} }}')
    store.update(f"INSERT DATA {{ GRAPH <{b}> {{ <{s}> <{EX}knows> <{t}> }} }}")
    seen = app.seen[-1]
    assert (s, rdflib.URIRef(EX + "name"), rdflib.Literal("S")) in seen      # the rest of s, from graph a
    assert (s, rdflib.URIRef(EX + "knows"), t) in seen                       # the new triple
    assert (t, rdflib.RDF.type, rdflib.URIRef(EX + "Thing")) in seen         # the type of what it points to
    store.update(f'DELETE DATA {{ GRAPH <{a}> {{ <{s}> <{EX}name> "S" }} }}')
    assert (s, rdflib.URIRef(EX + "name"), rdflib.Literal("S")) not in app.seen[-1]
    assert (s, rdflib.URIRef(EX + "knows"), t) in app.seen[-1]


def test_inference_hears_every_change(app, monkeypatch) -> None:
    import regio.inference as inference

    calls = []
    monkeypatch.setattr(inference, "update_inferred", lambda store, added, removed: calls.append((added, removed)),
                        raising=False)
    store = app.extensions["regio.store"]
    store.update(f"INSERT DATA {{ <{EX}x> <{EX}p> <{EX}y> }}")
    store.update(f"DELETE {{ ?s <{EX}p> ?o }} INSERT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }}")
    assert [(len(a), len(r)) for a, r in calls] == [(1, 0), (1, 1)]
    assert str(calls[1][0][0].predicate.value) == EX + "q" and calls[1][1][0].predicate.value == EX + "p"
    store.update(f"INSERT DATA {{ <{EX}x> <{EX}q> <{EX}y> }}")  # already there: no change, no call
    assert len(calls) == 2


def test_acknowledged_write_survives_kill_9(tmp_path) -> None:
    """A real ``regio serve``: write, SIGKILL the process group, reopen the store: the write is there."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIO_")}
    env.update(REGIO_TOKEN=TOKEN, REGIO_LOAD_DEFAULT="false", REGIO_QUERY_WORKERS="1")
    regio = str(Path(sys.executable).with_name("regio"))
    proc = subprocess.Popen([regio, "serve", "--port", str(port), "--data-dir", str(tmp_path / "d")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "regio serve did not start"
                time.sleep(0.1)
        r = requests.post(url + "/sparql", data=f'INSERT DATA {{ <{EX}durable> <{EX}p> "yes" }}'.encode(),
                          headers={**AUTH, "Content-Type": "application/sparql-update"}, timeout=30)
        assert r.status_code == 200, r.text
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    from regio.store import open_store
    from regio.store.embedded import StoreLocked

    deadline = time.monotonic() + 10
    while True:  # under gunicorn the store is held by a worker process, killed with the group
        try:
            store = open_store({"REGIO_DATA_DIR": str(tmp_path / "d"), "REGIO_LOAD_DEFAULT": False,
                                "REGIO_QUERY_WORKERS": 0})
            break
        except StoreLocked:
            assert time.monotonic() < deadline, "the killed server's store stayed locked"
            time.sleep(0.1)
    try:
        assert store.select(f'SELECT ?o {{ <{EX}durable> <{EX}p> ?o }}') == [{"o": rdflib.Literal("yes")}]
    finally:
        store.close()
