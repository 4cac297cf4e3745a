"""The ISO 3166 reference regions: generated from pycountry, complete, linked, reproducible."""

from __future__ import annotations

import pycountry
from click.testing import CliRunner
from rdflib import OWL, RDF, RDFS, XSD, Literal, URIRef

from regio import paths, regions
from regio.cli import main

from .conftest import ISO, REGIO


def plain(node) -> str | None:
    """The lexical form of a plain string literal (xsd:string, no language tag), else None."""
    if isinstance(node, Literal) and node.language is None and node.datatype in (None, XSD.string):
        return str(node)
    return None


def test_committed_file_is_what_the_generator_writes():
    committed = (paths.INSTANCES_DIR / "iso3166.ttl").read_text(encoding="utf-8")
    assert committed == regions.generate_turtle(), (
        "instances/iso3166.ttl differs from the generator's output: "
        "run `regio regions --output instances/iso3166.ttl`"
    )


def test_generation_is_deterministic():
    assert regions.generate_turtle() == regions.generate_turtle()


def test_every_country_and_subdivision_is_there(iso_graph):
    countries = set(iso_graph.subjects(RDF.type, REGIO.Country))
    subdivisions = set(iso_graph.subjects(RDF.type, REGIO.Subdivision))
    assert countries == {ISO[c.alpha_2] for c in pycountry.countries}
    assert subdivisions == {ISO[s.code] for s in pycountry.subdivisions}


def test_subdivision_names_types_and_parents_follow_pycountry(iso_graph):
    for sub in pycountry.subdivisions:
        node = ISO[sub.code]
        assert iso_graph.value(node, RDFS.label) == Literal(sub.name, lang="und")
        assert plain(iso_graph.value(node, REGIO.iso3166Code)) == sub.code
        assert plain(iso_graph.value(node, REGIO.subdivisionType)) == sub.type
        assert iso_graph.value(node, REGIO.inCountry) == ISO[sub.country_code]
        assert iso_graph.value(node, REGIO.isPartOf) == ISO[sub.parent_code or sub.country_code]


def test_every_part_of_link_points_at_a_generated_region(iso_graph):
    regions_ = set(iso_graph.subjects(RDF.type, REGIO.Country)) | set(
        iso_graph.subjects(RDF.type, REGIO.Subdivision)
    )
    for prop in (REGIO.isPartOf, REGIO.inCountry):
        targets = set(iso_graph.objects(None, prop))
        assert targets <= regions_, targets - regions_


def test_country_names_and_codes(iso_graph):
    norway = ISO["NO"]
    record = pycountry.countries.get(alpha_2="NO")
    assert iso_graph.value(norway, RDFS.label) == Literal(record.name, lang="en")
    notations = {str(n) for n in iso_graph.objects(norway, URIRef("http://www.w3.org/2004/02/skos/core#notation"))}
    assert notations == {record.alpha_2, record.alpha_3, record.numeric}


def test_cli_writes_the_file(tmp_path):
    out = tmp_path / "iso.ttl"
    result = CliRunner().invoke(main, ["regions", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == regions.generate_turtle()


def test_cli_reports_an_unwritable_path_without_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["regions", "--output", str(tmp_path / "no" / "such" / "dir.ttl")])
    assert result.exit_code != 0
    assert "cannot write" in result.output
    assert "Traceback" not in result.output


def test_every_iso_link_of_the_cases_exists_in_pycountry(cases_graph):
    """Every iso: IRI and every regio:iso3166Code in paper-cases.ttl is a real ISO 3166 code whose
    pycountry name is the label the paper's region carries."""
    links = 0
    for region, target in cases_graph.subject_objects(OWL.sameAs):
        assert str(target).startswith(str(ISO)), target
        code = str(target)[len(str(ISO)):]
        record = regions.lookup(code)
        assert record is not None, f"{region} is linked to {code}, which pycountry does not know"
        labels = {str(l) for l in cases_graph.objects(region, RDFS.label)}
        assert record.name in labels, f"{code} is {record.name!r} in pycountry, not {labels}"
        declared = cases_graph.value(region, REGIO.iso3166Code)
        assert declared is None or str(declared) == code
        links += 1
    for region, code in cases_graph.subject_objects(REGIO.iso3166Code):
        assert regions.lookup(str(code)) is not None, f"{region}: unknown ISO 3166 code {code}"
        assert (region, OWL.sameAs, ISO[str(code)]) in cases_graph
    for _, _, node in cases_graph:
        if isinstance(node, URIRef) and str(node).startswith(str(ISO)):
            assert regions.lookup(str(node)[len(str(ISO)):]) is not None, node
    assert links >= 4  # Emilia-Romagna, Norway, Germany, Austria
