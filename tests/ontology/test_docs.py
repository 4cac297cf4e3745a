"""``regio docs`` writes the ontology's HTML documentation, and fails clearly on bad input."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL

from regio import paths
from regio.cli import main


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("docs")
    result = CliRunner().invoke(main, ["docs", "--output", str(out / "site")])
    assert result.exit_code == 0, result.output
    target = out / "site" / "index.html"
    assert str(target) in result.output
    return target.read_text(encoding="utf-8")


def _labels_of_regio_classes() -> list[str]:
    """Labels of a few classes the ontology itself defines (read from the Turtle, not hard-coded)."""
    graph = Graph()
    for path in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    labels = []
    for cls in sorted(graph.subjects(RDF.type, OWL.Class)):
        label = graph.value(cls, RDFS.label)
        if str(cls).startswith("https://w3id.org/regio#") and label is not None:
            labels.append(str(label))
    return labels


def test_the_page_is_html_with_the_ontology_title(page):
    assert page.lstrip().lower().startswith("<!doctype html>")
    graph = Graph()
    for path in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    core = URIRef("https://w3id.org/regio")
    header = core if (core, RDF.type, OWL.Ontology) in graph else next(graph.subjects(RDF.type, OWL.Ontology))
    title = str(graph.value(header, URIRef("http://purl.org/dc/terms/title")))
    assert f"<title>{title}</title>" in page


def test_the_page_names_known_terms(page):
    labels = _labels_of_regio_classes()
    assert labels, "no labelled regio: class in ontology/"
    text = html.unescape(page)
    missing = [label for label in labels if label not in text]
    assert not missing, f"class labels not on the page: {missing}"
    # the modules are merged in: the NUTS/NACE link classes and the reference list
    assert "https://w3id.org/regio#NutsTerritorialUnit" in page
    assert 'id="Porter1998"' in page and "Clusters and the new economics of competition" in page


def test_every_link_within_the_page_has_its_target(page):
    """pyLODE links to named individuals and cited references it does not itself document."""
    ids = set(re.findall(r'id="([^"]+)"', page))
    broken = sorted(set(re.findall(r'href="#([^"]+)"', page)) - ids)
    assert not broken, f"links to missing anchors: {broken}"


def test_only_one_ontology_header_is_documented(page):
    graph = Graph()
    for path in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    titles = [str(graph.value(o, URIRef("http://purl.org/dc/terms/title"))) for o in graph.subjects(RDF.type, OWL.Ontology)]
    assert len(titles) >= 2, "the references and alignment modules should both be in ontology/"
    assert sum(html.escape(t, quote=False) in page for t in titles) == 1


def test_a_missing_ontology_directory_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["docs", "--ontology", str(tmp_path / "nowhere"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "ontology directory not found" in result.output
    assert "Traceback" not in result.output


def test_bad_turtle_exits_2_naming_the_file(tmp_path):
    broken = tmp_path / "ontology"
    broken.mkdir()
    (broken / "regio.ttl").write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<x> a owl:Ontology", encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "--ontology", str(broken), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "regio.ttl" in result.output and "not valid Turtle" in result.output


def test_an_ontology_without_a_title_exits_2(tmp_path):
    src = tmp_path / "ontology"
    src.mkdir()
    shutil.copy(paths.ONTOLOGY_DIR / "regio-alignment.ttl", src)
    text = (src / "regio-alignment.ttl").read_text(encoding="utf-8")
    (src / "regio-alignment.ttl").write_text(text.replace("dcterms:title", "dcterms:alternative", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "--ontology", str(src), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "pyLODE" in result.output and "title" in result.output


def test_an_unwritable_output_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "-o", str(Path(blocker) / "sub")])
    assert result.exit_code == 2
    assert "cannot write" in result.output
