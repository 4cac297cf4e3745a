"""HermiT (through owlready2) finds the ontology consistent, with no unsatisfiable class."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef
from run_once import once

from regio import paths
from regio.ontology import reasoning
from regio.ontology.reasoning import ontology_graph, reason

CORE = URIRef("https://w3id.org/regio")


@pytest.fixture(scope="module")
def ontology():
    return ontology_graph()


@pytest.fixture(scope="module")
def hermit(java, ontology):
    """One HermiT run over the core ontology and its imports, without data (shared by workers)."""
    inputs = [*sorted(paths.ONTOLOGY_DIR.glob("*.ttl")), Path(reasoning.__file__)]
    return once("hermit-ontology", inputs, lambda: reason([], ontology=ontology))


def test_the_reasoner_input_is_core_plus_both_modules(ontology):
    headers = set(ontology.subjects(RDF.type, OWL.Ontology))
    assert headers == {
        CORE,
        URIRef("https://w3id.org/regio/references"),
        URIRef("https://w3id.org/regio/alignment"),
    }


@pytest.mark.java
def test_ontology_is_consistent(hermit):
    assert hermit.consistent


@pytest.mark.java
def test_no_class_is_unsatisfiable(hermit):
    assert hermit.consistent
    assert hermit.unsatisfiable == []


@pytest.mark.java
def test_unsatisfiable_classes_are_reported(java):
    """Negative control on a tiny ontology: the check above can fail."""
    tiny = Graph().parse(
        data="""@prefix : <https://example.org/tiny#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/tiny> a owl:Ontology .
:A a owl:Class . :B a owl:Class ; owl:disjointWith :A .
:AB a owl:Class ; rdfs:subClassOf :A , :B .
""",
        format="turtle",
    )
    result = reason([], ontology=tiny)
    assert result.consistent
    assert result.unsatisfiable == ["https://example.org/tiny#AB"]
