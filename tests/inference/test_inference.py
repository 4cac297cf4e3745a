"""OWL 2 RL inference: agreement with owlrl, the typology, inconsistencies, incremental = full."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS

from regio import paths
from regio.inference import INFERRED_GRAPH, check, materialize, update_inferred
from regio.inference.store import materialize_store

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture-ontology.ttl"
sys.path.insert(0, str(paths.ROOT / "bench"))
import synthetic  # noqa: E402

REGIO = "https://w3id.org/regio#"
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/regio/graph/ontology")
USER_GRAPH = ox.NamedNode("https://w3id.org/regio/graph/user")
INFERRED = ox.NamedNode(INFERRED_GRAPH)
TYPE = ox.NamedNode(str(RDF.type))


def make_store(data_nt: str, ontology: Path = FIXTURE) -> ox.Store:
    store = ox.Store()
    store.load(path=str(ontology), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    store.load(data_nt.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=USER_GRAPH)
    return store


def types_in_store(store: ox.Store, subjects: set[str]) -> set[tuple[str, str]]:
    out = set()
    for q in store.quads_for_pattern(None, TYPE, None, None):
        if isinstance(q.subject, ox.NamedNode) and q.subject.value in subjects \
                and isinstance(q.object, ox.NamedNode) and q.object.value != str(OWL.Thing):
            out.add((q.subject.value, q.object.value))
    return out


def graph_set(store: ox.Store, graph: ox.NamedNode) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in store.quads_for_pattern(None, None, None, graph)}


@pytest.fixture(scope="module")
def small_data() -> str:
    return "".join(synthetic.iter_triples(1500, seed=1))


@pytest.fixture(scope="module")
def owlrl_closure(small_data) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(FIXTURE)
    g.parse(data=small_data, format="nt")
    # owlrl swaps rdflib's global literal conversions and does not quite restore them (then
    # xsd:nonNegativeInteger literals parsed later in the session come out as xsd:integer): keep
    # its hands off, and put rdflib's table back whatever happens.
    saved = dict(rdflib.term._toPythonMapping)
    try:
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, improved_datatypes=False).expand(g)
    finally:
        rdflib.term._toPythonMapping.clear()
        rdflib.term._toPythonMapping.update(saved)
    return g


def test_types_match_owlrl(small_data, owlrl_closure):
    store = make_store(small_data)
    report = materialize(store)
    assert report.consistent, report.to_text()
    assert report.inferred > 0
    data = rdflib.Graph().parse(data=small_data, format="nt")
    individuals = {str(s) for s in data.subjects() if isinstance(s, rdflib.URIRef)}
    expected = {(str(s), str(o)) for s, o in owlrl_closure.subject_objects(RDF.type)
                if str(s) in individuals and isinstance(o, rdflib.URIRef) and o != OWL.Thing}
    got = types_in_store(store, individuals)
    assert got - expected == set(), "types owlrl does not entail"
    assert expected - got == set(), "types owlrl entails and we miss"


def test_subclass_entailments_match_owlrl(small_data, owlrl_closure):
    store = make_store(small_data)
    materialize(store)
    named = {str(c) for c in owlrl_closure.subjects(RDFS.subClassOf) if isinstance(c, rdflib.URIRef)
             and str(c).startswith(REGIO)}
    trivial = {str(OWL.Thing), str(RDFS.Resource)}
    expected = {(str(c), str(d)) for c, d in owlrl_closure.subject_objects(RDFS.subClassOf)
                if str(c) in named and isinstance(d, rdflib.URIRef) and c != d and str(d) not in trivial}
    got = {(q.subject.value, q.object.value)
           for q in store.quads_for_pattern(None, ox.NamedNode(str(RDFS.subClassOf)), None, None)
           if isinstance(q.subject, ox.NamedNode) and q.subject.value in named
           and isinstance(q.object, ox.NamedNode) and q.subject != q.object}
    assert expected == got


TYPOLOGY_DATA = """
@prefix regio: <https://w3id.org/regio#> .
@prefix ex: <https://example.org/synthetic/test/> .
ex:nis a regio:NationalInnovationSystem .
ex:terin a regio:RegionalInnovationSystem ; regio:embeddedInLocalCommunity true ;
    regio:followsInnovationModel regio:interactiveModel ; regio:hasIntegrationPrinciple regio:socialIntegrationPrinciple .
ex:nris a regio:RegionalInnovationSystem ; regio:embeddedInLocalCommunity false ;
    regio:followsInnovationModel regio:interactiveModel ; regio:hasIntegrationPrinciple regio:systemIntegrationPrinciple .
ex:rnis a regio:RegionalInnovationSystem ; regio:integratedInto ex:nis ; regio:followsInnovationModel regio:linearModel .
ex:plain a regio:RegionalInnovationSystem ; regio:followsInnovationModel regio:linearModel .
ex:d1 a regio:IndustrialDistrict ; regio:hasLocalGovernmentIntervention false .
ex:d2 a regio:IndustrialDistrict ; regio:hasLocalGovernmentIntervention true .
ex:declared a regio:TerritoriallyEmbeddedRegionalInnovationNetwork .
ex:jaeren regio:isPartOf ex:rogaland . ex:rogaland regio:isPartOf ex:norway .
"""


def _turtle_store(data: str) -> ox.Store:
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=USER_GRAPH)
    return store


def _has_type(store, local, cls) -> bool:
    return any(store.quads_for_pattern(ox.NamedNode(f"https://example.org/synthetic/test/{local}"), TYPE,
                                       ox.NamedNode(REGIO + cls), INFERRED))


def test_typology_is_classified():
    store = _turtle_store(TYPOLOGY_DATA)
    assert materialize(store).consistent
    assert _has_type(store, "terin", "TerritoriallyEmbeddedRegionalInnovationNetwork")
    assert _has_type(store, "nris", "NetworkedRegionalInnovationSystem")
    assert _has_type(store, "rnis", "RegionalisedNationalInnovationSystem")
    assert not _has_type(store, "plain", "RegionalisedNationalInnovationSystem")
    assert not _has_type(store, "terin", "NetworkedRegionalInnovationSystem")
    assert _has_type(store, "d1", "IndustrialDistrictMarkI")
    assert _has_type(store, "d2", "IndustrialDistrictMarkII")
    assert not _has_type(store, "d1", "IndustrialDistrictMarkII")
    # cls-hv1 backwards: a declared type entails its defining values; isPartOf is transitive.
    declared = ox.NamedNode("https://example.org/synthetic/test/declared")
    assert any(store.quads_for_pattern(declared, ox.NamedNode(REGIO + "followsInnovationModel"),
                                       ox.NamedNode(REGIO + "interactiveModel"), INFERRED))
    assert any(store.quads_for_pattern(ox.NamedNode("https://example.org/synthetic/test/jaeren"),
                                       ox.NamedNode(REGIO + "isPartOf"),
                                       ox.NamedNode("https://example.org/synthetic/test/norway"), INFERRED))


@pytest.mark.parametrize("data, rule", [
    ("ex:f a regio:HighTechSME, regio:TransnationalCorporation .", "cax-dw"),
    ("ex:r regio:isPartOf ex:s . ex:s regio:isPartOf ex:r .", "prp-irp"),
    ("ex:x a regio:RegionalInnovationSystem ; regio:integratedInto [ a regio:NationalInnovationSystem ] ;"
     " regio:followsInnovationModel regio:linearModel , regio:interactiveModel ; regio:embeddedInLocalCommunity true .",
     "cax-dw"),
    ("ex:x a regio:IndustrialDistrict ; regio:hasLocalGovernmentIntervention true, false .", "cax-dw"),
])
def test_inconsistency_is_reported(data, rule):
    store = _turtle_store("@prefix regio: <https://w3id.org/regio#> . @prefix ex: <https://example.org/synthetic/test/> .\n" + data)
    report = check(store)
    assert not report.consistent
    assert rule in {c.rule for c in report.clashes}
    assert not any(store.quads_for_pattern(None, None, None, INFERRED)), "check() must not write"
    assert "INCONSISTENT" in report.to_text()


def test_consistent_data_has_no_clash():
    assert check(_turtle_store(TYPOLOGY_DATA)).consistent


def _nt(t: tuple[str, str, str]) -> str:
    return f"{t[0]} {t[1]} {t[2]} .\n"


@pytest.mark.parametrize("seed", range(5))
def test_incremental_equals_full_recompute(small_data, seed):
    rng = random.Random(seed)
    lines = small_data.splitlines(keepends=True)
    held_back = set(rng.sample(range(len(lines)), 60))
    store = make_store("".join(line for i, line in enumerate(lines) if i not in held_back))
    materialize(store)
    # Add the held-back triples and remove others, in a few batches, maintaining incrementally.
    current = {i for i in range(len(lines)) if i not in held_back}
    for _ in range(3):
        add = rng.sample(sorted(held_back), min(20, len(held_back)))
        rem = rng.sample(sorted(current), 20)
        for i in add:
            held_back.discard(i)
            current.add(i)
        for i in rem:
            current.discard(i)
            held_back.add(i)
        add_q = [q.triple for q in ox.parse("".join(lines[i] for i in add).encode(), format=ox.RdfFormat.N_TRIPLES)]
        rem_q = [q.triple for q in ox.parse("".join(lines[i] for i in rem).encode(), format=ox.RdfFormat.N_TRIPLES)]
        for t in rem_q:
            store.remove(ox.Quad(t.subject, t.predicate, t.object, USER_GRAPH))
        store.extend([ox.Quad(t.subject, t.predicate, t.object, USER_GRAPH) for t in add_q])
        report = update_inferred(store, added=add_q, removed=rem_q)
        assert report.mode == "incremental"
        # Same ontology quads (so the restrictions' blank nodes are the same), data from scratch.
        fresh = ox.Store()
        fresh.extend(store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
        fresh.load("".join(lines[i] for i in sorted(current)).encode(), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=USER_GRAPH)
        materialize(fresh)
        assert graph_set(store, INFERRED) == graph_set(fresh, INFERRED)


def test_incremental_typology_change():
    """Removing the characteristic that classifies a system declassifies it; adding it back re-classifies."""
    store = _turtle_store(TYPOLOGY_DATA)
    materialize(store)
    t = ox.Triple(ox.NamedNode("https://example.org/synthetic/test/rnis"), ox.NamedNode(REGIO + "integratedInto"),
                  ox.NamedNode("https://example.org/synthetic/test/nis"))
    store.remove(ox.Quad(t.subject, t.predicate, t.object, USER_GRAPH))
    report = update_inferred(store, removed=[t])
    assert report.removed > 0
    assert not _has_type(store, "rnis", "RegionalisedNationalInnovationSystem")
    store.add(ox.Quad(t.subject, t.predicate, t.object, USER_GRAPH))
    update_inferred(store, added=[t])
    assert _has_type(store, "rnis", "RegionalisedNationalInnovationSystem")


def test_removed_assertion_that_is_still_entailed_becomes_inferred():
    store = _turtle_store(TYPOLOGY_DATA + "\nex:f a <https://w3id.org/regio#HighTechSME>, <https://w3id.org/regio#SME> .")
    materialize(store)
    sme = ox.Triple(ox.NamedNode("https://example.org/synthetic/test/f"), TYPE, ox.NamedNode(REGIO + "SME"))
    assert not any(store.quads_for_pattern(sme.subject, TYPE, sme.object, INFERRED))
    store.remove(ox.Quad(sme.subject, sme.predicate, sme.object, USER_GRAPH))
    update_inferred(store, removed=[sme])
    assert any(store.quads_for_pattern(sme.subject, TYPE, sme.object, INFERRED))


def test_blank_nodes_keep_their_identity():
    store = _turtle_store("@prefix regio: <https://w3id.org/regio#> .\n[] a regio:HighTechSME ; regio:locatedIn [ regio:isPartOf [] ] .")
    _, out = materialize_store(store)
    bnode_facts = [q for q in store.quads_for_pattern(None, TYPE, ox.NamedNode(REGIO + "Firm"), INFERRED)]
    assert len(bnode_facts) == 1
    subject = bnode_facts[0].subject
    assert any(store.quads_for_pattern(subject, TYPE, ox.NamedNode(REGIO + "HighTechSME"), USER_GRAPH))


def test_accepts_service_store_objects():
    class Service:
        def __init__(self, store):
            self.oxigraph = store

    store = _turtle_store(TYPOLOGY_DATA)
    assert materialize(Service(store)).inferred > 0
    with pytest.raises(TypeError, match="embedded pyoxigraph store"):
        materialize(object())

    class Remote:
        kind = "remote"

    assert materialize(Remote()).mode.startswith("skipped")
    assert update_inferred(Remote(), added=[("<a:s>", "<a:p>", "<a:o>")]).mode.startswith("skipped")


def test_real_ontology_classifies_synthetic_systems():
    """With the project's ontology, the generator's three profiles land in exactly the three types."""
    store = ox.Store()
    for name, graph in (("regio", "ontology"), ("regio-references", "references"), ("regio-alignment", "alignment")):
        store.load(path=str(paths.ONTOLOGY_DIR / f"{name}.ttl"), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(f"https://w3id.org/regio/graph/{graph}"))
    data = "".join(synthetic.iter_triples(6000, seed=3))
    store.load(data.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=USER_GRAPH)
    report = materialize(store)
    assert report.consistent, report.to_text()
    systems = {q.subject for q in store.quads_for_pattern(None, TYPE, ox.NamedNode(REGIO + "RegionalInnovationSystem"), USER_GRAPH)}
    typed = {}
    for cls in ("TerritoriallyEmbeddedRegionalInnovationNetwork", "NetworkedRegionalInnovationSystem",
                "RegionalisedNationalInnovationSystem"):
        typed[cls] = {q.subject for q in store.quads_for_pattern(None, TYPE, ox.NamedNode(REGIO + cls), INFERRED)}
        assert typed[cls], f"no system classified as {cls}"
    assert set().union(*typed.values()) == systems
    assert sum(len(v) for v in typed.values()) == len(systems), "a system got two exclusive types"


def test_equality_from_functional_property_and_sameas():
    store = _turtle_store("""@prefix regio: <https://w3id.org/regio#> . @prefix ex: <https://example.org/synthetic/test/> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:r regio:inCountry ex:c1 , ex:c2 .
        ex:c1 a regio:Country .
        ex:f a regio:HighTechSME . ex:f owl:sameAs ex:g .""")
    assert materialize(store).consistent
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    ex = "https://example.org/synthetic/test/"
    assert any(store.quads_for_pattern(ox.NamedNode(ex + "c2"), same, ox.NamedNode(ex + "c1"), INFERRED))
    assert any(store.quads_for_pattern(ox.NamedNode(ex + "g"), TYPE, ox.NamedNode(REGIO + "Firm"), INFERRED))
    assert any(store.quads_for_pattern(ox.NamedNode(ex + "c2"), TYPE, ox.NamedNode(REGIO + "Country"), INFERRED))


def test_schema_or_bulk_change_recomputes_fully():
    store = _turtle_store(TYPOLOGY_DATA)
    materialize(store)
    axiom = ox.Triple(ox.NamedNode(REGIO + "RegionalInnovationSystem"), ox.NamedNode(str(RDFS.subClassOf)),
                      ox.NamedNode("https://example.org/synthetic/test/Thing"))
    store.add(ox.Quad(axiom.subject, axiom.predicate, axiom.object, ONTOLOGY_GRAPH))
    report = update_inferred(store, added=[axiom])
    assert report.mode.startswith("full")
    assert any(store.quads_for_pattern(ox.NamedNode("https://example.org/synthetic/test/terin"), TYPE,
                                       axiom.object, INFERRED))


RICH_POOL = """
ex:nis a regio:NationalInnovationSystem .
ex:ris1 a regio:RegionalInnovationSystem . ex:ris1 regio:integratedInto ex:nis .
ex:ris1 regio:followsInnovationModel regio:linearModel . ex:ris1 regio:embeddedInLocalCommunity true .
ex:ris1 regio:followsInnovationModel regio:interactiveModel . ex:ris1 regio:hasIntegrationPrinciple regio:systemIntegrationPrinciple .
ex:ris2 a regio:TerritoriallyEmbeddedRegionalInnovationNetwork . ex:ris2 regio:integratedInto ex:ris1 .
ex:a regio:isPartOf ex:b . ex:b regio:isPartOf ex:c . ex:c regio:isPartOf ex:d . ex:x regio:isPartOf ex:a .
ex:b regio:inCountry ex:n1 . ex:b regio:inCountry ex:n2 . ex:n1 a regio:Country . ex:n2 regio:isPartOf ex:d .
ex:cl regio:hasMember ex:f1 . ex:f2 regio:memberOf ex:cl . ex:f1 a regio:HighTechSME . ex:f2 a regio:StageFirm .
ex:f1 owl:sameAs ex:f3 . ex:f3 regio:locatedIn ex:a . ex:cl a regio:IndustrialDistrict .
ex:cl regio:hasLocalGovernmentIntervention false . ex:l a regio:VerticalLink . ex:l regio:linksFrom ex:f1 .
ex:l regio:linksTo ex:f2 . ex:cl regio:employment 12 .
"""


@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_full_on_rich_constructs(seed):
    """Random additions and removals over transitive, inverse, functional, sameAs, svf, hasValue
    and intersection facts: the maintained graph equals a recomputation."""
    head = ("@prefix regio: <https://w3id.org/regio#> . @prefix ex: <https://example.org/synthetic/test/> .\n"
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n")
    pool = [q.triple for q in ox.parse((head + RICH_POOL).encode(), format=ox.RdfFormat.TURTLE)]
    rng = random.Random(seed)
    current = set(rng.sample(range(len(pool)), len(pool) // 2))
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    store.extend([ox.Quad(*pool[i], USER_GRAPH) for i in current])
    materialize(store)
    for _ in range(4):
        flip = rng.sample(range(len(pool)), 4)
        add = [pool[i] for i in flip if i not in current]
        rem = [pool[i] for i in flip if i in current]
        current ^= set(flip)
        for t in rem:
            store.remove(ox.Quad(*t, USER_GRAPH))
        store.extend([ox.Quad(*t, USER_GRAPH) for t in add])
        update_inferred(store, added=add, removed=rem)
        fresh = ox.Store()
        fresh.extend(store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
        fresh.extend([ox.Quad(*pool[i], USER_GRAPH) for i in current])
        materialize(fresh)
        assert graph_set(store, INFERRED) == graph_set(fresh, INFERRED)


def test_rematerialising_writes_only_the_difference(small_data):
    store = make_store(small_data)
    first = materialize(store)
    before = graph_set(store, INFERRED)
    again = materialize(store)
    assert graph_set(store, INFERRED) == before and again.removed == 0
    # Change the data behind the inference's back: a recomputation repairs the graph.
    firm = next(q for q in store.quads_for_pattern(None, TYPE, ox.NamedNode(REGIO + "HighTechSME"), USER_GRAPH))
    store.remove(firm)
    third = materialize(store)
    assert third.removed > 0 and first.inferred > 0
    fresh = ox.Store()
    fresh.extend(store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
    fresh.extend(store.quads_for_pattern(None, None, None, USER_GRAPH))
    materialize(fresh)
    assert graph_set(store, INFERRED) == graph_set(fresh, INFERRED)
