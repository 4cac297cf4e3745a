"""Shared inputs for the validation tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from regio import paths

FIXTURES = Path(__file__).parents[1] / "shapes" / "fixtures"


@pytest.fixture(scope="session")
def synthetic_nt(tmp_path_factory) -> Path:
    """About 4,000 triples of bench/synthetic.py's data as N-Triples (skips if it is missing)."""
    script = paths.ROOT / "bench" / "synthetic.py"
    if not script.exists():
        pytest.skip("bench/synthetic.py is not there")
    spec = importlib.util.spec_from_file_location("regio_bench_synthetic", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("synthetic") / "synthetic.nt"
    module.generate(4000, out, seed=7)
    return out


@pytest.fixture(scope="session")
def all_fixtures(tmp_path_factory) -> Path:
    """Every shapes fixture (conforming and violating) in one Turtle file."""
    import rdflib

    g = rdflib.Graph()
    for path in sorted(FIXTURES.glob("*.ttl")):
        g.parse(path)
    out = tmp_path_factory.mktemp("fixtures") / "all.ttl"
    g.serialize(out, format="turtle")
    return out
