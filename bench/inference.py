"""Benchmark: REGIO's OWL 2 RL materialisation against `reasonable` and owlrl, in one run.

    python bench/inference.py [--triples 1000000] [--owlrl-triples 5000] [--seed 0]

Generates synthetic data (bench/synthetic.py), then runs each engine in its own process (so peak
memory is measured per engine) on the project's ontology + that data:

- ``regio``: ``regio.inference`` materialising into an on-disk Oxigraph store (the service's
  setting: read from the store, write the inferred graph), then a small write maintained
  incrementally (insert a firm, delete a firm's type);
- ``reasonable`` (Rust OWL 2 RL): ``load_file`` + ``reason()``; its output is not written anywhere;
- ``owlrl`` (pure Python) at a small size only.

It prints wall and CPU seconds, peak RSS, ratios, and whether the engines agree on the
typology-relevant subset (``rdf:type`` to named REGIO classes) at the small size.  reasonable is
run under a memory cap (``--reasonable-memory``, GB) and a time cap; a run that hits either is
reported as such.  Not a test: do not run it at full size for more than a few minutes on a shared
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402

ONTOLOGY_FILES = {
    "https://w3id.org/regio/graph/ontology": ROOT / "ontology" / "regio.ttl",
    "https://w3id.org/regio/graph/references": ROOT / "ontology" / "regio-references.ttl",
    "https://w3id.org/regio/graph/alignment": ROOT / "ontology" / "regio-alignment.ttl",
}
USER_GRAPH = "https://w3id.org/regio/graph/user"
REGIO = "https://w3id.org/regio#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


# -- workers (each runs in its own process) ------------------------------------------------------

def _typology_types(triples) -> list[list[str]]:
    """(subject, class) for rdf:type to a named REGIO class, subjects in the synthetic namespace."""
    return sorted({(str(s), str(o)) for s, p, o in triples
                   if str(p) == RDF_TYPE and str(o).startswith(REGIO) and str(s).startswith(synthetic.SYN)})


def worker_regio(data: Path, types_out: Path | None) -> dict:
    import pyoxigraph as ox

    from regio.inference import materialize, update_inferred
    from regio.inference.store import INFERRED_GRAPH

    tmp = Path(tempfile.mkdtemp(prefix="regio-bench-inf-"))
    try:
        store = ox.Store(str(tmp / "store"))
        for graph, path in ONTOLOGY_FILES.items():
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(USER_GRAPH))
        store.flush()
        wall, cpu = time.perf_counter(), time.process_time()
        report = materialize(store)
        store.flush()
        result = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "inferred": report.inferred, "consistent": report.consistent}

        if types_out:
            quads = store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, None)
            types_out.write_text(json.dumps(_typology_types(
                (str(q.subject)[1:-1], q.predicate.value, str(q.object)[1:-1]) for q in quads)))

        # A small write: a new high-tech SME in an existing region, and one firm losing its type.
        syn, g = synthetic.SYN, ox.NamedNode(USER_GRAPH)
        region = next(iter(store.quads_for_pattern(None, ox.NamedNode(REGIO + "locatedIn"), None, g))).object
        firm = ox.NamedNode(f"{syn}firm/bench-new")
        added = [ox.Quad(firm, ox.NamedNode(RDF_TYPE), ox.NamedNode(REGIO + "HighTechSME"), g),
                 ox.Quad(firm, ox.NamedNode(REGIO + "locatedIn"), region, g),
                 ox.Quad(firm, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                         ox.Literal("synthetic firm bench-new", language="en"), g)]
        old = next(iter(store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(REGIO + "HighTechSME"), g)))
        store.extend(added)
        store.remove(old)
        wall = time.perf_counter()
        inc = update_inferred(store, added=added, removed=[old])
        result["incremental_seconds"] = time.perf_counter() - wall
        result["incremental"] = {"inferred": inc.inferred, "removed": inc.removed, "mode": inc.mode}
        ig = ox.NamedNode(INFERRED_GRAPH)
        result["incremental_ok"] = (
            any(store.quads_for_pattern(firm, ox.NamedNode(RDF_TYPE), ox.NamedNode(REGIO + "Firm"), ig))
            and not any(store.quads_for_pattern(old.subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(REGIO + "SME"), ig)))
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ontology_without_disjointness(target: Path) -> Path:
    """The ontology minus owl:disjointWith / owl:AllDisjointClasses, as one Turtle file.

    reasonable joins the instances of two disjoint classes pairwise (quadratic: with SME ⊥
    LargeFirm over 150k firms it passes 15 GB), so this variant gives it a chance at 1M triples;
    the comparison is then against reasonable doing *less* work than regio."""
    import rdflib
    from rdflib import OWL, RDF

    g = rdflib.Graph()
    for path in ONTOLOGY_FILES.values():
        g.parse(path)
    g.remove((None, OWL.disjointWith, None))
    for axiom in list(g.subjects(RDF.type, OWL.AllDisjointClasses)):
        g.remove((axiom, None, None))
    g.serialize(target, format="turtle")
    return target


def worker_reasonable(data: Path, types_out: Path | None) -> dict:
    import reasonable

    ttl = data.with_suffix(".ttl")  # reasonable picks its parser by extension; N-Triples is Turtle
    if not ttl.exists():
        os.symlink(data, ttl)
    ontology = list(ONTOLOGY_FILES.values())
    if os.environ.get("BENCH_DROP_DISJOINTNESS"):
        ontology = [_ontology_without_disjointness(data.parent / "ontology-without-disjointness.ttl")]
    wall, cpu = time.perf_counter(), time.process_time()
    r = reasonable.PyReasoner()
    for path in ontology:
        r.load_file(str(path))
    r.load_file(str(ttl))
    loaded = time.perf_counter()
    out = r.reason()
    result = {"seconds": time.perf_counter() - wall, "reason_seconds": time.perf_counter() - loaded,
              "cpu": time.process_time() - cpu, "output_triples": len(out)}
    if types_out:
        types_out.write_text(json.dumps(_typology_types(out)))
    return result


def worker_owlrl(data: Path, types_out: Path | None) -> dict:
    import owlrl
    import rdflib

    g = rdflib.Graph()
    for path in ONTOLOGY_FILES.values():
        g.parse(path)
    g.parse(data, format="nt")
    before = len(g)
    wall, cpu = time.perf_counter(), time.process_time()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    result = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
              "inferred": len(g) - before}
    if types_out:
        types_out.write_text(json.dumps(_typology_types(g)))
    return result


WORKERS = {"regio": worker_regio, "reasonable": worker_reasonable, "owlrl": worker_owlrl}


def _limit_memory(gb: float) -> None:
    limit = int(gb * 1024 ** 3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_worker(engine: str, data: Path, *, timeout: float, memory_gb: float | None = None,
               types_out: Path | None = None) -> dict:
    """Run one engine in a child process; return its figures plus peak RSS, or why it failed."""
    cmd = [sys.executable, __file__, "--worker", engine, "--data", str(data)]
    if types_out:
        cmd += ["--types-out", str(types_out)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=(lambda: _limit_memory(memory_gb)) if memory_gb else None)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s", "seconds": time.perf_counter() - start}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        why = "memory cap reached" if "memory" in tail[0].lower() or proc.returncode < 0 else tail[0]
        return {"error": f"failed ({why}, exit {proc.returncode})", "seconds": time.perf_counter() - start}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- the report ----------------------------------------------------------------------------------

def _fmt(result: dict, key: str = "seconds") -> str:
    if "error" in result:
        return result["error"]
    return f"{result[key]:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the big run")
    parser.add_argument("--owlrl-triples", type=int, default=5_000, help="size of the agreement run with owlrl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per engine run")
    parser.add_argument("--reasonable-memory", type=float, default=10.0, help="GB address-space cap for reasonable")
    parser.add_argument("--reasonable-without-disjointness", action="store_true",
                        help="in the big run, give reasonable the ontology without its disjointness axioms "
                             "(it is quadratic on them); regio still gets the whole ontology")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--types-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = WORKERS[args.worker](Path(args.data), Path(args.types_out) if args.types_out else None)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    missing = [str(p) for p in ONTOLOGY_FILES.values() if not p.exists()]
    if missing:
        print(f"bench/inference: ontology files missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="regio-bench-"))
    try:
        # 1. Agreement on the typology-relevant subset, at a size owlrl can do.
        small = tmp / "small.nt"
        n_small = synthetic.generate(args.owlrl_triples, small, seed=args.seed)
        print(f"agreement run: {n_small} synthetic triples + the ontology")
        small_results, types = {}, {}
        for engine in ("regio", "reasonable", "owlrl"):
            out = tmp / f"types-{engine}.json"
            small_results[engine] = run_worker(engine, small, timeout=args.timeout,
                                               memory_gb=args.reasonable_memory if engine == "reasonable" else None,
                                               types_out=out)
            types[engine] = {tuple(x) for x in json.loads(out.read_text())} if out.exists() else None
        print(f"{'engine':<12}{'seconds':>10}  typed (subject, REGIO class) pairs")
        for engine, result in small_results.items():
            n = len(types[engine]) if types[engine] is not None else "-"
            print(f"{engine:<12}{_fmt(result):>10}  {n}")
        for peer in ("reasonable", "owlrl"):
            if types["regio"] is not None and types[peer] is not None:
                only_ours, only_peer = types["regio"] - types[peer], types[peer] - types["regio"]
                verdict = "same" if not (only_ours or only_peer) else f"{len(only_ours)} only ours, {len(only_peer)} only {peer}"
                print(f"  regio vs {peer}: {verdict}")
                for x in sorted(only_ours)[:3] + sorted(only_peer)[:3]:
                    print(f"    {x}")

        # 2. Full materialisation at size, and the incremental write.
        big = tmp / "big.nt"
        n_big = synthetic.generate(args.triples, big, seed=args.seed)
        print(f"\nmaterialisation run: {n_big} synthetic triples + the ontology "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        ours = run_worker("regio", big, timeout=args.timeout)
        if args.reasonable_without_disjointness:
            os.environ["BENCH_DROP_DISJOINTNESS"] = "1"
            print("(reasonable gets the ontology without disjointness axioms: less work than regio)")
        theirs = run_worker("reasonable", big, timeout=args.timeout, memory_gb=args.reasonable_memory)
        print(f"{'engine':<12}{'wall s':>10}{'cpu s':>10}{'peak MB':>10}  notes")
        peak = lambda r: f"{r['peak_mb']:.0f}" if r.get("peak_mb") else "-"  # noqa: E731
        if "error" not in ours:
            print(f"{'regio':<12}{ours['seconds']:>10.2f}{ours['cpu']:>10.2f}{peak(ours):>10}  "
                  f"{ours['inferred']} triples written to the inferred graph, "
                  f"{'consistent' if ours['consistent'] else 'INCONSISTENT'}")
        else:
            print(f"{'regio':<12}{ours['error']}")
        if "error" not in theirs:
            print(f"{'reasonable':<12}{theirs['seconds']:>10.2f}{theirs['cpu']:>10.2f}{peak(theirs):>10}  "
                  f"reason() alone {theirs['reason_seconds']:.2f} s; {theirs['output_triples']} triples out "
                  f"(asserted + inferred, not written back)")
        else:
            print(f"{'reasonable':<12}{theirs['error']} after {theirs['seconds']:.0f} s "
                  f"(cap {args.reasonable_memory:g} GB)")
        if "error" not in ours and "error" not in theirs:
            print(f"ratio regio / reasonable: wall {ours['seconds'] / theirs['seconds']:.2f}x, "
                  f"cpu {ours['cpu'] / theirs['cpu']:.2f}x, vs reason() alone "
                  f"{ours['seconds'] / theirs['reason_seconds']:.2f}x  (target <= 0.5x)")
        elif "error" not in ours:
            print(f"ratio regio / reasonable: none (reasonable did not finish; it had run "
                  f"{theirs['seconds']:.0f} s when it stopped)")
        if "error" not in ours:
            inc = ours["incremental"]
            print(f"incremental write (1 firm added, 1 type removed): {ours['incremental_seconds'] * 1000:.0f} ms, "
                  f"+{inc['inferred']} / -{inc['removed']} inferred triples, "
                  f"{'correct' if ours['incremental_ok'] else 'WRONG'}  (target <= 1000 ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
