"""A query worker: a subprocess that evaluates read-only queries and can be killed.

pyoxigraph evaluates a query without a timeout and without a way to cancel it, so the service runs
protocol queries here, in processes of their own: when a query overruns its time, the parent kills
the worker (the query stops at once, the CPU is free again), answers 503 and starts a new worker.
Other requests are served meanwhile by the other workers.

A worker never opens the live store (RocksDB lets one process write, and reading it from a second
process while the first writes is undefined behaviour).  It opens a *snapshot*: a RocksDB
checkpoint of the store made by ``Store.backup`` (hard links, a few milliseconds) after every
committed write.  Each request names the snapshot to use; the worker reopens when it changes.

Wire protocol (binary, on stdin/stdout): one JSON request per line in; frames out, each a kind
byte, a 4-byte big-endian length and a payload: ``H`` (JSON head: media type), ``D`` (result
bytes), ``E`` (JSON error: status, message), ``Z`` (end of this answer).  Results are buffered
until they are complete or exceed ``STREAM_AFTER`` bytes, so a query that is still computing when
its time runs out has sent nothing yet and can be answered 503 instead of a truncated 200.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import struct
import sys
import threading
from typing import BinaryIO

STREAM_AFTER = 1 << 20
CHUNK = 1 << 16


class FrameWriter:
    """A file-like object pyoxigraph serialises into; it frames and forwards the bytes."""

    def __init__(self, out: BinaryIO, head: dict):
        self.out = out
        self.head = head
        self.buffer = bytearray()
        self.started = False

    def _frame(self, kind: bytes, payload: bytes) -> None:
        self._frames((kind, payload))

    def _frames(self, *frames: tuple[bytes, bytes]) -> None:
        """Several frames in one write: the parent wakes once for a small answer."""
        self.out.write(b"".join(kind + struct.pack(">I", len(payload)) + payload for kind, payload in frames))

    def write(self, data) -> int:
        self.buffer += data
        limit = CHUNK if self.started else STREAM_AFTER
        if len(self.buffer) >= limit:
            self._send()
        return len(data)

    def _send(self) -> None:
        if not self.started:
            self._frame(b"H", json.dumps(self.head).encode())
            self.started = True
        if self.buffer:
            self._frame(b"D", bytes(self.buffer))
            self.buffer.clear()
        self.out.flush()

    def flush(self) -> None:  # pyoxigraph may call it; real flushing happens in finish()
        pass

    def finish(self) -> None:
        if not self.started:  # the whole answer at once
            self.started = True
            self._frames((b"H", json.dumps(self.head).encode()), (b"D", bytes(self.buffer)), (b"Z", b""))
            self.buffer.clear()
        else:
            self._send()
            self._frame(b"Z", b"")
        self.out.flush()

    def error(self, status: int, message: str) -> None:
        self._frames((b"E", json.dumps({"status": status, "message": message}).encode()), (b"Z", b""))
        self.out.flush()


def run_query(store, request: dict, out: BinaryIO, storage: str = "rocksdb") -> None:
    """Evaluate one query and write its framed answer."""
    import pyoxigraph as ox

    from regio.store.formats import GRAPH_FORMATS, RESULT_FORMATS

    media_type = request["media_type"]
    writer = FrameWriter(out, {"media_type": media_type, "storage": storage})
    from regio.store.graphs import PREFIXES

    kwargs: dict = {"base_iri": request.get("base_iri"), "prefixes": PREFIXES}
    try:
        if request.get("default_graph") is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in request["default_graph"]]
        elif request.get("union"):
            kwargs["use_default_graph_as_union"] = True
        if request.get("named_graphs") is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    except ValueError as exc:  # a graph IRI that is not an IRI: the client's mistake, and no reason to die
        writer.error(400, f"not a graph IRI: {exc}")
        return
    try:
        results = store.query(request["query"], **kwargs)
        if isinstance(results, ox.QueryTriples):
            fmt = GRAPH_FORMATS[media_type]
            max_rows = request.get("max_rows") or 0
            if max_rows:
                triples = itertools.islice(results, max_rows)
                if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                    triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
                ox.serialize(triples, writer, fmt)
            else:
                results.serialize(writer, fmt)
        else:
            results.serialize(writer, RESULT_FORMATS[media_type])
    except SyntaxError as exc:
        writer.error(400, f"malformed query: {exc}")
        return
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        writer.error(400 if not writer.started else 500, f"query evaluation failed: {exc}")
        return
    writer.finish()


class Snapshots:
    """The store a request names: the RocksDB snapshot itself, and — when ``memory_quads`` allows —
    an in-memory copy of it, loaded in the background the first time the snapshot is asked for.

    Oxigraph evaluates analytical queries several times faster on its in-memory storage than on
    RocksDB (bench/sparql.py at 1M triples: a GROUP BY 375 ms on RocksDB, 43 ms in memory; about
    380 bytes a quad).  Until the copy is ready (seconds at a million quads) queries use RocksDB;
    a snapshot with more than ``memory_quads`` quads is never copied."""

    def __init__(self, memory_quads: int):
        self.memory_quads = memory_quads
        self.path: str | None = None
        self.disk = None
        self.memory = None           # (path, in-memory store) of the latest copy
        self.loading: str | None = None
        self.too_large = False

    def store_for(self, path: str) -> tuple:
        """(store, storage) for the snapshot at ``path``; storage is "memory" (the copy),
        "copying" (RocksDB while a copy of this snapshot is being made) or "rocksdb"."""
        import pyoxigraph as ox

        if path != self.path:
            self.disk = None
            self.path = None
            self.disk = ox.Store.read_only(path)  # OSError: the caller answers 503
            self.path = path
        memory = self.memory
        if memory is not None and memory[0] == path:
            return memory[1], "memory"
        self.memory = None  # a copy of an older snapshot: its memory is better used by the new one
        if self.memory_quads > 0 and not self.too_large and self.loading is None:
            self.loading = path
            threading.Thread(target=self._copy, args=(path, self.disk), daemon=True).start()
        return self.disk, "copying" if self.loading == path else "rocksdb"

    def _copy(self, path: str, disk) -> None:
        import pyoxigraph as ox

        try:
            if sum(1 for _ in itertools.islice(disk.quads_for_pattern(None, None, None, None),
                                               self.memory_quads + 1)) > self.memory_quads:
                self.too_large = True  # no copy is tried again
                self.loading = None
                return
            # one worker copies at a time: on a few cores, copies made side by side would all be
            # late (and slow the queries meanwhile); the lock goes with this process if it is killed
            with open(os.path.join(os.path.dirname(path), ".copy.lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if self.path != path:
                    self.loading = None
                    return  # superseded while waiting
                copy = ox.Store()
                copy.bulk_load(disk.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
                for graph in disk.named_graphs():  # empty named graphs are not in the dump
                    copy.add_graph(graph)
            if self.path == path:
                self.memory = (path, copy)
            self.loading = None
        except (OSError, ValueError, SyntaxError) as exc:
            print(f"regio query worker: no in-memory copy of {path}: {exc}", file=sys.stderr)
            self.loading = None


def main() -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write on the frame channel
    snapshots = Snapshots(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            store, storage = snapshots.store_for(request["snapshot"])
        except OSError as exc:
            FrameWriter(out, {}).error(503, f"store snapshot unavailable: {exc}")
            continue
        run_query(store, request, out, storage)


if __name__ == "__main__":
    main()
