"""Faults at scale: ``kill -9`` the server during a stream of writes and during bulk loads, N rounds
each (20 by default), restarting it on the same data directory every time; then the remote-engine
outage, N times.  The checks are those of ``tests/reliability/test_faults.py``: the store opens,
every acknowledged write is there, no write is half there; the engine gone → 502/503 with a
message, back → the service recovers by itself.

Usage::

    .venv/bin/python bench/faults.py --rounds 20 [--bulk-size 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reliability.support import Engine, Server  # noqa: E402
from reliability.test_faults import kill_during_bulk_load, kill_during_writes  # noqa: E402


def remote_outages(tmp: Path, rounds: int) -> dict:
    import requests

    engine = Engine(tmp / "engine").start()
    srv = Server(tmp / "unused", store_url=engine.url + "/query", log_path=tmp / "remote.log")
    down, recover = [], []
    try:
        srv.start()
        for _ in range(rounds):
            engine.kill9()
            start = time.monotonic()
            r = requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, timeout=60)
            down.append(time.monotonic() - start)
            assert r.status_code in (502, 503) and r.text.strip(), (r.status_code, r.text[:200])
            engine.start()
            start = time.monotonic()
            while requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, timeout=60).status_code != 200:
                assert time.monotonic() - start < 30, "no recovery within 30 s"
                time.sleep(0.1)
            recover.append(time.monotonic() - start)
    finally:
        srv.stop()
        engine.kill9()
    return {"rounds": rounds, "max_error_answer_s": max(down), "max_recovery_s": max(recover)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--bulk-size", type=int, default=20_000, help="writes per bulk load (3 triples each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", choices=["writes", "bulk", "remote"], action="append", default=[])
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="regio-faults-") as tmp:
        tmp_path = Path(tmp)
        if "writes" not in args.skip:
            srv = Server(tmp_path / "writes", log_path=tmp_path / "writes.log").start()
            try:
                start = time.monotonic()
                r = kill_during_writes(srv, args.rounds, rng)
                print(f"write stream: {args.rounds} kill -9 rounds in {time.monotonic() - start:.0f} s, "
                      f"{r['acknowledged']} acknowledged writes, none lost, none half there; "
                      f"slowest restart {r['max_restart_s']:.1f} s")
            finally:
                srv.stop()
        if "bulk" not in args.skip:
            srv = Server(tmp_path / "bulk", log_path=tmp_path / "bulk.log").start()
            try:
                start = time.monotonic()
                r = kill_during_bulk_load(srv, args.rounds, rng, n=args.bulk_size)
                print(f"bulk load ({3 * args.bulk_size} triples): {args.rounds} kill -9 rounds in "
                      f"{time.monotonic() - start:.0f} s (one load takes {r['load_s']:.1f} s; kills at random in 0–1.2× that): "
                      f"{r['complete']} complete, {r['absent']} absent, 0 half there")
            finally:
                srv.stop()
        if "remote" not in args.skip:
            r = remote_outages(tmp_path, args.rounds)
            print(f"remote engine: {r['rounds']} outages; error answer within {r['max_error_answer_s']:.2f} s, "
                  f"recovered within {r['max_recovery_s']:.2f} s of the engine's return")
    return 0


if __name__ == "__main__":
    sys.exit(main())
