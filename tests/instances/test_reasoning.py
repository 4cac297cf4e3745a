"""The reasoner classifies the paper's cases into the types the paper gives them, consistently.

paper-cases.ttl states each case's characteristics and never its defined type; these tests check
that the ontology's definitions turn the characteristics into the paper's types — with HermiT
(owlready2, needs Java) for OWL 2 DL, and with the service's own OWL 2 RL engine (regio.inference)
over the whole default dataset.
"""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, Graph, URIRef

from .conftest import REGIO, RID

RIS_TYPES = (
    REGIO.RegionalisedNationalInnovationSystem,
    REGIO.NetworkedRegionalInnovationSystem,
    REGIO.TerritoriallyEmbeddedRegionalInnovationNetwork,
)
DISTRICT_TYPES = (REGIO.IndustrialDistrictMarkI, REGIO.IndustrialDistrictMarkII)
DEFINED = RIS_TYPES + DISTRICT_TYPES

# what the paper says each case is (see the quotes in instances/paper-cases.ttl)
EXPECTED = {
    RID["third-italy-industrial-districts"]: REGIO.IndustrialDistrictMarkI,
    RID["emilia-romagna-industrial-districts"]: REGIO.IndustrialDistrictMarkII,
    RID["third-italy-embedded-innovation-network"]: REGIO.TerritoriallyEmbeddedRegionalInnovationNetwork,
    RID["emilia-romagna-networked-ris"]: REGIO.NetworkedRegionalInnovationSystem,
    RID["germany-networked-ris"]: REGIO.NetworkedRegionalInnovationSystem,
    RID["austria-networked-ris"]: REGIO.NetworkedRegionalInnovationSystem,
    RID["nordic-networked-ris"]: REGIO.NetworkedRegionalInnovationSystem,
    RID["science-parks"]: REGIO.RegionalisedNationalInnovationSystem,
    RID["technopolises"]: REGIO.RegionalisedNationalInnovationSystem,
}


def test_the_cases_do_not_assert_their_defined_types(cases_graph):
    asserted = {(s, o) for s, o in cases_graph.subject_objects(RDF.type) if o in DEFINED}
    assert not asserted, f"types the reasoner must infer are asserted: {asserted}"


def test_regio_inference_classifies_the_cases_consistently(default_store):
    """The service's own OWL 2 RL engine, over the whole default dataset (ISO regions included);
    the ``default_store`` fixture fails if the engine reports an inconsistency."""
    import pyoxigraph as ox

    for case, expected in EXPECTED.items():
        types = {
            q.object.value
            for q in default_store.quads_for_pattern(ox.NamedNode(str(case)), ox.NamedNode(str(RDF.type)), None)
        }
        assert {t for t in types if URIRef(t) in DEFINED} == {str(expected)}, (case, types)


def _owlready_world(ontology_graph: Graph, cases_graph: Graph, tmp_path):
    """An owlready2 World holding ontology + cases (owlready2 reads N-Triples; imports dropped,
    since both are loaded here and the import IRIs are not resolvable offline)."""
    import owlready2

    merged = Graph()
    for graph in (ontology_graph, cases_graph):
        for triple in graph:
            if triple[1] != OWL.imports:
                merged.add(triple)
    path = tmp_path / "cases.nt"
    merged.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load(format="ntriples")
    return world


@pytest.fixture(scope="module")
def hermit_world(java, ontology_graph, cases_graph, tmp_path_factory):
    """HermiT's classification (the ``java`` fixture skips locally / fails in CI without Java)."""
    import owlready2

    world = _owlready_world(ontology_graph, cases_graph, tmp_path_factory.mktemp("hermit"))
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:  # pragma: no cover - the failure
        pytest.fail(f"HermiT: the ontology with the paper's cases is inconsistent: {exc}")
    return world


def test_hermit_classifies_the_cases(hermit_world):
    for case, expected in EXPECTED.items():
        individual = hermit_world[str(case)]
        assert individual is not None, case
        types = {URIRef(c.iri) for c in individual.INDIRECT_is_a if hasattr(c, "iri")}
        assert expected in types, f"HermiT: {case} is not a {expected} ({sorted(types)})"
        others = (set(DEFINED) - {expected}) & types
        assert not others, f"HermiT: {case} also classified as {others}"


def test_hermit_finds_no_unsatisfiable_class(hermit_world):
    unsatisfiable = [c.iri for c in hermit_world.inconsistent_classes()]
    assert not unsatisfiable, unsatisfiable
