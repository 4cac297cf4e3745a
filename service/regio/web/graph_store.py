"""``/data``: the SPARQL 1.1 Graph Store HTTP Protocol.

Indirect identification: ``/data?graph=<IRI>`` names a graph, ``/data?default`` the default graph,
which for writes is the user graph ``https://w3id.org/regio/graph/user`` (docs/vocabulary.md).
Direct identification: ``/data/<path>`` is the graph whose IRI is that request URL.  GET/HEAD
read (404 for a graph that does not exist), PUT replaces (201 if new, 204 otherwise), POST merges
(``multipart/form-data`` posts several files), POST to ``/data`` itself creates a new graph and
answers 201 with its ``Location``, DELETE drops (404 if absent).  Writes need the bearer token and
are validated against the SHACL shapes before they are stored (422 with the report otherwise).
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.routing import PathConverter

from regio.store import BadRequest, StoreError, graphs
from regio.store.formats import NotAcceptable, content_type, negotiate_graph, rdf_format_of
from regio.web.auth import check_write

bp = Blueprint("graph_store", __name__)


class AnyPathConverter(PathConverter):
    """Werkzeug's ``path`` converter, but matching every character: a graph URL with an encoded
    line break (``/data/a%0Ab``) must reach the handler and get a 400, not fall through to a 404."""

    regex = r"[^/](?s:.)*?"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("anypath", AnyPathConverter))


def store():
    return current_app.extensions["regio.store"]


def _target(path: str | None) -> str | None:
    """The graph IRI a request names (None: the graph store itself)."""
    has_default = "default" in request.args
    graph = request.args.get("graph")
    if path:
        if has_default or graph:
            raise BadRequest("a graph URL takes neither ?graph nor ?default")
        return request.base_url
    if has_default and graph is not None:
        raise BadRequest("give either ?graph=<IRI> or ?default, not both")
    if len(request.args.getlist("graph")) > 1:
        raise BadRequest("more than one 'graph' parameter")
    if has_default:
        return graphs.USER
    if graph is not None:
        if not graph.strip() or ":" not in graph:
            raise BadRequest(f"?graph must be an absolute IRI, not {graph!r}")
        return graph
    return None


def _valid(iri: str | None) -> str | None:
    """A graph name the engine accepts, or a 400 (not a ValueError and a 500 from the store)."""
    if iri is not None:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise BadRequest(f"not a valid graph IRI: {iri!r} ({exc})") from None
    return iri


def _body():
    """(data, format) parts of a write: one for RDF bodies, several for multipart/form-data."""
    if request.mimetype == "multipart/form-data":
        parts = []
        for storage in request.files.values():
            fmt = rdf_format_of(storage.content_type) or rdf_format_of(_guess(storage.filename))
            if fmt is None:
                raise StoreError(415, f"part {storage.filename!r}: unsupported RDF media type {storage.content_type!r}")
            parts.append((storage.read(), fmt))
        if not parts:
            raise BadRequest("multipart/form-data without files")
        return parts
    fmt = rdf_format_of(request.headers.get("Content-Type"))
    if fmt is None:
        raise StoreError(415, f"unsupported or missing RDF media type {request.headers.get('Content-Type')!r}; "
                              "send text/turtle, application/n-triples, application/rdf+xml, application/ld+json …")
    return [(request.get_data(), fmt)]


def _guess(filename: str | None) -> str | None:
    ext = (filename or "").rsplit(".", 1)[-1].lower()
    return {"ttl": "text/turtle", "nt": "application/n-triples", "rdf": "application/rdf+xml",
            "owl": "application/rdf+xml", "jsonld": "application/ld+json"}.get(ext)


@bp.route("/data", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
@bp.route("/data/<anypath:path>", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store(path: str | None = None):
    iri = _valid(_target(path))
    if request.method in ("GET", "HEAD"):
        if iri is None:
            raise BadRequest("name a graph: /data?graph=<IRI> or /data?default")
        try:
            media_type = negotiate_graph(request.headers.get("Accept"))
        except NotAcceptable as exc:
            raise StoreError(406, str(exc)) from None
        exists = store().has_graph(iri)
        if not exists and iri != graphs.USER:
            raise StoreError(404, f"no graph <{iri}> in the store")
        data = store().serialize_graph(iri, media_type) if exists else b""
        response = Response(b"" if request.method == "HEAD" else data,
                            content_type=content_type(media_type), headers={"Vary": "Accept"})
        response.content_length = len(data)
        return response
    denied = check_write()
    if denied is not None:
        return denied
    if request.method == "DELETE":
        if iri is None:
            raise BadRequest("DELETE needs a graph: /data?graph=<IRI> or /data?default")
        store().delete_graph(iri)
        return Response(status=204)
    parts = _body()
    if request.method == "PUT":
        if iri is None:
            raise BadRequest("PUT needs a graph: /data?graph=<IRI> or /data?default")
        if len(parts) > 1:
            raise BadRequest("PUT takes one RDF document")
        result = store().put_graph(iri, parts[0][0], parts[0][1])
        return Response(status=201 if result.created else 204, mimetype="text/plain")
    created_here = iri is None
    if created_here:
        iri = request.host_url.rstrip("/") + "/data/" + uuid.uuid4().hex
    # several parts (multipart/form-data) are merged, validated and stored together
    result = store().post_graph(iri, parts if len(parts) > 1 else parts[0][0], parts[0][1])
    if created_here:
        return Response(status=201, headers={"Location": iri}, mimetype="text/plain")
    return Response(status=201 if result.created else 204, mimetype="text/plain")
