"""Coverage: every concept of CONCEPTS.md §1–5 and §7 is in the ontology under its preferred label.

The inventory (../shared/CONCEPTS.md) marks preferred labels in **bold**. The test reads them from
the file itself, so a concept added to the inventory is a concept the ontology must then cover.
"""

from __future__ import annotations

import re

import pytest
from rdflib import RDFS, Graph, URIRef

from conftest import require_tool
from regio import paths

CONCEPTS = paths.PAPER_DIR.parent / "CONCEPTS.md"
SECTIONS = {"1", "2", "3", "4", "5", "7"}
REGIO = "https://w3id.org/regio#"

# Bold labels in the inventory that are not noun phrases on their own, with the label the
# ontology gives the concept: Bellandi's three kinds of link are written as the adjectives of
# "links between firms", and "innovation system / production system" names two classes.
LABEL_FOR = {
    "vertical (convergent)": ["vertical link"],
    "lateral": ["lateral link"],
    "diagonal": ["diagonal link"],
    "innovation system / production system": ["innovation system", "production system"],
}


def bold_labels(text: str) -> dict[str, list[str]]:
    """Section number -> bold labels (white space normalised), for the sections REGIO covers."""
    found: dict[str, list[str]] = {}
    for chunk in re.split(r"\n## ", text)[1:]:
        number = chunk.split(".", 1)[0].strip()
        if number in SECTIONS:
            found[number] = [re.sub(r"\s+", " ", b).strip() for b in re.findall(r"\*\*(.+?)\*\*", chunk, re.S)]
    return found


@pytest.fixture(scope="module")
def inventory() -> dict[str, list[str]]:
    require_tool(CONCEPTS.exists(), f"the concept inventory is missing: {CONCEPTS}")
    return bold_labels(CONCEPTS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def labels() -> dict[str, set[URIRef]]:
    graph = Graph().parse(paths.ONTOLOGY_DIR / "regio.ttl", format="turtle")
    out: dict[str, set[URIRef]] = {}
    for term, label in graph.subject_objects(RDFS.label):
        if str(term).startswith(REGIO):
            out.setdefault(str(label), set()).add(term)
    return out


def test_the_inventory_was_read(inventory):
    assert set(inventory) >= SECTIONS - {"7"}, sorted(inventory)
    # §1–5 name dozens of concepts; a parser that finds few would make the next test vacuous
    assert sum(len(v) for v in inventory.values()) >= 60


def test_every_concept_has_its_preferred_label(inventory, labels):
    missing = []
    for section, concepts in sorted(inventory.items()):
        for concept in concepts:
            for label in LABEL_FOR.get(concept, [concept]):
                if label not in labels:
                    missing.append(f"§{section} {label!r}")
    assert not missing, f"concepts without a term labelled so in ontology/regio.ttl: {missing}"


def test_the_label_exceptions_are_still_needed(inventory):
    """An exception that the inventory no longer uses should be dropped, not kept silently."""
    used = {c for concepts in inventory.values() for c in concepts}
    assert set(LABEL_FOR) <= used, sorted(set(LABEL_FOR) - used)
