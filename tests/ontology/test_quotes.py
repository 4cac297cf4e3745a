"""Every quote from the paper in the ontology and the instance data is verbatim.

``regio:paperQuote`` (on ontology terms) and ``regio:quote`` (on evidence) are looked up in the
paper's full text with :mod:`regio.quotes`.  The paper is required: in CI a missing paper fails
the test instead of skipping it (``paper_text`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from regio import paths
from regio.quotes import REGIO, QuoteChecker, normalise, quotes, unverified_quotes


def _files_with_quotes() -> list[Path]:
    # Only files that mention a quote property are parsed: the generated ISO 3166 data is large
    # and carries none, and parsing it here would cost seconds for nothing.
    files = sorted(paths.ONTOLOGY_DIR.glob("*.ttl")) + sorted(paths.INSTANCES_DIR.glob("*.ttl"))
    return [f for f in files if "uote" in f.read_text(encoding="utf-8")]


@pytest.fixture(scope="module")
def quoted_graph() -> Graph:
    graph = Graph()
    for path in _files_with_quotes():
        graph.parse(path, format="turtle")
    return graph


def test_there_are_quotes_to_check(quoted_graph):
    assert quotes(quoted_graph), "no regio:paperQuote or regio:quote found in ontology/ or instances/"


def test_every_quote_is_verbatim_in_the_paper(quoted_graph, paper_text):
    bad = unverified_quotes(quoted_graph, paper_text)
    assert not bad, "quotes not found verbatim in the paper:\n" + "\n".join(
        f"  {s} {p.n3()} {q!r}" for s, p, q in bad
    )


def test_a_tampered_quote_is_caught(quoted_graph, paper_text):
    """Dropping one word from a real quote (the commonest slip in copying) must be reported."""
    subject, prop, quote = max(quotes(quoted_graph), key=lambda t: len(str(t[2])))
    words = quote.split()
    text = normalise(paper_text)
    candidates = (" ".join(words[:i] + words[i + 1 :]) for i in range(1, len(words) - 1))
    tampered = next((t for t in candidates if t not in text), None)
    assert tampered is not None, f"could not derive a tampered quote from {quote!r}"
    graph = Graph()
    graph.add((subject, prop, Literal(quote)))
    graph.add((URIRef("https://example.org/tampered"), prop, Literal(tampered)))
    assert unverified_quotes(graph, paper_text) == [(URIRef("https://example.org/tampered"), prop, tampered)]


def test_a_non_literal_quote_is_reported(paper_text):
    graph = Graph()
    graph.add((URIRef("https://example.org/x"), REGIO.quote, URIRef("https://example.org/not-a-quote")))
    assert len(unverified_quotes(graph, paper_text)) == 1


@pytest.mark.parametrize(
    ("quote", "verbatim"),
    [
        # the paper's own words, across its line of white space and with or without its emphasis marks
        ("based on the principle of *comparative advantage* of lowest possible input costs", True),
        ("based on the principle of comparative advantage of lowest\n   possible input costs", True),
        ("\u00adbased on the prin\u00adciple of comparative advantage", True),
        # curly quotes are the paper's; straight ones are not accepted in their place
        ("most efficient use of, “natural” production factors", True),
        ('most efficient use of, "natural" production factors', False),
        # a changed word, case or an empty quote
        ("based on the principle of comparative disadvantage", False),
        ("Based on the principle of comparative advantage", False),
        ("   ", False),
    ],
)
def test_normalisation_rules(quote, verbatim, paper_text):
    assert QuoteChecker(paper_text).is_verbatim(quote) is verbatim


def test_normalise_keeps_quotation_marks():
    assert normalise("  “a”\u00a0 ‘b’\n\t\"c\"\u00ad ") == "“a” ‘b’ \"c\""
