"""Where an IRI leads on this service, and what it is called.

Every page (and the query page's results table, through ``/pages/describe.json``) shows IRIs by
label and links them to the page that knows the domain: ``regio:`` terms to the ontology pages,
``rid:`` entities to their page under ``/id/``, anything else the store knows about to the generic
resource page.
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import quote

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from . import data

REGIO = data.REGIO
REGIO_ID = data.REGIO_ID
ONTOLOGY_IRI = "https://w3id.org/regio"

LABEL_PROPERTIES = ("skos:prefLabel", "rdfs:label", "dcterms:title")


def href(iri: str) -> str:
    """The path on this service that describes ``iri``."""
    if iri.startswith(REGIO) and iri[len(REGIO):]:
        return "/ontology/" + quote(iri[len(REGIO):], safe="")
    if iri in (ONTOLOGY_IRI, REGIO):
        return "/ontology"
    if iri.startswith(REGIO_ID) and iri[len(REGIO_ID):]:
        return "/id/" + quote(iri[len(REGIO_ID):], safe="/")
    return "/resource?iri=" + quote(iri, safe="")


def curie(iri: str) -> str:
    """``regio:Cluster`` for a namespaced IRI, else the IRI itself."""
    best = ""
    for prefix, ns in data.PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            local = iri[len(ns):]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best, name = ns, f"{prefix}:{local}"
    return name if best else iri


def labels(iris: Iterable[str], lang: str = "en") -> dict[str, str]:
    """One label per IRI (English first, then untagged, then any), for the IRIs that have one."""
    wanted = sorted({str(i) for i in iris if i})
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), 400):
        values = data.iri_values(wanted[start:start + 400])
        if not values:
            continue
        rows = data.select(
            "SELECT ?s ?l WHERE { VALUES ?s { " + values + " } "
            "{ ?s skos:prefLabel ?l } UNION { ?s rdfs:label ?l } UNION { ?s dcterms:title ?l } }",
            inference=False,
        )
        for row in rows:
            s, label = str(row["s"]), row["l"]
            rank = _rank(label, lang)
            if s not in found or rank < found[s][0]:
                found[s] = (rank, str(label))
    return {s: text for s, (_, text) in found.items()}


def _rank(label: Node, lang: str) -> int:
    tag = getattr(label, "language", None) or ""
    if tag.lower() == lang:
        return 0
    if tag.lower().startswith(lang + "-"):
        return 1
    return 2 if not tag else 3


def fallback_label(iri: str) -> str:
    """A readable name for an IRI without a label: its prefixed name or local name."""
    c = curie(iri)
    if c != iri:
        return c
    for local in (REGIO_ID,):
        if iri.startswith(local) and iri[len(local):]:
            return iri[len(local):]
    return iri  # an IRI of another vocabulary, shown whole: its last segment alone can mislead


class Namer:
    """Labels for the IRIs one page shows, looked up in one round trip."""

    def __init__(self, iris: Iterable[Node] = ()) -> None:
        self._labels: dict[str, str] = {}
        self.add(iris)

    def add(self, iris: Iterable[Node]) -> None:
        missing = {str(i) for i in iris if isinstance(i, URIRef) and str(i) not in self._labels}
        if missing:
            found = labels(missing)
            for iri in missing:
                self._labels[iri] = found.get(iri) or fallback_label(iri)

    def __call__(self, term: Node) -> str:
        if isinstance(term, URIRef):
            key = str(term)
            if key not in self._labels:
                self.add([term])
            return self._labels[key]
        if isinstance(term, BNode):
            return "(anonymous)"
        if isinstance(term, Literal):
            return str(term)
        return str(term)
