"""The service's embedded store keeps the inferred graph current through its write pipeline."""

from __future__ import annotations

import pytest

from regio.store.embedded import EmbeddedStore

pytestmark = pytest.mark.slow

FIRM = "https://example.org/synthetic/t/f1"
DATA = f"""
 <{FIRM}> a regio:HighTechSME ; rdfs:label "synthetic firm t1"@en ;
   regio:locatedIn <https://w3id.org/regio/id/iso3166/NO-11> ; regio:hasEvidence <https://example.org/synthetic/t/e1> .
 <https://example.org/synthetic/t/e1> a regio:Evidence ; regio:quote "synthetic statement; not a fact" ;
   regio:inWork <https://example.org/synthetic/t/work> .
 <https://example.org/synthetic/t/work> a <http://purl.org/ontology/bibo/Document> ;
   <http://purl.org/dc/terms/title> "synthetic work"@en .
"""
PREFIXES = "PREFIX regio: <https://w3id.org/regio#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _types(store, inference=True) -> set[str]:
    rows = store.select(f"SELECT ?t WHERE {{ <{FIRM}> a ?t }}", inference=inference)
    return {str(r["t"]) for r in rows}


def test_write_then_delete_updates_the_inferred_graph(tmp_path):
    store = EmbeddedStore({"REGIO_DATA_DIR": str(tmp_path), "REGIO_QUERY_WORKERS": 0})
    try:
        # the first start materialised the default dataset: the paper's cases are classified
        assert store.select("SELECT ?s WHERE { GRAPH <https://w3id.org/regio/graph/inferred> { ?s ?p ?o } } LIMIT 1")
        store.update(PREFIXES + "INSERT DATA { GRAPH <https://w3id.org/regio/graph/user> {" + DATA + "} }")
        assert "https://w3id.org/regio#Firm" in _types(store)
        assert _types(store, inference=False) == {"https://w3id.org/regio#HighTechSME"}
        store.update(PREFIXES + "DELETE DATA { GRAPH <https://w3id.org/regio/graph/user> {" + DATA + "} }")
        assert _types(store) == set()
    finally:
        store.close()

    # The same store through the command line (the defaults are loaded already: quick).
    from click.testing import CliRunner

    from regio.cli import main

    result = CliRunner().invoke(main, ["infer", "--data-dir", str(tmp_path), "--check", "--json"])
    assert result.exit_code == 0, result.output
    assert '"consistent": true' in result.output
    result = CliRunner().invoke(main, ["infer", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and "triples inferred" in result.output

    # Inconsistent data (written behind the service's back): reported, exit 1.
    import pyoxigraph as ox

    raw = ox.Store(str(tmp_path / "store"))
    user = ox.NamedNode("https://w3id.org/regio/graph/user")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for cls in ("SME", "LargeFirm"):
        raw.add(ox.Quad(ox.NamedNode(FIRM), rdf_type, ox.NamedNode("https://w3id.org/regio#" + cls), user))
    raw.flush()
    del raw
    result = CliRunner().invoke(main, ["infer", "--data-dir", str(tmp_path), "--check"])
    assert result.exit_code == 1
    assert "cax-dw" in result.output and "INCONSISTENT" in result.output
