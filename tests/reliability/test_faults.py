"""Nothing lost: ``kill -9`` the server during a stream of writes and during a bulk load, restart
it on the same data directory, and check that the store opens, that every acknowledged write is
there, and that no write is half there.  And remote mode: the engine goes away → a clear 502/503,
it comes back → the service recovers by itself.

``bench/faults.py`` runs the same rounds 20 times; here a few rounds keep the suite fast.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
import requests

from .support import Engine, Server, clean_error

ROUNDS = 3
EX = "https://example.org/reliability/"
FAULT_GRAPH = EX + "faults"
PARTS = 3   # triples per write: a write is whole when all three are there


def write_body(i: int) -> str:
    """The N-Triples of write ``i``: three triples about one subject."""
    s = f"<{EX}w{i}>"
    return (f"{s} <{EX}id> \"{i}\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
            f"{s} <{EX}a> \"a{i}\" .\n{s} <{EX}b> \"b{i}\" .\n")


def send_write(session: requests.Session, srv: Server, i: int) -> bool:
    """One write, alternately a SPARQL update and a Graph Store POST; True when acknowledged."""
    if i % 2:
        r = session.post(srv.url + "/sparql", timeout=30,
                         data=f"INSERT DATA {{ GRAPH <{FAULT_GRAPH}> {{ {write_body(i)} }} }}".encode(),
                         headers={**srv.auth(), "Content-Type": "application/sparql-update"})
    else:
        r = session.post(srv.url + "/data", params={"graph": FAULT_GRAPH}, data=write_body(i).encode(), timeout=30,
                         headers={**srv.auth(), "Content-Type": "application/n-triples"})
    if r.status_code >= 300:
        raise AssertionError(f"write {i} refused: {r.status_code} {r.text[:300]}")
    return True


class Writer(threading.Thread):
    """Writes until the connection breaks; remembers what was acknowledged."""

    def __init__(self, srv: Server, start_at: int) -> None:
        super().__init__(daemon=True)
        self.srv, self.next = srv, start_at
        self.acked: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        with requests.Session() as session:
            while True:
                i = self.next
                self.next += 1
                try:
                    send_write(session, self.srv, i)
                except requests.RequestException:
                    return   # the server died under us: expected
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    self.error = exc
                    return
                self.acked.append(i)


def writes_in_store(srv: Server) -> dict[int, int]:
    """write id -> number of its triples in the store."""
    q = (f"SELECT ?w (COUNT(*) AS ?n) WHERE {{ GRAPH <{FAULT_GRAPH}> {{ ?w ?p ?o }} }} GROUP BY ?w")
    r = requests.get(srv.url + "/sparql", params={"query": q, "inference": "false"},
                     headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text
    found = {}
    for b in r.json()["results"]["bindings"]:
        found[int(b["w"]["value"].rsplit("w", 1)[1])] = int(b["n"]["value"])
    return found


def kill_during_writes(srv: Server, rounds: int, rng: random.Random) -> dict[str, float]:
    """The write-stream fault: returns figures for the bench report."""
    acked: set[int] = set()
    next_id = 0
    restarts = []
    for _ in range(rounds):
        writer = Writer(srv, next_id)
        writer.start()
        time.sleep(rng.uniform(0.3, 1.5))
        srv.kill9()
        writer.join(30)
        assert writer.error is None, f"{writer.error}\n--- server log ---\n{srv.log()[-3000:]}"
        acked.update(writer.acked)
        next_id = writer.next + 1
        start = time.monotonic()
        srv.start()
        restarts.append(time.monotonic() - start)
        found = writes_in_store(srv)
        missing = sorted(acked - found.keys())
        assert not missing, f"acknowledged writes lost after kill -9: {missing[:20]}"
        half = {i: n for i, n in found.items() if n != PARTS}
        assert not half, f"writes half there after kill -9 (id: triples): {half}"
    assert acked, "no write was acknowledged before the kills (nothing was tested)"
    return {"acknowledged": len(acked), "max_restart_s": max(restarts)}


def bulk_body(n: int) -> bytes:
    return "".join(write_body(i) for i in range(n)).encode()


def kill_during_bulk_load(srv: Server, rounds: int, rng: random.Random, n: int = 20_000) -> dict[str, float]:
    """The bulk-load fault: a PUT of ``n`` writes (3n triples), killed at a random moment."""
    body = bulk_body(n)
    outcomes = {"complete": 0, "absent": 0}
    # how long one load takes uninterrupted, so that the kills land anywhere in it (parse,
    # validation, commit) and some after it (an acknowledged load must then be complete)
    start = time.monotonic()
    r = requests.put(srv.url + "/data", params={"graph": f"{EX}bulk-reference"}, data=body, timeout=600,
                     headers={**srv.auth(), "Content-Type": "application/n-triples"})
    assert r.status_code < 300, r.text[:300]
    duration = time.monotonic() - start
    outcomes["load_s"] = duration
    for k in range(rounds):
        graph = f"{EX}bulk{k}"
        result: dict = {}

        def put() -> None:
            try:
                r = requests.put(srv.url + "/data", params={"graph": graph}, data=body, timeout=300,
                                 headers={**srv.auth(), "Content-Type": "application/n-triples"})
                result["status"] = r.status_code
                result["text"] = r.text[:300]
            except requests.RequestException as exc:
                result["error"] = exc

        thread = threading.Thread(target=put, daemon=True)
        thread.start()
        time.sleep(rng.uniform(0.05, 1.2 * duration))
        srv.kill9()
        thread.join(30)
        srv.start()
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        r = requests.get(srv.url + "/sparql", params={"query": q, "inference": "false"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
        count = int(r.json()["results"]["bindings"][0]["n"]["value"])
        if result.get("status", 500) < 300:
            assert count == 3 * n, f"acknowledged bulk load has {count} of {3 * n} triples"
        assert count in (0, 3 * n), f"bulk load half there after kill -9: {count} of {3 * n} triples"
        outcomes["complete" if count else "absent"] += 1
    return outcomes


@pytest.fixture()
def fault_server(tmp_path) -> Server:
    srv = Server(tmp_path / "store")
    srv.start()
    yield srv
    srv.stop()


def test_kill_during_write_stream(fault_server: Server) -> None:
    kill_during_writes(fault_server, ROUNDS, random.Random(7))
    # and restarted without a token, the same store takes no writes at all, whatever is sent
    srv = fault_server
    token = srv.token
    srv.stop()
    srv.token = None
    srv.start()
    before = writes_in_store(srv)
    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        r = requests.post(srv.url + "/sparql", data=f"INSERT DATA {{ GRAPH <{FAULT_GRAPH}> {{ {write_body(10**6)} }} }}",
                          headers={**headers, "Content-Type": "application/sparql-update"}, timeout=30)
        assert r.status_code in (401, 403) and r.text.strip(), (r.status_code, r.text[:200])
    assert writes_in_store(srv) == before


def test_kill_during_bulk_load(fault_server: Server) -> None:
    kill_during_bulk_load(fault_server, 2, random.Random(11), n=10_000)


def test_remote_engine_goes_away_and_comes_back(tmp_path) -> None:
    engine = Engine(tmp_path / "engine").start()
    srv = Server(tmp_path / "unused", store_url=engine.url + "/query")
    try:
        srv.start()
        query = {"query": "ASK { ?s ?p ?o }"}
        assert requests.get(srv.url + "/sparql", params=query, timeout=30).status_code == 200
        engine.kill9()
        start = time.monotonic()
        r = requests.get(srv.url + "/sparql", params=query, timeout=60)
        assert r.status_code in (502, 503), f"engine down: {r.status_code} {r.text[:200]}"
        assert time.monotonic() - start < 10, "the service hung on a dead engine"
        assert r.text.strip() and "Traceback" not in r.text, r.text[:500]
        h = requests.get(srv.url + "/health", timeout=30)
        assert h.status_code == 503, f"/health with the engine down: {h.status_code}"
        engine.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = requests.get(srv.url + "/sparql", params=query, timeout=30)
            clean_error(r.status_code if r.status_code not in (502, 503) else 400, r.content, what="recovery")
            if r.status_code == 200:
                break
            time.sleep(0.25)
        assert r.status_code == 200, f"the service did not recover when the engine came back: {r.status_code}"
        assert requests.get(srv.url + "/health", timeout=30).status_code == 200
    finally:
        srv.stop()
        engine.kill9()
