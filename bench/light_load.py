"""Light-query latency and throughput: the service beside ``oxigraph serve`` on the same data (not a test).

    .venv/bin/python bench/light_load.py [--clients 8] [--duration 10] [--rounds 3]
                                         [--serve "regio serve --quiet"] [--data-dir DIR]

Builds the default dataset in a data directory (temporary unless given), copies its store for
``oxigraph serve --union-default-graph`` (the same default graph as the service's), starts both on
free loopback ports and, alternating between them for ``--rounds`` rounds, measures

* single-client latency (p50 of sequential look-ups over one keep-alive connection), and
* throughput with ``--clients`` concurrent clients (each a process with its own keep-alive
  connection) for ``--duration`` seconds,

over a light mix: all triples of a resource, a resource by its label, the members of a cluster-like
resource — with IRIs and labels drawn from the data.  Prints each round and the medians, and the
ratios against Oxigraph server (issue 5: light look-ups ≤ 2× its latency, throughput ≥ 0.8×).
``--serve`` is the command that starts the service (``--host/--port/--data-dir`` are appended).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, proc: subprocess.Popen, limit: float = 300) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path + "?" + urlencode({"query": "ASK {}"}),
                         headers={"Accept": "application/sparql-results+json"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not come up")


def queries(data_dir: Path, n: int = 400, seed: int = 1) -> list[str]:
    """A light mix drawn from the data: resource look-ups, label look-ups, member lists."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(data_dir / "store"))
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    member = ox.NamedNode("https://w3id.org/regio#hasMember")
    labelled = [(q.subject, q.object) for q in store.quads_for_pattern(None, label, None, None)
                if isinstance(q.subject, ox.NamedNode)]
    groups = sorted({q.subject.value for q in store.quads_for_pattern(None, member, None, None)})
    del store
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rng.randrange(3)
        subject, lit = labelled[rng.randrange(len(labelled))]
        if kind == 0:
            out.append(f"SELECT ?p ?o WHERE {{ <{subject.value}> ?p ?o }}")
        elif kind == 1:
            out.append(f"SELECT ?s WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> {lit} }}")
        else:
            g = groups[rng.randrange(len(groups))] if groups else subject.value
            out.append(f"SELECT ?m ?l WHERE {{ <{g}> <https://w3id.org/regio#hasMember> ?m . "
                       f"OPTIONAL {{ ?m <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }} LIMIT 20")
    return out


def client(port: int, path: str, qs: list[str], seconds: float, seed: int, out) -> None:
    """One client: sequential queries over one keep-alive connection for ``seconds``."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/sparql-results+json", "Connection": "keep-alive"}
    lat: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        q = qs[rng.randrange(len(qs))]
        try:
            conn.request("GET", path + "?" + urlencode({"query": q}), headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        lat.append(time.perf_counter() - t0)
    out.put((lat, errors))


def run_load(port: int, path: str, qs: list[str], clients: int, seconds: float) -> tuple[float, float, int]:
    """(queries per second, p50 latency in ms, errors) with ``clients`` concurrent clients."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=client, args=(port, path, qs, seconds, i, out)) for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    lat = [x for r in results for x in r[0]]
    return len(lat) / seconds, statistics.median(lat) * 1000 if lat else float("nan"), sum(r[1] for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per throughput run")
    parser.add_argument("--latency-duration", type=float, default=3.0, help="seconds per single-client run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", default=f"{BIN / 'regio'} serve --quiet",
                        help="command starting the service (host, port and data dir are appended)")
    parser.add_argument("--data-dir", help="data directory with the default dataset (default: a temporary one)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="regio-light-"))
    data_dir = Path(args.data_dir) if args.data_dir else tmp / "data"
    if not (data_dir / "store").exists():
        print("building the default dataset …", flush=True)
        from regio.store import open_store
        open_store({"REGIO_DATA_DIR": str(data_dir), "REGIO_QUERY_WORKERS": 0}).close()
    import pyoxigraph as ox
    ro = ox.Store.read_only(str(data_dir / "store"))
    ro.backup(str(tmp / "oxigraph"))
    del ro
    qs = queries(data_dir)

    ours_port, oxi_port = free_port(), free_port()
    env = {**os.environ, "REGIO_TOKEN": ""}
    env.pop("REGIO_TOKEN")
    ours = subprocess.Popen(shlex.split(args.serve) + ["--host", "127.0.0.1", "--port", str(ours_port),
                                                      "--data-dir", str(data_dir)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    oxi = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(tmp / "oxigraph"), "--union-default-graph",
                            "--bind", f"127.0.0.1:{oxi_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    servers = {"regio": (ours_port, "/sparql"), "oxigraph": (oxi_port, "/query")}
    try:
        wait_up(ours_port, "/sparql", ours)
        wait_up(oxi_port, "/query", oxi)
        for name, (port, path) in servers.items():  # warm-up
            run_load(port, path, qs, args.clients, 1.0)
        rows: dict[str, list[tuple[float, float, float, int]]] = {n: [] for n in servers}
        print(f"{len(qs)} light queries; {args.clients} clients × {args.duration:g} s; server: {args.serve}")
        print(f"{'round':<6}{'server':<10}{'1-client p50 ms':>16}{'q/s':>9}{'p50 ms':>9}{'errors':>8}")
        for r in range(args.rounds):
            for name, (port, path) in (servers.items() if r % 2 == 0 else reversed(servers.items())):
                _, single, e1 = run_load(port, path, qs, 1, args.latency_duration)
                qps, p50, e2 = run_load(port, path, qs, args.clients, args.duration)
                rows[name].append((single, qps, p50, e1 + e2))
                print(f"{r + 1:<6}{name:<10}{single:16.2f}{qps:9.0f}{p50:9.2f}{e1 + e2:8d}", flush=True)
        med = {n: [statistics.median(x[i] for x in v) for i in range(3)] for n, v in rows.items()}
        print("\nmedians")
        for n, (single, qps, p50) in med.items():
            print(f"{n:<10} 1-client p50 {single:6.2f} ms   {qps:7.0f} q/s   p50 under load {p50:6.2f} ms")
        o, x = med["regio"], med["oxigraph"]
        print(f"ratios regio/oxigraph: latency {o[0] / x[0]:.2f}× (target ≤ 2), "
              f"throughput {o[1] / x[1]:.2f}× (target ≥ 0.8)")
    finally:
        for proc in (ours, oxi):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
