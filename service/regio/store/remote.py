"""The remote store: the same service in front of any SPARQL 1.1 engine (Oxigraph server, Apache Jena
Fuseki, GraphDB, Virtuoso, QLever …), through the SPARQL 1.1 Protocol and Graph Store Protocol only.

``REGIO_STORE_URL`` is the engine's query endpoint; the update and Graph Store endpoints default
to Oxigraph server's layout (``…/query`` → ``…/update`` and ``…/store``) and can be set with
``REGIO_STORE_UPDATE_URL`` / ``REGIO_STORE_GSP_URL`` (Fuseki: ``/ds/update`` and ``/ds/data``).

Engines differ in what their default graph is.  The service's rule is that the default graph of
a query is the union of all graphs, without the inferred graph if ``inference=false``.  Where the
engine's own default graph already is that union (Virtuoso; ``oxigraph serve
--union-default-graph``; found out by a probe, or set with ``REGIO_STORE_UNION_DEFAULT``) queries
are passed on as they are: naming the graphs costs such engines dearly (Oxigraph evaluates a
query over eight listed graphs about five times slower than over its union default graph).
Elsewhere — and for ``inference=false`` when there is an inferred graph — the dataset is stated
explicitly as ``default-graph-uri``/``named-graph-uri`` lists (unless the client gave a dataset or
the query has ``FROM``), so every engine answers the same.

Every request to the engine goes over pooled keep-alive connections (urllib3, thread-safe), and
the engine's answer is passed through unchanged, in the format the client negotiated: read whole
when small (so it gets a Content-Length), streamed in 64 KiB pieces when large.

The engine runs the query; the time limit here is the read timeout of the HTTP request: the
client gets a 503 in time, but stopping the work is up to the engine (start Oxigraph server with
``--timeout-s``, Fuseki with ``arq:queryTimeout``).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, Iterable
from urllib.parse import urlencode

import pyoxigraph as ox
import rdflib
import requests
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, ReadTimeoutError

from regio.store import graphs
from regio.store.base import BaseStore, Delta, has_bnode, quads_as_data, to_rdflib
from regio.store.errors import BadRequest, EngineUnavailable, QueryTimeout, StoreError
from regio.store.formats import GRAPH_FORMATS
from regio.store.sparql_text import cap_rows

log = logging.getLogger("regio.store")

GRAPH_NAMES_TTL = 1.0  # graphs created by other writers show up within this time
UNION_PROBE_TTL = 60.0  # how long a finding about the engine's default graph is trusted
BATCH = 200
CHUNK = 1 << 16
#: a connection refused is tried once more; a request the engine received is never sent twice
#: (urllib3 does not retry a POST after it was sent, whatever ``read`` says)
RETRIES = urllib3.Retry(total=1, connect=1, read=False, redirect=False, status=False, other=0)
FORM = "application/x-www-form-urlencoded"


QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux


def _quickack(conn) -> None:
    """Acknowledge the engine's answer at once instead of after Linux's 40 ms delayed-ACK timer.

    On a keep-alive connection the kernel delays ACKs; an engine that writes its response headers
    and body separately (Virtuoso does, after computing the answer) then has its body held back by
    Nagle's algorithm until that ACK — 40 ms added to every answer that takes a few ms to compute
    (measured: a 17 ms Virtuoso GROUP BY took 70 ms).  TCP_QUICKACK is not sticky, so it is set
    after each request is sent, before its answer is read."""
    sock = getattr(conn, "sock", None)
    if QUICKACK is not None and sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        except OSError:
            pass


class _Connection(HTTPConnection):
    def getresponse(self, *args, **kwargs):
        _quickack(self)
        return super().getresponse(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    def getresponse(self, *args, **kwargs):
        _quickack(self)
        return super().getresponse(*args, **kwargs)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


class _Answer:
    """The engine's answer, read: status, headers and body (what ``_check`` needs)."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers, content: bytes):
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def _derive(url: str, last: str) -> str:
    base, _, tail = url.rstrip("/").rpartition("/")
    if tail in ("query", "sparql"):
        return f"{base}/{last}"
    return url


class RemoteStore(BaseStore):
    kind = "remote"
    data_dir = None

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self.query_url = str(config["REGIO_STORE_URL"])
        self.update_url = config.get("REGIO_STORE_UPDATE_URL") or _derive(self.query_url, "update")
        self.gsp_url = config.get("REGIO_STORE_GSP_URL") or _derive(self.query_url, "store")
        self.session = requests.Session()  # bulk Graph Store transfers
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=32, block=False, retries=RETRIES)
        self.pool.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
        self._local = threading.local()
        self._names: tuple[float, list[str]] | None = None
        union = str(config.get("REGIO_STORE_UNION_DEFAULT") or "auto").lower()
        #: (checked at, finding) — None: not known (no named graphs yet, or not probed)
        self._union: tuple[float, bool | None] | None = (
            None if union == "auto" else (float("inf"), union in ("1", "true", "yes", "on")))
        load_default = str(config.get("REGIO_LOAD_DEFAULT", True)).lower() not in ("0", "false", "no", "")
        if load_default:
            self._load_default()

    # -- HTTP ---------------------------------------------------------------------------------------
    def _send(self, url: str, body: dict | bytes | str, *, accept: str | None = None,
              timeout: float | None = None, content_type: str | None = None, stream: bool = False):
        """POST to the engine on a pooled keep-alive connection; the urllib3 response, its
        status checked (``stream``: body not read yet).  A read timeout is the query timeout."""
        headers = {}
        if accept:
            headers["Accept"] = accept
        if isinstance(body, dict):
            body = urlencode(body, doseq=True)
            content_type = content_type or FORM
        if content_type:
            headers["Content-Type"] = content_type
        limit = timeout or 600
        try:
            r = self.pool.request("POST", url, body=body, headers=headers, preload_content=False,
                                  timeout=urllib3.Timeout(connect=10, read=limit))
        except ReadTimeoutError:
            raise QueryTimeout(f"the engine did not answer within {limit:g} s") from None
        except MaxRetryError as exc:
            if isinstance(exc.reason, ReadTimeoutError):
                raise QueryTimeout(f"the engine did not answer within {limit:g} s") from None
            raise EngineUnavailable(f"the SPARQL engine at {url} cannot be reached: {exc.reason}") from None
        except Urllib3Error as exc:
            raise EngineUnavailable(f"the SPARQL engine at {url} cannot be reached: {exc}") from None
        if r.status >= 300:
            answer = self._read(r, limit, url)
            self._check(answer)
        if not stream:
            return self._read(r, limit, url)
        return r

    @staticmethod
    def _read(r, limit: float, url: str) -> _Answer:
        try:
            data = r.read()
        except ReadTimeoutError:
            raise QueryTimeout(f"the engine did not answer within {limit:g} s") from None
        except Urllib3Error as exc:
            raise EngineUnavailable(f"the SPARQL engine at {url} broke off its answer: {exc}") from None
        finally:
            r.release_conn()
        return _Answer(r.status, r.headers, data)

    def _post(self, url: str, data: dict | bytes, *, accept: str | None = None, timeout: float | None = None,
              content_type: str | None = None) -> _Answer:
        return self._send(url, data, accept=accept, timeout=timeout, content_type=content_type)

    def _check(self, r):
        if r.status_code < 300:
            return r
        message = r.text[:2000].strip()
        if r.status_code == 400:
            raise BadRequest(message or "the engine rejected the request")
        if r.status_code == 404:
            raise StoreError(404, message or "not found")
        raise EngineUnavailable(f"the SPARQL engine answered {r.status_code}: {message}")

    def _select_raw(self, sparql: str, dataset: dict[str, list[str]] | None = None) -> list[dict]:
        data: dict[str, Any] = {"query": sparql, **(dataset or {})}
        r = self._post(self.query_url, data, accept="application/sparql-results+json", timeout=self.timeout)
        results = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QueryBoolean):
            return [{"ask": ox.Literal(str(bool(results)).lower(),
                                       datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))}]
        names = [v.value for v in results.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in results]

    # -- primitives ---------------------------------------------------------------------------------
    def graph_names(self) -> list[str]:
        now = time.monotonic()
        if self._names and now - self._names[0] < GRAPH_NAMES_TTL:
            return self._names[1]
        rows = self._select_raw("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        names = sorted(r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode))
        self._names = (now, names)
        return names

    def _forget_names(self) -> None:
        self._names = None

    def ping(self) -> None:
        """Raise EngineUnavailable unless the engine answers a trivial query now."""
        self._forget_names()
        self._send(self.query_url, {"query": "ASK {}"}, accept="application/sparql-results+json", timeout=5)

    def union_default(self) -> bool:
        """Whether the engine's default graph is the union of its named graphs, so a query needs
        no dataset to see them all.  Probed: (up to) three triples of named graphs must be in the
        default graph.  ``REGIO_STORE_UNION_DEFAULT=true|false`` skips the probe."""
        now = time.monotonic()
        known = self._union
        if known is not None and known[1] is not None and now - known[0] < UNION_PROBE_TTL:
            return known[1]
        if known is not None and known[1] is None and now - known[0] < GRAPH_NAMES_TTL:
            return False
        finding: bool | None = None  # no named graph holds a triple to try: not known yet
        rows = self._select_raw("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o "
                                "FILTER(!isBlank(?s) && !isBlank(?o)) } } LIMIT 3")
        for t in rows:
            if not all(k in t for k in ("s", "p", "o")):
                continue
            # a SELECT, not ASK: engines differ in how they answer ASK (Virtuoso: a result row)
            seen = self._select_raw(f"SELECT ?p WHERE {{ {t['s']} ?p {t['o']} }} LIMIT 100")
            finding = any(r.get("p") == t["p"] for r in seen)
            if not finding:
                break
        self._union = (now, finding)
        log.info("the engine's default graph %s the union of its graphs",
                 "is" if finding else "is not (or not yet known to be)")
        return bool(finding)

    def has_graph(self, iri: str) -> bool:
        return iri in self.graph_names()

    def graph_quads(self, iri: str) -> set[ox.Quad]:
        try:
            r = self.session.get(self.gsp_url, params={"graph": iri}, headers={"Accept": "application/n-triples"},
                                 timeout=(10, 600))
        except requests.RequestException as exc:
            raise EngineUnavailable(f"the SPARQL engine cannot be reached: {exc}") from None
        if r.status_code == 404:
            return set()
        self._check(r)
        g = ox.NamedNode(iri)
        return {ox.Quad(t.subject, t.predicate, t.object, g)
                for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)}

    def contains(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        candidates = [q for q in quads if not has_bnode(q)]
        found: set[ox.Quad] = set()
        for i in range(0, len(candidates), BATCH):
            chunk = candidates[i:i + BATCH]
            values = " ".join(f"({q.subject} {q.predicate} {q.object} {q.graph_name})" for q in chunk)
            rows = self._select_raw(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o ?g) {{ {values} }} "
                                    f"GRAPH ?g {{ ?s ?p ?o }} }}")
            found |= {ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows}
        return found

    def quads_about(self, nodes: Iterable) -> list[ox.Quad]:
        iris = [n for n in nodes if isinstance(n, ox.NamedNode)]
        out: list[ox.Quad] = []
        for i in range(0, len(iris), BATCH):
            values = " ".join(str(n) for n in iris[i:i + BATCH])
            rows = self._select_raw(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
            out += [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]
        return out

    def _update(self, text: str) -> None:
        self._post(self.update_url, text.encode("utf-8"), content_type="application/sparql-update")
        self._forget_names()

    def _commit(self, delta: Delta, plan, base_iri) -> None:
        if plan is not None:
            # the engine runs the (rewritten, validated) update itself, atomically
            text = graphs.prefix_lines() + plan.text
            if base_iri:
                text = f"BASE <{base_iri}>\n{text}"
            data = {"update": text}
            self._post(self.update_url, data)
            self._forget_names()
            return
        ops = []
        for g in delta.dropped:
            ops.append(f"DROP SILENT GRAPH <{g}>")
        if delta.removed and not delta.dropped:
            bnodes = [q for q in delta.removed if has_bnode(q)]
            if bnodes:  # replace the whole graph(s): blank nodes cannot be named in DELETE DATA
                for g in {q.graph_name.value for q in delta.removed}:
                    ops.append(f"CLEAR SILENT GRAPH <{g}>")
                keep = set()
                for g in {q.graph_name.value for q in delta.removed}:
                    keep |= self.graph_quads(g) - delta.removed
                delta_added = delta.added | keep
            else:
                ops.append("DELETE DATA {\n" + quads_as_data(delta.removed) + "\n}")
                delta_added = delta.added
        else:
            delta_added = delta.added
        for g in delta.created:
            ops.append(f"CREATE SILENT GRAPH <{g}>")
        if delta_added:
            ops.append("INSERT DATA {\n" + quads_as_data(delta_added) + "\n}")
        if ops:
            self._update(" ;\n".join(ops))

    def write_inferred(self, added: Iterable, removed: Iterable = ()) -> None:
        g = ox.NamedNode(graphs.INFERRED)
        to_quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in added]
        gone = [ox.Quad(t.subject, t.predicate, t.object, g) for t in removed]
        ops = []
        if gone:
            ops.append("DELETE DATA {\n" + quads_as_data([q for q in gone if not has_bnode(q)]) + "\n}")
        if to_quads:
            ops.append("INSERT DATA {\n" + quads_as_data(to_quads) + "\n}")
        if ops:
            self._update(" ;\n".join(ops))

    # -- default dataset ------------------------------------------------------------------------------
    def _load_default(self) -> None:
        try:
            names = set(self.graph_names())
        except StoreError as exc:
            raise EngineUnavailable(f"cannot reach the SPARQL engine at {self.query_url}: {exc.message}") from None
        if graphs.ONTOLOGY in names or graphs.SHAPES in names:
            return
        by_graph: dict[str, list] = {}
        for path, graph in graphs.default_files():
            by_graph.setdefault(graph, []).append(path)
        for graph, files in by_graph.items():
            for i, path in enumerate(files):
                data = ox.serialize(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE,
                                             base_iri=path.resolve().as_uri()),
                                    format=ox.RdfFormat.N_TRIPLES)
                method = self.session.put if i == 0 else self.session.post
                try:
                    r = method(self.gsp_url, params={"graph": graph}, data=data,
                               headers={"Content-Type": "application/n-triples"}, timeout=(10, 600))
                except requests.RequestException as exc:
                    raise EngineUnavailable(f"cannot load the default dataset: {exc}") from None
                self._check(r)
        self._forget_names()
        log.info("loaded the default dataset into the engine at %s", self.gsp_url)

    # -- queries ----------------------------------------------------------------------------------------
    def _dataset(self, info, default_graph_uris, named_graph_uris, inference: bool) -> dict[str, list[str]]:
        default_graph_uris = list(default_graph_uris or ())
        named_graph_uris = list(named_graph_uris or ())
        if default_graph_uris or named_graph_uris:
            return {"default-graph-uri": default_graph_uris, "named-graph-uri": named_graph_uris}
        if info is not None and info.has_dataset:
            return {}
        if self.union_default() and (inference or graphs.INFERRED not in self.graph_names()):
            return {}  # the engine's default graph is what the service means by it
        names = self.graph_names()
        if not names:
            return {}
        return {"default-graph-uri": self.default_graphs(inference), "named-graph-uri": names}

    def query(self, sparql: str, *, accept: str | None = None, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = (), inference: bool = True, timeout: float | None = None,
              base_iri: str | None = None) -> tuple[str, Iterable[bytes]]:
        info = self._analyze(sparql)
        media_type = self._media_type(accept, info)
        text = graphs.prefix_lines(info.default_prefixes) + cap_rows(sparql, info, self.max_rows)
        if base_iri and "BASE" not in sparql.upper():
            text = f"BASE <{base_iri}>\n{text}"
        data = {"query": text, **self._dataset(info, default_graph_uris, named_graph_uris, inference)}
        limit = timeout or self.timeout
        r = self._send(self.query_url, data, accept=media_type, timeout=limit, stream=True)
        # small answers (most) are read whole here: a read timeout is still a clean 503, and the
        # client gets a Content-Length; large ones are streamed through as they come
        try:
            first = r.read(CHUNK)
        except ReadTimeoutError:
            r.release_conn()
            raise QueryTimeout(f"the engine did not answer within {limit:g} s") from None
        except Urllib3Error as exc:
            r.release_conn()
            raise EngineUnavailable(f"the SPARQL engine broke off its answer: {exc}") from None
        if len(first) < CHUNK:
            r.release_conn()
            return media_type, [first]
        return media_type, self._chunks(r, first)

    @staticmethod
    def _chunks(r, first: bytes):
        try:
            yield first
            while True:
                data = r.read(CHUNK)
                if not data:
                    break
                yield data
        except Urllib3Error as exc:
            log.warning("the engine's answer broke off: %s", exc)
        finally:
            if not r.isclosed():  # abandoned half-way (client gone): the connection is not reusable
                r.close()
            r.release_conn()

    def select(self, sparql: str, *, inference: bool = True) -> list[dict[str, rdflib.term.Node]]:
        info = self._analyze(sparql)
        rows = self._select_raw(graphs.prefix_lines() + sparql, self._dataset(info, (), (), inference))
        return [{k: to_rdflib(v) for k, v in row.items()} for row in rows]

    def construct(self, sparql: str, *, inference: bool = True) -> rdflib.Graph:
        info = self._analyze(sparql)
        data = {"query": graphs.prefix_lines() + sparql, **self._dataset(info, (), (), inference)}
        r = self._post(self.query_url, data, accept="application/n-triples", timeout=self.timeout)
        g = rdflib.Graph()
        for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES):
            g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return g

    def serialize_graph(self, iri: str, media_type: str) -> bytes:
        fmt = GRAPH_FORMATS[media_type]
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in self.graph_quads(iri)]
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            g = ox.NamedNode(iri)
            return ox.serialize([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples], format=fmt)
        return ox.serialize(triples, format=fmt)

    def close(self) -> None:
        self.session.close()
        self.pool.clear()
