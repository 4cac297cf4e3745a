"""Hostile and broken input against a real ``regio serve``: a fixed corpus and a small
Hypothesis sample (``bench/fuzz.py`` runs the same strategies at ≥ 10,000 cases).

Every answer: never a 5xx, never a traceback, a message with every 4xx, nothing secret in the
body; broken input (the fixed corpus) always a 4xx; the server still alive; and afterwards the
store holds exactly what it held before (SHA-256 over every graph, Graph Store Protocol).
"""

from __future__ import annotations

import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings

from .conftest import MAX_BODY
from .hostile import Case, fixed_corpus, header_cases, path_cases, rdf_cases, send, sparql_cases
from .support import Server, cleanup, clean_error, digest, graphs

EXAMPLES = 60   # per generated test; bench/fuzz.py runs thousands


@pytest.fixture(scope="module")
def unchanged(server: Server):
    """Yield the server; after this module's tests (on this worker) undo accepted test writes and
    compare the store's digest with the one taken before them."""
    keep = graphs(server.url)
    before = digest(server.url)
    yield server
    if not server.alive():
        server.start()
    cleanup(server, keep)
    assert digest(server.url) == before, "hostile input changed the store"


def test_fixed_corpus(unchanged: Server) -> None:
    failures = []
    for case in fixed_corpus():
        try:
            send(unchanged, case)
        except AssertionError as exc:
            failures.append(str(exc)[:400])
    assert not failures, f"{len(failures)} of {len(fixed_corpus())} cases failed:\n" + "\n".join(failures)


def test_huge_bodies_are_413(unchanged: Server) -> None:
    srv = unchanged
    big = b"ASK {} #" + b"x" * (MAX_BODY + 1024)
    cases = [
        Case("huge query", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-query")], big),
        Case("huge form", "POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
             b"query=" + big),
        Case("huge update", "POST", b"/sparql", [(b"Content-Type", b"application/sparql-update")], big, auth=True),
        Case("huge graph", "PUT", b"/data?graph=https%3A%2F%2Fexample.org%2Freliability%2Fscratch",
             [(b"Content-Type", b"application/n-triples")],
             b'<https://example.org/s> <https://example.org/p> "' + b"x" * (MAX_BODY + 1024) + b'" .\n', auth=True),
    ]
    for case in cases:
        start = time.monotonic()
        status, _ = send(srv, case)
        assert status == 413, f"{case.label}: {status}"
        assert time.monotonic() - start < 10
    # a chunked body has no Content-Length to check up front: the limit must hold while reading
    chunks = (b"ASK {} #" + b"y" * 65536 for _ in range(MAX_BODY // 65536 + 4))
    r = requests.post(srv.url + "/sparql", data=chunks, headers={"Content-Type": "application/sparql-query"},
                      timeout=30)
    clean_error(r.status_code, r.content, what="chunked huge query")
    assert r.status_code == 413, r.status_code


def _generated(srv: Server, strategy, examples: int = EXAMPLES) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case: Case) -> None:
        send(srv, case)

    run()


def test_generated_sparql(unchanged: Server) -> None:
    _generated(unchanged, sparql_cases())


def test_generated_rdf(unchanged: Server) -> None:
    _generated(unchanged, rdf_cases())


def test_generated_paths_and_headers(unchanged: Server) -> None:
    _generated(unchanged, header_cases() | path_cases(), examples=40)


# --- CSV on the command line (regio import-csv, regio validate) -------------------------------


def _cli(args: list[str]):
    from click.testing import CliRunner

    from regio.cli import main

    return CliRunner().invoke(main, args, catch_exceptions=True)


def _clean_exit(result, what: str, *, must_fail: bool = True) -> None:
    """Exit ≠ 0 with a message for broken input; never an uncaught exception or a traceback."""
    import click

    assert result.exception is None or isinstance(result.exception, (SystemExit, click.exceptions.Exit)), \
        f"{what}: uncaught {type(result.exception).__name__}: {result.exception}"
    out = result.output + (result.stderr if hasattr(result, "stderr_bytes") and result.stderr_bytes else "")
    assert "Traceback (most recent call last)" not in out, f"{what}: traceback in the output"
    if must_fail:
        assert result.exit_code != 0, f"{what}: exit 0 for broken input"
        assert out.strip(), f"{what}: exit {result.exit_code} without a message"


def test_cli_rejects_broken_csv(tmp_path) -> None:
    from .hostile import CSV_CORPUS

    for label, body in CSV_CORPUS:
        path = tmp_path / (label.replace(" ", "-").replace(",", "") + ".csv")
        path.write_bytes(body)
        _clean_exit(_cli(["import-csv", str(path)]), f"import-csv {label}")
        _clean_exit(_cli(["validate", str(path)]), f"validate {label}")


def test_cli_generated_csv_rows(tmp_path) -> None:
    """Rows of random text under a real template's header: import-csv answers with exit 0, 1 or 2
    and a message, never a traceback."""
    from hypothesis import strategies as st

    from regio import paths

    templates = sorted(paths.TEMPLATES_DIR.glob("*.csv"))
    assert templates, "no CSV templates to start from"
    cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)

    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(templates), st.lists(st.lists(cell, max_size=12), max_size=5))
    def run(template, rows) -> None:
        import csv
        import io

        header = template.read_text(encoding="utf-8").splitlines()[0]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        path = tmp_path / template.name
        path.write_text(header + "\n" + out.getvalue(), encoding="utf-8")
        result = _cli(["import-csv", "--no-validate", str(path)])
        _clean_exit(result, f"import-csv {template.name} {rows!r}", must_fail=False)
        assert result.exit_code in (0, 1, 2), result.exit_code

    run()
