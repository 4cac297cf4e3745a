"""Benchmark: ``regio validate`` against the plain ``pyshacl`` command line, in one run.

    python bench/validate.py [--sizes 10000,100000] [--seed 0] [--keep DIR]

For each size, bench/synthetic.py writes synthetic region data (N-Triples); then both command
lines validate the same file against the same shapes, each in its own process, end to end
(start-up, parsing, validation, writing the report):

- ``regio validate data.nt -f turtle`` (pyoxigraph parsing, cached/targeted shapes, class
  hierarchy from the ontology);
- ``pyshacl -s shapes.ttl -f turtle data.nt hierarchy.ttl`` — plain pySHACL with rdflib parsing,
  given the same shapes (``shapes/*.ttl`` merged) and the same ontology extract
  (:func:`regio.validation.engine.ontology_extract`) as a second data file.

It prints wall seconds, peak RSS of each process, the speed-up, and whether conformance and the
result sets (focus node, path, value, severity, source shape, component) are identical.  Not a
test; on a shared machine run 1,000,000 triples only when it is quiet (``uptime``).
"""

from __future__ import annotations

import argparse
import os
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

BIN = Path(sys.executable).parent


def run_measured(cmd: list[str], timeout: float) -> tuple[int, float, float]:
    """Run a command; return (exit status, wall seconds, peak RSS in MB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return -9, timeout, float("nan")
        time.sleep(0.02)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        err = proc.stderr.read().decode("utf-8", "replace")[-2000:] if proc.stderr else ""
        print(f"  {cmd[0]} exited {code}: {err}", file=sys.stderr)
    return code, wall, usage.ru_maxrss / 1024


def result_set(report_path: Path) -> tuple[bool | None, list[tuple]]:
    import rdflib
    from rdflib.namespace import SH

    from regio.validation.report import from_report_graph, result_keys

    g = rdflib.Graph().parse(report_path, format="turtle")
    conforms = next(g.objects(None, SH.conforms), None)
    report = from_report_graph(bool(conforms.toPython()) if conforms is not None else None, g)
    return report.conforms, result_keys(report.results)


def inject_faults(source: Path, target: Path, every: int) -> int:
    """Copy N-Triples, dropping every Nth evidence link and mistyping every Nth employment."""
    evidence = employment = kept = 0
    with open(source, encoding="utf-8") as src, open(target, "w", encoding="utf-8") as out:
        for line in src:
            if "<https://w3id.org/regio#hasEvidence>" in line:
                evidence += 1
                if evidence % every == 0:
                    continue
            if "<https://w3id.org/regio#employment>" in line:
                employment += 1
                if employment % every == 0:
                    line = line.replace("#nonNegativeInteger>", "#integer>")
            out.write(line)
            kept += 1
    return kept


def compare(work: Path, data: Path, n: int, shapes: Path, hierarchy: Path, timeout: float) -> None:
    """Validate one file with both command lines and print one row of the table."""
    ours_out, ref_out = work / f"regio-{data.stem}.ttl", work / f"pyshacl-{data.stem}.ttl"
    ours = run_measured([str(BIN / "regio"), "validate", "-f", "turtle", "-o", str(ours_out), str(data)],
                        timeout)
    ref = run_measured([str(BIN / "pyshacl"), "-s", str(shapes), "-f", "turtle", "-o", str(ref_out),
                        str(data), str(hierarchy)], timeout)
    same = "n/a"
    if ours[0] in (0, 1) and ref[0] in (0, 1):
        c1, r1 = result_set(ours_out)
        c2, r2 = result_set(ref_out)
        same = f"{c1 == c2 and ours[0] == ref[0]} / {r1 == r2} ({len(r1)} results, conforms={c1})"
    print(f"{n:>9} | {ours[1]:>8.2f} {ours[2]:>9.0f} | {ref[1]:>9.2f} {ref[2]:>10.0f} | "
          f"{ref[1] / ours[1]:>7.2f}x | {same}" + ("  (with faults)" if "faults" in data.stem else ""),
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated triple counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("--keep", help="keep the data and reports in this directory")
    parser.add_argument("--faults", type=int, default=0, metavar="N",
                        help="also run on a copy with faults: every Nth regio:hasEvidence triple dropped and "
                             "every Nth employment typed xsd:integer (non-empty result sets to compare)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    from regio.validation.engine import ontology_extract, shapes_files

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="regio-bench-validate-"))
    work.mkdir(parents=True, exist_ok=True)
    shapes = work / "shapes.ttl"
    import rdflib

    merged = rdflib.Graph()
    for path in shapes_files():
        merged.parse(path)
    merged.serialize(shapes, format="turtle")
    hierarchy = work / "hierarchy.ttl"
    ontology_extract("none").serialize(hierarchy, format="turtle")

    print(f"{'triples':>9} | {'regio s':>8} {'regio MB':>9} | {'pyshacl s':>9} {'pyshacl MB':>10} | {'speed-up':>8} | same conformance / results")
    try:
        for size in sizes:
            data = work / f"synthetic-{size}.nt"
            n = synthetic.generate(size, data, seed=args.seed)
            runs = [(data, n)]
            if args.faults:
                faulty = work / f"synthetic-{size}-faults.nt"
                runs.append((faulty, inject_faults(data, faulty, args.faults)))
            for data, n in runs:
                compare(work, data, n, shapes, hierarchy, args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
