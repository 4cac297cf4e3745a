"""Load: concurrent clients with a mix of read queries for a fixed time, against the
development server (``regio serve``, what ``make serve`` runs) and the production WSGI setup
(gunicorn); optionally with writers, to show that no acknowledged update is lost and that readers
never see half a write.

Reports requests, throughput, p50/p90/p99/max latency and the number of errors (anything but a
200, or no answer) per setup.

Usage::

    .venv/bin/python bench/load.py --clients 32 --duration 60 --setup both
    .venv/bin/python bench/load.py --clients 32 --duration 60 --writers 4      # with writes
    .venv/bin/python bench/load.py --url http://127.0.0.1:8080 --duration 60   # a running `make serve`

Each write inserts three triples about one new subject; every reader also runs, now and then, a
query that lists subjects of the write graph with a number of triples other than three (a half
write) — that list must always be empty — and at the end every acknowledged write must be there.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reliability.support import Engine, Server  # noqa: E402

EX = "https://example.org/bench/load/"
WRITE_GRAPH = EX + "writes"
R = "PREFIX regio: <https://w3id.org/regio#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "

#: The read mix: light lookups first (most of the traffic), then heavier analytical queries.
READ_MIX: list[tuple[str, int, str]] = [
    ("ask", 20, "ASK { ?s a regio:Region }"),
    ("label", 25, "SELECT ?label WHERE { <https://w3id.org/regio/id/iso3166/{code}> rdfs:label ?label }"),
    ("describe", 10, "DESCRIBE <https://w3id.org/regio/id/iso3166/{code}>"),
    ("subdivisions", 15, "SELECT ?r ?code WHERE { ?r regio:isPartOf <https://w3id.org/regio/id/iso3166/{code}> ; "
                         "regio:iso3166Code ?code } ORDER BY ?code LIMIT 50"),
    ("count-types", 5, "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n) LIMIT 20"),
    ("clusters", 10, "SELECT ?c ?label WHERE { ?c a/rdfs:subClassOf* regio:Cluster OPTIONAL { ?c rdfs:label ?label } } LIMIT 100"),
    ("evidence", 10, "SELECT ?x (COUNT(?e) AS ?n) WHERE { ?x regio:hasEvidence ?e } GROUP BY ?x ORDER BY DESC(?n) LIMIT 20"),
    ("labels-en", 5, "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l FILTER(langMatches(lang(?l), \"en\")) }"),
]
CODES = ["NO", "IT", "DE", "DK", "SE", "FR", "GB", "US", "JP", "ES", "NL", "FI"]
HALF_WRITES = (f"SELECT ?w WHERE {{ GRAPH <{WRITE_GRAPH}> {{ ?w ?p ?o }} }} GROUP BY ?w HAVING (COUNT(*) != 3)")


def write_update(i: int) -> bytes:
    s = f"<{EX}w{i}>"
    return (f"INSERT DATA {{ GRAPH <{WRITE_GRAPH}> {{ {s} <{EX}id> {i} . {s} <{EX}a> \"a{i}\" . "
            f"{s} <{EX}b> \"b{i}\" }} }}").encode()


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.half_seen = 0
        self.checks = 0

    def add(self, latency: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(latency)
            if error:
                self.errors.append(error)


def reader(base: str, deadline: float, seed: int, stats: Stats, check_writes: bool) -> None:
    rng = random.Random(seed)
    names, weights, texts = zip(*READ_MIX)
    with requests.Session() as session:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if check_writes and n % 10 == 0:
                query, name = HALF_WRITES, "half-writes"
            else:
                i = rng.choices(range(len(names)), weights)[0]
                query, name = R + texts[i].replace("{code}", rng.choice(CODES)), names[i]
            start = time.monotonic()
            error = None
            try:
                r = session.get(base + "/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json" if "DESCRIBE" not in query
                                         else "text/turtle"}, timeout=60)
                if r.status_code != 200:
                    error = f"{name}: {r.status_code} {r.text[:200]}"
                elif name == "half-writes":
                    with stats.lock:
                        stats.checks += 1
                        stats.half_seen += len(r.json()["results"]["bindings"])
            except requests.RequestException as exc:
                error = f"{name}: {exc}"
            stats.add(time.monotonic() - start, error)


def writer(base: str, token: str, deadline: float, ids: range, acked: list[int], stats: Stats) -> None:
    with requests.Session() as session:
        for i in ids:
            if time.monotonic() >= deadline:
                return
            try:
                r = session.post(base + "/sparql", data=write_update(i), timeout=60,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/sparql-update"})
                if r.status_code < 300:
                    acked.append(i)
                else:
                    stats.errors.append(f"write {i}: {r.status_code} {r.text[:200]}")
            except requests.RequestException as exc:
                stats.errors.append(f"write {i}: {exc}")


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def drive(base: str, clients: int, duration: float, writers: int = 0, token: str | None = None) -> dict:
    stats = Stats()
    acked: list[int] = []
    deadline = time.monotonic() + duration
    threads = [threading.Thread(target=reader, args=(base, deadline, k, stats, writers > 0)) for k in range(clients)]
    threads += [threading.Thread(target=writer, args=(base, token, deadline, range(k, 10**9, writers), acked, stats))
                for k in range(writers)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat = stats.latencies
    result = {"requests": len(lat), "seconds": elapsed, "throughput": len(lat) / elapsed,
              "p50_ms": 1000 * percentile(lat, 50) if lat else 0, "p90_ms": 1000 * percentile(lat, 90) if lat else 0,
              "p99_ms": 1000 * percentile(lat, 99) if lat else 0, "max_ms": 1000 * max(lat) if lat else 0,
              "mean_ms": 1000 * statistics.fmean(lat) if lat else 0, "errors": len(stats.errors),
              "error_examples": stats.errors[:5]}
    if writers:
        q = f"SELECT ?w WHERE {{ GRAPH <{WRITE_GRAPH}> {{ ?w <{EX}id> ?i }} }}"
        r = requests.get(base + "/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"},
                         timeout=120)
        present = {int(b["w"]["value"].rsplit("w", 1)[1]) for b in r.json()["results"]["bindings"]}
        result.update({"writes_acked": len(acked), "writes_lost": len(set(acked) - present),
                       "half_write_checks": stats.checks, "half_writes_seen": stats.half_seen})
    return result


def report(name: str, r: dict) -> None:
    line = (f"{name:10} {r['requests']:7} req in {r['seconds']:.0f} s = {r['throughput']:7.1f} req/s   "
            f"p50 {r['p50_ms']:7.1f} ms  p90 {r['p90_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"max {r['max_ms']:7.0f} ms   errors {r['errors']}")
    print(line)
    if "writes_acked" in r:
        print(f"{'':10} writes acknowledged {r['writes_acked']}, lost {r['writes_lost']}; "
              f"half-write checks {r['half_write_checks']}, half writes seen {r['half_writes_seen']}")
    for e in r["error_examples"]:
        print(f"{'':10} error: {e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per setup")
    parser.add_argument("--setup", choices=["serve", "gunicorn", "both"], default="both")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (docs/service.md: 4)")
    parser.add_argument("--writers", type=int, default=0, help="concurrent writer clients (0: read only)")
    parser.add_argument("--url", help="drive a running service instead of starting one")
    parser.add_argument("--token", help="its write token (with --url and --writers)")
    args = parser.parse_args()
    print(f"{args.clients} readers" + (f" + {args.writers} writers" if args.writers else "") + f", {args.duration:.0f} s each")
    failed = False
    if args.url:
        r = drive(args.url.rstrip("/"), args.clients, args.duration, args.writers, args.token)
        report("given", r)
        return int(bool(r["errors"] or r.get("writes_lost") or r.get("half_writes_seen")))
    setups = ["serve", "gunicorn"] if args.setup == "both" else [args.setup]
    with tempfile.TemporaryDirectory(prefix="regio-load-") as tmp:
        for setup in setups:
            engine = None
            if setup == "serve":    # what `make serve` runs: regio serve, embedded store
                srv = Server(Path(tmp) / "store", log_path=Path(tmp) / "serve.log")
            else:                   # docs/service.md: oxigraph serve + gunicorn workers in remote mode
                engine = Engine(Path(tmp) / "engine").start()
                srv = Server(Path(tmp) / "unused", wsgi="gunicorn", workers=args.workers,
                             store_url=engine.url + "/query", log_path=Path(tmp) / "gunicorn.log")
            try:
                srv.start()
                requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, timeout=60)   # warm up
                r = drive(srv.url, args.clients, args.duration, args.writers, srv.token)
            finally:
                srv.stop()
                if engine is not None:
                    engine.kill9()
            report(setup, r)
            failed |= bool(r["errors"] or r.get("writes_lost") or r.get("half_writes_seen"))
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
