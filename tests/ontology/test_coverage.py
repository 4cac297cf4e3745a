"""Coverage: every concept of CONCEPTS.md §1–5 and §7 is in the ontology under its preferred label.

The inventory (../shared/CONCEPTS.md) marks preferred labels in **bold**. They are listed here and
the list is checked against the file itself, so a concept added to the inventory fails the test
until the list, and the ontology, cover it.
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

# The bold labels of CONCEPTS.md, section by section, as the inventory reads today; the test below
# keeps this list in step with the file, so the coverage check runs even where ../shared is absent.
INVENTORY = {
    "1": ["development path", "neo-Fordist development path", "post-Fordist development path", "Fordism",
          "comparative advantage", "competitive advantage", "learning economy", "strong competition",
          "weak competition", "ubiquitification", "territorialisation", "untraded interdependencies",
          "social capital"],
    "2": ["innovation model", "linear innovation model", "interactive innovation model", "incremental innovation",
          "radical innovation", "knowledge creation", "exogenous learning", "endogenous knowledge creation",
          "learning by doing", "learning by using", "learning by interacting", "localised learning", "interaction"],
    "3": ["knowledge form", "tacit knowledge", "codified knowledge", "disembodied knowledge", "embodied knowledge",
          "R&D-based knowledge", "artisan skills", "experience-based knowledge", "knowledge base",
          "analytical knowledge base", "synthetic knowledge base", "knowledge infrastructure"],
    "4": ["regional cluster", "national economic cluster", "growth pole", "industrial district",
          "industrial district Mark I", "industrial district Mark II", "Marshallian agglomeration economies",
          "vertical (convergent)", "lateral", "diagonal", "governance structure", "territorial integration",
          "network", "functional integration", "innovation system / production system", "system integration",
          "development coalition", "social integration", "learning region", "innovative milieu",
          "enterprise support system"],
    "5": ["innovation system", "national innovation system", "regional innovation system",
          "sectoral innovation system", "technological system", "regionalised national innovation system",
          "networked regional innovation system", "territorially embedded regional innovation network"],
    "7": [],
}

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
def parsed_inventory() -> dict[str, list[str]]:
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


def test_the_list_is_the_inventory(parsed_inventory):
    assert parsed_inventory == INVENTORY


def test_the_inventory_is_substantial():
    # §1–5 name dozens of concepts; a list that shrank would make the next test vacuous
    assert sum(len(v) for v in INVENTORY.values()) >= 60


def test_every_concept_has_its_preferred_label(labels):
    missing = []
    for section, concepts in sorted(INVENTORY.items()):
        for concept in concepts:
            for label in LABEL_FOR.get(concept, [concept]):
                if label not in labels:
                    missing.append(f"§{section} {label!r}")
    assert not missing, f"concepts without a term labelled so in ontology/regio.ttl: {missing}"


def test_the_label_exceptions_are_still_needed():
    """An exception that the inventory no longer uses should be dropped, not kept silently."""
    used = {c for concepts in INVENTORY.values() for c in concepts}
    assert set(LABEL_FOR) <= used, sorted(set(LABEL_FOR) - used)


def test_every_concept_carries_the_papers_words(labels):
    """The paper characterises every concept of the inventory, so each has a regio:paperQuote
    (whose verbatim presence in the paper tests/ontology/test_quotes.py checks)."""
    graph = Graph().parse(paths.ONTOLOGY_DIR / "regio.ttl", format="turtle")
    quote = URIRef(REGIO + "paperQuote")
    without = [
        label
        for concepts in INVENTORY.values()
        for concept in concepts
        for label in LABEL_FOR.get(concept, [concept])
        if label in labels and not any(graph.objects(term, quote) for term in labels[label])
    ]
    assert without == [], without
