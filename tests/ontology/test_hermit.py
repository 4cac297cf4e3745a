"""HermiT (through owlready2) finds the ontology consistent, with no unsatisfiable class."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, URIRef

from regio.ontology.reasoning import ontology_graph, reason

CORE = URIRef("https://w3id.org/regio")


@pytest.fixture(scope="module")
def ontology():
    return ontology_graph()


@pytest.fixture(scope="module")
def hermit(java, ontology):
    """One HermiT run over the core ontology and its imports, without data."""
    return reason([], ontology=ontology)


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
