"""A replica: a web worker that shares the embedded store's data directory with the primary.

RocksDB lets one process open the store for writing.  Under gunicorn (``-w N``), the first worker
to open it becomes the *primary* (``EmbeddedStore``): it writes, validates, infers, and after every
commit publishes an immutable snapshot (a RocksDB checkpoint) named in ``snapshots/CURRENT``.  The
other workers become *replicas*: they answer queries from the current snapshot — in their own
killable query workers, and page queries in process on a read-only open of it, which is safe
because nobody writes a snapshot — and forward writes to the primary over loopback (its address is
in ``primary.json``), with the service token.  The primary answers a write only after the new
snapshot is published, so a client that wrote through one worker reads its write through any
other.  Reads scale with the workers; writes stay serialised in one process.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
import requests

from regio.store import graphs
from regio.store.base import BaseStore, WriteResult, quads_of
from regio.store.embedded import EmbeddedStore, default_data_dir
from regio.store.errors import InvalidData, NotFound, StoreError

log = logging.getLogger("regio.store")


class ForwardedReport:
    """The primary's 422 report, as text (what the client would have got from the primary)."""

    conforms = False

    def __init__(self, text: str, content_type: str):
        self.text, self.content_type = text, content_type

    def to_text(self) -> str:
        return self.text.split("\n\n", 1)[-1] if "nothing was stored" in self.text else self.text

    def to_json(self) -> str:
        return self.text if "json" in self.content_type else json.dumps({"conforms": False, "report": self.text})


class ReplicaStore(EmbeddedStore):
    role = "replica"

    def __init__(self, config: dict[str, Any]):  # noqa: D107 - no EmbeddedStore.__init__: no RocksDB lock
        BaseStore.__init__(self, config)
        self.data_dir = Path(config.get("REGIO_DATA_DIR") or default_data_dir()).expanduser()
        self.shared = True
        self.snapshot_dir = self.data_dir / "snapshots"
        self._current: tuple[int, str] | None = None
        self._ro: tuple[str, ox.Store] | None = None
        self._ro_lock = threading.Lock()
        self._internal = None
        self._superseded = {}
        self._lookup_sizes: dict[tuple, bool] = {}
        self.session = requests.Session()
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="regio-query")
        from regio.store.pool import pool_for
        self.pool = pool_for(config)

    # -- the current snapshot --------------------------------------------------------------------------
    @property
    def snapshot(self) -> str:
        current = self.snapshot_dir / "CURRENT"
        try:
            stamp = current.stat().st_mtime_ns
            if self._current is None or self._current[0] != stamp:
                self._current = (stamp, current.read_text().strip())
        except OSError:
            raise StoreError(503, "the store is starting (no snapshot published yet); try again shortly") from None
        return self._current[1]

    @snapshot.setter
    def snapshot(self, value) -> None:  # EmbeddedStore assigns it; a replica only reads CURRENT
        pass

    @property
    def oxigraph(self) -> ox.Store:
        path = self.snapshot
        with self._ro_lock:
            if self._ro is None or self._ro[0] != path:
                try:
                    self._ro = (path, ox.Store.read_only(path))
                except OSError as exc:
                    raise StoreError(503, f"store snapshot unavailable: {exc}") from None
            return self._ro[1]

    @oxigraph.setter
    def oxigraph(self, value) -> None:
        pass

    def _changed(self) -> None:
        pass

    def _gc_snapshots(self) -> None:
        pass

    # -- writes go to the primary ----------------------------------------------------------------------
    def _forward(self, method: str, path: str, *, params=None, data: bytes = b"",
                 content_type: str | None = None) -> requests.Response:
        try:
            info = json.loads((self.data_dir / "primary.json").read_text())
        except (OSError, ValueError):
            raise StoreError(503, "no writing worker is up yet; try again shortly") from None
        headers = {"Authorization": f"Bearer {self.config.get('REGIO_TOKEN') or ''}",
                   "Accept": "text/plain"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            r = self.session.request(method, info["url"] + path, params=params, data=data, headers=headers,
                                     timeout=(5, 600))
        except requests.RequestException:
            raise StoreError(503, "the writing worker is restarting; try again shortly") from None
        if r.status_code == 422:
            raise InvalidData(ForwardedReport(r.text, r.headers.get("Content-Type", "")))
        if r.status_code == 404:
            raise NotFound(r.text.strip())
        if r.status_code >= 400:
            raise StoreError(r.status_code if r.status_code < 500 else 502, r.text.strip())
        return r

    def update(self, sparql: str, *, using_graph_uris: Iterable[str] = (),
               using_named_graph_uris: Iterable[str] = (), base_iri: str | None = None) -> WriteResult:
        text = f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql
        params = {"using-graph-uri": list(using_graph_uris), "using-named-graph-uri": list(using_named_graph_uris)}
        r = self._forward("POST", "/sparql", params=params, data=text.encode("utf-8"),
                          content_type="application/sparql-update")
        counts = r.json()
        return WriteResult(counts.get("added", 0), counts.get("removed", 0))

    def _graph_write(self, method: str, iri: str | None, data, fmt) -> WriteResult:
        iri = iri or graphs.USER
        quads = quads_of(iri, data, fmt)
        body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                            format=ox.RdfFormat.N_TRIPLES)
        r = self._forward(method, "/data", params={"graph": iri}, data=body, content_type="application/n-triples")
        return WriteResult(0, 0, created=r.status_code == 201)

    def put_graph(self, iri, data, fmt=None) -> WriteResult:
        return self._graph_write("PUT", iri, data, fmt)

    def post_graph(self, iri, data, fmt=None) -> WriteResult:
        return self._graph_write("POST", iri, data, fmt)

    def delete_graph(self, iri) -> WriteResult:
        self._forward("DELETE", "/data", params={"graph": iri or graphs.USER})
        return WriteResult(0, 0)

    def write_inferred(self, added, removed=()) -> None:
        raise StoreError(503, "inference runs in the writing worker")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._ro = None
        self.session.close()
