"""Time every competency question (queries/*.rq) on the default dataset; each must answer in < 1 s.

Run:  .venv/bin/python bench/queries.py [--repeat 5] [--limit 1.0] [--no-peer]

The default dataset is what `make serve` loads: the ontology and its modules, the shapes and every
instances/*.ttl file (the ISO 3166 regions included), each in its named graph, plus the inferred
graph.  The store is built with REGIO's own loader (regio.store.open_store) when it is there, and
otherwise with pyoxigraph directly and OWL 2 RL inference (owlrl) over the ontology and the
paper's cases.  The peer is rdflib's SPARQL engine (the reference Python implementation) over
the same quads, run once per query: the report gives REGIO's speed-up over it and checks that
both return the same number of rows.  Exit status 1 when a query's median time is over the limit
(or the engines disagree): a guard for CI or a reviewer, not a timed unit test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))

from regio import paths  # noqa: E402

GRAPH = "https://w3id.org/regio/graph/"


def graph_name(path: Path) -> str:
    if path.parent == paths.INSTANCES_DIR:
        return f"{GRAPH}instances/{path.stem}"
    if path.parent == paths.SHAPES_DIR:
        return f"{GRAPH}shapes"
    return {"regio-references": f"{GRAPH}references", "regio-alignment": f"{GRAPH}alignment"}.get(
        path.stem, f"{GRAPH}ontology"
    )


def build_store() -> tuple[object, str]:
    """The default dataset, and a word on how it was built."""
    try:
        from regio.store import open_store  # H4's loader, when present

        return open_store({}), "regio.store.open_store"
    except Exception:  # noqa: BLE001 - any failure: fall back to a plain store
        pass
    import owlrl
    from rdflib import Graph

    store = ox.Store()
    files = (
        sorted(paths.ONTOLOGY_DIR.glob("*.ttl"))
        + sorted(paths.SHAPES_DIR.glob("*.ttl"))
        + sorted(paths.INSTANCES_DIR.glob("*.ttl"))
    )
    for f in files:
        store.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_name(f)))
    asserted = Graph()
    for f in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")) + [paths.INSTANCES_DIR / "paper-cases.ttl"]:
        asserted.parse(f, format="ox-turtle")
    closure = Graph()
    for t in asserted:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    from rdflib import Literal

    extra = Graph()
    for t in closure:
        if t not in asserted and not isinstance(t[0], Literal):  # owlrl emits literal subjects
            extra.add(t)
    data = extra.serialize(format="nt")
    store.load(data.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(f"{GRAPH}inferred"))
    return store, "pyoxigraph + owlrl"


def rdflib_peer(store):
    """The same quads in an rdflib Dataset whose default graph is the union of all graphs."""
    import rdflib

    raw = getattr(store, "oxigraph", store)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=raw.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    return dataset


def run(store, text: str) -> int:
    if hasattr(store, "select"):
        return len(store.select(text))
    return sum(1 for _ in store.query(text, use_default_graph_as_union=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (median is reported)")
    parser.add_argument("--limit", type=float, default=1.0, help="seconds a query may take")
    parser.add_argument("--no-peer", action="store_true", help="skip the rdflib comparison")
    args = parser.parse_args()

    t0 = time.perf_counter()
    store, how = build_store()
    print(f"default dataset built with {how} in {time.perf_counter() - t0:.2f} s")
    peer = None
    if not args.no_peer:
        t0 = time.perf_counter()
        peer = rdflib_peer(store)
        print(f"peer: rdflib Dataset with {len(peer)} quads, loaded in {time.perf_counter() - t0:.2f} s")
    slow = []
    disagree = []
    for path in sorted(paths.QUERIES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        times = []
        rows = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            rows = run(store, text)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        flag = "" if median < args.limit else "  SLOW"
        versus = ""
        if peer is not None:
            start = time.perf_counter()
            peer_rows = len(list(peer.query(text)))
            peer_time = time.perf_counter() - start
            versus = f"  rdflib {peer_time * 1000:8.1f} ms (x{peer_time / max(median, 1e-6):.0f})"
            if peer_rows != rows:
                versus += f"  DISAGREE: rdflib {peer_rows} rows"
                disagree.append(path.stem)
        print(f"{path.stem:44s} {rows:5d} rows  median {median * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms{versus}{flag}")
        if median >= args.limit:
            slow.append(path.stem)
    if slow or disagree:
        if slow:
            print(f"{len(slow)} queries over {args.limit} s: {', '.join(slow)}")
        if disagree:
            print(f"engines disagree on: {', '.join(disagree)}")
        return 1
    print(f"all queries under {args.limit} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
