"""The query worker pool (``regio.store.pool``): the most recently used worker answers next;
workers started under load stay while they are used and are stopped once idle; small answers come back whole (with a length), large ones
streamed; a worker killed at its deadline is replaced."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from regio.store import pool as pool_module
from regio.store.errors import QueryTimeout
from regio.store.pool import WorkerPool

EX = "https://example.org/pool/"


@pytest.fixture()
def snapshot(tmp_path):
    store = ox.Store(str(tmp_path / "store"))
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)),
                         ox.NamedNode(f"{EX}g")) for i in range(3000))
    store.flush()
    store.backup(str(tmp_path / "snap"))
    del store
    return str(tmp_path / "snap")


def _request(snapshot: str, query: str, media_type: str = "text/csv") -> dict:
    return {"query": query, "media_type": media_type, "snapshot": snapshot, "union": True, "max_rows": 0}


def test_small_answer_whole_large_streamed(snapshot) -> None:
    pool = WorkerPool(1)
    try:
        media, chunks = pool.run(_request(snapshot, f"SELECT ?o WHERE {{ <{EX}s1> ?p ?o }}"), timeout=30)
        assert media == "text/csv" and isinstance(chunks, list) and chunks[0].split() == [b"o", b"1"]
        media, chunks = pool.run(_request(snapshot, "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"), timeout=30)
        assert not isinstance(chunks, list)  # more than fits in one read: streamed
        assert b"".join(chunks).count(b"\n") == 3001
        assert len(pool.idle) == 1  # the worker came back after the stream ended
    finally:
        pool.close()


def test_surplus_workers_stay_while_used_then_stop(snapshot, monkeypatch) -> None:
    pool = WorkerPool(1)
    try:
        first = pool._acquire(5)
        second = pool._acquire(5)  # all busy: a surplus worker is started
        assert len(pool.workers) == 2
        pool.release(first)
        pool.release(second)
        assert len(pool.workers) == 2 and len(pool.idle) == 2  # kept: it was just used
        monkeypatch.setattr(pool_module, "SURPLUS_IDLE", 0.0)
        time.sleep(0.01)
        worker = pool._acquire(5)
        assert worker is second  # the most recently used: its caches are warm
        pool.release(worker)  # the other one has been idle longer than SURPLUS_IDLE: stopped
        assert len(pool.workers) == 1 and len(pool.idle) == 1
        media, chunks = pool.run(_request(snapshot, "ASK { ?s ?p ?o }", "application/sparql-results+json"), timeout=30)
        assert b"true" in b"".join(chunks)
    finally:
        pool.close()


def test_deadline_kills_and_replaces_the_worker(snapshot) -> None:
    pool = WorkerPool(1)
    try:
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            pool.run(_request(snapshot, runaway), timeout=1.0)
        assert time.monotonic() - started < 2.0
        media, chunks = pool.run(_request(snapshot, f"ASK {{ <{EX}s2> ?p ?o }}", "text/csv"), timeout=30)
        assert b"true" in b"".join(chunks)
    finally:
        pool.close()


def _ask(worker, request: dict) -> tuple[dict, bytes]:
    """One request straight to a worker: (head, data)."""
    import json

    worker.send(request)
    kind, payload = worker.frame(time.monotonic() + 30)
    assert kind == b"H", payload
    head, data = json.loads(payload), b""
    while True:
        kind, payload = worker.frame(time.monotonic() + 30)
        if kind == b"Z":
            return head, data
        data += payload


def test_worker_answers_from_an_in_memory_copy(snapshot, tmp_path) -> None:
    """With memory_quads, the worker copies the snapshot into memory in the background and then
    answers from the copy — the same rows; a snapshot over the limit is never copied."""
    query = "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(?o < \"20\") } ORDER BY ?s"
    request = _request(snapshot, query)
    for memory_quads, expected in ((10_000, "memory"), (100, "rocksdb")):
        worker = pool_module.Worker(memory_quads)
        try:
            first_head, first = _ask(worker, request)
            assert first_head["storage"] in ("copying", "memory", "rocksdb")
            deadline = time.monotonic() + (20 if expected == "memory" else 1.5)
            while True:
                head, data = _ask(worker, request)
                assert data == first
                if head["storage"] == expected == "memory" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert head["storage"] == expected
            if expected == "memory":  # the copy keeps the named graphs
                head, data = _ask(worker, _request(snapshot, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { } }"))
                assert head["storage"] == "memory" and data.split() == [b"n", b"1"]
        finally:
            worker.kill()


def test_pool_prefers_workers_in_memory_then_those_still_copying(snapshot) -> None:
    pool = WorkerPool(3)
    try:
        a, b, c = pool._acquire(5), pool._acquire(5), pool._acquire(5)
        a.storage, b.storage, c.storage = "rocksdb", "copying", "copying"
        for w in (b, c, a):
            pool.release(w)
        assert pool._acquire(5) is b  # the least recently used of those copying: ask it next
        pool.release(b)
        c.storage = "memory"
        assert pool._acquire(5) is c  # answers from memory: first choice
        pool.release(c)
        b.storage = c.storage = "rocksdb"
        assert pool._acquire(5) is c  # no copies: the most recently used
    finally:
        pool.close()
