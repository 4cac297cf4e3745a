"""Benchmark: the REGIO SPARQL service against other SPARQL servers on the same data and queries.

    python bench/sparql.py [--triples 1000000] [--seed 0] [--repeat 5] [--duration 10]
                           [--warmup 5] [--settle 30] [--only regio,oxigraph,rdflib-endpoint,virtuoso]

One run, on one generated dataset (bench/synthetic.py + the ontology, materialised by the service
so every server holds the same asserted + inferred triples):

- ``regio``: the service with its embedded store as ``regio serve --quiet`` starts it (one gunicorn
  process with REGIO's keep-alive worker; the service's own query worker processes behind it),
  over HTTP;
- ``oxigraph``: ``oxigraph serve-read-only`` (PyPI ``oxigraph``) on a store loaded with the same
  triples;
- ``rdflib-endpoint`` (PyPI, in-memory rdflib graph, under uvicorn);
- ``virtuoso`` and ``regio→virtuoso`` (the service in remote-engine mode in front of it), only where
  Debian's ``virtuoso-opensource`` is installed (``virtuoso-t`` on the PATH).

The servers are started one after another on free loopback ports and stopped after their turn.
Each first gets ``--warmup`` seconds of the light mix with all clients (not measured); regio then
``--settle`` seconds more, for its query workers' in-memory copies of the store (loaded in the
background once a worker is first asked; a service that has been up a while has them).
For each query: the median latency over ``--repeat`` runs after one warm-up, ratios to
``oxigraph``, and a check that every server returned the same number of rows; then the throughput
of a light mix of look-ups with 8 concurrent clients for ``--duration`` seconds.

Not a test; on a shared machine keep runs to a few minutes (``--triples 100000`` is a fair first run).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402

SYN = synthetic.SYN
PREFIXES = ("PREFIX regio: <https://w3id.org/regio#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")

#: name -> (kind, query); heavy ones are analytical over all firms.
QUERIES: dict[str, tuple[str, str]] = {
    "group-by-region": ("heavy", PREFIXES + """
SELECT ?region (COUNT(?firm) AS ?firms) (SUM(?employment) AS ?jobs)
WHERE { ?firm a regio:Firm ; regio:locatedIn ?region ; regio:employment ?employment }
GROUP BY ?region"""),
    "group-by-country": ("heavy", PREFIXES + """
SELECT ?country (COUNT(?firm) AS ?smes)
WHERE { ?firm a regio:SME ; regio:locatedIn ?region . ?region regio:isPartOf ?country .
        ?country a regio:Country }
GROUP BY ?country ORDER BY DESC(?smes)"""),
    "top-k-employers": ("heavy", PREFIXES + """
SELECT ?firm ?employment
WHERE { ?firm a regio:Firm ; regio:employment ?employment }
ORDER BY DESC(?employment) ?firm LIMIT 10"""),
    "typology-count": ("light", PREFIXES + """
SELECT ?type (COUNT(?system) AS ?n)
WHERE { VALUES ?type { regio:TerritoriallyEmbeddedRegionalInnovationNetwork
                       regio:NetworkedRegionalInnovationSystem regio:RegionalisedNationalInnovationSystem }
        ?system a ?type }
GROUP BY ?type"""),
    "firm-lookup": ("light", "SELECT ?p ?o WHERE { <{firm}> ?p ?o }"),
    "label-lookup": ("light", PREFIXES + 'SELECT ?firm WHERE { ?firm rdfs:label "synthetic firm {n}"@en }'),
    "cluster-members": ("light", PREFIXES + """
SELECT ?firm ?label WHERE { <{cluster}> regio:hasMember ?firm . ?firm rdfs:label ?label }
ORDER BY ?firm LIMIT 20"""),
}
LIGHT_MIX = ("firm-lookup", "label-lookup", "cluster-members")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the data ------------------------------------------------------------------------------------

def prepare(tmp: Path, n_triples: int, seed: int) -> tuple[Path, Path, dict]:
    """Build the service's data directory (synthetic data + default dataset, materialised) and
    an N-Triples file of everything it holds, for the other servers."""
    import pyoxigraph as ox

    from regio.store.embedded import EmbeddedStore

    data = tmp / "synthetic.nt"
    n = synthetic.generate(n_triples, data, seed=seed)
    data_dir = tmp / "regio-data"
    (data_dir / "store").mkdir(parents=True)
    store = ox.Store(str(data_dir / "store"))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode("https://w3id.org/regio/graph/user"))
    store.flush()
    del store
    start = time.perf_counter()
    service_store = EmbeddedStore({"REGIO_DATA_DIR": str(data_dir), "REGIO_QUERY_WORKERS": 0})
    loaded = time.perf_counter() - start
    oxi = service_store.oxigraph
    total = len(oxi)
    inferred = sum(1 for _ in oxi.quads_for_pattern(None, None, None, ox.NamedNode("https://w3id.org/regio/graph/inferred")))
    union = tmp / "union.nt"
    result = oxi.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    union.write_bytes(result.serialize(format=ox.RdfFormat.N_TRIPLES))
    service_store.close()
    return data_dir, union, {"synthetic": n, "quads": total, "inferred": inferred, "prepare_s": loaded}


# -- servers -------------------------------------------------------------------------------------

class Server:
    """A server process on a loopback port, with the URL of its SPARQL endpoint."""

    def __init__(self, name: str, cmd: list[str], url: str, env: dict | None = None, cwd: Path | None = None,
                 log: Path | None = None):
        self.name, self.cmd, self.url = name, cmd, url
        self.env, self.cwd = env, cwd
        self.log = open(log, "ab") if log else subprocess.DEVNULL
        self._spawn()

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(self.cmd, env={**os.environ, **(self.env or {})}, cwd=self.cwd,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def restart(self) -> None:
        """Stop and start again: a server still busy with an abandoned query would skew the rest."""
        self._kill()
        _local.conns = {}
        self._spawn()
        self.wait_ready()

    def wait_ready(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} ({' '.join(self.cmd)})")
            try:
                status, _ = request(self.url, "ASK { }", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s")

    def stop(self) -> None:
        self._kill()
        if self.log is not subprocess.DEVNULL:
            self.log.close()

    def _kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


_local = threading.local()


def request(url: str, query: str, timeout: float = 600) -> tuple[int, bytes]:
    """POST a query (form-encoded, as most clients do) on a per-thread keep-alive connection."""
    parsed = urllib.parse.urlsplit(url)
    key = (parsed.hostname, parsed.port)
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(key)
    if conn is None:
        conn = conns[key] = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    conn.timeout = timeout
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    body = urllib.parse.urlencode({"query": query})
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Accept": "application/sparql-results+json"}
    for attempt in (1, 2):
        reused = conn.sock is not None
        try:
            conn.request("POST", parsed.path or "/", body=body, headers=headers)
            if hasattr(socket, "TCP_QUICKACK") and conn.sock is not None:
                # ACK at once: on a keep-alive connection Linux delays ACKs 40 ms, and a server that
                # writes headers and body separately (Virtuoso) waits for that ACK (Nagle) — 40 ms
                # that would be charged to the server (regio's remote store does the same)
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            resp = conn.getresponse()
            data = resp.read()
            break
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            conn.close()
            if not (reused and attempt == 1):
                conns.pop(key, None)
                raise
            # the server had closed the idle keep-alive connection (servers do after a few
            # seconds): as HTTP clients do, send the (idempotent) query again on a new one
        except (OSError, http.client.HTTPException):
            conn.close()
            conns.pop(key, None)
            raise
    if resp.getheader("Connection", "").lower() == "close":
        conn.close()
        conns.pop(key, None)
    return resp.status, data


def rows(data: bytes) -> int:
    doc = json.loads(data)
    return len(doc["results"]["bindings"]) if "results" in doc else 1


def start_regio(tmp: Path, data_dir: Path, store_url: str | None = None) -> Server:
    port = free_port()
    env = {"REGIO_DATA_DIR": str(data_dir), "REGIO_QUERY_TIMEOUT": "600"}
    if store_url:
        # The data is already in the engine; the service must not try to write its defaults there.
        env = {"REGIO_STORE_URL": store_url, "REGIO_QUERY_TIMEOUT": "600", "REGIO_LOAD_DEFAULT": "0"}
    cmd = [str(BIN / "regio"), "serve", "--host", "127.0.0.1", "--port", str(port), "--quiet"]
    return Server("regio", cmd, f"http://127.0.0.1:{port}/sparql", env=env, log=tmp / "regio.log")


def start_oxigraph(tmp: Path, union: Path) -> Server:
    location = tmp / "oxigraph-store"
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(union)],
                   check=True, capture_output=True)
    port = free_port()
    cmd = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    return Server("oxigraph", cmd, f"http://127.0.0.1:{port}/query", log=tmp / "oxigraph.log")


RDFLIB_APP = """
import sys, rdflib, uvicorn
from rdflib_endpoint import SparqlEndpoint
g = rdflib.Graph()
g.parse(sys.argv[1], format="nt")
uvicorn.run(SparqlEndpoint(graph=g), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def start_rdflib(tmp: Path, union: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, "-c", RDFLIB_APP, str(union), str(port)]
    return Server("rdflib-endpoint", cmd, f"http://127.0.0.1:{port}/", log=tmp / "rdflib.log")


VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[Parameters]
ServerPort = 127.0.0.1:{isql}
DirsAllowed = ., {dir}, /usr/share/virtuoso-opensource-7/vad
NumberOfBuffers = 340000
MaxDirtyBuffers = 250000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
"""


def start_virtuoso(tmp: Path, union: Path) -> Server:
    vdir = tmp / "virtuoso"
    vdir.mkdir()
    isql_port, http_port = free_port(), free_port()
    (vdir / "virtuoso.ini").write_text(VIRTUOSO_INI.format(dir=vdir, isql=isql_port, http=http_port))
    shutil.copy(union, vdir / "union.nt")
    cmd = [shutil.which("virtuoso-t"), "+foreground", "+configfile", str(vdir / "virtuoso.ini")]
    server = Server("virtuoso", cmd, f"http://127.0.0.1:{http_port}/sparql", cwd=vdir, log=tmp / "virtuoso.out")
    deadline = time.monotonic() + 120
    isql = shutil.which("isql-vt") or shutil.which("isql")
    while time.monotonic() < deadline:
        ok = subprocess.run([isql, str(isql_port), "dba", "dba", "exec=status();"], capture_output=True)
        if ok.returncode == 0:
            break
        time.sleep(1)
    script = (f"ld_dir('{vdir}', 'union.nt', 'urn:regio:bench');\nrdf_loader_run();\ncheckpoint;\n")
    subprocess.run([isql, str(isql_port), "dba", "dba"], input=script.encode(), check=True, capture_output=True)
    return server


# -- measuring -----------------------------------------------------------------------------------

def instantiate(template: str, rng: random.Random, n_firms: int, n_clusters: int) -> str:
    n = rng.randint(1, n_firms)
    return (template.replace("{firm}", f"{SYN}firm/{n:07d}").replace("{n}", f"{n:07d}")
            .replace("{cluster}", f"{SYN}cluster/{rng.randint(1, n_clusters):05d}"))


def latencies(server: Server, repeat: int, heavy_repeat: int, n_firms: int, n_clusters: int,
              query_timeout: float) -> dict:
    out = {}
    for name, (kind, template) in QUERIES.items():
        rng = random.Random(42)
        times, counts, error = [], set(), None
        for i in range((heavy_repeat if kind == "heavy" else repeat) + 1):
            query = instantiate(template, rng, n_firms, n_clusters) if kind == "light" else template
            start = time.perf_counter()
            try:
                status, data = request(server.url, query, timeout=query_timeout)
            except socket.timeout:
                error = f"> {query_timeout:.0f} s"
                if getattr(server, "restartable", True):
                    print(f"    {server.name}: restarting after the abandoned query", file=sys.stderr)
                    server.restart()
                break
            except OSError as exc:
                error = str(exc)
                break
            elapsed = time.perf_counter() - start
            if status != 200:
                error = f"HTTP {status}: {data[:200]!r}"
                break
            counts.add(rows(data))
            if i > 0:  # the first run warms up
                times.append(elapsed)
        out[name] = {"median_ms": statistics.median(times) * 1000 if times else None,
                     "rows": sorted(counts), "error": error}
        done = f"{out[name]['median_ms']:.1f} ms" if times else error
        print(f"    {server.name} {name}: {done}", file=sys.stderr)
    return out


def throughput(server: Server, duration: float, clients: int, n_firms: int, n_clusters: int) -> dict:
    done, errors = [0] * clients, [0] * clients
    stop = time.monotonic() + duration

    def client(i: int) -> None:
        rng = random.Random(1000 + i)
        while time.monotonic() < stop:
            name = LIGHT_MIX[rng.randrange(len(LIGHT_MIX))]
            try:
                status, _ = request(server.url, instantiate(QUERIES[name][1], rng, n_firms, n_clusters), timeout=30)
                if status == 200:
                    done[i] += 1
                else:
                    errors[i] += 1
            except OSError:
                errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {"qps": sum(done) / elapsed, "errors": sum(errors)}


def measure(server: Server, args, n_firms: int, n_clusters: int) -> dict:
    print(f"  {server.name}: waiting for {server.url} …", file=sys.stderr)
    start = time.perf_counter()
    server.wait_ready()
    ready = time.perf_counter() - start
    if args.warmup:  # every server: the light mix with all clients, not measured
        throughput(server, args.warmup, args.clients, n_firms, n_clusters)
    if server.name == "regio" and args.settle:
        # its query workers copy the store into memory in the background after a start
        # (regio.store.worker.Snapshots); a service that has been up a while has done so
        print(f"  {server.name}: ready in {ready:.1f} s; letting it settle {args.settle:g} s", file=sys.stderr)
        time.sleep(args.settle)
    print(f"  {server.name}: ready in {ready:.1f} s; measuring", file=sys.stderr)
    heavy_repeat = max(1, min(args.repeat, 3)) if server.name == "rdflib-endpoint" else args.repeat
    result = {"latency": latencies(server, args.repeat * 4, heavy_repeat, n_firms, n_clusters,
                                   args.query_timeout),
              "throughput": throughput(server, args.duration, args.clients, n_firms, n_clusters),
              "ready_s": ready}
    return result


def print_table(results: dict, reference: str = "oxigraph") -> None:
    names = list(results)
    width = max(14, *(len(n) + 2 for n in names))
    print("\nmedian latency per query, ms (ratio to " + reference + "; regio->virtuoso to virtuoso); "
          "rows returned")
    print(f"{'query':<20}{'kind':<7}" + "".join(f"{n:>{width + 9}}" for n in names) + "  rows")
    for q, (kind, _) in QUERIES.items():
        line = f"{q:<20}{kind:<7}"
        row_counts = set()
        for n in names:
            # the remote mode is compared with the engine it fronts, everything else with oxigraph
            against = "virtuoso" if n == "regio->virtuoso" else reference
            ref = results.get(against, {}).get("latency", {}).get(q, {}).get("median_ms")
            r = results[n]["latency"].get(q, {})
            ms = r.get("median_ms")
            if ms is None:
                cell = r.get("error") if (r.get("error") or "").startswith(">") else "error"
            else:
                ratio = f"({ms / ref:.2f}x)" if ref else ""
                cell = f"{ms:,.1f} {ratio}"
            line += f"{cell:>{width + 9}}"
            if r.get("rows"):
                row_counts.add(tuple(r["rows"]))
        line += "  " + ("same" if len(row_counts) <= 1 else "DIFFER: " + str(
            {n: results[n]['latency'][q].get('rows') for n in names}))
        print(line)
    print(f"\nthroughput, light mix ({', '.join(LIGHT_MIX)}), 8 concurrent clients")
    for n in names:
        against = "virtuoso" if n == "regio->virtuoso" else reference
        ref = results.get(against, {}).get("throughput", {}).get("qps")
        t = results[n]["throughput"]
        ratio = f"  ({t['qps'] / ref:.2f}x {against})" if ref else ""
        print(f"  {n:<20}{t['qps']:>10,.0f} queries/s{ratio}" + (f"  {t['errors']} errors" if t["errors"] else ""))
    for n in names:
        for q, r in results[n]["latency"].items():
            if r.get("error"):
                print(f"  {n} {q}: {r['error']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="synthetic triples (before inference)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per heavy query (light: 4x)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of the throughput test")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--query-timeout", type=float, default=120.0,
                        help="give up on a query after this many seconds (reported as '> N s')")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of the light mix with all clients before measuring (every server)")
    parser.add_argument("--settle", type=float, default=30.0,
                        help="seconds to wait after regio is ready (its workers load in-memory copies)")
    parser.add_argument("--only", default="", help="comma-separated servers (default: all available)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    available = ["regio", "oxigraph", "rdflib-endpoint"]
    if shutil.which("virtuoso-t"):
        available += ["virtuoso", "regio->virtuoso"]
    wanted = [s for s in args.only.split(",") if s] or available
    unknown = set(wanted) - set(available)
    if unknown:
        print(f"bench/sparql: unknown or unavailable server(s): {', '.join(sorted(unknown))} "
              f"(available here: {', '.join(available)})", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="regio-bench-sparql-"))
    results: dict[str, dict] = {}
    try:
        print(f"preparing {args.triples} synthetic triples in {tmp} …", file=sys.stderr)
        data_dir, union, info = prepare(tmp, args.triples, args.seed)
        n_firms = int(subprocess.run(["grep", "-c", "synthetic firm", str(union)], capture_output=True,
                                     text=True).stdout.strip() or 1)
        n_clusters = max(1, sum(1 for line in open(union, encoding="utf-8")
                                if '"synthetic cluster ' in line))
        print(f"dataset: {info['synthetic']} synthetic triples; the service holds {info['quads']} quads "
              f"({info['inferred']} inferred), prepared in {info['prepare_s']:.1f} s; "
              f"{n_firms} firms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        starters = {
            "regio": lambda: start_regio(tmp, data_dir),
            "oxigraph": lambda: start_oxigraph(tmp, union),
            "rdflib-endpoint": lambda: start_rdflib(tmp, union),
            "virtuoso": lambda: start_virtuoso(tmp, union),
        }
        virtuoso = None
        for name in wanted:
            if name == "regio->virtuoso":
                continue
            server = starters[name]()
            try:
                results[name] = measure(server, args, n_firms, n_clusters)
                if name == "virtuoso" and "regio->virtuoso" in wanted:
                    virtuoso = server
                    front = start_regio(tmp, data_dir, store_url=server.url)
                    front.name = "regio->virtuoso"
                    try:
                        results["regio->virtuoso"] = measure(front, args, n_firms, n_clusters)
                    finally:
                        front.stop()
            finally:
                server.stop()
        del virtuoso
        print_table(results)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"bench/sparql: {exc}", file=sys.stderr)
        if results:
            print_table(results)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
