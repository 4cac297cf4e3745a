"""The embedded store: a persistent Oxigraph (pyoxigraph, RocksDB) in a data directory.

Layout of the data directory::

    store/       the RocksDB database (one process may open it; see docs/service.md)
    snapshots/   read-only checkpoints the query workers read (hard links; refreshed after writes)
    loaded.json  which default files are in the store, by content hash

Protocol queries run in killable worker processes (``regio.store.pool``) so that a runaway query
is stopped at its deadline; the page API (``select``/``construct``) runs trusted queries in
process.  Writes go through the validating pipeline of ``regio.store.base``.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import shutil
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
import rdflib

from regio.store import graphs
from regio.store.base import (BaseStore, Delta, has_bnode, quads_as_data, to_rdflib,
                              triples_to_rdflib)
from regio.store.errors import BadRequest, QueryTimeout, StoreError
from regio.store.formats import GRAPH_FORMATS
from regio.store.sparql_text import cap_rows
from regio.store.worker import run_query

log = logging.getLogger("regio.store")


def default_data_dir() -> Path:
    """REGIO_DATA_DIR, else $XDG_DATA_HOME/regio, else ~/.local/share/regio."""
    if os.environ.get("REGIO_DATA_DIR"):
        return Path(os.environ["REGIO_DATA_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "regio"


#: At most this many rows for a look-up evaluated without a worker (EmbeddedStore._bounded_lookup):
#: about 0.1–0.3 s of evaluation and serialisation at most.
LOOKUP_ROWS = 10_000


def _pattern_terms(pattern: tuple | None) -> tuple | None:
    """pyoxigraph terms (None for a variable) of a look-up's pattern, or None if one is not plain."""
    if pattern is None:
        return None
    terms = []
    try:
        for term in pattern:
            if term[0] == "var":
                terms.append(None)
            elif term[0] == "iri":
                terms.append(ox.NamedNode(term[1]))
            else:
                _, value, language, datatype = term
                terms.append(ox.Literal(value, language=language.lower()) if language else
                             ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value))
    except (ValueError, TypeError):
        return None
    return tuple(terms)


class StoreLocked(RuntimeError):
    pass


def open_oxigraph(path: Path) -> ox.Store:
    """Open the RocksDB store read-write, with a clear message when another process holds it."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        return ox.Store(str(path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(
                f"the store in {path} is open in another process (RocksDB allows one writer). "
                "Stop that process, or for several web workers run one engine "
                "(`oxigraph serve --location DIR`) and start the service with --store URL.") from None
        raise


def shared_mode(config: dict[str, Any]) -> bool:
    """Whether several processes share the data directory (primary + replicas): REGIO_SHARED_STORE
    true, or "auto" (the default) in a process started by the ``gunicorn`` command (``regio serve``
    says which itself).  Having imported gunicorn is not enough: a test or script may do that."""
    value = str(config.get("REGIO_SHARED_STORE", "auto")).lower()
    if value == "auto":
        return "gunicorn" in Path(sys.argv[0] if sys.argv else "").parts[-2:]
    return value in ("1", "true", "yes", "on")


class EmbeddedStore(BaseStore):
    kind = "embedded"
    role = "primary"

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self.data_dir = Path(config.get("REGIO_DATA_DIR") or default_data_dir()).expanduser()
        self.oxigraph = open_oxigraph(self.data_dir / "store")
        self.shared = shared_mode(config)
        self.snapshot_dir = self.data_dir / "snapshots"
        self.snapshot: str | None = None
        self._snap_lock = threading.Lock()
        self._lookup_sizes: dict[tuple, bool] = {}  # look-up → at most LOOKUP_ROWS rows?
        self._superseded: dict[str, float] = {}
        self._grace = (self.timeout or 30.0) + 30.0
        self._internal = None
        load_default = str(config.get("REGIO_LOAD_DEFAULT", True)).lower() not in ("0", "false", "no", "")
        if load_default:
            from regio.store.dataset import sync_default_dataset
            sync_default_dataset(self)
        workers = int(config.get("REGIO_QUERY_WORKERS", 2) or 0)
        self.pool = None
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="regio-query")
        if workers > 0 or self.shared:
            if self.shared:  # replicas may still read old snapshots: they go after a grace time
                now = time.monotonic()
                for d in self.snapshot_dir.glob("[0-9]*"):
                    self._superseded[str(d)] = now
            else:
                shutil.rmtree(self.snapshot_dir, ignore_errors=True)
            self._new_snapshot()
        if workers > 0:
            from regio.store.pool import pool_for
            self.pool = pool_for(config)

    # -- snapshots for the query workers ----------------------------------------------------------
    def _new_snapshot(self) -> None:
        with self._snap_lock:
            self.snapshot_dir.mkdir(parents=True, exist_ok=True)
            target = self.snapshot_dir / str(time.time_ns())
            self.oxigraph.backup(str(target))
            if self.snapshot and self.shared:
                self._superseded[self.snapshot] = time.monotonic()
            self.snapshot = str(target)
            if self.shared:  # tell the replicas (atomically)
                tmp = self.snapshot_dir / "CURRENT.tmp"
                tmp.write_text(self.snapshot)
                os.replace(tmp, self.snapshot_dir / "CURRENT")
        self._gc_snapshots()

    def _gc_snapshots(self) -> None:
        if not self.snapshot_dir.exists():
            return
        in_use = self.pool.snapshots_in_use() if self.pool else set()
        if self.shared:  # other processes' queries may use any recent one
            now = time.monotonic()
            for path, since in list(self._superseded.items()):
                if now - since > self._grace and path not in in_use:
                    shutil.rmtree(path, ignore_errors=True)
                    del self._superseded[path]
            return
        # the two newest stay: a request may have picked the previous one a moment ago
        for d in sorted(self.snapshot_dir.iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0)[:-2]:
            if str(d) != self.snapshot and str(d) not in in_use:
                shutil.rmtree(d, ignore_errors=True)

    def _changed(self) -> None:
        if self.pool is not None or self.shared:
            self._new_snapshot()

    # -- the primary of a shared data directory ------------------------------------------------------
    def publish_primary(self, app) -> None:
        """Serve this app on a loopback port for the replicas' writes; say where in primary.json."""
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True, name="regio-primary").start()
        self._internal = server
        info = {"url": f"http://127.0.0.1:{server.server_port}", "pid": os.getpid()}
        tmp = self.data_dir / "primary.json.tmp"
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.data_dir / "primary.json")

    # -- primitives -------------------------------------------------------------------------------
    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.oxigraph.named_graphs() if isinstance(g, ox.NamedNode))

    def has_graph(self, iri: str) -> bool:
        return self.oxigraph.contains_named_graph(ox.NamedNode(iri))

    def graph_quads(self, iri: str) -> set[ox.Quad]:
        return set(self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(iri)))

    def contains(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        return {q for q in quads if q in self.oxigraph}

    def quads_about(self, nodes: Iterable) -> list[ox.Quad]:
        out: list[ox.Quad] = []
        for n in nodes:
            if isinstance(n, (ox.NamedNode, ox.BlankNode)):
                out.extend(self.oxigraph.quads_for_pattern(n, None, None, None))
        return out

    def _commit(self, delta: Delta, plan, base_iri) -> None:
        store = self.oxigraph
        for g in delta.created:
            store.add_graph(ox.NamedNode(g))
        if not delta.removed:
            store.extend(delta.added)  # one transaction
        elif not any(has_bnode(q) for q in delta.removed | delta.added):
            parts = []
            if delta.removed:
                parts.append("DELETE DATA {\n" + quads_as_data(delta.removed) + "\n}")
            if delta.added:
                parts.append("INSERT DATA {\n" + quads_as_data(delta.added) + "\n}")
            store.update(" ;\n".join(parts))  # one transaction
        else:
            for q in delta.removed:
                store.remove(q)
            store.extend(delta.added)
        for g in delta.dropped:
            store.remove_graph(ox.NamedNode(g))
        store.flush()

    def write_inferred(self, added: Iterable, removed: Iterable = ()) -> None:
        g = ox.NamedNode(graphs.INFERRED)

        def quad(t):
            return ox.Quad(t.subject, t.predicate, t.object, g)

        for t in removed:
            self.oxigraph.remove(quad(t))
        self.oxigraph.extend([quad(t) for t in added])
        self.oxigraph.flush()
        self._changed()

    # -- queries ----------------------------------------------------------------------------------
    def _dataset(self, info, default_graph_uris, named_graph_uris, inference: bool) -> dict[str, Any]:
        default_graph_uris = list(default_graph_uris or ())
        named_graph_uris = list(named_graph_uris or ())
        if default_graph_uris or named_graph_uris:
            # The protocol's dataset replaces the query's (SPARQL 1.1 Protocol §2.1.4).
            return {"default_graph": default_graph_uris, "named_graphs": named_graph_uris}
        if info is not None and info.has_dataset:
            return {}
        if inference:
            return {"union": True}
        return {"default_graph": self.default_graphs(False)}

    def query(self, sparql: str, *, accept: str | None = None, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = (), inference: bool = True, timeout: float | None = None,
              base_iri: str | None = None) -> tuple[str, Iterable[bytes]]:
        """Run a protocol query; return (media type, chunks of the serialised result)."""
        info = self._analyze(sparql)
        media_type = self._media_type(accept, info)
        request = {
            "query": cap_rows(sparql, info, self.max_rows), "media_type": media_type,
            "base_iri": base_iri, "max_rows": self.max_rows,
            **self._dataset(info, default_graph_uris, named_graph_uris, inference),
        }
        timeout = timeout or self.timeout
        if self.pool is not None and not (request.get("union") and self._bounded_lookup(sparql, info, base_iri)):
            request["snapshot"] = self.snapshot
            try:
                return self.pool.run(request, timeout)
            except StoreError as exc:
                if exc.status == 400 and request["query"] != sparql:
                    # the row cap wrapper failed where the original may not: report the original
                    request["query"] = sparql
                    return self.pool.run(request, timeout)
                raise
        if self.pool is not None:  # a bounded look-up: evaluated here, in the request's thread
            try:
                return media_type, [self._query_in_process(request)]
            except StoreError as exc:
                if exc.status == 400 and request["query"] != sparql:
                    request["query"] = sparql  # as below: report the original's error
                    return media_type, [self._query_in_process(request)]
                raise
        future = self._executor.submit(self._query_in_process, request)
        try:
            return media_type, [future.result(timeout=timeout)]
        except FutureTimeout:
            raise QueryTimeout(f"the query did not finish within {timeout:g} s") from None

    def _bounded_lookup(self, sparql: str, info, base_iri: str | None) -> bool:
        """Whether a query may skip the killable worker: a look-up of one triple pattern
        (``sparql_text.is_lookup``) with at most LOOKUP_ROWS rows, on the default dataset (the
        union of the graphs: no graph list to filter the scan by).

        Such a query is one scan of an index range in which every step yields a row, so it costs
        at most as many steps as the rows it returns — it cannot run away, and the timeout
        guarantee holds without a worker.  The worker's IPC (a pipe round trip, two process
        wake-ups) costs more than evaluating a look-up; it is kept for everything else.  Unless
        its LIMIT or the row cap says so, the rows are counted first (at most LOOKUP_ROWS + 1 of
        them, a few milliseconds); a larger result goes to a worker (serialising 100,000 rows
        takes seconds)."""
        if not info.lookup or info.has_dataset:
            return False
        bounds = [r for r in (info.limit, self.max_rows) if r]
        if info.form == "ASK" or (bounds and min(bounds) <= LOOKUP_ROWS):
            return True
        # Counted once per query text and snapshot (a write publishes a new one), on the engine's
        # encoded terms (COUNT decodes none of them).
        key = (sparql, base_iri, self.snapshot)
        known = self._lookup_sizes.get(key)
        if known is None:
            if len(self._lookup_sizes) > 4096:
                self._lookup_sizes.clear()
            known = self._lookup_sizes[key] = self._count_within(info)
        return known

    def _count_within(self, info) -> bool:
        """Whether a look-up without a small LIMIT has at most LOOKUP_ROWS rows, counted on the
        index itself: quads, one per graph a triple is in, so an upper bound of the union's rows.
        A pattern with a term that is not plain (``QueryInfo.pattern`` is None) goes to a worker."""
        pattern = _pattern_terms(info.pattern)
        if pattern is None:
            return False
        quads = self.oxigraph.quads_for_pattern(*pattern, None)
        return sum(1 for _ in itertools.islice(quads, LOOKUP_ROWS + 1)) <= LOOKUP_ROWS

    def _query_in_process(self, request: dict) -> bytes:
        """The worker's evaluation, run in this process (REGIO_QUERY_WORKERS=0)."""
        buf = io.BytesIO()
        run_query(self.oxigraph, request, buf)
        data = buf.getvalue()
        out = bytearray()
        pos = 0
        while pos < len(data):
            kind = data[pos:pos + 1]
            length = struct.unpack(">I", data[pos + 1:pos + 5])[0]
            payload = data[pos + 5:pos + 5 + length]
            pos += 5 + length
            if kind == b"D":
                out += payload
            elif kind == b"E":
                err = json.loads(payload)
                raise StoreError(err["status"], err["message"])
        return bytes(out)

    def _run(self, sparql: str, inference: bool):
        info = self._analyze(sparql)
        ds = self._dataset(info, (), (), inference)
        kwargs: dict[str, Any] = {"prefixes": graphs.PREFIXES}
        if "union" in ds:
            kwargs["use_default_graph_as_union"] = True
        elif "default_graph" in ds:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in ds["default_graph"]]
        try:
            return self.oxigraph.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise BadRequest(f"malformed query: {exc}") from None

    def select(self, sparql: str, *, inference: bool = True) -> list[dict[str, rdflib.term.Node]]:
        """Rows of a SELECT as dicts of rdflib terms (unbound variables are absent)."""
        results = self._run(sparql, inference)
        if isinstance(results, ox.QueryBoolean):
            return [{"ask": rdflib.Literal(bool(results))}]
        if isinstance(results, ox.QueryTriples):
            raise BadRequest("select() needs a SELECT query")
        names = [v.value for v in results.variables]
        rows = []
        for solution in results:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return rows

    def construct(self, sparql: str, *, inference: bool = True) -> rdflib.Graph:
        results = self._run(sparql, inference)
        if not isinstance(results, ox.QueryTriples):
            raise BadRequest("construct() needs a CONSTRUCT or DESCRIBE query")
        return triples_to_rdflib(results)

    def serialize_graph(self, iri: str, media_type: str) -> bytes:
        fmt = GRAPH_FORMATS[media_type]
        g = ox.NamedNode(iri)
        triples = (ox.Triple(q.subject, q.predicate, q.object)
                   for q in self.oxigraph.quads_for_pattern(None, None, None, g))
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            return ox.serialize(self.oxigraph.quads_for_pattern(None, None, None, g), format=fmt)
        return ox.serialize(triples, format=fmt)

    def count(self) -> int:
        return len(self.oxigraph)

    def close(self) -> None:
        if self._internal is not None:
            self._internal.shutdown()
            try:
                if json.loads((self.data_dir / "primary.json").read_text()).get("pid") == os.getpid():
                    (self.data_dir / "primary.json").unlink()
            except (OSError, ValueError):
                pass
        if self.pool is not None:
            self.pool.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        try:
            self.oxigraph.flush()
        except OSError:
            pass
        self.oxigraph = None  # drops the RocksDB handle and its lock
