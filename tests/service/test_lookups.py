"""Look-ups of one triple pattern skip the killable query worker (``EmbeddedStore._bounded_lookup``):
only queries whose cost is bounded by their rows qualify, they answer exactly as the worker would,
errors stay 4xx, and LIMIT/row cap hold."""

from __future__ import annotations

import pytest
import requests

from regio.store.sparql_text import analyze_query

from .conftest import MAX_ROWS
from .test_limits import EX, filled  # noqa: F401 - the shared fixture

LOOKUPS = [
    "SELECT ?p ?o WHERE { <https://example.org/s> ?p ?o }",
    "PREFIX ex: <https://example.org/> SELECT * { ?s ex:p \"x\"@en-GB . }",
    "SELECT ?s { ?s <https://example.org/p> \"1\"^^xsd:integer } LIMIT 20",
    "ASK { ?s a regio:Firm }",
]
NOT_LOOKUPS = [
    "SELECT ?s { ?s ?p ?s }",                       # repeated variable: a filtered scan
    "SELECT DISTINCT ?p { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o FILTER(?o = 1) }",
    "SELECT ?s { ?s ?p ?o } OFFSET 10",
    "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s { ?s <https://example.org/p>/<https://example.org/q> ?o }",
    "SELECT ?s { ?s ?p ?o . ?o ?q ?r }",
    "SELECT ?s FROM <https://example.org/g> { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?s { GRAPH ?g { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT ?s { ?s ?p 1 }",
]


@pytest.mark.parametrize("query", LOOKUPS)
def test_lookups_recognised(query) -> None:
    assert analyze_query(query).lookup


@pytest.mark.parametrize("query", NOT_LOOKUPS)
def test_other_queries_go_to_the_worker(query) -> None:
    assert not analyze_query(query).lookup


def test_limit_of_several_digits() -> None:
    assert analyze_query("SELECT * { ?s ?p ?o } LIMIT 200000").limit == 200000


def test_lookup_answers_as_the_worker(live, filled) -> None:  # noqa: F811 - pytest fixture
    base = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} LIMIT 30"
    through_worker = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(true) }} LIMIT 30"
    answers = []
    for q in (base, through_worker):
        r = requests.get(live.url + "/sparql", params={"query": q}, headers={"Accept": "text/csv"}, timeout=30)
        assert r.status_code == 200, r.text
        answers.append(sorted(r.text.splitlines()))
    assert answers[0] == answers[1] and len(answers[0]) == 31
    for accept in ("application/sparql-results+json", "application/sparql-results+xml", "text/tab-separated-values"):
        r = requests.get(live.url + "/sparql", params={"query": f"ASK {{ <{EX}s1> <{EX}p> ?o }}"},
                         headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept), (accept, r.text)
        assert "true" in r.text


def test_lookup_over_the_row_cap(live, filled) -> None:  # noqa: F811 - pytest fixture
    """A LIMIT above the cap is capped (a LIMIT of several digits was once read as its first digit)."""
    r = requests.get(live.url + "/sparql", params={"query": f"SELECT * WHERE {{ ?s <{EX}p> ?o }} LIMIT {MAX_ROWS + 200}"},
                     headers={"Accept": "text/tab-separated-values"}, timeout=60)
    assert r.status_code == 200
    assert r.text.count("\n") - 1 == MAX_ROWS


def test_malformed_lookup_is_400(live) -> None:
    r = requests.get(live.url + "/sparql", params={"query": "SELECT ?s { ?s nosuchprefix:p ?o }"}, timeout=30)
    assert r.status_code == 400 and "prefix" in r.text.lower()


def test_large_lookup_goes_to_a_worker(embedded, monkeypatch) -> None:
    """A look-up with more rows than LOOKUP_ROWS (counted first) is evaluated by a worker; a small
    one in process; both answer in full (up to the row cap)."""
    import uuid

    from regio.store import embedded as module

    store = embedded.store
    graph = f"{EX}graph/{uuid.uuid4().hex}"
    body = "".join(f"<{EX}big> <{EX}q> {i} .\n<{EX}small{i % 3}> <{EX}q> {i} .\n" for i in range(300))
    r = requests.put(embedded.url + "/data", params={"graph": graph}, data=body.encode(), timeout=60,
                     headers={**embedded.auth(), "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    monkeypatch.setattr(module, "LOOKUP_ROWS", 200)
    monkeypatch.setattr(store, "max_rows", 100_000)
    ran_by_worker = []
    original = store.pool.run
    monkeypatch.setattr(store.pool, "run", lambda *a, **k: ran_by_worker.append(1) or original(*a, **k))
    try:
        for subject, rows, worker in (("big", 300, True), ("small0", 100, False)):
            ran_by_worker.clear()
            r = requests.get(embedded.url + "/sparql", params={"query": f"SELECT ?o {{ <{EX}{subject}> <{EX}q> ?o }}"},
                             headers={"Accept": "text/csv"}, timeout=30)
            assert r.status_code == 200 and r.text.count("\n") - 1 == rows, (subject, r.text[:200])
            assert bool(ran_by_worker) == worker, subject
    finally:
        requests.delete(embedded.url + "/data", params={"graph": graph}, headers=embedded.auth(), timeout=30)
