"""The named graphs of the store (docs/vocabulary.md) and which file goes into which."""

from __future__ import annotations

import os
from pathlib import Path

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
