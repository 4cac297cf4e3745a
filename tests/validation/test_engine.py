"""The engine around pySHACL gives the same results as plain pySHACL, and the report formats."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH

from regio.validation import InputError, reference_validate, validate
from regio.validation.engine import resources, targeted_property_shapes
from regio.validation.report import result_keys


def test_same_results_as_plain_pyshacl_on_every_fixture(all_fixtures):
    fast = validate(all_fixtures)
    reference = reference_validate([all_fixtures])
    assert fast.conforms == reference.conforms
    assert len(fast.results) > 100  # the violating fixtures are in there
    assert result_keys(fast.results) == result_keys(reference.results)


def test_same_results_as_plain_pyshacl_on_synthetic_data(synthetic_nt):
    fast = validate(synthetic_nt)
    reference = reference_validate([synthetic_nt])
    assert fast.conforms == reference.conforms
    assert result_keys(fast.results) == result_keys(reference.results)


def test_targeted_property_shapes_moves_targets_only_for_top_level_shapes():
    shapes = resources().shapes_graph
    moved = targeted_property_shapes(shapes)
    cluster_label = rdflib.URIRef("https://w3id.org/regio/shapes#ClusterShape-label")
    assert (cluster_label, SH.targetClass, rdflib.URIRef("https://w3id.org/regio#Cluster")) in moved
    assert (None, SH.property, cluster_label) not in moved
    assert (None, SH.property, cluster_label) in shapes  # the original is left alone


def test_inputs_of_every_kind_give_the_same_report(tmp_path):
    g = rdflib.Graph()
    g.parse(data="""
        @prefix regio: <https://w3id.org/regio#> .
        <https://example.org/c> a regio:Cluster ; regio:employment -3 .
    """, format="turtle")
    expected = result_keys(validate(g).results)
    assert len(expected) == 5  # label, locatedIn, evidence, datatype, negative
    for fmt, ext in (("turtle", "ttl"), ("nt", "nt"), ("json-ld", "jsonld"), ("xml", "rdf"), ("nt", "nq")):
        path = tmp_path / f"data.{ext}"
        g.serialize(path, format=fmt)
        assert result_keys(validate(path).results) == expected, ext
    store = ox.Store()
    store.load(g.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    # an Oxigraph store canonicalises literals, but -3 is an xsd:integer anyway
    assert result_keys(validate(store).results) == expected


def test_several_files_are_validated_together(tmp_path):
    a = tmp_path / "a.ttl"
    b = tmp_path / "b.ttl"
    a.write_text('@prefix regio: <https://w3id.org/regio#> .\n<https://example.org/c> a regio:Country .\n')
    b.write_text('@prefix regio: <https://w3id.org/regio#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                 '<https://example.org/c> rdfs:label "C"@en ; regio:iso3166Code "NO" .\n')
    assert not validate(a).conforms
    assert validate([a, b]).conforms


def test_callers_graph_is_not_modified():
    g = rdflib.Graph()
    g.add((rdflib.URIRef("https://example.org/x"), rdflib.RDF.type, rdflib.URIRef("https://w3id.org/regio#SME")))
    validate(g)
    assert len(g) == 1


@pytest.mark.parametrize("inference", ["rdfs", "owlrl"])
def test_inference_options(inference, tmp_path):
    path = tmp_path / "d.ttl"
    path.write_text('@prefix regio: <https://w3id.org/regio#> .\n<https://example.org/f> a regio:SME .\n')
    report = validate(path, inference=inference)
    assert any(str(r.source_shape).endswith("ActorShape-label") for r in report.results)


def test_unknown_inference_is_refused():
    with pytest.raises(ValueError):
        validate(rdflib.Graph(), inference="magic")


def test_report_formats(tmp_path):
    path = tmp_path / "d.ttl"
    path.write_text('@prefix regio: <https://w3id.org/regio#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    '<https://example.org/c> a regio:Cluster ; rdfs:label "Knitwear <b>district</b>"@en ; regio:employment -3 .\n')
    report = validate(path)
    assert report.counts()["Violation"] == 4
    text = report.to_text()
    assert "“Knitwear <b>district</b>”" in text and "[Violation] regio:employment" in text
    data = json.loads(report.to_json())
    assert data["conforms"] is False and data["counts"]["Violation"] == 4
    first = data["results"][0]
    assert {"focusNode", "focusLabel", "resultPath", "value", "message", "severity", "sourceShape"} <= set(first)
    html = report.to_html()
    assert "Knitwear &lt;b&gt;district&lt;/b&gt;" in html and "<b>district</b>" not in html
    graph = rdflib.Graph().parse(data=report.to_turtle(), format="turtle")
    assert len(set(graph.subjects(rdflib.RDF.type, SH.ValidationResult))) == 4
    messages = [str(m) for m in graph.objects(None, SH.resultMessage)]
    assert messages and not any("{$" in m for m in messages)


def test_fail_on_thresholds():
    g = rdflib.Graph().parse(data="""
        @prefix regio: <https://w3id.org/regio#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://example.org/r> a regio:Region ; rdfs:label "plain" .
    """, format="turtle")
    report = validate(g)
    assert [r.severity for r in report.results] == ["Warning"]
    assert report.fails("info") and report.fails("warning") and not report.fails("violation")


def test_bad_input_raises_input_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    with pytest.raises(InputError) as info:
        validate(bad)
    assert info.value.source == str(bad) and info.value.line == 2
