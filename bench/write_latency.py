"""Latency of small writes on the default dataset, per stage and end to end (not a test).

    .venv/bin/python bench/write_latency.py [--repeat 7] [--data-dir DIR]

Opens the embedded store on the default dataset (a temporary data directory unless given; the
first open loads and materialises it), then repeats small writes — ``post_graph`` of a resource
the 39-triple made-up region of
``tests/web/fixture-region.ttl`` (typed resources pointing at each other) under fresh IRIs, a
resource's triples copied from the instance data under a fresh IRI, an ``INSERT DATA`` of
two triples, a ``DELETE/INSERT … WHERE`` and a ``delete_graph`` — and prints the median time of
each stage of the write pipeline (``regio.store.base``): delta, validation, commit (with flush),
incremental inference, snapshot for the query workers, and the whole call.  The issue's targets:
a small write reflected in the inferred graph within 1 s, validation in tens of milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager

import pyoxigraph as ox

from regio import paths
from regio.store import graphs, open_store

STAGES = {"delta": ("_data_delta", "_scratch_delta"), "validate": ("_validate",), "commit": ("_commit",),
          "infer": ("_infer",), "snapshot": ("_changed",)}


def instrument(store, times: dict[str, list[float]]) -> None:
    """Wrap the pipeline's stage methods on this store object to record their durations."""
    for stage, names in STAGES.items():
        for name in names:
            original = getattr(store, name)

            def timed(*args, _original=original, _stage=stage, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    times[_stage].append(time.perf_counter() - start)

            setattr(store, name, timed)


def sample_description(store, limit: int = 45) -> tuple[str, list[tuple[str, str, str]]]:
    """The asserted triples of the instance resource with the most (≤ limit) triples, as N-Triples terms."""
    rows = store.select(f"""SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH <{graphs.instances('paper-cases')}> {{ ?s ?p ?o }}
                           FILTER(isIRI(?s)) }} GROUP BY ?s HAVING (COUNT(*) <= {limit}) ORDER BY DESC(?n) LIMIT 1""",
                        inference=False)
    subject = str(rows[0]["s"])
    quads = store.oxigraph.quads_for_pattern(ox.NamedNode(subject), None, None, ox.NamedNode(graphs.instances("paper-cases")))
    return subject, [(str(q.subject), str(q.predicate), str(q.object)) for q in quads]


@contextmanager
def timer(times: dict[str, list[float]], name: str):
    start = time.perf_counter()
    yield
    times[name].append(time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--data-dir", help="data directory (default: a fresh temporary one)")
    parser.add_argument("--workers", type=int, default=2, help="query workers (snapshots are made only with workers)")
    args = parser.parse_args(argv)

    tmp = None
    data_dir = args.data_dir or (tmp := tempfile.mkdtemp(prefix="regio-write-bench-"))
    start = time.perf_counter()
    store = open_store({"REGIO_DATA_DIR": data_dir, "REGIO_TOKEN": "bench", "REGIO_QUERY_WORKERS": args.workers})
    print(f"opened {data_dir}: {len(store.oxigraph):,} quads in {time.perf_counter() - start:.1f} s", flush=True)
    from regio.validation import resources
    resources()  # the service warms the shapes at start too
    subject, triples = sample_description(store)
    print(f"sample: {len(triples)} triples about <{subject}>")

    results: dict[str, dict[str, list[float]]] = {}
    fixture = (paths.ROOT / "tests" / "web" / "fixture-region.ttl").read_text()
    for kind in ("post_region", "post_graph", "insert_data", "modify", "delete_graph"):
        results[kind] = defaultdict(list)
    for i in range(args.repeat):
        fresh = f"https://example.org/bench/{uuid.uuid4().hex}"
        graph = f"https://example.org/bench/graph/{uuid.uuid4().hex}"
        body = "\n".join(f"{'<' + fresh + '>' if s == '<' + subject + '>' else s} {p} {o} ." for s, p, o in triples)
        region = fixture.replace("https://example.org/regio-web-test/", fresh + "/")
        for kind, call in (
            ("post_region", lambda: store.post_graph(graph, region.encode(), ox.RdfFormat.TURTLE)),
            ("post_graph", lambda: store.post_graph(graph, body.encode(), ox.RdfFormat.TURTLE)),
            ("insert_data", lambda: store.update(
                f'INSERT DATA {{ GRAPH <{graph}> {{ <{fresh}> <http://www.w3.org/2000/01/rdf-schema#comment> "bench {i}" }} }}')),
            ("modify", lambda: store.update(
                f'WITH <{graph}> DELETE {{ <{fresh}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }} '
                f'INSERT {{ <{fresh}> <http://www.w3.org/2000/01/rdf-schema#comment> "changed {i}" }} '
                f'WHERE {{ <{fresh}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}')),
            ("delete_graph", lambda: store.delete_graph(graph)),
        ):
            times = results[kind]
            instrument(store, times)
            try:
                with timer(times, "total"):
                    call()
            except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
                print(f"{kind}: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
            finally:
                for names in STAGES.values():
                    for name in names:
                        store.__dict__.pop(name, None)

    cols = ["delta", "validate", "commit", "infer", "snapshot", "total"]
    print(f"\nmedian ms over {args.repeat} writes on {len(store.oxigraph):,} quads")
    print(f"{'write':<14}" + "".join(f"{c:>10}" for c in cols))
    for kind, times in results.items():
        cells = [f"{statistics.median(times[c]) * 1000:10.1f}" if times.get(c) else f"{'-':>10}" for c in cols]
        print(f"{kind:<14}" + "".join(cells))
    store.close()
    if tmp:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
