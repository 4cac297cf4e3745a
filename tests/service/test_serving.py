"""The default dataset in the embedded store (first start loads, later starts reuse), the store
commands (load/dump/backup), and the documented multi-worker setup: gunicorn workers in remote
mode in front of one ``oxigraph serve``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from regio import paths
from regio.store import graphs, open_store

from .conftest import TOKEN, Engine, free_port

BIN = Path(sys.executable).parent


def test_default_dataset_loaded_once_then_reused(tmp_path) -> None:
    config = {"REGIO_DATA_DIR": str(tmp_path), "REGIO_QUERY_WORKERS": 0}
    store = open_store(config)
    try:
        names = set(store.graph_names())
        expected = {graphs.SHAPES, graphs.instances("paper-cases"), graphs.instances("iso3166")}
        if (paths.ONTOLOGY_DIR / "regio.ttl").exists():
            expected.add(graphs.ONTOLOGY)
        assert expected <= names, names
        countries = store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <https://w3id.org/regio#Country> }")
        assert int(countries[0]["n"]) >= 240   # ISO 3166-1 has 249 entries
        _real_shapes_guard_writes(store)
    finally:
        store.close()
    start = time.monotonic()
    store = open_store(config)
    try:
        elapsed = time.monotonic() - start
        assert elapsed < 3.0, f"second start took {elapsed:.1f} s"
        assert set(store.graph_names()) == names | {graphs.USER}  # the validated write is kept
    finally:
        store.close()


def _real_shapes_guard_writes(store) -> None:
    """The real regio.validation shapes on the default data: a cluster without evidence or
    location is refused with the report and nothing is stored; an ordinary addition to a real
    region passes (its existing description, from the instance graph, is validated with it)."""
    from regio.store import InvalidData

    cluster = "https://example.org/serving/cluster"
    with pytest.raises(InvalidData) as raised:
        store.update(f'INSERT DATA {{ <{cluster}> a <https://w3id.org/regio#Cluster> ; '
                     f'<http://www.w3.org/2000/01/rdf-schema#label> "a cluster"@en }}')
    text = raised.value.report.to_text()
    assert "hasEvidence" in text and "locatedIn" in text
    assert store.select(f"SELECT * WHERE {{ <{cluster}> ?p ?o }}") == []
    region = "https://w3id.org/regio/id/iso3166/NO-11"
    result = store.update(f'INSERT DATA {{ <{region}> <http://www.w3.org/2004/02/skos/core#altLabel> "Rogaland fylke"@nb }}')
    assert result.added == 1


def test_store_locked_by_another_process_is_a_clear_error(tmp_path) -> None:
    from regio.store.embedded import StoreLocked

    env = {**os.environ, "REGIO_DATA_DIR": str(tmp_path)}
    holder = subprocess.Popen([sys.executable, "-c", "import pyoxigraph, sys, time; "
                               f"s = pyoxigraph.Store({str(tmp_path / 'store')!r}); print('open', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, env=env)
    try:
        assert holder.stdout.readline().strip() == b"open"
        with pytest.raises(StoreLocked, match="another process"):
            open_store({"REGIO_DATA_DIR": str(tmp_path), "REGIO_LOAD_DEFAULT": False, "REGIO_QUERY_WORKERS": 0})
        result = CliRunner().invoke(__import__("regio.cli", fromlist=["main"]).main,
                                    ["dump", "--data-dir", str(tmp_path)])
        assert result.exit_code != 0 and "another process" in result.output
    finally:
        holder.kill()
        holder.wait(10)


class _Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.exit_code = proc.returncode
        self.output = proc.stdout + proc.stderr


class _Cli:
    """``regio`` as users run it: one process per command (each opens and releases the store)."""

    def invoke(self, _main, args: list[str]) -> _Result:
        return _Result(subprocess.run([str(BIN / "regio"), *args], capture_output=True, text=True, timeout=120))


def test_load_dump_backup(tmp_path) -> None:
    main = None
    data = tmp_path / "data.ttl"
    data.write_text('<https://example.org/a> <https://example.org/p> "1" .\n')
    quads = tmp_path / "more.nq"
    quads.write_text('<https://example.org/b> <https://example.org/p> "2" <https://example.org/g> .\n')
    bad = tmp_path / "bad.ttl"
    bad.write_text('<https://example.org/a> <https://example.org/p> "1" \n')
    d = str(tmp_path / "d")
    runner = _Cli()
    result = runner.invoke(main, ["load", str(data), str(quads), "--data-dir", d, "--no-inference"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["load", str(bad), "--data-dir", d, "--no-inference"])
    assert result.exit_code != 0 and "bad.ttl" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["dump", "--data-dir", d])
    assert result.exit_code == 0
    lines = sorted(result.output.splitlines())
    assert lines == ['<https://example.org/a> <https://example.org/p> "1" <https://w3id.org/regio/graph/user> .',
                     '<https://example.org/b> <https://example.org/p> "2" <https://example.org/g> .']
    result = runner.invoke(main, ["dump", "--data-dir", d, "--format", "ttl"])
    assert result.exit_code != 0 and "quad format" in result.output
    result = runner.invoke(main, ["backup", str(tmp_path / "bk"), "--data-dir", d])
    assert result.exit_code == 0, result.output
    restored = tmp_path / "restored"
    restored.mkdir()
    (tmp_path / "bk").rename(restored / "store")
    result = runner.invoke(main, ["dump", "--data-dir", str(restored), "--graph", "https://example.org/g",
                                  "--format", "nt"])
    assert result.output.strip() == '<https://example.org/b> <https://example.org/p> "2" .'


def test_gunicorn_workers_in_front_of_one_engine(tmp_path) -> None:
    """The production setup of docs/service.md: N gunicorn workers, remote mode, one engine."""
    assert (BIN / "gunicorn").exists(), "gunicorn is a dependency"
    engine = Engine()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIO_")}
    env.update(REGIO_STORE_URL=engine.url + "/query", REGIO_TOKEN=TOKEN, REGIO_LOAD_DEFAULT="false")
    try:
        proc, url = _start_gunicorn(env, workers=2)
    except BaseException:
        engine.stop()
        raise
    try:
        r = requests.put(engine.url + "/store", params={"graph": "https://example.org/g"},
                         data=b'<https://example.org/s> <https://example.org/p> "via engine" .',
                         headers={"Content-Type": "application/n-triples"}, timeout=10)
        assert r.status_code < 300
        time.sleep(1.1)  # the workers' list of the engine's graphs is at most 1 s old

        def ask(_: int) -> object:
            r = requests.get(url + "/sparql", params={"query": "SELECT ?o WHERE { ?s <https://example.org/p> ?o }"},
                             headers={"Accept": "text/csv"}, timeout=10)
            assert r.status_code == 200 and r.text.splitlines() == ["o", "via engine"], r.text
            return requests.get(url + "/health", timeout=10).json().get("pid")

        pids = _until_answered_by(ask, 2)
        assert len(pids) == 2, f"answered by {pids}"
        r = requests.post(url + "/sparql", data=b"INSERT DATA { <https://example.org/s> <https://example.org/p> 1 }",
                          headers={"Content-Type": "application/sparql-update"}, timeout=10)
        assert r.status_code == 401
    finally:
        _stop(proc)
        engine.stop()


def _until_answered_by(ask, workers: int) -> set:
    """Call ``ask`` in concurrent rounds (fresh connections each) until ``workers`` distinct
    answers came back, or 30 s passed: which worker accepts a connection is up to the kernel, and
    sequential requests may all land on the same one."""
    seen: set = set()
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(8) as pool:
        while len(seen) < workers and time.monotonic() < deadline:
            seen.update(pool.map(ask, range(16)))
    return seen


def _start_gunicorn(env: dict, workers: int = 2) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers), "--threads", "4",
                             "--worker-class", "regio.web.keepalive.KeepAliveWorker",
                             "--bind", f"127.0.0.1:{port}", "regio.web:create_app()"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_gunicorn_workers_share_the_embedded_store(tmp_path) -> None:
    """gunicorn -w 3 on one data directory: one worker writes (the primary), the others answer
    from its snapshots and forward writes to it; every worker sees every acknowledged write, and
    the primary's SHACL verdict reaches the client whichever worker it asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIO_")}
    env.update(REGIO_DATA_DIR=str(tmp_path), REGIO_TOKEN=TOKEN, REGIO_LOAD_DEFAULT="false",
               REGIO_QUERY_WORKERS="1")
    proc, url = _start_gunicorn(env, workers=3)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        roles = dict(_until_answered_by(lambda _: tuple(map(requests.get(url + "/health", timeout=10).json().get,
                                                                 ("pid", "role"))), 3))
        assert sorted(roles.values()).count("primary") == 1 and len(roles) >= 2, roles
        for i in range(6):  # each write through whichever worker answers; read back through all
            r = requests.post(url + "/sparql", timeout=30, headers={**auth, "Content-Type": "application/sparql-update"},
                              data=f'INSERT DATA {{ <https://example.org/w> <https://example.org/n> {i} }}'.encode())
            assert r.status_code == 200, r.text
            for _ in range(4):
                r = requests.get(url + "/sparql", headers={"Accept": "text/csv"}, timeout=30, params={
                    "query": "SELECT (COUNT(*) AS ?c) WHERE { <https://example.org/w> <https://example.org/n> ?o }"})
                assert r.text.split() == ["c", str(i + 1)], r.text
        for _ in range(4):
            r = requests.put(url + "/data", params={"graph": "https://example.org/bad"}, timeout=30,
                             data=b'<https://example.org/c> a regio:Cluster .'.replace(
                                 b"regio:", b"<https://w3id.org/regio#").replace(b"Cluster ", b"Cluster> "),
                             headers={**auth, "Content-Type": "text/turtle"})
            assert r.status_code == 422 and "hasEvidence" in r.text, r.text
            r = requests.post(url + "/sparql", data=b"ASK {}", headers={"Content-Type": "application/sparql-update"},
                              timeout=30)
            assert r.status_code == 401
        assert (tmp_path / "snapshots" / "CURRENT").exists()
        _w3c_suites(url)
    finally:
        _stop(proc)


def _w3c_suites(url: str) -> None:
    """The W3C Protocol and Graph Store tests through the workers (replicas forward the writes)."""
    from . import test_w3c

    class Through:
        def __init__(self) -> None:
            self.url = url

        def auth(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {TOKEN}"}

    server = Through()
    failures = []
    for name, entry in test_w3c.protocol_cases():
        try:
            test_w3c.test_protocol(server, name, entry)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    failures += test_w3c.run_gsp(server)
    assert not failures, "\n".join(failures)
