"""Hostile and broken input: a fixed corpus and Hypothesis strategies, shared by
``test_hostile_input.py`` (a small sample) and ``bench/fuzz.py`` (≥ 10,000 generated cases).

A *case* is one HTTP request.  ``must_fail`` cases are broken for sure (the answer must be a 4xx);
the others are mutations that may happen to be valid (the answer must then be anything but a 5xx).
Either way: no traceback in the body, a message with every 4xx, and the store unchanged.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Sequence
from urllib.parse import quote

from hypothesis import strategies as st

from .support import SCRATCH, Server, clean_error


@dataclass
class Case:
    label: str
    method: str = "GET"
    target: bytes = b"/sparql"                   # raw request target, sent as is
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    auth: bool = False                           # send the right bearer token
    must_fail: bool = True

    def __repr__(self) -> str:  # short, so Hypothesis' falsifying examples stay readable
        return f"Case({self.label!r}, {self.method} {self.target[:120]!r}, body={self.body[:120]!r}...)"


def _complete(answer: bytearray) -> bool:
    """Whether a whole response has arrived (the server may keep the connection open after it,
    e.g. Werkzeug when it did not read a too-large body)."""
    end = answer.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = bytes(answer[:end]).lower()
    body = answer[end + 4:]
    if head.split(b" ", 2)[1:2] in ([b"204"], [b"304"]):
        return True
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    if b"transfer-encoding: chunked" in head:
        return body.endswith(b"0\r\n\r\n")
    return False


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        size = int(body[pos:end].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += body[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def raw_request(port: int, case: Case, token: str | None, timeout: float = 30.0) -> tuple[int, bytes]:
    """Send ``case`` byte for byte over a socket (requests/urllib3 would normalise the path,
    refuse control characters and re-encode headers, which is exactly what we want to test).

    HTTP/1.0 and ``Connection: close``: the answer is whatever arrives before EOF.
    """
    lines = [case.method.encode() + b" " + case.target + b" HTTP/1.0", b"Host: 127.0.0.1:%d" % port,
             b"Connection: close"]
    names = {k.lower() for k, _ in case.headers}
    for k, v in case.headers:
        lines.append(k + b": " + v)
    if case.auth and token:
        lines.append(b"Authorization: Bearer " + token.encode())
    if case.body and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: %d" % len(case.body))
    data = b"\r\n".join(lines) + b"\r\n\r\n" + case.body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer 413 and close before reading a huge body
        answer = bytearray()
        while not _complete(answer):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    if not answer:
        raise ConnectionError(f"{case.label}: connection closed without an answer")
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return status, body


def send(srv: Server, case: Case) -> tuple[int, bytes]:
    """Send a case; a dead server or a dropped connection is a failure of the case, and the
    server is restarted so the remaining cases still run."""
    try:
        status, body = raw_request(srv.port, case, srv.token)
    except (OSError, ValueError, IndexError) as exc:
        try:
            srv.process.wait(3)   # a dropped connection: give a dying server time to be reaped
        except Exception:  # noqa: BLE001 - still running
            pass
        crashed = not srv.alive()
        if crashed:
            code = srv.process.returncode
            srv.start()
            raise AssertionError(f"{case!r}: the server died (exit {code}) instead of answering") from exc
        raise AssertionError(f"{case!r}: no valid HTTP answer ({exc})") from exc
    clean_error(status, body, what=repr(case))
    if case.must_fail:
        assert 400 <= status < 500, f"{case!r}: broken input answered {status}: {body[:300]!r}"
    for secret in SECRETS:
        assert secret not in body, f"{case!r}: the answer contains {secret!r}"
    return status, body


def q(text: str | bytes) -> bytes:
    """Percent-encode for a query string (bytes are encoded as they are, invalid UTF-8 included)."""
    return quote(text, safe="").encode()


def get_query(label: str, query: str | bytes, must_fail: bool = True, extra: bytes = b"") -> Case:
    return Case(label, "GET", b"/sparql?query=" + q(query) + extra, must_fail=must_fail)


def post_query(label: str, query: bytes, must_fail: bool = True) -> Case:
    return Case(label, "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query")], query,
                must_fail=must_fail)


def post_update(label: str, update: bytes, must_fail: bool = True) -> Case:
    return Case(label, "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update")], update,
                auth=True, must_fail=must_fail)


def put_rdf(label: str, media_type: str, body: bytes, method: str = "PUT", must_fail: bool = True) -> Case:
    return Case(label, method, b"/data?graph=" + q(SCRATCH), [(b"Content-Type", media_type.encode())], body,
                auth=True, must_fail=must_fail)


DEEP = 10_000

# --- seeds: valid documents that the mutations start from ------------------------------------

SEED_QUERIES = [
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 5",
    "PREFIX regio: <https://w3id.org/regio#> SELECT ?c (COUNT(?f) AS ?n) WHERE { ?c regio:hasMember ?f } "
    "GROUP BY ?c ORDER BY DESC(?n) LIMIT 10",
    "ASK { ?s a <https://w3id.org/regio#Region> }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"https://w3id.org/regio/id/\")) } LIMIT 3",
    "DESCRIBE <https://w3id.org/regio/id/iso3166/NO>",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
    "FILTER(LANG(?l) = \"en\") } VALUES ?p { <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> } } LIMIT 2",
    "SELECT (STRLEN(\"é\") AS ?n) (REGEX(\"abc\", \"^a.c$\", \"i\") AS ?r) WHERE {}",
]

SEED_UPDATES = [
    f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ <https://example.org/s> <https://example.org/p> "o" }} }}',
    f'DELETE DATA {{ GRAPH <{SCRATCH}> {{ <https://example.org/s> <https://example.org/p> "o" }} }}',
    f"PREFIX ex: <https://example.org/> INSERT DATA {{ GRAPH <{SCRATCH}> {{ ex:s ex:q ( 1 2 ) ; ex:r [ ex:p ex:t ] }} }}",
]

SEED_RDF: dict[str, bytes] = {
    "text/turtle": b'@prefix ex: <https://example.org/> .\nex:s ex:p "o"@en , 1 , ( ex:a ex:b ) ;\n  ex:q [ ex:r ex:t ] .\n',
    "application/n-triples": b'<https://example.org/s> <https://example.org/p> "o\\u00e9"@en .\n'
                             b'_:b <https://example.org/q> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    "application/ld+json": b'{"@context": {"ex": "https://example.org/"}, "@id": "ex:s", "ex:p": [{"@value": "o", '
                           b'"@language": "en"}, {"@id": "ex:t"}]}',
    "application/rdf+xml": b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                           b'xmlns:ex="https://example.org/">\n<rdf:Description rdf:about="https://example.org/s">'
                           b'<ex:p xml:lang="en">o</ex:p><ex:q rdf:resource="https://example.org/t"/>'
                           b'</rdf:Description>\n</rdf:RDF>\n',
    "application/n-quads": b'<https://example.org/s> <https://example.org/p> "o" <https://example.org/g> .\n',
    "application/trig": b'@prefix ex: <https://example.org/> .\nex:g { ex:s ex:p "o" . }\n',
}

# --- the fixed corpus ---------------------------------------------------------------------------


def fixed_corpus() -> list[Case]:
    """Broken input (``must_fail``: the answer must be a 4xx with a message) and a few odd but
    acceptable requests (anything but a 5xx)."""
    cases: list[Case] = [
        # SPARQL
        get_query("empty query", ""),
        get_query("typo", "SELEC * WHERE { ?s ?p ?o }"),
        get_query("unbalanced", "SELECT * WHERE { ?s ?p ?o"),
        get_query("undefined prefix", "SELECT * WHERE { ?s nope:p ?o }"),
        get_query("nested parentheses", "SELECT * WHERE { FILTER(" + "(" * DEEP + "1" + ")" * DEEP + ") }"),
        get_query("nested braces", "SELECT * WHERE " + "{" * DEEP + "}" * DEEP),
        get_query("unclosed nesting", "SELECT * WHERE " + "{" * DEEP),
        get_query("nested OPTIONAL", "SELECT * WHERE { " + "OPTIONAL { " * 3000 + "}" * 3000 + " }"),
        get_query("nested subqueries", "SELECT * WHERE { " + "{ SELECT * WHERE " * 3000 + "{}" + " }" * 3000 + " }"),
        get_query("nested collection", "ASK { <https://e/s> <https://e/p> " + "(" * DEEP + ")" * DEEP + " }"),
        get_query("nested blank nodes", "ASK { <https://e/s> <https://e/p> " + "[ <https://e/p> " * DEEP + "]" * DEEP + " }"),
        get_query("invalid UTF-8 (GET)", b"SELECT * WHERE { ?s ?p \"\xff\xfe\xc0\xaf\" }"),
        get_query("lone surrogate (GET)", b"SELECT * WHERE { ?s ?p \"\xed\xa0\x80\" }"),
        Case("invalid UTF-8 with another parameter (GET)", "GET", b"/sparql?format=json&query=%ff%fe"),
        get_query("NUL byte", "SELECT * WHERE { ?s ?p ?o }\x00"),
        # one-pattern look-ups are evaluated in the server process (no worker): hostile ones too
        get_query("look-up with a huge LIMIT", "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999999",
                  must_fail=False),
        get_query("look-up with an invalid IRI", "ASK { <not an iri> ?p ?o }"),
        get_query("look-up with a NUL in a datatype", 'SELECT * WHERE { ?s ?p "1"^^<https://e/t\x00> }'),
        get_query("look-up with an unknown prefix", "SELECT ?s WHERE { ?s nope:p ?o } LIMIT 1"),
        get_query("BASE urllib cannot read", "BASE <https://]x/> SELECT * WHERE { ?s ?p <y> }"),
        get_query("SERVICE with a bad port", "SELECT * WHERE { SERVICE <http://127.0.0.1:port/> { ?s ?p ?o } }"),
        post_update("update BASE urllib cannot read", b"BASE <https://]x/> INSERT DATA { GRAPH <g> { <s> <p> 1 } }"),
        post_update("LOAD an IRI urllib cannot read", b"LOAD <https://]example.org/>"),
        get_query("update as a query", f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ <https://e/s> <https://e/p> 1 }} }}"),
        get_query("DROP ALL as a query", "DROP ALL"),
        Case("update by GET", "GET", b"/sparql?update=" + q("DROP ALL")),
        Case("update by GET with query", "GET", b"/sparql?query=ASK%7B%7D&update=" + q("DROP ALL")),
        get_query("junk default-graph-uri", "ASK {}", extra=b"&default-graph-uri=" + q("not an IRI at all")),
        get_query("NUL default-graph-uri", "ASK {}", extra=b"&default-graph-uri=%00"),
        get_query("bad inference flag", "ASK {}", extra=b"&inference=" + q("<script>")),
        Case("bad inference flag on the query page", "GET", b"/?inference=maybe"),
        Case("unacceptable Accept", "GET", b"/sparql?query=" + q("ASK {}"), [(b"Accept", b"application/x-nonsense")]),
        post_query("invalid UTF-8 (POST)", b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }"),
        post_query("UTF-16 body", "ASK { ?s ?p ?o }".encode("utf-16")),
        post_query("nested parentheses (POST)", b"SELECT * WHERE { FILTER(" + b"(" * DEEP + b"1" + b")" * DEEP + b") }"),
        Case("both query and update", "POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
             b"query=" + q("ASK {}") + b"&update=" + q("DROP ALL"), auth=True),
        Case("form with invalid UTF-8", "POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
             b"query=%ff%fe%fd"),
        Case("form without query", "POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
             b"nothing=here"),
        Case("query with unknown content type", "POST", b"/sparql", [(b"Content-Type", b"application/x-evil")],
             b"ASK {}"),
        Case("query without content type", "POST", b"/sparql", [], b"ASK {}"),
        # SPARQL Update (with the token: the update is refused because it is broken, not for auth)
        post_update("update typo", b"INSERTT DATA { <https://e/s> <https://e/p> 1 }"),
        post_update("update nested braces", b"INSERT { <https://e/s> <https://e/p> 1 } WHERE " + b"{" * DEEP + b"}" * DEEP),
        post_update("update invalid UTF-8", b"INSERT DATA { <https://e/s> <https://e/p> \"\xff\" }"),
        post_update("LOAD a local file", b"LOAD <file:///etc/passwd> INTO GRAPH <" + SCRATCH.encode() + b">"),
        post_update("LOAD the metadata service", b"LOAD SILENT <http://169.254.169.254/latest/meta-data/>"),
        # Graph Store writes
        put_rdf("Turtle truncated", "text/turtle", SEED_RDF["text/turtle"][:-12]),
        put_rdf("Turtle invalid UTF-8", "text/turtle", b'<https://e/s> <https://e/p> "\xff\xfe" .'),
        put_rdf("Turtle NUL", "text/turtle", b'<https://e/s> <https://e/p> "a" .\x00'),
        put_rdf("Turtle relative IRI junk", "text/turtle", b"<https://e/s> <https://e/p> <ht tp://bad iri> ."),
        put_rdf("N-Triples with a prefix", "application/n-triples", b"@prefix ex: <https://e/> .\nex:s ex:p ex:o .\n"),
        put_rdf("N-Triples literal subject", "application/n-triples", b'"s" <https://e/p> <https://e/o> .\n'),
        put_rdf("JSON-LD not JSON", "application/ld+json", b'{"@id": "https://e/s", '),
        put_rdf("JSON-LD deep arrays", "application/ld+json",
                b'{"@id": "https://e/s", "https://e/p": ' + b"[" * DEEP + b"]" * DEEP + b"}"),
        put_rdf("JSON-LD deep objects", "application/ld+json",
                b'{"@id": "https://e/s", "https://e/p": ' + b'{"https://e/p": ' * DEEP + b"1" + b"}" * DEEP + b"}"),
        put_rdf("JSON-LD remote context", "application/ld+json",
                b'{"@context": "http://169.254.169.254/latest/context.jsonld", "@id": "https://e/s", "p": 1}'),
        put_rdf("RDF/XML not XML", "application/rdf+xml", b"<rdf:RDF><unclosed>"),
        put_rdf("RDF/XML billion laughs", "application/rdf+xml", BILLION_LAUGHS),
        put_rdf("RDF/XML external entity", "application/rdf+xml", XXE),
        put_rdf("RDF/XML deep nesting", "application/rdf+xml", must_fail=False, body=(
                b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="https://e/">'
                b'<rdf:Description>' + b"<e:p><rdf:Description>" * DEEP + b"</rdf:Description></e:p>" * DEEP
                + b"</rdf:Description>")),   # pyoxigraph accepts it even without </rdf:RDF>
        put_rdf("N-Quads missing dot", "application/n-quads", b"<https://e/s> <https://e/p> <https://e/o> <https://e/g>\n"),
        put_rdf("TriG unclosed graph", "application/trig", b"<https://e/g> { <https://e/s> <https://e/p> 1 .\n"),
        put_rdf("Turtle sent as RDF/XML", "application/rdf+xml", SEED_RDF["text/turtle"]),
        put_rdf("unknown RDF type", "application/x-evil", SEED_RDF["text/turtle"]),
        put_rdf("POST truncated Turtle", "text/turtle", SEED_RDF["text/turtle"][:30], method="POST"),
        Case("PUT without content type", "PUT", b"/data?graph=" + q(SCRATCH), [], SEED_RDF["text/turtle"], auth=True),
        Case("PUT graph not an IRI", "PUT", b"/data?graph=" + q("not an iri"), [(b"Content-Type", b"text/turtle")],
             SEED_RDF["text/turtle"], auth=True),
        Case("PUT graph and default", "PUT", b"/data?default&graph=" + q(SCRATCH), [(b"Content-Type", b"text/turtle")],
             SEED_RDF["text/turtle"], auth=True),
        Case("PUT graph with invalid IRI characters", "PUT", b"/data?graph=" + q("urn:a b|c{d}"),
             [(b"Content-Type", b"text/turtle")], SEED_RDF["text/turtle"], auth=True),
        Case("DELETE direct graph URL with invalid characters", "DELETE", b"/data/a%7Cb%7Bc%7D", auth=True),
        Case("GET graph NUL", "GET", b"/data?graph=%00"),
        Case("GET file IRI graph", "GET", b"/data?graph=" + q("file:///etc/passwd")),
        Case("DELETE absent graph", "DELETE", b"/data?graph=" + q("https://example.org/reliability/absent"), auth=True),
        # the validation page (no token needed: anyone can send these)
        *[validate_page(f"validate {label}", body, fmt)
          for label, body, fmt in VALIDATE_CORPUS],
        # paths
        Case("dot segments", "GET", b"/../../../../etc/passwd"),
        Case("encoded dot segments", "GET", b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
        Case("static dot segments", "GET", b"/static/../../../../pyproject.toml"),
        Case("static encoded slash", "GET", b"/static/..%2f..%2f..%2f..%2fpyproject.toml"),
        Case("static encoded dots", "GET", b"/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml"),
        Case("overlong UTF-8 dots", "GET", b"/static/%c0%ae%c0%ae/%c0%ae%c0%ae/pyproject.toml"),
        Case("absolute path in static", "GET", b"/static//etc/passwd", must_fail=False),  # a 308 to one slash
        Case("NUL in path", "GET", b"/sparql%00"),
        Case("NUL in static path", "GET", b"/static/x%00.css"),
        Case("backslashes", "GET", b"/static/..\\..\\..\\pyproject.toml"),
        Case("invalid UTF-8 path", "GET", b"/%ff%fe"),
        Case("very long path", "GET", b"/" + b"a" * 20_000),
        # headers
        Case("garbage Accept", "GET", b"/sparql?query=" + q("ASK {}"), [(b"Accept", b"*/*;q=oops;;,,;=")],
             must_fail=False),
        Case("huge Accept", "GET", b"/sparql?query=" + q("ASK {}"), [(b"Accept", b"text/x-a;q=0.1, " * 5000)],
             must_fail=False),
        Case("Bearer without token", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update"),
             (b"Authorization", b"Bearer")], SEED_UPDATES[0].encode()),
        Case("Basic auth", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update"),
             (b"Authorization", b"Basic Zm9vOmJhcg==")], SEED_UPDATES[0].encode()),
        Case("huge token", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update"),
             (b"Authorization", b"Bearer " + b"A" * 60_000)], SEED_UPDATES[0].encode()),
        Case("non-ASCII token", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update"),
             (b"Authorization", b"Bearer \xff\xfe\xe9")], SEED_UPDATES[0].encode()),
        Case("bad Content-Length", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query"),
             (b"Content-Length", b"-5")], b"ASK {}"),
        Case("non-numeric Content-Length", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query"),
             (b"Content-Length", b"lots")], b"ASK {}"),
        Case("bad charset", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query; charset=klingon")],
             b"ASK {}", must_fail=False),
        Case("broken chunked body", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query"),
             (b"Transfer-Encoding", b"chunked")], b"zz\r\nASK {}\r\n0\r\n\r\n"),
        Case("non-Latin-1 header", "GET", b"/sparql?query=" + q("ASK {}"), [(b"X-Odd", b"\xff\xfe\x00\x01")],
             must_fail=False),
        Case("odd method", "BREW", b"/sparql"),
        Case("TRACE", "TRACE", b"/sparql"),
    ]
    return cases


def validate_page(label: str, data: bytes, fmt: str, must_fail: bool = True) -> Case:
    """POST /validate as the page's form does (data pasted, format chosen)."""
    body = b"data=" + q(data) + b"&format=" + q(fmt) + b"&report=json"
    return Case(label, "POST", b"/validate", [(b"Content-Type", b"application/x-www-form-urlencoded")], body,
                must_fail=must_fail)


#: Broken CSV (for ``regio import-csv``, ``regio validate`` and the validation page).
CSV_CORPUS: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("only a newline", b"\n"),
    ("binary", b"id,label\n\x00\x01\x02,\xff\xfe\n"),
    ("invalid UTF-8", b"id,label\nx,\xff\xfe\xc0\xaf\n"),
    ("unclosed quote", b'id,label\n"x,never closed\n'),
    ("10,000 columns", b",".join(b"c%d" % i for i in range(10_000)) + b"\n" + b"," * 9_999 + b"\n"),
    ("huge field", b"id,label\nx," + b"y" * 300_000 + b"\n"),
    ("unknown header", b"foo,bar,baz\n1,2,3\n"),
    ("NUL in header", b"id\x00,label\nx,y\n"),
    ("formula cells", b"id,label\n=cmd|' /C calc'!A0,@SUM(1+1)\n"),
    ("ragged rows", b"id,label\nx\ny,z,w,v\n"),
]

#: Broken input for the validation page: deep nesting, entity bombs, junk in every format.
VALIDATE_CORPUS: list[tuple[str, bytes, str]] = [
    *[(f"CSV {label}", body, "csv") for label, body in CSV_CORPUS],
    ("JSON-LD deep objects", b'{"@id": "https://e/s", "https://e/p": ' + b'{"https://e/p": ' * DEEP + b"1"
     + b"}" * DEEP + b"}", "json-ld"),
    ("RDF/XML billion laughs", b"", "rdfxml"),   # filled in below (defined after this list)
    ("Turtle truncated", b'@prefix ex: <https://example.org/> .\nex:s ex:p "o', "turtle"),
    ("N-Triples junk", b"this is not n-triples\n", "ntriples"),
    ("TriG unclosed", b"<https://e/g> { <https://e/s> <https://e/p> 1 .", "trig"),
    ("N-Quads junk", b"<a> <b> <c> <d> <e> .", "nquads"),
    ("unknown format", b"<https://e/s> <https://e/p> 1 .", "klingon"),
    ("nothing", b"", "turtle"),
]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
    b'<rdf:Description rdf:about="https://example.org/s"><ex:p>&lol9;</ex:p></rdf:Description></rdf:RDF>\n'
)

XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
    b'<rdf:Description rdf:about="https://example.org/s"><ex:p>&xxe;</ex:p></rdf:Description></rdf:RDF>\n'
)

VALIDATE_CORPUS[VALIDATE_CORPUS.index(("RDF/XML billion laughs", b"", "rdfxml"))] = (
    "RDF/XML billion laughs", BILLION_LAUGHS, "rdfxml")

SECRETS = (b"root:x:0:0", b"[project]", b"build-system")   # /etc/passwd, pyproject.toml

# --- generated cases ----------------------------------------------------------------------------

SPARQL_TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",", "?s", "?o",
    "<https://e/x>", "a", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "BIND", "AS", "VALUES",
    "GROUP BY", "ORDER BY", "LIMIT", "OFFSET", "COUNT(*)", "\"", "'", "\"\"\"", "@en", "^^", "*", "/", "|", "^",
    "!", "+", "-", "1e999999", "-0", "NaN", "PREFIX", "BASE", ":", "_:b", "#", "\\u0000", "\\", "\n", "\x00",
    "é", "\ud7ff", "\U0010ffff", "SELECT * WHERE {", "INSERT DATA", "LOAD", "DROP ALL", "CLEAR",
]

#: Mutated updates run with the token, so nothing here may reach beyond the scratch graph: no
#: variables (a mangled DELETE WHERE could match real data), no DROP/CLEAR/LOAD.
UPDATE_TOKENS = [t for t in SPARQL_TOKENS if not t.startswith("?") and t not in ("LOAD", "DROP ALL", "CLEAR")]

RDF_TOKENS = [
    "<", ">", "\"", "'", "@prefix", "@base", "PREFIX", ".", ";", ",", "[", "]", "(", ")", "{", "}", "_:", "^^",
    "@", "<rdf:Description>", "</rdf:RDF>", "&amp;", "&undefined;", "<!DOCTYPE", "]]>", "\"@id\"", "\"@context\"",
    ":", "\\", "\\u", "\x00", "\ufeff", "é", "true", "1.5e", "null",
]


@st.composite
def mutated(draw, seeds: Sequence[str | bytes], tokens: Sequence[str], max_ops: int = 4) -> bytes:
    """A seed with a few random edits: delete, duplicate, truncate, splice a token or random bytes."""
    seed = draw(st.sampled_from(list(seeds)))
    data = bytearray(seed.encode() if isinstance(seed, str) else seed)
    for _ in range(draw(st.integers(1, max_ops))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["delete", "duplicate", "truncate", "token", "bytes", "swap"]))
        if op == "delete":
            j = draw(st.integers(i, min(len(data), i + 16)))
            del data[i:j]
        elif op == "duplicate":
            j = draw(st.integers(i, min(len(data), i + 32)))
            data[i:i] = data[i:j] * draw(st.integers(1, 8))
        elif op == "truncate":
            del data[i:]
        elif op == "token":
            data[i:i] = draw(st.sampled_from(list(tokens))).encode("utf-8", "surrogatepass")
        elif op == "bytes":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "swap" and len(data) > 1:
            j = draw(st.integers(0, len(data) - 1))
            data[i % len(data)], data[j] = data[j], data[i % len(data)]
    return bytes(data)


def token_soup(tokens: Sequence[str]) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(list(tokens)), max_size=40).map(
        lambda parts: " ".join(parts).encode("utf-8", "surrogatepass"))


def sparql_cases() -> st.SearchStrategy[Case]:
    """Random and mutated queries by GET and POST, mutated updates with the token."""
    query_text = st.one_of(mutated(SEED_QUERIES, SPARQL_TOKENS), token_soup(SPARQL_TOKENS),
                           st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
    update_text = st.one_of(mutated(SEED_UPDATES, UPDATE_TOKENS), token_soup(UPDATE_TOKENS))
    return st.one_of(
        query_text.map(lambda b: get_query("generated query (GET)", b, must_fail=False)),
        query_text.map(lambda b: post_query("generated query (POST)", b, must_fail=False)),
        update_text.map(lambda b: post_update("generated update", b, must_fail=False)),
    )


def rdf_cases() -> st.SearchStrategy[Case]:
    """Mutated RDF in every accepted format, PUT or POST to the scratch graph with the token."""
    return st.sampled_from(sorted(SEED_RDF)).flatmap(
        lambda media: st.tuples(st.just(media), mutated([SEED_RDF[media]], RDF_TOKENS), st.sampled_from(["PUT", "POST"]))
    ).map(lambda t: put_rdf(f"generated {t[0]}", t[0], t[1], method=t[2], must_fail=False))


PATH_PARTS = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2f", "%5c", "\\", "%00", "%c0%ae", "//", "static", "sparql", "data",
              "etc", "passwd", "pyproject.toml", "~", "%", "%zz", ";", "?", "#", "%ff"]


def path_cases() -> st.SearchStrategy[Case]:
    target = st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=10).map(lambda p: ("/" + "/".join(p)).encode())
    return target.map(lambda t: Case("generated path", "GET", t, must_fail=False))


def _header_case(name: bytes, value: bytes, query: str) -> Case:
    if name == b"Content-Type":
        return Case("generated header Content-Type", "POST", b"/sparql", [(name, value)], query.encode(), must_fail=False)
    return Case(f"generated header {name.decode()}", "GET", b"/sparql?query=" + q(query), [(name, value)],
                must_fail=False)


def header_cases() -> st.SearchStrategy[Case]:
    """Random bytes in the headers a client may send (no CR/LF: that would be another request)."""
    value = st.binary(max_size=64).filter(lambda b: b"\r" not in b and b"\n" not in b)
    name = st.sampled_from([b"Accept", b"Content-Type", b"Accept-Encoding", b"Accept-Charset", b"Authorization",
                            b"Origin", b"X-Forwarded-For", b"Range", b"If-None-Match", b"Cookie"])
    return st.builds(_header_case, name, value, st.sampled_from(SEED_QUERIES))


def all_cases() -> st.SearchStrategy[Case]:
    return st.one_of(sparql_cases(), rdf_cases(), path_cases(), header_cases())
