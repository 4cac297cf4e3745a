"""Media types of SPARQL results and RDF, and content negotiation between them.

Results are serialised by pyoxigraph (or by the remote engine), never by hand; this module only
decides *which* format a client gets, following the ``Accept`` header with its q-values, and says
406 when nothing the client accepts can be produced for the query form.
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

#: SELECT / ASK result formats, preferred first.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: aliases clients send for the result formats
RESULT_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
#: CONSTRUCT / DESCRIBE (triples) formats, preferred first.
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/n3": "text/turtle",
    "text/plain": "application/n-triples",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
    "application/x-trig": "application/trig",
}
#: short names accepted in the ``format`` parameter (as YASGUI and curl users type them)
SHORT_NAMES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "ttl": "text/turtle",
    "turtle": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml", "jsonld": "application/ld+json",
    "nq": "application/n-quads", "nquads": "application/n-quads", "trig": "application/trig",
}
#: formats whose text is UTF-8 and should say so
TEXTUAL = {"text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples",
           "application/n-quads", "application/trig"}


class NotAcceptable(ValueError):
    """Nothing the client accepts can be produced (HTTP 406)."""


def _negotiate(accept: str | None, offered: list[str], aliases: dict[str, str]) -> str:
    if not accept or not accept.strip():
        return offered[0]
    parsed = parse_accept_header(accept, MIMEAccept)
    best, best_q, best_rank = None, 0.0, len(offered) + 10
    for value, q in parsed:
        if q <= 0:
            continue
        value = value.lower()
        candidates: list[str]
        if value in ("*/*", "*"):
            candidates = [offered[0]]
        elif value.endswith("/*"):
            major = value[:-1]
            candidates = [o for o in offered if o.startswith(major)][:1]
        else:
            target = value if value in offered else aliases.get(value)
            candidates = [target] if target in offered else []
        for cand in candidates:
            rank = offered.index(cand)
            if q > best_q or (q == best_q and rank < best_rank):
                best, best_q, best_rank = cand, q, rank
    if best is None:
        raise NotAcceptable(f"cannot produce any of {accept!r}; available: {', '.join(offered)}")
    return best


def negotiate_results(accept: str | None) -> str:
    return _negotiate(accept, list(RESULT_FORMATS), RESULT_ALIASES)


def negotiate_graph(accept: str | None, *, quads: bool = True) -> str:
    offered = list(GRAPH_FORMATS) if quads else [m for m in GRAPH_FORMATS if m not in (
        "application/n-quads", "application/trig")]
    return _negotiate(accept, offered, GRAPH_ALIASES)


@lru_cache(maxsize=256)  # clients send the same few Accept headers again and again
def negotiate(accept: str | None, form: str) -> str:
    """The media type to answer a query of this form with."""
    if form in ("SELECT", "ASK"):
        return negotiate_results(accept)
    return negotiate_graph(accept)


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type in TEXTUAL else media_type


def rdf_format_of(content_type_header: str | None) -> ox.RdfFormat | None:
    """The RDF format of a request body, from its Content-Type (None if not RDF)."""
    if not content_type_header:
        return None
    media = content_type_header.split(";")[0].strip().lower()
    media = GRAPH_ALIASES.get(media, media) if media not in GRAPH_FORMATS else media
    if media == "application/n-triples" or content_type_header.split(";")[0].strip().lower() == "text/plain":
        return ox.RdfFormat.N_TRIPLES
    return GRAPH_FORMATS.get(media)
