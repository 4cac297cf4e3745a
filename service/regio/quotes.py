"""Checking that quotes from the paper are verbatim.

REGIO quotes Asheim's paper in two places: ``regio:paperQuote`` on ontology terms and
``regio:quote`` on evidence about real regions.  A quote is only worth something if it is the
paper's own words, so every quote is looked up in the paper's full text.

The comparison is exact, with two documented allowances that do not touch the words:

* white space is normalised (runs of spaces, tabs, line breaks and no-break spaces become one
  space), and soft hyphens (U+00AD) are dropped, because line breaking in the source is not part of
  the text;
* the ``*emphasis*`` marks of the plain-text source may be kept or left out, because they are
  markup for italics, not words.

Nothing else is forgiven: curly quotes (“ ” ‘ ’) are not the same as straight ones (" '), dashes
are not hyphens, and case matters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef

REGIO = Namespace("https://w3id.org/regio#")

#: the properties whose literal values must be verbatim quotes from the paper
QUOTE_PROPERTIES: tuple[URIRef, ...] = (REGIO.paperQuote, REGIO.quote)

_SPACE = re.compile(r"\s+")
_SOFT_HYPHEN = "\u00ad"
_EMPHASIS = "*"


def normalise(text: str) -> str:
    """Return ``text`` with white space collapsed to single spaces and soft hyphens removed.

    Quotation marks, dashes and case are kept exactly as they are.
    """
    return _SPACE.sub(" ", text.replace(_SOFT_HYPHEN, "")).strip()


def _plain(text: str) -> str:
    """``normalise`` and also drop the plain-text source's emphasis marks."""
    return normalise(text.replace(_EMPHASIS, ""))


class QuoteChecker:
    """Looks quotes up in one text; builds the normalised forms of the text once."""

    def __init__(self, paper_text: str) -> None:
        self._exact = normalise(paper_text)
        self._plain = _plain(paper_text)

    def is_verbatim(self, quote: str) -> bool:
        """True if ``quote`` (non-empty after normalising) occurs in the text."""
        exact = normalise(quote)
        if not exact:
            return False
        return exact in self._exact or _plain(quote) in self._plain


def is_verbatim(quote: str, paper_text: str) -> bool:
    """True if ``quote`` occurs verbatim in ``paper_text`` (see the module docstring)."""
    return QuoteChecker(paper_text).is_verbatim(quote)


def quotes(graph: Graph, properties: Iterable[URIRef] = QUOTE_PROPERTIES) -> list[tuple[URIRef, URIRef, str]]:
    """All (subject, property, quote) triples of ``graph`` for the quote properties.

    Literal values come back as plain ``str``; a value that is not a literal is returned as the
    node itself, so that callers can report it.
    """
    found = []
    for prop in properties:
        for subject, value in graph.subject_objects(prop):
            found.append((subject, prop, str(value) if isinstance(value, Literal) else value))
    return sorted(found, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))


def unverified_quotes(graph: Graph, paper_text: str) -> list[tuple[URIRef, URIRef, str]]:
    """The (subject, property, quote) triples whose quote is not in the paper.

    A value that is not a literal (an IRI or blank node where a quote should be) is reported too,
    as it cannot be a quote.
    """
    checker = QuoteChecker(paper_text)
    return [
        (subject, prop, quote)
        for subject, prop, quote in quotes(graph)
        if isinstance(quote, (URIRef, BNode)) or not checker.is_verbatim(quote)
    ]
