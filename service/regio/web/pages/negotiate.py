"""Content negotiation for the dereferenceable pages (Linked Data conventions).

A browser asks for ``text/html`` and gets the page; an RDF client (rdflib, Protégé, curl with an
``Accept`` header, SPARQL engines doing LOAD) gets Turtle, RDF/XML, JSON-LD or N-Triples of the same
IRI.  ``?format=ttl`` overrides the header, for links people can click.  Every negotiated response
says ``Vary: Accept`` so that caches keep the variants apart.
"""

from __future__ import annotations

from flask import Response, abort, request
from rdflib import Graph

#: media type -> (rdflib serializer, file extension)
RDF_FORMATS: dict[str, tuple[str, str]] = {
    "text/turtle": ("turtle", "ttl"),
    "application/rdf+xml": ("xml", "rdf"),
    "application/ld+json": ("json-ld", "jsonld"),
    "application/n-triples": ("nt", "nt"),
}
HTML = "text/html"
ALIASES = {"ttl": "text/turtle", "turtle": "text/turtle", "rdf": "application/rdf+xml",
           "xml": "application/rdf+xml", "owl": "application/rdf+xml", "jsonld": "application/ld+json",
           "json-ld": "application/ld+json", "json": "application/ld+json", "nt": "application/n-triples",
           "ntriples": "application/n-triples", "html": HTML}
OFFERED = [HTML, *RDF_FORMATS, "application/xhtml+xml", "application/x-turtle", "text/n3", "application/json",
           "text/plain"]
SYNONYMS = {"application/xhtml+xml": HTML, "application/x-turtle": "text/turtle", "text/n3": "text/turtle",
            "application/json": "application/ld+json", "text/plain": "application/n-triples"}


def choose() -> str:
    """The media type to answer with: HTML or one of RDF_FORMATS; 406 when nothing fits."""
    fmt = request.args.get("format")
    if fmt:
        if fmt.lower() not in ALIASES:
            abort(400, description=f"unknown format {fmt!r}; use one of: {', '.join(sorted(ALIASES))}")
        return ALIASES[fmt.lower()]
    if not request.headers.get("Accept"):
        return HTML
    best = request.accept_mimetypes.best_match(OFFERED)
    if best is None:
        abort(406, description="this resource is available as " + ", ".join([HTML, *RDF_FORMATS]))
    # Browsers send */* with a low weight; a bare */* (curl's default) gets HTML too.
    return SYNONYMS.get(best, best)


def rdf_response(graph: Graph, media_type: str, name: str) -> Response:
    serializer, ext = RDF_FORMATS[media_type]
    if serializer == "json-ld":
        body = graph.serialize(format="json-ld", auto_compact=True)
    else:
        body = graph.serialize(format=serializer)
    response = Response(body, mimetype=media_type)
    if serializer != "xml":
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{ext}"'
    response.vary.add("Accept")
    return response


def html_response(body: str) -> Response:
    response = Response(body, mimetype=HTML)
    response.vary.add("Accept")
    return response
