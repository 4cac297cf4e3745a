"""Hostile and broken input against a real ``regio serve``: a fixed corpus and a small
Hypothesis sample (``bench/fuzz.py`` runs the same strategies at ≥ 10,000 cases).

Every answer: never a 5xx, never a traceback, a message with every 4xx, nothing secret in the
body; broken input (the fixed corpus) always a 4xx; the server still alive; and afterwards the
store holds exactly what it held before (SHA-256 over every graph, Graph Store Protocol).
"""

from __future__ import annotations

import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings

from .conftest import MAX_BODY
from .hostile import Case, fixed_corpus, header_cases, path_cases, rdf_cases, send, sparql_cases
from .support import Server, cleanup, clean_error, digest, graphs

EXAMPLES = 60   # per generated test; bench/fuzz.py runs thousands


@pytest.fixture(scope="module")
def unchanged(server: Server):
    """Yield the server; after this module's tests (on this worker) undo accepted test writes and
    compare the store's digest with the one taken before them."""
    keep = graphs(server.url)
    before = digest(server.url)
    yield server
    if not server.alive():
        server.start()
    cleanup(server, keep)
    assert digest(server.url) == before, "hostile input changed the store"


def test_fixed_corpus(unchanged: Server) -> None:
    failures = []
    for case in fixed_corpus():
        try:
            send(unchanged, case)
        except AssertionError as exc:
            failures.append(str(exc)[:400])
    assert not failures, f"{len(failures)} of {len(fixed_corpus())} cases failed:\n" + "\n".join(failures)


def test_huge_bodies_are_413(unchanged: Server) -> None:
    srv = unchanged
    big = b"ASK {} #" + b"x" * (MAX_BODY + 1024)
    cases = [
        Case("huge query", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query")], big),
        Case("huge form", "POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
             b"query=" + big),
        Case("huge update", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update")], big, auth=True),
        Case("huge graph", "PUT", b"/data?graph=https%3A%2F%2Fexample.org%2Freliability%2Fscratch",
             [(b"Content-Type", b"application/n-triples")],
             b'<https://example.org/s> <https://example.org/p> "' + b"x" * (MAX_BODY + 1024) + b'" .\n', auth=True),
    ]
    for case in cases:
        start = time.monotonic()
        status, _ = send(srv, case)
        assert status == 413, f"{case.label}: {status}"
        assert time.monotonic() - start < 10
    # a chunked body has no Content-Length to check up front: the limit must hold while reading
    chunks = (b"ASK {} #" + b"y" * 65536 for _ in range(MAX_BODY // 65536 + 4))
    r = requests.post(srv.url + "/sparql", data=chunks, headers={"Content-Type": "application/sparql-query"},
                      timeout=30)
    clean_error(r.status_code, r.content, what="chunked huge query")
    assert r.status_code == 413, r.status_code


def _generated(srv: Server, strategy, examples: int = EXAMPLES) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case: Case) -> None:
        send(srv, case)

    run()


def test_generated_sparql(unchanged: Server) -> None:
    _generated(unchanged, sparql_cases())


def test_generated_rdf(unchanged: Server) -> None:
    _generated(unchanged, rdf_cases())


def test_generated_paths_and_headers(unchanged: Server) -> None:
    _generated(unchanged, header_cases() | path_cases(), examples=40)
