"""Every shape and every constraint: a conforming and a violating fixture, exact results.

Fixtures live in ``fixtures/``: ``<Shape>.ok.ttl`` must validate without any result, and
``<Shape>.bad.ttl`` lists, in ``# expect:`` comment lines, exactly the results it must produce
(focus node, path, severity, source shape, and the constraint component — or, for SHACL-SPARQL,
the ``sh:SPARQLConstraint``).  ``base.ttl`` is a conforming context loaded with each fixture.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from regio import paths
from regio.validation import validate
from regio.validation.inputs import Source

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base.ttl"
OK = sorted(p.name for p in FIXTURES.glob("*.ok.ttl"))
BAD = sorted(p.name for p in FIXTURES.glob("*.bad.ttl"))

NAMESPACES = {
    "ex": "https://example.org/fixture/",
    "regios": "https://w3id.org/regio/shapes#",
    "regio": "https://w3id.org/regio#",
    "sh": str(SH),
    "rdf": str(RDF),
}

#: constraint parameter -> the component pySHACL reports for it
COMPONENTS = {
    "minCount": "MinCount", "maxCount": "MaxCount", "class": "Class", "datatype": "Datatype",
    "nodeKind": "NodeKind", "pattern": "Pattern", "in": "In", "minInclusive": "MinInclusive",
    "maxInclusive": "MaxInclusive", "minLength": "MinLength", "disjoint": "Disjoint",
    "qualifiedMinCount": "QualifiedMinCount", "qualifiedMaxCount": "QualifiedMaxCount", "not": "Not",
}


def curie(term) -> str:
    if term is None:
        return "-"
    for prefix, ns in NAMESPACES.items():
        if str(term).startswith(ns):
            return f"{prefix}:{str(term)[len(ns):]}"
    return str(term)


def expectations(name: str) -> set[tuple[str, ...]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return {tuple(part.strip() for part in line.split(" | ")) for line in re.findall(r"^# expect: (.*)$", text, re.M)}


def results_of(name: str) -> set[tuple[str, ...]]:
    report = validate([BASE, FIXTURES / name])
    return {
        (
            curie(r.focus_node),
            r.path_text if r.path is not None else "-",
            r.severity,
            curie(r.source_shape),
            curie(r.source_constraint if r.source_constraint is not None else r.constraint_component),
        )
        for r in report.results
    }


def test_base_conforms():
    report = validate(BASE)
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("name", OK)
def test_conforming_fixture(name):
    assert results_of(name) == set(), f"{name} should conform"


@pytest.mark.parametrize("name", BAD)
def test_violating_fixture(name):
    expected = expectations(name)
    assert expected, f"{name} lists no expected results"
    actual = results_of(name)
    assert actual - expected == set(), "unexpected results"
    assert expected - actual == set(), "expected results missing"


def _shapes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(paths.SHAPES_DIR.glob("*.ttl")):
        g.parse(path)
    return g


def test_every_constraint_has_a_violating_fixture():
    """Each (shape, constraint component) pair of the shapes files is expected by some fixture."""
    g = _shapes_graph()
    wanted: set[tuple[str, str]] = set()
    for shape in set(g.subjects(RDF.type, SH.PropertyShape)) | set(g.subjects(RDF.type, SH.NodeShape)):
        if isinstance(shape, rdflib.BNode):
            continue
        for param, component in COMPONENTS.items():
            if (shape, SH[param], None) in g:
                wanted.add((curie(shape), f"sh:{component}ConstraintComponent"))
        for constraint in g.objects(shape, SH.sparql):
            wanted.add((curie(shape), curie(constraint)))
    covered = {(e[3], e[4]) for name in BAD for e in expectations(name)}
    assert wanted - covered == set()
    assert covered - wanted == set(), "a fixture expects a constraint the shapes do not have"


def test_every_targeted_shape_has_a_conforming_fixture():
    g = _shapes_graph()
    targeted = {
        s for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf) for s in g.subjects(p, None)
    }
    node_shapes = {curie(s).split(":", 1)[1] for s in targeted if (s, RDF.type, SH.NodeShape) in g}
    have = {name.split(".")[0] for name in OK}
    # NutsRegionShape's data sits in RegionShape's fixtures (it targets regions with a NUTS code).
    assert node_shapes - have - {"NutsRegionShape"} == set()


def test_every_shape_is_documented():
    g = _shapes_graph()
    for shape in set(g.subjects(RDF.type, SH.PropertyShape)) | set(g.subjects(RDF.type, SH.NodeShape)) | set(
        g.subjects(RDF.type, SH.SPARQLConstraint)
    ):
        if isinstance(shape, rdflib.BNode):
            continue
        assert g.value(shape, SH.name) is not None, f"{shape} has no sh:name"
        assert g.value(shape, SH.description) is not None, f"{shape} has no sh:description"
        has_constraints = any(p in g.predicates(shape) for p in (SH.minCount, SH.pattern, SH["class"], SH.select, SH["not"]))
        if has_constraints or (shape, RDF.type, SH.PropertyShape) in g:
            assert g.value(shape, SH.message) is not None, f"{shape} has no sh:message"


def test_messages_are_filled_in():
    report = validate([BASE, FIXTURES / "ClusterShape.bad.ttl"])
    for r in report.results:
        assert "{$" not in r.message and "{?" not in r.message, r.message
    empint = [r for r in report.results if str(r.focus_node).endswith("cl-empint")]
    assert empint and '"1200"^^xsd:integer' in empint[0].message


def test_subclass_typed_data_is_checked_by_the_superclass_shape():
    data = (FIXTURES / "base.ttl").read_text(encoding="utf-8") + "\nex:tnc a regio:TransnationalCorporation .\n"
    report = validate(Source("data.ttl", data.encode("utf-8")))
    shapes = {curie(r.source_shape) for r in report.results if curie(r.focus_node) == "ex:tnc"}
    assert "regios:ActorShape-label" in shapes  # TransnationalCorporation ⊑ … ⊑ Actor
