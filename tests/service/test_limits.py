"""Limits and auth: the query timeout (503 in time while others are served), body size (413), row
cap, SERVICE/LOAD to hosts not allow-listed, bearer-token writes (401/403), and a token that never
reaches the access log."""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from regio.web import create_app

from .conftest import MAX_BODY, MAX_ROWS, QUERY_TIMEOUT, TOKEN, service_config

EX = "https://example.org/limits/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def fill(server):
    """A graph with 1,500 triples (enough for a runaway cross product and to exceed the row cap)
    on ``server`` while the fixture lasts; yields its IRI."""
    iri = f"{EX}graph/{uuid.uuid4().hex}"
    body = "".join(f"<{EX}s{i}> <{EX}p> {i} .\n" for i in range(MAX_ROWS + 500))
    r = requests.put(server.url + "/data", params={"graph": iri}, data=body.encode(), timeout=60,
                     headers={**server.auth(), "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    yield iri
    requests.delete(server.url + "/data", params={"graph": iri}, headers=server.auth(), timeout=30)


@pytest.fixture()
def filled(live):
    yield from fill(live)


def test_runaway_query_stopped_while_others_are_served(live, filled) -> None:
    def runaway():
        start = time.monotonic()
        r = requests.get(live.url + "/sparql", params={"query": RUNAWAY}, timeout=60)
        return r.status_code, time.monotonic() - start, r.text

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(runaway)
        time.sleep(0.3)
        light = []
        while not slow.done():
            start = time.monotonic()
            r = requests.get(live.url + "/sparql", params={"query": f"ASK {{ <{EX}s1> ?p ?o }}"}, timeout=30)
            light.append((r.status_code, time.monotonic() - start))
        status, elapsed, text = slow.result()
    assert status == 503, text[:300]
    assert "time limit" in text or "did not answer" in text
    assert elapsed <= QUERY_TIMEOUT + 1.0, f"answered after {elapsed:.2f} s"
    assert light and all(s == 200 for s, _ in light), light
    assert max(t for _, t in light) < QUERY_TIMEOUT
    # and the service is healthy afterwards
    start = time.monotonic()
    assert requests.get(live.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
    assert time.monotonic() - start < 1.0


def test_row_cap(live, filled) -> None:
    r = requests.get(live.url + "/sparql", params={"query": f"SELECT * WHERE {{ GRAPH <{filled}> {{ ?s ?p ?o }} }}"},
                     headers={"Accept": "text/tab-separated-values"}, timeout=60)
    assert r.status_code == 200
    assert r.headers["X-Regio-Max-Rows"] == str(MAX_ROWS)
    assert r.text.count("\n") - 1 == MAX_ROWS
    # a query with its own smaller LIMIT is untouched; ORDER BY survives the cap
    r = requests.get(live.url + "/sparql", headers={"Accept": "text/csv"}, timeout=60, params={
        "query": f"SELECT ?o WHERE {{ GRAPH <{filled}> {{ ?s ?p ?o }} }} ORDER BY DESC(?o) LIMIT 3"})
    assert r.text.split() == ["o", str(MAX_ROWS + 499), str(MAX_ROWS + 498), str(MAX_ROWS + 497)]


def test_too_many_triple_patterns_refused_but_bulk_data_accepted(live) -> None:
    """pyoxigraph's join planner is worse than cubic in the patterns of one group (and overflows
    its stack at 10,000), so a query or update with more than 500 patterns is a 400 at once; the
    triples of INSERT DATA are data, not patterns, and any number of them is accepted."""
    patterns = " . ".join(f"?s{i} <{EX}p{i}> ?o{i}" for i in range(10_000))
    started = time.monotonic()
    r = requests.post(live.url + "/sparql", data={"query": f"SELECT * WHERE {{ {patterns} }}"}, timeout=30)
    assert r.status_code == 400 and "triple patterns" in r.text, r.text
    r = requests.post(live.url + "/sparql", timeout=30, headers=live.auth(),
                      data={"update": f"INSERT {{ <{EX}a> <{EX}b> 1 }} WHERE {{ {patterns} }}"})
    assert r.status_code == 400 and "triple patterns" in r.text, r.text
    assert time.monotonic() - started < 10
    graph = f"{EX}bulk/{uuid.uuid4().hex}"
    data = " . ".join(f"<{EX}s{i}> <{EX}n> {i}" for i in range(5_000))
    r = requests.post(live.url + "/sparql", timeout=60, headers=live.auth(),
                      data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ {data} }} }}"})
    assert r.status_code in (200, 204), r.text
    r = requests.get(live.url + "/sparql", headers={"Accept": "text/csv"}, timeout=30, params={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    assert r.text.split() == ["n", "5000"], r.text
    requests.delete(live.url + "/data", params={"graph": graph}, headers=live.auth(), timeout=30)


def test_body_too_large(live) -> None:
    big = "ASK {}" + " " * (MAX_BODY + 10)
    r = requests.post(live.url + "/sparql", data=big.encode(), timeout=30,
                      headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413 and "larger" in r.text
    r = requests.put(live.url + "/data", params={"graph": EX + "big"}, data=b"#" * (MAX_BODY + 10), timeout=30,
                     headers={**live.auth(), "Content-Type": "text/turtle"})
    assert r.status_code == 413


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "PREFIX x: <http://localhost:9/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
    "BASE <http://localhost:9/> SELECT * WHERE { SERVICE <> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <http://localhost:9/> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { service <file:///etc/passwd> { ?s ?p ?o } }",
])
def test_service_refused(live, query) -> None:
    r = requests.get(live.url + "/sparql", params={"query": query}, timeout=30)
    assert r.status_code == 403, r.text
    assert "allow-listed" in r.text


@pytest.mark.parametrize("update", [
    "LOAD <http://169.254.169.254/latest/meta-data/>",
    "LOAD SILENT <http://localhost:9/x> INTO GRAPH <https://example.org/g>",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://localhost:9/> { ?s ?p ?o } }",
])
def test_load_refused(live, update) -> None:
    r = live.update(update)
    assert r.status_code == 403, r.text


def test_service_allowed_host(embedded, tmp_path) -> None:
    """An allow-listed host is reachable: SERVICE to the embedded test server itself."""
    app = create_app(service_config(REGIO_DATA_DIR=str(tmp_path), REGIO_QUERY_WORKERS=0,
                                    REGIO_ALLOWED_SERVICE_HOSTS="127.0.0.1"))
    try:
        iri = f"{EX}remote-data"
        r = requests.put(embedded.url + "/data", params={"graph": iri}, data=f"<{EX}x> <{EX}y> <{EX}z> .".encode(),
                         headers={**embedded.auth(), "Content-Type": "application/n-triples"}, timeout=30)
        assert r.status_code in (201, 204)
        client = app.test_client()
        r = client.get("/sparql", query_string={"query": f"SELECT ?o WHERE {{ SERVICE <{embedded.url}/sparql> "
                                                         f"{{ <{EX}x> <{EX}y> ?o }} }}"},
                       headers={"Accept": "text/csv"})
        assert r.status_code == 200, r.data
        assert r.data.decode().split() == ["o", f"{EX}z"]
    finally:
        app.extensions["regio.store"].close()


WRITES = [
    ("POST", "/sparql", {}, b'INSERT DATA { <https://example.org/a> <https://example.org/b> "c" }',
     "application/sparql-update"),
    ("PUT", "/data", {"graph": EX + "auth"}, b'<https://example.org/a> <https://example.org/b> "c" .',
     "application/n-triples"),
    ("POST", "/data", {"graph": EX + "auth"}, b'<https://example.org/a> <https://example.org/b> "c" .',
     "application/n-triples"),
    ("DELETE", "/data", {"graph": EX + "auth"}, b"", None),
]


def test_writes_need_the_bearer_token(live) -> None:
    for method, path, params, body, media in WRITES:
        headers = {"Content-Type": media} if media else {}
        r = requests.request(method, live.url + path, params=params, data=body, headers=headers, timeout=30)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        for wrong in (TOKEN[:-1], TOKEN + "x", "x"):
            r = requests.request(method, live.url + path, params=params, data=body, timeout=30,
                                 headers={**headers, "Authorization": f"Bearer {wrong}"})
            assert r.status_code == 403, (method, path, r.status_code)
            assert TOKEN not in r.text and wrong not in r.text
        r = requests.request(method, live.url + path, params=params, data=body, timeout=30,
                             headers={**headers, **live.auth()})
        assert r.status_code < 300, (method, path, r.status_code, r.text)


def test_writes_disabled_without_a_token(tmp_path) -> None:
    app = create_app(service_config(REGIO_DATA_DIR=str(tmp_path), REGIO_TOKEN=None, REGIO_QUERY_WORKERS=0))
    try:
        client = app.test_client()
        for method, path, params, body, media in WRITES:
            r = client.open(path, method=method, query_string=params, data=body,
                            headers={"Authorization": "Bearer anything", **({"Content-Type": media} if media else {})})
            assert r.status_code == 403 and b"disabled" in r.data
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    finally:
        app.extensions["regio.store"].close()


def test_token_never_logged(embedded, caplog) -> None:
    """Not even when a client wrongly puts it in the URL (the log has the path, not the query
    string).  ``regio serve`` silences werkzeug's own request lines for the same reason."""
    caplog.set_level(logging.INFO, logger="regio.access")
    requests.post(embedded.url + "/sparql", params={"token": TOKEN, "access_token": TOKEN}, timeout=30,
                  data=b"ASK {}", headers={**embedded.auth(), "Content-Type": "application/sparql-query"})
    embedded.update(f"INSERT DATA {{ GRAPH <{EX}log> {{ <{EX}a> <{EX}b> <{EX}c> }} }}")
    records = [r.getMessage() for r in caplog.records if r.name == "regio.access"]
    assert records, "no access log"
    assert any('"path": "/sparql"' in m and '"status": 200' in m for m in records)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("regio")]
    assert all(TOKEN not in m for m in ours)
