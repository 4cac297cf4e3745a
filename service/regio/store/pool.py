"""A pool of query worker subprocesses (see ``regio.store.worker``) with a hard deadline per query.

The caller gets a worker, sends it one request and reads the framed answer.  Nothing is answered
until the worker has produced a head frame; if the deadline passes first, the worker is killed
(SIGKILL stops the evaluation immediately), a replacement is started in the background and the
caller gets ``QueryTimeout`` — well within the timeout plus one second.  A worker that is still
streaming a large result when the deadline passes is killed as well and the stream ends there.
"""

from __future__ import annotations

import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Iterator

from regio.store.errors import QueryTimeout, StoreError

log = logging.getLogger("regio.store")


#: A worker started because all were busy is stopped after this long unused.
SURPLUS_IDLE = 60.0


class Worker:
    def __init__(self, memory_quads: int = 0) -> None:
        env = dict(os.environ)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "regio.store.worker", str(memory_quads)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, bufsize=0, env=env, close_fds=True)
        self.fd = self.proc.stdout.fileno()
        self.snapshot: str | None = None
        self.pending = bytearray()  # read from the pipe, not yet taken as frames
        self.last_used = time.monotonic()
        #: where its last answer came from: "memory" (its copy of the store), "copying" (RocksDB
        #: while it copies the store into memory) or "rocksdb" (no copy coming)
        self.storage = "copying" if memory_quads > 0 else "rocksdb"

    def send(self, request: dict) -> None:
        self.snapshot = request["snapshot"]
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()

    def read_exact(self, n: int, deadline: float | None) -> bytes:
        """``n`` bytes of the answer.  The pipe is read in large pieces: a small answer (head,
        data and end frames, written at once by the worker) costs one wake-up and one read."""
        buf = self.pending
        while len(buf) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([self.fd], [], [], left)
                if not ready:
                    raise TimeoutError
            chunk = os.read(self.fd, max(n - len(buf), 1 << 16))
            if not chunk:
                raise EOFError("query worker exited")
            buf += chunk
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def frame(self, deadline: float | None) -> tuple[bytes, bytes]:
        head = self.read_exact(5, deadline)
        kind, length = head[:1], struct.unpack(">I", head[1:])[0]
        return kind, self.read_exact(length, deadline) if length else b""

    def whole_answer(self) -> list[bytes] | None:
        """The data of an answer that has arrived complete (it ends with a Z frame), else None."""
        buf, pos, chunks = self.pending, 0, []
        while pos + 5 <= len(buf):
            kind, length = buf[pos:pos + 1], struct.unpack(">I", buf[pos + 1:pos + 5])[0]
            if pos + 5 + length > len(buf) or kind not in (b"D", b"Z"):
                return None
            if kind == b"Z":
                del buf[:pos + 5]
                return chunks
            chunks.append(bytes(buf[pos + 5:pos + 5 + length]))
            pos += 5 + length
        return None

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except Exception:  # already gone
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except Exception:
                pass


class Stream:
    """The data frames of one answer; the worker goes back to the pool when the answer ends.

    Closing it early (the client went away, a HEAD request) kills the worker, whose remaining
    output is unknown, so a half-read answer can never leak into the next request.
    """

    def __init__(self, pool: "WorkerPool", worker: Worker, deadline: float | None, timeout: float | None):
        self.pool, self.worker, self.deadline, self.timeout = pool, worker, deadline, timeout
        self.done = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            while not self.done:
                kind, payload = self.worker.frame(self.deadline)
                if kind == b"D":
                    yield payload
                elif kind == b"Z":
                    self._release(True)
                elif kind == b"E":
                    log.warning("query failed while streaming: %s", json.loads(payload).get("message"))
                    self.worker.frame(self.deadline)
                    self._release(True)
        except TimeoutError:
            log.warning("query stopped while streaming after %s s; the response is truncated", self.timeout)
            self._release(False)
        except (EOFError, OSError):
            log.warning("query worker died while streaming")
            self._release(False)
        finally:
            self.close()

    def _release(self, finished: bool) -> None:
        if self.done:
            return
        self.done = True
        if finished:
            self.pool.release(self.worker)
        else:
            self.pool._replace(self.worker)

    def close(self) -> None:
        self._release(False)

    def __del__(self) -> None:
        self.close()


class WorkerPool:
    """``size`` workers kept ready; up to ``2 × size`` while they are all busy (so a few runaway
    queries do not queue the light ones behind them until their deadline)."""

    def __init__(self, size: int, memory_quads: int = 0):
        self.size = size
        self.max_size = 2 * size
        #: the ``size`` standing workers keep an in-memory copy of snapshots up to this many quads
        #: (``regio.store.worker.Snapshots``); workers started under load read RocksDB only
        self.memory_quads = memory_quads
        #: idle workers, the most recently used last: taken from that end, so that under light
        #: load the same worker (its store cache and memory warm) answers one query after another
        self.idle: deque[Worker] = deque()
        self.workers: set[Worker] = set()
        self.lock = threading.Lock()
        self.ready = threading.Condition(self.lock)
        self.closed = False
        for _ in range(size):
            self._add()

    def _acquire(self, timeout: float | None) -> Worker:
        deadline = time.monotonic() + timeout if timeout else None
        with self.lock:
            if self.idle:
                return self._take_idle()
            if self.closed or len(self.workers) >= self.max_size:
                while not self.idle:
                    left = deadline - time.monotonic() if deadline else None
                    if (left is not None and left <= 0) or not self.ready.wait(left):
                        raise QueryTimeout(f"all query workers stayed busy for {timeout:g} s; try again later")
                return self._take_idle()
        worker = Worker()  # all busy: one more (outside the lock: starting a process takes a while)
        with self.lock:
            self.workers.add(worker)
        return worker

    def _take_idle(self) -> Worker:
        """Called with the lock held and a worker idle: the most recently used one that answers
        from memory; else the least recently used one still copying the store (so that each gets
        asked, and the pool learns when its copy is ready); else the most recently used one
        (its caches are warm)."""
        for i in range(len(self.idle) - 1, -1, -1):
            if self.idle[i].storage == "memory":
                worker = self.idle[i]
                del self.idle[i]
                return worker
        for i, worker in enumerate(self.idle):
            if worker.storage == "copying":
                del self.idle[i]
                return worker
        return self.idle.pop()

    def release(self, worker: Worker) -> None:
        """Back among the idle.  Workers beyond ``size`` stay while they are used (starting a
        process and opening the store costs far more than a query); one left idle for
        SURPLUS_IDLE seconds is stopped."""
        now = time.monotonic()
        worker.last_used = now
        stale = []
        with self.lock:
            self.idle.append(worker)
            while len(self.workers) - len(stale) > self.size and self.idle \
                    and now - self.idle[0].last_used > SURPLUS_IDLE:
                stale.append(self.idle.popleft())
            for w in stale:
                self.workers.discard(w)
            self.ready.notify()
        for w in stale:
            w.kill()

    def _add(self) -> None:
        if self.closed:
            return
        worker = Worker(self.memory_quads)
        with self.lock:
            self.workers.add(worker)
            self.idle.appendleft(worker)  # fresh: used after the warm ones
            self.ready.notify()

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        with self.lock:
            self.workers.discard(worker)
            needed = len(self.workers) < self.size
        if needed:
            threading.Thread(target=self._add, daemon=True).start()

    def snapshots_in_use(self) -> set[str]:
        with self.lock:
            return {w.snapshot for w in self.workers if w.snapshot}

    def run(self, request: dict, timeout: float | None) -> tuple[str, Iterator[bytes]]:
        """Send a query; return (media type, chunks) or raise StoreError/QueryTimeout."""
        deadline = time.monotonic() + timeout if timeout else None
        worker = self._acquire(timeout)
        try:
            worker.send(request)
            kind, payload = worker.frame(deadline)
        except TimeoutError:
            self._replace(worker)
            raise QueryTimeout(f"the query was stopped after the time limit of {timeout:g} s") from None
        except (EOFError, OSError) as exc:
            code = worker.proc.poll()
            self._replace(worker)
            log.error("a query worker died (exit %s) on a query: %s", code, exc)
            raise StoreError(400, "the query could not be evaluated: the engine crashed on it "
                                  "(is it nested very deeply?)") from None
        if kind == b"E":
            error = json.loads(payload)
            try:
                worker.frame(deadline)  # Z
                self.release(worker)
            except Exception:
                self._replace(worker)
            raise StoreError(error["status"], error["message"])
        head = json.loads(payload)
        worker.storage = head.get("storage", "rocksdb")
        whole = worker.whole_answer()
        if whole is not None:  # a small answer, here already: no stream, and a Content-Length
            self.release(worker)
            return head["media_type"], [b"".join(whole)]
        return head["media_type"], Stream(self, worker, deadline, timeout)

    def close(self) -> None:
        self.closed = True
        with self.lock:
            workers = list(self.workers)
            self.workers.clear()
        for w in workers:
            w.kill()


def pool_for(config) -> WorkerPool | None:
    """The query worker pool the configuration asks for (REGIO_QUERY_WORKERS; none if 0)."""
    workers = int(config.get("REGIO_QUERY_WORKERS", 2) or 0)
    if workers <= 0:
        return None
    return WorkerPool(workers, memory_quads=int(config.get("REGIO_WORKER_MEMORY_QUADS", 2_000_000) or 0))
