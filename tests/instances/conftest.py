"""Fixtures for the instance data and competency-question tests.

The competency questions are answered over the *default dataset* the service serves: the
ontology, its modules, the shapes and every ``instances/*.ttl`` file, each in its named graph
(docs/vocabulary.md), plus the inferred graph that REGIO's OWL 2 RL engine (``regio.inference``)
materialises, as the service does.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace

from regio import paths

REGIO = Namespace("https://w3id.org/regio#")
RID = Namespace("https://w3id.org/regio/id/")
ISO = Namespace("https://w3id.org/regio/id/iso3166/")
GRAPH = "https://w3id.org/regio/graph/"

CASES = paths.INSTANCES_DIR / "paper-cases.ttl"
ISO3166 = paths.INSTANCES_DIR / "iso3166.ttl"


def parse(path: Path) -> Graph:
    """Parse one Turtle file (with Oxigraph's parser: the ISO module is 40 000 triples)."""
    return Graph().parse(path, format="ox-turtle")


def ontology_files() -> list[Path]:
    return sorted(paths.ONTOLOGY_DIR.glob("*.ttl"))


def graph_name(path: Path) -> str:
    """The named graph a file is loaded into (docs/vocabulary.md)."""
    if path.parent == paths.INSTANCES_DIR:
        return f"{GRAPH}instances/{path.stem}"
    if path.parent == paths.SHAPES_DIR:
        return f"{GRAPH}shapes"
    return {
        "regio": f"{GRAPH}ontology",
        "regio-references": f"{GRAPH}references",
        "regio-alignment": f"{GRAPH}alignment",
    }.get(path.stem, f"{GRAPH}ontology")


@pytest.fixture(scope="session")
def cases_graph() -> Graph:
    return parse(CASES)


@pytest.fixture(scope="session")
def iso_graph() -> Graph:
    return parse(ISO3166)


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The core ontology with its modules (references, alignment), as one graph."""
    files = ontology_files()
    if not any(f.stem == "regio" for f in files):
        pytest.fail("ontology/regio.ttl is missing: the instance tests need the core ontology")
    graph = Graph()
    for f in files:
        graph.parse(f, format="ox-turtle")
    return graph


@pytest.fixture(scope="session")
def references_graph() -> Graph:
    return parse(paths.ONTOLOGY_DIR / "regio-references.ttl")


@pytest.fixture(scope="session")
def default_store() -> ox.Store:
    """The default dataset in a pyoxigraph Store, as the service builds it: every file in its
    named graph, and the inferred graph materialised by REGIO's OWL 2 RL engine."""
    from regio.inference import materialize

    store = ox.Store()
    files = ontology_files() + sorted(paths.SHAPES_DIR.glob("*.ttl")) + sorted(paths.INSTANCES_DIR.glob("*.ttl"))
    for f in files:
        store.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_name(f)))
    report = materialize(store)
    assert report.consistent, report.to_text()
    return store


def select(store: ox.Store, query: str) -> list[dict[str, object]]:
    """Run a SELECT over the union of all graphs; rows as {variable: python value or IRI string}."""
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            row[name] = None if term is None else term.value
        rows.append(row)
    return rows
