"""Hostile and broken input at scale: the strategies of ``tests/reliability/hostile.py`` (random and
mutated SPARQL queries and updates, mutated RDF in all six accepted formats, path tricks, odd
headers) plus the fixed corpus, sent to a real ``regio serve``.

Every answer must be < 500, carry no traceback and a message with every 4xx; the fixed corpus must
be answered 4xx; the server must stay up; and the store must be unchanged at the end (SHA-256 over
every graph).  Failures are collected, not stopped at, and printed grouped by label.

Usage::

    .venv/bin/python bench/fuzz.py --cases 10000 [--remote] [--url http://127.0.0.1:8080 --token T]

Without ``--url`` it starts its own ``regio serve`` on a free port with a temporary data directory
(``--remote``: in front of an ``oxigraph serve`` engine).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from reliability.hostile import fixed_corpus, header_cases, path_cases, rdf_cases, send, sparql_cases  # noqa: E402
from reliability.support import Engine, Server, cleanup, digest, graphs  # noqa: E402


def run(srv: Server, cases: int) -> int:
    keep = graphs(srv.url)
    before = digest(srv.url)
    failures: dict[str, list[str]] = collections.defaultdict(list)
    sent = collections.Counter()
    statuses = collections.Counter()

    def one(case) -> None:
        sent[case.label] += 1
        try:
            status, _ = send(srv, case)
            statuses[status // 100 * 100] += 1
        except AssertionError as exc:
            failures[case.label].append(str(exc)[:300])

    start = time.monotonic()
    for case in fixed_corpus():
        one(case)
    families = [("sparql", sparql_cases(), 0.45), ("rdf", rdf_cases(), 0.35), ("headers", header_cases(), 0.1),
                ("paths", path_cases(), 0.1)]
    for name, strategy, share in families:
        @settings(max_examples=max(1, int(cases * share)), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def family(case) -> None:
            one(case)

        t = time.monotonic()
        family()
        print(f"  {name:8} {sum(v for k, v in sent.items() if k.startswith('generated')):6} generated so far "
              f"({time.monotonic() - t:.1f} s)", flush=True)
    elapsed = time.monotonic() - start
    if not srv.alive():
        srv.start()
    cleanup(srv, keep)
    after = digest(srv.url)
    total = sum(sent.values())
    print(f"\n{total} cases in {elapsed:.1f} s ({total / elapsed:.0f}/s): "
          + ", ".join(f"{k}xx: {v}" for k, v in sorted(statuses.items())).replace("00xx", "xx"))
    print(f"store unchanged: {after == before}")
    for label, msgs in sorted(failures.items()):
        print(f"FAIL {label}: {len(msgs)} case(s), e.g. {msgs[0]}")
    bad = sum(len(m) for m in failures.values())
    print(f"failures: {bad}")
    return 0 if bad == 0 and after == before else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="generated cases (the fixed corpus comes on top)")
    parser.add_argument("--url", help="a running service (default: start one)")
    parser.add_argument("--token", help="its write token (with --url)")
    parser.add_argument("--remote", action="store_true", help="remote mode: the service in front of oxigraph serve")
    args = parser.parse_args()
    if args.url:
        from urllib.parse import urlsplit

        srv = Server(Path("."), token=args.token)
        srv.port = urlsplit(args.url).port or 80
        srv.alive = lambda: True  # type: ignore[method-assign]
        return run(srv, args.cases)
    with tempfile.TemporaryDirectory(prefix="regio-fuzz-") as tmp:
        engine = Engine(Path(tmp) / "engine").start() if args.remote else None
        srv = Server(Path(tmp) / "store", config={"REGIO_MAX_BODY": str(1 << 20), "REGIO_QUERY_TIMEOUT": "5"},
                     store_url=engine.url + "/query" if engine else None)
        print(f"starting regio serve ({'remote mode, oxigraph serve' if engine else 'embedded'}) in {tmp} …",
              flush=True)
        srv.start()
        try:
            return run(srv, args.cases)
        finally:
            srv.stop()
            if engine is not None:
                engine.kill9()


if __name__ == "__main__":
    sys.exit(main())
