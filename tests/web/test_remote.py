"""The pages over a remote SPARQL engine: they read through the store contract only, so a
``regio serve --store URL`` in front of Oxigraph server shows the same ontology and region pages."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from conftest import require_tool
from regio import paths


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def remote_app(tmp_path_factory):
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    require_tool(Path(exe).exists(), "the oxigraph server is not installed (pip install oxigraph)")
    port = _free_port()
    engine = subprocess.Popen([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/query"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url, params={"query": "ASK {}"}, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or engine.poll() is not None:
                    pytest.fail("oxigraph serve did not start")
                time.sleep(0.2)
        from regio.web import create_app

        app = create_app({"TESTING": True, "REGIO_STORE_URL": url})
        assert app.extensions["regio.store"].kind != "embedded"
        yield app
    finally:
        engine.terminate()
        engine.wait(timeout=10)


def test_pages_over_a_remote_engine(remote_app) -> None:
    client = remote_app.test_client()
    ontology = Graph().parse(paths.ONTOLOGY_DIR / "regio.ttl", format="turtle")
    cluster = URIRef("https://w3id.org/regio#Cluster")
    page = client.get("/ontology/Cluster")
    assert page.status_code == 200
    assert str(ontology.value(cluster, RDFS.label)) in page.get_data(as_text=True)
    assert "<svg" in page.get_data(as_text=True)
    turtle = client.get("/ontology/Cluster", headers={"Accept": "text/turtle"})
    assert set(Graph().parse(data=turtle.data, format="turtle").predicate_objects(cluster)) >= {
        (p, o) for p, o in ontology.predicate_objects(cluster) if isinstance(o, URIRef)}
    regions = client.get("/regions")
    assert regions.status_code == 200
    linked = [line for line in regions.get_data(as_text=True).split('href="') if line.startswith("/id/")]
    assert linked, "no region listed"
    region = client.get(linked[0].split('"', 1)[0])
    assert region.status_code == 200 and "Sources" in region.get_data(as_text=True)
