"""Where the pages get their data: the app's store, through the contract in docs/vocabulary.md.

The pages only ever call ``select(sparql, inference=...)`` and ``construct(sparql)``, so they work
the same over the embedded Oxigraph store and over a remote SPARQL engine.  When an app is built
without a store (a page-only app, e.g. while the store is being developed), the pages fall back to
a read-only in-memory copy of the files in the tree, loaded once into the same named graphs.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
from flask import current_app
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from regio import paths

log = logging.getLogger(__name__)

REGIO = "https://w3id.org/regio#"
REGIO_ID = "https://w3id.org/regio/id/"
GRAPH = "https://w3id.org/regio/graph/"
ONTOLOGY_GRAPHS = (GRAPH + "ontology", GRAPH + "references", GRAPH + "alignment")

PREFIXES: dict[str, str] = {
    "regio": REGIO,
    "rid": REGIO_ID,
    "iso": REGIO_ID + "iso3166/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "bibo": "http://purl.org/ontology/bibo/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prefixes() -> str:
    """The PREFIX lines every page query (and the query page's editor) starts with."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def store() -> Any:
    """The app's store, or the file-backed fallback when the app has none."""
    found = current_app.extensions.get("regio.store")
    if found is not None:
        return found
    return _fallback()


def select(sparql: str, *, inference: bool = True) -> list[dict[str, Node]]:
    return store().select(sparql_prefixes() + sparql, inference=inference)


def construct(sparql: str) -> Graph:
    return store().construct(sparql_prefixes() + sparql)


# --- fallback -----------------------------------------------------------------------------------

_lock = threading.Lock()
_fallback_store: "FileStore | None" = None


def _fallback() -> "FileStore":
    global _fallback_store
    with _lock:
        if _fallback_store is None:
            log.warning("no store in app.extensions['regio.store']; pages read the files in %s", paths.ROOT)
            _fallback_store = FileStore.from_tree()
        return _fallback_store


class FileStore:
    """A read-only in-memory store of the tree's files, with the store's select/construct API."""

    def __init__(self) -> None:
        self._store = ox.Store()

    @classmethod
    def from_tree(cls) -> "FileStore":
        fs = cls()
        files: list[tuple[Path, str]] = []
        for stem, graph in (("regio", "ontology"), ("regio-references", "references"),
                            ("regio-alignment", "alignment")):
            files.append((paths.ONTOLOGY_DIR / f"{stem}.ttl", GRAPH + graph))
        files += [(p, GRAPH + "shapes") for p in sorted(paths.SHAPES_DIR.glob("*.ttl"))]
        files += [(p, GRAPH + "instances/" + p.stem) for p in sorted(paths.INSTANCES_DIR.glob("*.ttl"))]
        for path, graph in files:
            if not path.is_file():
                continue
            try:
                fs._store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
            except (SyntaxError, OSError) as exc:  # a broken file in the tree must not take the pages down
                log.error("fallback store: cannot load %s: %s", path, exc)
        return fs

    def select(self, sparql: str, *, inference: bool = True) -> list[dict[str, Node]]:
        solutions = self._store.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = to_rdflib(term)
            rows.append(row)
        return rows

    def construct(self, sparql: str) -> Graph:
        graph = Graph()
        for triple in self._store.query(sparql, use_default_graph_as_union=True):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def post_graph(self, iri: str, graph: Graph) -> None:
        """Add triples to a named graph (tests use this to put hostile labels into the store)."""
        target = ox.NamedNode(iri)
        self._store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), target) for s, p, o in graph)


def to_rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


#: An absolute IRI as SPARQL's IRIREF allows it: a scheme, then no space, control or delimiter.
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*$')


def iri_values(iris: Iterable[str]) -> str:
    """A SPARQL VALUES body of the IRIs (those that are not absolute IRIs are left out)."""
    return " ".join(f"<{i}>" for i in iris if _IRI.match(i))
