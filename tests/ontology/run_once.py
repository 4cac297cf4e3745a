"""Run an expensive check once per test run, even when pytest-xdist splits a module over workers.

A module-scoped fixture runs once per worker, so with ``pytest -n 2`` a HermiT or OWL API run
could happen twice. ``once`` keeps the result in a file keyed by the test run (xdist's
``PYTEST_XDIST_TESTRUNUID``, shared by all workers of one run) and by the inputs, under a lock,
so the second worker waits for the first and reads its result. A new test run always recomputes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")

_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"


def once(name: str, inputs: Iterable[bytes | str | Path], compute: Callable[[], T]) -> T:
    """Return ``compute()``, computed at most once per test run for these inputs."""
    digest = hashlib.sha256(_RUN.encode())
    for item in inputs:
        data = item.read_bytes() if isinstance(item, Path) else item.encode() if isinstance(item, str) else item
        digest.update(hashlib.sha256(data).digest())
    base = Path(tempfile.gettempdir()) / f"regio-tests-{os.getuid()}"
    base.mkdir(exist_ok=True)
    result = base / f"{name}-{digest.hexdigest()[:24]}.pickle"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result.exists():
            return pickle.loads(result.read_bytes())
        value = compute()
        for old in base.glob(f"{name}-*.pickle"):  # results of earlier test runs
            if time.time() - old.stat().st_mtime > 3600:
                old.unlink(missing_ok=True)
        tmp = result.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(value))
        tmp.replace(result)
        return value
