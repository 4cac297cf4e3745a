"""Benchmark: what the service adds in remote-engine mode (``regio serve --store URL``).

    python bench/remote_overhead.py [--triples 300000] [--repeat 15] [--duration 5]
                                    [--engines oxigraph,oxigraph-plain,virtuoso]

One dataset (bench/synthetic.py in the user graph, the default dataset in its graphs, the
rdfs:subClassOf closure of the types in the inferred graph, so the analytical queries have work
to do) is loaded into each engine; then the queries of bench/sparql.py are sent to the engine
directly and through the service in front of it (`regio serve`, one process, as in
bench/sparql.py), *alternating* query by query, so both sides see the same load on a shared
machine.  It prints per-query median latency of both and their ratio, and the throughput of the
light mix with 8 concurrent clients.

Engines: ``oxigraph`` is ``oxigraph serve --union-default-graph`` (its default graph is the union,
as clients of the service expect); ``oxigraph-plain`` is ``oxigraph serve`` without it (the
service must then name the graphs on every query; the direct side is sent the same
``default-graph-uri`` list, so both answer alike); ``virtuoso`` when ``virtuoso-t`` is installed.

Not a test; a few minutes at most on a shared machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sparql as bench  # noqa: E402
import synthetic  # noqa: E402

BIN = bench.BIN


def prepare(tmp: Path, n_triples: int, seed: int) -> tuple[Path, list[str]]:
    """An N-Quads file of the dataset, and the names of its graphs."""
    import pyoxigraph as ox

    from regio.store import graphs

    nt = tmp / "synthetic.nt"
    synthetic.generate(n_triples, nt, seed=seed)
    store = ox.Store()
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graphs.USER))
    for path, graph in graphs.default_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph),
                        base_iri=path.resolve().as_uri())
    closure = store.query("""CONSTRUCT { ?x a ?super }
WHERE { ?x a ?c . ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?super . FILTER isIRI(?super) }""",
                          use_default_graph_as_union=True)
    inferred = ox.NamedNode(graphs.INFERRED)
    store.extend([ox.Quad(t.subject, t.predicate, t.object, inferred) for t in closure])
    out = tmp / "union.nq"
    store.dump(str(out), format=ox.RdfFormat.N_QUADS)
    names = sorted(g.value for g in store.named_graphs())
    return out, names


def start_oxigraph(tmp: Path, nq: Path, union: bool) -> bench.Server:
    location = tmp / ("oxigraph-union" if union else "oxigraph-plain")
    if not location.exists():
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nq)],
                       check=True, capture_output=True)
    port = bench.free_port()
    cmd = [str(BIN / "oxigraph"), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
           "--timeout-s", "600"] + (["--union-default-graph"] if union else [])
    return bench.Server("oxigraph" if union else "oxigraph-plain", cmd, f"http://127.0.0.1:{port}/query",
                        log=tmp / "oxigraph.log")


def start_virtuoso(tmp: Path, nq: Path) -> bench.Server:
    """Virtuoso (bench/sparql.py's settings) with the N-Quads loaded into their graphs."""
    vdir = tmp / "virtuoso"
    vdir.mkdir()
    isql_port, http_port = bench.free_port(), bench.free_port()
    (vdir / "virtuoso.ini").write_text(bench.VIRTUOSO_INI.format(dir=vdir, isql=isql_port, http=http_port))
    shutil.copy(nq, vdir / "union.nq")
    cmd = [shutil.which("virtuoso-t"), "+foreground", "+configfile", str(vdir / "virtuoso.ini")]
    server = bench.Server("virtuoso", cmd, f"http://127.0.0.1:{http_port}/sparql", cwd=vdir,
                          log=tmp / "virtuoso.out")
    isql = shutil.which("isql-vt") or shutil.which("isql")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if subprocess.run([isql, str(isql_port), "dba", "dba", "exec=status();"], capture_output=True).returncode == 0:
            break
        time.sleep(1)
    script = f"ld_dir('{vdir}', 'union.nq', 'urn:regio:bench');\nrdf_loader_run();\ncheckpoint;\n"
    subprocess.run([isql, str(isql_port), "dba", "dba"], input=script.encode(), check=True, capture_output=True)
    return server


def timed(url: str, query: str, timeout: float) -> float:
    start = time.perf_counter()
    try:
        status, data = bench.request(url, query, timeout=timeout)
    except (ConnectionError, http.client.HTTPException):
        # a keep-alive connection the server closed while idle: once more, on a new one
        start = time.perf_counter()
        status, data = bench.request(url, query, timeout=timeout)
    elapsed = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"{url}: HTTP {status}: {data[:300]!r}")
    return elapsed


def dataset_query(query: str, names: list[str]) -> str:
    """The query with the union of ``names`` as its dataset (for an engine whose default graph
    is not the union): FROM/FROM NAMED, as the service's default-graph-uri list says."""
    head, sep, rest = query.partition("SELECT")
    where = rest.index("WHERE")
    froms = "".join(f"FROM <{g}>\n" for g in names) + "".join(f"FROM NAMED <{g}>\n" for g in names)
    return head + sep + rest[:where] + froms + rest[where:]


def compare(direct_url: str, service_url: str, args, n_firms: int, n_clusters: int,
            names: list[str] | None) -> dict:
    out = {}
    for name, (kind, template) in bench.QUERIES.items():
        rng = random.Random(7)
        times: dict[str, list[float]] = {"direct": [], "service": []}
        runs = args.repeat * (3 if kind == "light" else 1)
        for i in range(runs + 1):
            query = bench.instantiate(template, rng, n_firms, n_clusters)
            direct_query = dataset_query(query, names) if names else query
            order = [("direct", direct_url, direct_query), ("service", service_url, query)]
            if i % 2:
                order.reverse()
            for side, url, q in order:
                t = timed(url, q, args.query_timeout)
                if i:
                    times[side].append(t)
        d, s = statistics.median(times["direct"]) * 1000, statistics.median(times["service"]) * 1000
        out[name] = (kind, d, s)
        print(f"    {name}: direct {d:.1f} ms, service {s:.1f} ms ({s / d:.2f}x)", file=sys.stderr)
    return out


def qps(url: str, args, n_firms: int, n_clusters: int, names: list[str] | None) -> float:
    import threading

    done = [0] * args.clients
    stop = time.monotonic() + args.duration

    def client(i: int) -> None:
        rng = random.Random(100 + i)
        while time.monotonic() < stop:
            q = bench.QUERIES[bench.LIGHT_MIX[rng.randrange(len(bench.LIGHT_MIX))]][1]
            q = bench.instantiate(q, rng, n_firms, n_clusters)
            status, _ = bench.request(url, dataset_query(q, names) if names else q, timeout=30)
            done[i] += status == 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per heavy query (light: 3x)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each throughput run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--query-timeout", type=float, default=120.0)
    parser.add_argument("--engines", default="oxigraph,virtuoso")
    args = parser.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    if "virtuoso" in engines and not shutil.which("virtuoso-t"):
        print("virtuoso-t not installed: skipping Virtuoso", file=sys.stderr)
        engines.remove("virtuoso")
    tmp = Path(tempfile.mkdtemp(prefix="regio-bench-remote-"))
    report = []
    try:
        start = time.perf_counter()
        nq, names = prepare(tmp, args.triples, args.seed)
        text = nq.read_text(encoding="utf-8")
        n_firms = text.count("synthetic firm")
        n_clusters = max(1, text.count('"synthetic cluster '))
        del text
        print(f"dataset: {args.triples} synthetic triples + default dataset + subclass closure, "
              f"{len(names)} graphs, {n_firms} firms, prepared in {time.perf_counter() - start:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
        for engine in engines:
            if engine == "virtuoso":
                server = start_virtuoso(tmp, nq)
            else:
                server = start_oxigraph(tmp, nq, union=engine == "oxigraph")
            try:
                server.wait_ready()
                front = bench.start_regio(tmp, tmp, store_url=server.url)
                try:
                    front.wait_ready()
                    print(f"  {engine}: measuring", file=sys.stderr)
                    lat = compare(server.url, front.url, args, n_firms, n_clusters,
                                  names if engine == "oxigraph-plain" else None)
                    direct_qps = qps(server.url, args, n_firms, n_clusters,
                                     names if engine == "oxigraph-plain" else None)
                    service_qps = qps(front.url, args, n_firms, n_clusters, None)
                    report.append((engine, lat, direct_qps, service_qps))
                finally:
                    front.stop()
            finally:
                server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for engine, lat, direct_qps, service_qps in report:
        print(f"\n{engine}: median latency, ms (service / direct)")
        for name, (kind, d, s) in lat.items():
            print(f"  {name:<20}{kind:<7}{d:>9.1f}{s:>9.1f}   {s / d:.2f}x")
        print(f"  throughput, light mix, {args.clients} clients: direct {direct_qps:,.0f} q/s, "
              f"service {service_qps:,.0f} q/s ({service_qps / direct_qps:.2f}x)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
