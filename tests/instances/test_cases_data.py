"""The paper's cases: well-formed, only known terms, every claim sourced with a verbatim quote."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from regio import paths
from regio.quotes import QuoteChecker

from .conftest import ISO, REGIO, RID, parse

EVIDENCE_NS = str(RID) + "evidence/"
PAPER = REGIO.AsheimLocalisedLearning


@pytest.mark.parametrize("path", sorted(paths.INSTANCES_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_instance_file_parses(path):
    assert len(parse(path)) > 0


def described(cases: Graph) -> set[URIRef]:
    """The real places and cases described in the file (not the evidence nodes, not the header)."""
    return {
        s
        for s in cases.subjects(RDF.type, None)
        if isinstance(s, URIRef)
        and str(s).startswith(str(RID))
        and not str(s).startswith(EVIDENCE_NS)
        and s != URIRef(str(RID) + "paper-cases")
    }


def test_every_described_resource_has_evidence_and_a_label(cases_graph):
    things = described(cases_graph)
    assert len(things) >= 20
    for thing in things:
        assert (thing, REGIO.hasEvidence, None) in cases_graph, f"{thing} has no regio:hasEvidence"
        assert any(l.language == "en" for l in cases_graph.objects(thing, RDFS.label)), thing


def test_every_evidence_is_a_verbatim_quote_from_the_paper(cases_graph, paper_text):
    checker = QuoteChecker(paper_text)
    evidence = set(cases_graph.objects(None, REGIO.hasEvidence))
    assert evidence == set(cases_graph.subjects(RDF.type, REGIO.Evidence))
    for node in evidence:
        quotes = list(cases_graph.objects(node, REGIO.quote))
        assert len(quotes) == 1, f"{node} needs exactly one regio:quote"
        assert isinstance(quotes[0], Literal)
        assert checker.is_verbatim(str(quotes[0])), f"{node}: not verbatim in the paper: {quotes[0]!r}"
        assert cases_graph.value(node, REGIO.inWork) == PAPER, node


def test_every_cited_reference_resolves(cases_graph, references_graph):
    known = set(references_graph.subjects(RDF.type, None))
    cited = set(cases_graph.objects(None, REGIO.citesReference)) | set(
        cases_graph.objects(None, URIRef("http://purl.org/dc/terms/source"))
    )
    assert cited, "no evidence cites a reference"
    assert cited <= known, f"not in ontology/regio-references.ttl: {sorted(cited - known)}"
    assert PAPER in known


def test_the_paper_credits_what_the_evidence_says_it_credits(cases_graph, references_graph):
    """The quoted passage names the cited work (its first author's surname and its year), so the
    citation is the paper's own, not one we added."""
    creator = URIRef("http://purl.org/dc/terms/creator")
    issued = URIRef("http://purl.org/dc/terms/issued")
    for node, ref in cases_graph.subject_objects(REGIO.citesReference):
        quote = str(cases_graph.value(node, REGIO.quote))
        surnames = [str(c).split(",")[0] for c in references_graph.objects(ref, creator)]
        year = str(references_graph.value(ref, issued))
        assert surnames and any(name in quote for name in surnames), f"{node} cites {ref}: no author in quote"
        assert year in quote, f"{node} cites {ref} ({year}), a year its quote does not give"


def test_only_terms_the_ontology_defines(cases_graph, ontology_graph):
    """Every regio: class and property the cases use is declared by the ontology or its modules."""
    declared = set(ontology_graph.subjects(RDF.type, None))
    used = set()
    for s, p, o in cases_graph:
        used.add(p)
        if p == RDF.type:
            used.add(o)
        elif isinstance(o, URIRef) and p not in (OWL.sameAs, OWL.imports):
            used.add(o)
    regio_terms = {t for t in used if str(t).startswith(str(REGIO))}
    assert regio_terms <= declared, f"unknown to the ontology: {sorted(regio_terms - declared)}"


def test_iso_regions_are_only_linked_not_redescribed(cases_graph):
    """The cases point at ISO regions but never state facts about them (the generator owns them)."""
    for s in cases_graph.subjects():
        assert not str(s).startswith(str(ISO)), f"paper-cases.ttl describes {s}"
