"""The named graphs of the store (docs/vocabulary.md) and which file goes into which."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from regio import paths

BASE = "https://w3id.org/regio/graph/"
ONTOLOGY = BASE + "ontology"
REFERENCES = BASE + "references"
ALIGNMENT = BASE + "alignment"
SHAPES = BASE + "shapes"
USER = BASE + "user"          # data written without a graph name (the update's default graph)
INFERRED = BASE + "inferred"  # what inference materialises


def instances(stem: str) -> str:
    return f"{BASE}instances/{stem}"


def default_files() -> list[tuple[Path, str]]:
    """(file, graph IRI) of the default dataset: ontology, shapes and instance data."""
    out: list[tuple[Path, str]] = []
    special = {"regio": ONTOLOGY, "regio-references": REFERENCES, "regio-alignment": ALIGNMENT}
    for f in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):
        out.append((f, special.get(f.stem, BASE + "ontology/" + f.stem.removeprefix("regio-"))))
    for f in sorted(paths.SHAPES_DIR.glob("*.ttl")):
        out.append((f, SHAPES))
    left_out = without()
    for f in sorted(paths.INSTANCES_DIR.glob("*.ttl")):
        if f.stem not in left_out:
            out.append((f, instances(f.stem)))
    return out


def without() -> set[str]:
    """Instance modules left out of the default dataset: ``REGIO_WITHOUT=iso3166`` (file stems,
    comma-separated) serves the paper's cases without the 5 000 generated ISO 3166 regions."""
    return {s.strip() for s in os.environ.get("REGIO_WITHOUT", "").split(",") if s.strip()}


#: Prefixes every query and update may use without declaring them (as Virtuoso and the query
#: page offer); a query's own PREFIX lines take precedence.
PREFIXES: dict[str, str] = {
    "regio": "https://w3id.org/regio#",
    "regios": "https://w3id.org/regio/shapes#",
    "rid": "https://w3id.org/regio/id/",
    "iso": "https://w3id.org/regio/id/iso3166/",
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


def prefix_lines(names: Iterable[str] | None = None) -> str:
    """PREFIX declarations of the default prefixes (only ``names``, if given)."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if names is None or p in names)
