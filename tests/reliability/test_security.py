"""Nobody in: writes need the token, the token stays out of the logs, SERVICE/LOAD (and JSON-LD
contexts, XML entities) reach no outside host, size limits hold, the query timeout holds under
load, and the pages escape what the store says and carry a strict CSP.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import MAX_ROWS, QUERY_TIMEOUT
from .support import SCRATCH, Server, clean_error, count_matches

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _writes(srv: Server) -> list[tuple[str, str, dict, bytes, dict]]:
    """(label, method, params, body, headers) of every kind of write, each harmless (scratch graph)."""
    triple = b'<https://example.org/reliability/auth> <https://example.org/p> "x" .\n'
    update = f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ <https://example.org/reliability/auth> <https://example.org/p> "u" }} }}'
    return [
        ("update (sparql-update)", "POST", "/sparql", {}, update.encode(), {"Content-Type": "application/sparql-update"}),
        ("update (form)", "POST", "/sparql", {}, b"update=" + requests.utils.quote(update, safe="").encode(),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("graph store PUT", "PUT", "/data", {"graph": SCRATCH}, triple, {"Content-Type": "application/n-triples"}),
        ("graph store POST", "POST", "/data", {"graph": SCRATCH}, triple, {"Content-Type": "application/n-triples"}),
        ("graph store DELETE", "DELETE", "/data", {"graph": SCRATCH}, b"", {}),
    ]


def test_writes_need_the_token(live: Server) -> None:
    srv = live
    wrong = [srv.token[:-1] + ("x" if srv.token[-1] != "x" else "y"), srv.token[:8], srv.token + "0", ""]
    for label, method, path, params, body, headers in _writes(srv):
        r = requests.request(method, srv.url + path, params=params, data=body, headers=headers, timeout=30)
        clean_error(r.status_code, r.content, what=label)
        assert r.status_code == 401, f"{label} without a token: {r.status_code}"
        assert "bearer" in r.headers.get("WWW-Authenticate", "").lower(), f"{label}: 401 without WWW-Authenticate"
        for bad in wrong:
            r = requests.request(method, srv.url + path, params=params, data=body, timeout=30,
                                 headers={**headers, "Authorization": f"Bearer {bad}"})
            clean_error(r.status_code, r.content, what=label)
            assert r.status_code in (401, 403), f"{label} with a wrong token: {r.status_code}"
            assert r.status_code == 403 or not bad.strip(), f"{label} with a wrong token: {r.status_code}"
        r = requests.request(method, srv.url + path, params=params, data=body, timeout=60,
                             headers={**headers, **srv.auth()})
        assert r.status_code < 300, f"{label} with the token: {r.status_code} {r.text[:300]}"
    assert count_matches(srv.url, f"GRAPH <{SCRATCH}> {{ ?s ?p ?o }}") == 0


def test_token_never_logged(live: Server) -> None:
    srv = live
    # the right token, in the header and (wrongly) in the URL, where access logs would show it
    requests.post(srv.url + "/sparql", data=b"ASK {}", timeout=30,
                  headers={**srv.auth(), "Content-Type": "application/sparql-query"})
    requests.get(srv.url + "/sparql", params={"query": "ASK {}", "access_token": srv.token}, timeout=30)
    requests.post(srv.url + "/sparql", data=b"INSERTT broken", timeout=30,
                  headers={**srv.auth(), "Content-Type": "application/sparql-update"})
    time.sleep(0.3)
    log = srv.log()
    assert "/sparql" in log, "the server logs no requests (no access log to check)"
    assert srv.token not in log.replace(f"access_token={srv.token}", ""), "the token is in the server log"
    assert "access_token=" + srv.token not in log, "the token in a query string was logged verbatim"


class Canary:
    """A TCP listener that counts connections: proof that nothing was contacted."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture()
def canary():
    c = Canary()
    yield c
    c.close()


def test_service_and_load_to_other_hosts_refused(live: Server, canary: Canary) -> None:
    srv = live
    p = canary.port
    targets = [f"http://127.0.0.1:{p}/sparql", f"HTTP://127.0.0.1:{p}/x", f"http://localhost:{p}/",
               f"http://[::ffff:127.0.0.1]:{p}/", f"http://2130706433:{p}/", "http://169.254.169.254/latest/meta-data/",
               "file:///etc/passwd"]
    queries = []
    for t in targets:
        queries += [f"SELECT * WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
                    f"PREFIX x: <{t}> SELECT * WHERE {{ SERVICE x: {{ ?s ?p ?o }} }}",
                    f"BASE <{t}> SELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}",
                    f"SELECT * WHERE {{ VALUES ?e {{ <{t}> }} SERVICE ?e {{ ?s ?p ?o }} }}"]
    for query in queries:
        r = requests.get(srv.url + "/sparql", params={"query": query}, timeout=30)
        clean_error(r.status_code, r.content, what=query)
        assert 400 <= r.status_code < 500, f"{query}: {r.status_code}"
        silent = query.replace("SERVICE", "SERVICE SILENT")
        r = requests.get(srv.url + "/sparql", params={"query": silent}, timeout=30)
        clean_error(r.status_code, r.content, what=silent)
    for t in targets:
        for update in (f"LOAD <{t}>", f"LOAD SILENT <{t}> INTO GRAPH <{SCRATCH}>",
                       f"INSERT {{ GRAPH <{SCRATCH}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}"):
            r = requests.post(srv.url + "/sparql", data=update.encode(), timeout=30,
                              headers={**srv.auth(), "Content-Type": "application/sparql-update"})
            clean_error(r.status_code, r.content, what=update)
            if "SILENT" not in update:
                assert 400 <= r.status_code < 500, f"{update}: {r.status_code}"
    # data formats that can point elsewhere: a JSON-LD remote context, an XML external entity
    for media, body in [
        ("application/ld+json", f'{{"@context": "http://127.0.0.1:{p}/ctx.jsonld", "@id": "https://example.org/s", "p": 1}}'),
        ("application/rdf+xml", f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:{p}/e">]>'
                                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
                                '<rdf:Description rdf:about="https://example.org/s"><ex:p>&e;</ex:p></rdf:Description></rdf:RDF>'),
    ]:
        r = requests.put(srv.url + "/data", params={"graph": SCRATCH}, data=body.encode(), timeout=30,
                         headers={**srv.auth(), "Content-Type": media})
        clean_error(r.status_code, r.content, what=media)
    time.sleep(0.3)
    assert canary.hits == 0, f"the service connected to a host outside the allow-list {canary.hits} time(s)"
    requests.delete(srv.url + "/data", params={"graph": SCRATCH}, headers=srv.auth(), timeout=30)


def test_result_rows_capped(live: Server) -> None:
    srv = live
    total = count_matches(srv.url, "?s ?p ?o")
    assert total > MAX_ROWS, f"precondition: the store has more than {MAX_ROWS} triples ({total})"
    r = requests.get(srv.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                     headers={"Accept": "text/tab-separated-values"}, timeout=60)
    clean_error(r.status_code, r.content, what="all triples")
    if r.status_code == 200:
        rows = r.content.count(b"\n") - 1
        assert rows <= MAX_ROWS, f"{rows} rows with REGIO_MAX_ROWS={MAX_ROWS}"


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_query_timeout_holds_under_load(live: Server) -> None:
    """Two runaway queries and a stream of light ones at once: the runaways are stopped and
    answered 503 within timeout + 1 s (+ 1 s slack on this shared machine), the light ones keep
    being answered."""
    srv = live
    stop = threading.Event()
    light: list[tuple[int, float]] = []

    def runaway() -> tuple[int, float, str]:
        start = time.monotonic()
        r = requests.get(srv.url + "/sparql", params={"query": RUNAWAY}, timeout=QUERY_TIMEOUT + 30)
        return r.status_code, time.monotonic() - start, r.text

    def light_stream() -> None:
        with requests.Session() as s:
            while not stop.is_set():
                start = time.monotonic()
                r = s.get(srv.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
                light.append((r.status_code, start, time.monotonic()))

    with ThreadPoolExecutor(4) as pool:
        streams = [pool.submit(light_stream) for _ in range(2)]
        time.sleep(0.2)
        runaway_start = time.monotonic()
        runaways = [pool.submit(runaway) for _ in range(2)]
        results = [f.result() for f in runaways]
        runaway_end = time.monotonic()
        stop.set()
        for f in streams:
            f.result()
    for status, elapsed, text in results:
        assert status == 503, f"runaway query answered {status}: {text[:300]}"
        assert text.strip(), "503 without a message"
        assert elapsed <= QUERY_TIMEOUT + 2.0, f"runaway stopped after {elapsed:.1f} s (timeout {QUERY_TIMEOUT} s)"
    assert light, "no light query was answered"
    assert all(status == 200 for status, _, _ in light), sorted({s for s, _, _ in light})
    during = [end for _, start, end in light if start >= runaway_start + 0.1 and end <= runaway_end - 0.1]
    assert len(during) >= 3, (f"only {len(during)} light queries were answered while the runaways ran "
                              f"({runaway_end - runaway_start:.1f} s): they waited behind them")
    worst = max(end - start for _, start, end in light)
    assert worst < QUERY_TIMEOUT + 2, f"a light query took {worst:.1f} s"
    # the runaways are really gone: the next light query is fast
    start = time.monotonic()
    assert requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
    assert time.monotonic() - start < 1.0


XSS = "<script>alert('regio-xss')</script>"


def test_pages_escape_store_data(live: Server) -> None:
    srv = live
    thing = "https://example.org/reliability/xss-thing"
    turtle = (f'<{thing}> <{RDFS_LABEL}> "{XSS}"@en ;\n'
              f'  <http://www.w3.org/2000/01/rdf-schema#comment> "<img src=x onerror=alert(1)>" ;\n'
              f'  <https://example.org/p> <javascript:alert(1)> .\n')
    r = requests.put(srv.url + "/data", params={"graph": SCRATCH}, data=turtle.encode(), timeout=60,
                     headers={**srv.auth(), "Content-Type": "text/turtle"})
    assert r.status_code < 300, r.text
    try:
        page = requests.get(srv.url + "/resource", params={"iri": thing}, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200, page.status_code
        html = page.text
        assert "regio-xss" in html, "the page does not show the label at all (nothing to check)"
        assert XSS not in html and "<script>alert" not in html, "a label from the store is rendered as markup"
        assert "<img src=x" not in html
        assert 'href="javascript:' not in html.replace(" ", ""), "a javascript: IRI became a link"
        csp = page.headers.get("Content-Security-Policy", "")
        assert "script-src" in csp or "default-src" in csp, csp
        assert "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0], csp
    finally:
        requests.delete(srv.url + "/data", params={"graph": SCRATCH}, headers=srv.auth(), timeout=30)


def test_security_headers(live: Server) -> None:
    srv = live
    page = requests.get(srv.url + "/regions", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    csp = page.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp or page.headers.get("X-Frame-Options") == "DENY"
    assert "object-src 'none'" in csp or "default-src 'none'" in csp, csp
    for r in (page, requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, timeout=30),
              requests.get(srv.url + "/health", timeout=30)):
        assert r.headers.get("X-Content-Type-Options") == "nosniff", r.url
        assert r.headers.get("Referrer-Policy"), r.url
    # CORS lets browsers query, but never with the user's credentials
    r = requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"},
                     timeout=30)
    if r.headers.get("Access-Control-Allow-Origin") == "*":
        assert r.headers.get("Access-Control-Allow-Credentials", "").lower() != "true"
