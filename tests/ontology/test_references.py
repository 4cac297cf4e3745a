"""The references module holds the paper and every entry of its reference list, and nothing more.

The reference list is parsed here from the paper itself, independently of how
``ontology/regio-references.ttl`` was written, and each entry is matched to its resource by the
naming rule of docs/vocabulary.md (first author's surname, the second's for two-author works, year
and the list's a/b suffix).  Then every citation in the ontology and the instance data must resolve
to a resource of the module.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS

from regio import paths

REGIO = Namespace("https://w3id.org/regio#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
PAPER = REGIO.AsheimLocalisedLearning
MODULE = paths.ONTOLOGY_DIR / "regio-references.ttl"
ENTRY_TYPES = {BIBO.AcademicArticle, BIBO.Chapter, BIBO.Book, BIBO.Report, BIBO.Thesis, BIBO.Document}

_HEAD = re.compile(r"^(?P<authors>.+?) \((?P<year>\d{4})(?P<suffix>[a-z]?)\) ")
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss"})


def reference_entries(paper_text: str) -> list[str]:
    """The entries of the paper's "References" section, one string each, as printed."""
    head, sep, tail = paper_text.partition("\nReferences\n")
    assert sep, "the paper has no References section"
    return [line[2:].strip() for line in tail.splitlines() if line.startswith("- ")]


def expected_local_name(entry: str) -> str:
    """regio:<Surname1>[<Surname2>]<year><suffix>, ASCII-folded, letters only."""
    match = _HEAD.match(entry)
    assert match, f"entry without 'Authors (year)': {entry!r}"
    authors = match["authors"]
    et_al = authors.endswith("et al.")
    surnames = [a.split(",")[0] for a in authors.removesuffix(" et al.").split(" and ")]
    folded = []
    for name in surnames[: 1 if et_al else 2]:
        decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD))
        folded.append("".join(c for c in decomposed if c.isascii() and c.isalpha()))
    return "".join(folded) + match["year"] + match["suffix"]


@pytest.fixture(scope="module")
def references() -> Graph:
    return Graph().parse(MODULE, format="turtle")


@pytest.fixture(scope="module")
def entries(paper_text) -> dict[URIRef, str]:
    found = reference_entries(paper_text)
    by_iri = {REGIO[expected_local_name(e)]: e for e in found}
    assert len(by_iri) == len(found), "two entries map to the same IRI: the list needs a/b suffixes"
    return by_iri


def test_the_reference_list_is_parsed(entries):
    # A guard against a parser that silently finds nothing: the paper's list is long.
    assert len(entries) >= 50


def test_examples_of_the_naming_rule(entries):
    for name in ("Porter1998", "AsheimIsaksen1997", "Storper1995a", "Storper1995b", "NonakaReinmoller1998",
                 "Reve1992", "CastroJensenButler1993", "LazonickOSullivan1995"):
        assert REGIO[name] in entries


def test_every_entry_has_a_resource_with_its_verbatim_text(references, entries):
    missing = [str(iri) for iri in entries if (iri, RDF.type, OWL.NamedIndividual) not in references]
    assert not missing, f"entries without a named individual: {missing}"
    for iri, entry in entries.items():
        types = set(references.objects(iri, RDF.type)) & ENTRY_TYPES
        assert len(types) == 1, f"{iri} must have exactly one bibo type of {sorted(ENTRY_TYPES)}: {types}"
        assert [str(t) for t in references.objects(iri, REGIO.referenceText)] == [entry], iri


def test_no_resource_without_an_entry(references, entries):
    extra = set(references.subjects(REGIO.referenceText, None)) - set(entries)
    assert not extra, f"resources with a reference text that is not in the paper's list: {extra}"


# Properties whose values are ours (a display label, an editorial comment) or checked separately.
_OWN_WORDS = (REGIO.referenceText, DCTERMS.issued, RDFS.label, RDFS.comment)


def _values(graph: Graph, node) -> list:
    """The literal values on ``node`` and on the blank nodes it points to (container, conference)."""
    values = []
    for p, o in graph.predicate_objects(node):
        if isinstance(o, BNode):
            values.extend(_values(graph, o))
        elif isinstance(o, Literal) and p not in _OWN_WORDS:
            values.append((p, o))
    return values


def test_structured_fields_come_from_the_entry(references, entries):
    """No fact that is not in the entry: every title, name, number and place is copied from it."""
    for iri, entry in entries.items():
        match = _HEAD.match(entry)
        assert [str(y) for y in references.objects(iri, DCTERMS.issued)] == [match["year"]], iri
        assert references.value(iri, DCTERMS.title) is not None, f"{iri} has no dcterms:title"
        assert references.value(iri, DCTERMS.creator) is not None, f"{iri} has no dcterms:creator"
        for p, value in _values(references, iri):
            assert str(value) in entry, f"{iri} {p.n3()} {str(value)!r} is not in its entry"
        start, end = references.value(iri, BIBO.pageStart), references.value(iri, BIBO.pageEnd)
        if start is not None:
            assert f"{start}-{end}" in entry, iri


def test_the_paper_references_every_entry(references, entries):
    assert (PAPER, RDF.type, BIBO.Document) in references
    assert str(references.value(PAPER, DCTERMS.title)) == "Localised Learning, Innovation and Regional Clusters"
    assert set(references.objects(PAPER, DCTERMS.references)) == set(entries)
    # The text states no year or venue, so none may be stated for it.
    assert references.value(PAPER, DCTERMS.issued) is None
    assert references.value(PAPER, DCTERMS.isPartOf) is None


def _citing_files() -> list[Path]:
    files = sorted(paths.ONTOLOGY_DIR.glob("*.ttl")) + sorted(paths.INSTANCES_DIR.glob("*.ttl"))
    # Files that cite nothing (the large generated ISO 3166 data) are not parsed.
    return [f for f in files if re.search(r"dcterms:source|citesReference|inWork|purl.org/dc/terms/source",
                                          f.read_text(encoding="utf-8"))]


def test_every_citation_resolves_to_the_references_module(references):
    """dcterms:source to a regio: resource, regio:citesReference and regio:inWork resolve."""
    known = {s for s in references.subjects(RDF.type, OWL.NamedIndividual)
             if set(references.objects(s, RDF.type)) & ENTRY_TYPES}
    files = _citing_files()
    assert files, "nothing in ontology/ or instances/ cites a reference"
    unresolved = []
    for path in files:
        graph = Graph().parse(path, format="turtle")
        for prop in (DCTERMS.source, REGIO.citesReference, REGIO.inWork):
            for subject, target in graph.subject_objects(prop):
                # dcterms:source may also name a non-bibliographic origin of a dataset (the
                # ISO 3166 data is generated from pycountry); inside our namespace it must resolve.
                outside = prop == DCTERMS.source and not str(target).startswith(str(REGIO))
                if target not in known and not outside:
                    unresolved.append(f"{path.name}: {subject} {prop.n3(graph.namespace_manager)} {target}")
    assert not unresolved, "citations that are not resources of regio-references.ttl:\n" + "\n".join(unresolved)
