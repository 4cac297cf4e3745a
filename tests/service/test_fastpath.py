"""Plain protocol queries answered by the WSGI fast path (``regio.web.fastpath``) — ``GET ?query=``,
a ``POST`` form with only ``query``, a ``POST`` of ``application/sparql-query`` — get the same
answer the Flask endpoint gives: status, body and headers, for results, streamed results and
errors, with an access-log record, from the embedded store and in remote-engine mode."""

from __future__ import annotations

import io
import json
import logging

import pytest
import requests

from regio.web.fastpath import _query_of

from .test_limits import EX, RUNAWAY, fill


@pytest.fixture()
def filled(embedded):
    """The limits' 1,500-triple graph, in the embedded store only."""
    yield from fill(embedded)

IGNORED = {"date", "server", "connection", "keep-alive", "transfer-encoding", "content-length"}


def _both(url: str, query: str, accept: str | None, how: str = "get") -> tuple[requests.Response, requests.Response]:
    """The query through the fast path, and through Flask (an extra parameter sends it there)."""
    headers = {"Accept": accept} if accept else {}
    if how == "get":
        fast = requests.get(url + "/sparql", params={"query": query}, headers=headers, timeout=30)
    elif how == "form":
        fast = requests.post(url + "/sparql", data={"query": query}, headers=headers, timeout=30)
    else:
        fast = requests.post(url + "/sparql", data=query.encode(), timeout=30,
                             headers={**headers, "Content-Type": "application/sparql-query; charset=UTF-8"})
    flask = requests.get(url + "/sparql", params={"query": query, "inference": "true"}, headers=headers, timeout=30)
    return fast, flask


def _headers(r: requests.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in r.headers.items() if k.lower() not in IGNORED}


@pytest.mark.parametrize("query, accept", [
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} LIMIT 5", None),                       # a look-up, in process
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} LIMIT 5", "text/csv"),
    (f"SELECT ?o WHERE {{ ?s <{EX}p> ?o FILTER(?o < 3) }} ORDER BY ?o", "text/tab-separated-values"),  # worker
    (f"ASK {{ <{EX}s1> <{EX}p> ?o }}", "application/sparql-results+xml"),
    (f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}p> ?o FILTER(?o < 2) }}", "application/n-triples"),
    ("SELECT ?s WHERE { ?s nosuchprefix:p ?o }", None),                               # 400
    ("SELECT * WHERE { ?s ?p ?o", None),                                               # 400
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),                            # 406
    ("SELECT * WHERE { SERVICE <http://example.invalid/sparql> { ?s ?p ?o } }", None),  # 403
])
@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_fast_path_answers_as_flask(embedded, filled, query, accept, how) -> None:
    fast, flask = _both(embedded.url, query, accept, how)
    assert fast.status_code == flask.status_code
    assert _headers(fast) == _headers(flask)
    if fast.status_code == 200 and "csv" not in fast.headers["Content-Type"] and "tab" not in fast.headers["Content-Type"]:
        assert sorted(fast.text.split()) == sorted(flask.text.split())  # bnode labels/order aside
    else:
        assert fast.text == flask.text


@pytest.mark.parametrize("query, accept", [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3", "text/csv"),
    ("ASK { ?s ?p ?o }", None),
    ("SELECT ?c ?l WHERE { ?c a regio:Country ; rdfs:label ?l } ORDER BY ?c LIMIT 2", "text/csv"),  # default prefixes
    ("SELECT * WHERE { ?s ?p ?o", None),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),
])
@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_fast_path_answers_as_flask_in_remote_mode(remote, query, accept, how) -> None:
    fast, flask = _both(remote.url, query, accept, how)
    assert fast.status_code == flask.status_code == (406 if accept == "text/turtle" else 400 if query.endswith("?o") else 200)
    assert _headers(fast) == _headers(flask)
    assert fast.text == flask.text


def test_post_body_reaches_flask_when_not_taken(embedded) -> None:
    """A form the fast path reads but does not take still reaches Flask whole."""
    r = requests.post(embedded.url + "/sparql", data={"query": "ASK {}", "format": "csv"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv") and r.text.strip() == "true"
    r = requests.post(embedded.url + "/sparql", data="ASK { ?s ?p ?o }".encode("utf-16"), timeout=30,
                      headers={"Content-Type": "application/sparql-query; charset=utf-16"})
    assert r.status_code == 400 and "UTF-8" in r.text


def test_fast_path_timeout_is_503(embedded, filled) -> None:
    r = requests.get(embedded.url + "/sparql", params={"query": RUNAWAY}, timeout=30)
    assert r.status_code == 503 and "time limit" in r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_fast_path_logs_access(embedded, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="regio.access"):
        r = requests.get(embedded.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                         headers={"User-Agent": "fastpath-test"}, timeout=30)
        p = requests.post(embedded.url + "/sparql", data={"query": "ASK { ?s ?p ?o }"},
                          headers={"User-Agent": "fastpath-post-test"}, timeout=30)
    assert r.status_code == 200 and p.status_code == 200
    records = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "regio.access"]
    mine = [rec for rec in records if rec["agent"] == "fastpath-test"]
    assert mine and mine[-1]["path"] == "/sparql" and mine[-1]["status"] == 200 and "query" not in json.dumps(mine)
    posted = [rec for rec in records if rec["agent"] == "fastpath-post-test"]
    assert posted and posted[-1]["method"] == "POST" and posted[-1]["status"] == 200


FORM = "application/x-www-form-urlencoded"


def _post(body: bytes, content_type: str, query_string: str = "", length: str | None = None) -> dict:
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/sparql", "QUERY_STRING": query_string,
            "CONTENT_TYPE": content_type, "CONTENT_LENGTH": length or str(len(body)),
            "wsgi.input": io.BytesIO(body)}


@pytest.mark.parametrize("environ, taken", [
    ({"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK%20%7B%7D"}, True),
    ({"REQUEST_METHOD": "HEAD", "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK%20%7B%7D"}, False),
    ({"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK%20%7B%7D&format=json"}, False),
    ({"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": "query=%20"}, False),
    ({"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": "update=CLEAR%20ALL"}, False),
    ({"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql/", "QUERY_STRING": "query=ASK%20%7B%7D"}, False),
    ({"REQUEST_METHOD": "POST", "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK%20%7B%7D"}, False),
    (_post(b"query=ASK%20%7B%7D", FORM), True),
    (_post(b"query=ASK%20%7B%7D", FORM + "; charset=UTF-8"), True),
    (_post(b"query=ASK%20%7B%7D&format=json", FORM), False),
    (_post(b"update=CLEAR%20ALL", FORM), False),
    (_post(b"query=%FF", FORM), False),
    (_post(b"ASK {}", "application/sparql-query"), True),
    (_post(b"ASK {}", "application/sparql-query; charset=latin1"), False),
    (_post(b"ASK {}", "application/sparql-update"), False),
    (_post(b"ASK {}", "text/plain"), False),
    (_post(b"ASK {}", "application/sparql-query", query_string="default-graph-uri=urn%3Ax"), False),
    (_post(b"ASK {" + b" " * 70_000 + b"}", "application/sparql-query"), False),
    (_post(b"ASK {}", "application/sparql-query", length="7"), False),
])
def test_only_plain_requests_take_the_fast_path(environ, taken) -> None:
    body = environ.get("wsgi.input").getvalue() if "wsgi.input" in environ else None
    assert (_query_of(environ) is not None) == taken
    if body is not None and len(body) <= 64 * 1024:  # what was read is there for Flask
        assert environ["wsgi.input"].read() == body


def test_remote_engine_gets_the_default_prefixes_a_query_uses(remote) -> None:
    """Only undeclared default prefixes are sent along; the query's own declarations win."""
    for query, expected in (("SELECT ?x WHERE { BIND(regio:Cluster AS ?x) }", "https://w3id.org/regio#Cluster"),
                            ("PREFIX regio: <https://example.org/not-regio#> SELECT ?x WHERE { BIND(regio:Cluster AS ?x) }",
                             "https://example.org/not-regio#Cluster")):
        r = requests.post(remote.url + "/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
        assert r.status_code == 200 and r.text.split() == ["x", expected], r.text
