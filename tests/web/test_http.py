"""The service's pages to clients that are not browsers: Linked Data content negotiation,
security headers, nothing loaded from elsewhere, and the validate page for scripts and spreadsheets.

Expected values come from the files and from ``regio.validation`` itself, not from the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from regio import paths

from .conftest import FIXTURE

REGIO = Namespace("https://w3id.org/regio#")
RDF_TYPE = RDF.type
RDF_TYPES = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
             "application/n-triples": "nt"}


# --- Linked Data over plain HTTP ----------------------------------------------------------------

@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_term_dereferences_to_rdf(base_url: str, ontology: Graph, media_type: str) -> None:
    term = REGIO.Cluster
    r = requests.get(f"{base_url}/ontology/Cluster", headers={"Accept": media_type}, timeout=30)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in r.headers.get("Vary", "")
    got = Graph().parse(data=r.content, format=RDF_TYPES[media_type])
    # Every statement the ontology file makes about the term (blank-node ones compared by count).
    expected = {(p, o) for p, o in ontology.predicate_objects(term) if not o.__class__.__name__ == "BNode"}
    served = set(got.predicate_objects(term))
    assert expected <= served, expected - served
    assert len(list(got.predicate_objects(term))) == len(list(ontology.predicate_objects(term)))


def test_content_negotiation_edges(base_url: str) -> None:
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = requests.get(f"{base_url}/ontology/Cluster", headers={"Accept": browser_accept}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html"), r.text[:300]
    r = requests.get(f"{base_url}/ontology/Cluster?format=ttl", timeout=30)
    assert r.headers["Content-Type"].startswith("text/turtle")
    assert requests.get(f"{base_url}/ontology/Cluster", headers={"Accept": "image/png"}, timeout=30).status_code == 406
    r = requests.get(f"{base_url}/ontology/NoSuchTerm", timeout=30)
    assert r.status_code == 404 and "NoSuchTerm" in r.text
    whole = requests.get(f"{base_url}/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    assert whole.status_code == 200, whole.text[:300]
    assert (URIRef("https://w3id.org/regio"), None, None) in Graph().parse(data=whole.content, format="turtle")
    region = requests.get(f"{base_url}/id/emilia-romagna", headers={"Accept": "text/turtle"}, timeout=30)
    assert region.status_code == 200, region.text[:300]
    assert len(Graph().parse(data=region.content, format="turtle")) > 0


def test_security_headers(base_url: str) -> None:
    for path in ("/", "/validate", "/ontology", "/ontology/Cluster", "/regions"):
        r = requests.get(base_url + path, timeout=30)
        assert r.status_code == 200, path
        csp = r.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (path, csp)
        assert "frame-ancestors 'none'" in csp, (path, csp)
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        assert r.headers.get("Referrer-Policy")
    static = requests.get(base_url + "/static/pages/query.js", timeout=30)
    assert static.status_code == 200 and static.headers.get("X-Content-Type-Options") == "nosniff"


def test_pages_load_nothing_from_elsewhere(base_url: str) -> None:
    for path in ("/", "/validate", "/ontology", "/ontology/Cluster", "/regions"):
        html = requests.get(base_url + path, timeout=30).text
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            if ref.startswith(("http://", "https://", "//")) and re.search(r"\.(js|css|woff2?|png|svg)$", ref):
                pytest.fail(f"{path} loads {ref} from elsewhere")


# --- the validate page over plain HTTP (scripts, spreadsheets) -----------------------------------

def test_validate_report_for_scripts_and_spreadsheets(base_url: str, tmp_path: Path) -> None:
    from regio.validation import Source, validate
    from regio.validation.csvimport import import_csv

    text = FIXTURE.read_text(encoding="utf-8").replace("    regio:inWork t:work .", "    .")
    expected = validate(Source("x.ttl", text.encode(), "turtle"))
    r = requests.post(base_url + "/validate", data={"data": text}, headers={"Accept": "text/turtle"}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    report = Graph().parse(data=r.text, format="turtle")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    assert len(set(report.subjects(RDF_TYPE, sh.ValidationResult))) == len(expected.results) > 0

    # A spreadsheet row without its source: the problem is shown by file, row and column.
    sheet = "id,label,located_in,sources\ntest-cluster,test cluster,NO,\n"
    problems = import_csv([Source("clusters.csv", sheet.encode(), "csv")]).errors
    assert problems
    r = requests.post(base_url + "/validate", files={"file": ("clusters.csv", sheet.encode(), "text/csv")},
                      timeout=60)
    assert r.status_code == 400
    for problem in problems:
        assert f"row {problem.row}" in r.text and problem.message.split(":")[0] in r.text


def test_validate_templates_together(base_url: str) -> None:
    from regio.validation import validate

    names = ["sources.csv", "regions.csv", "clusters.csv", "innovation-systems.csv"]
    files = [paths.TEMPLATES_DIR / n for n in names]
    if not all(f.is_file() for f in files):
        pytest.skip("the CSV templates are not in instances/templates/")
    for f in files:  # every template is offered for download, byte for byte
        got = requests.get(f"{base_url}/validate/templates/{f.name}", timeout=30)
        assert got.status_code == 200 and got.content == f.read_bytes()
    expected = validate([str(f) for f in files])
    r = requests.post(base_url + "/validate", files=[("file", (f.name, f.read_bytes(), "text/csv")) for f in files],
                      headers={"Accept": "application/json"}, timeout=120)
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert body["conforms"] == expected.conforms
    assert len(body["results"]) == len(expected.results)
    assert body["triples"] == expected.triples > 0
