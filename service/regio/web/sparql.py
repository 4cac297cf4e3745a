"""``/sparql``: the SPARQL 1.1 Protocol endpoint (query and update) and its service description.

Queries: ``GET ?query=…``, ``POST`` form-encoded (``query=…``) or ``POST`` with
``Content-Type: application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` set the
dataset; the result format follows ``Accept`` (or ``format=json|xml|csv|tsv|ttl|nt|…``), 406 if
none fits.  ``inference=false`` leaves the inferred graph out of the default graph (asserted
triples only).  Updates: ``POST`` form-encoded (``update=…``) or ``application/sparql-update``,
with ``using-graph-uri`` / ``using-named-graph-uri``; they need the bearer token.

``GET /sparql`` without a query answers the SPARQL 1.1 Service Description (Turtle and the other
RDF formats); a browser asking for HTML is sent to the query page.
"""

from __future__ import annotations

import codecs
from urllib.parse import parse_qs, unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, request, stream_with_context

from regio import __version__
from regio.store import BadRequest, StoreError
from regio.store.formats import (GRAPH_FORMATS, RESULT_FORMATS, SHORT_NAMES, NotAcceptable,
                                 content_type, negotiate_graph)
from regio.web.auth import check_write

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
TRUE = ("true", "1", "yes")
FALSE = ("false", "0", "no")


def inference_flag(value: str | None) -> bool:
    """The ``inference`` parameter: anything but the listed values is a mistake worth a 400, not
    silently "true" (a typo such as ``flase`` would otherwise return inferred triples)."""
    if value is None:
        return True
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise BadRequest(f"inference must be true or false (also 1/0, yes/no), not {value[:40]!r}")


def check_url_text(raw: bytes) -> None:
    """Refuse a query string that is not UTF-8 once percent-decoded, or that has a NUL.

    Werkzeug decodes invalid UTF-8 with replacement characters, so a broken query would run as
    some other query; a lone surrogate (``%ED%A0%80``) is invalid UTF-8 too.  The whole string can
    be checked at once: ``&`` and ``=`` are ASCII and never inside a multi-byte sequence.
    """
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the query is not valid UTF-8 (byte {exc.start} of the percent-decoded "
                         "query string)") from None
    if b"\x00" in decoded:
        raise BadRequest("the query string contains a NUL character (%00)")


def error(status: int, message: str) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


def store():
    return current_app.extensions["regio.store"]


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise BadRequest(f"more than one '{name}' parameter")
    return values[0] if values else None


def _body_text() -> str:
    """The request body as text; the protocol allows UTF-8 only."""
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    try:
        if codecs.lookup(charset).name != "utf-8":
            raise BadRequest(f"the body must be UTF-8 (charset={charset} given)")
    except LookupError:
        raise BadRequest(f"unknown charset {charset!r}") from None
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid UTF-8: {exc}") from None


def _params() -> tuple[dict[str, list[str]], str | None, str | None]:
    """(parameters, query, update) of the request, after the protocol's rules on how to send them."""
    check_url_text(request.query_string)
    url_params = {k: request.args.getlist(k) for k in request.args}
    if request.method in ("GET", "HEAD"):
        if "update" in url_params:
            raise StoreError(405, "updates must be sent with POST")
        return url_params, _one(url_params, "query"), None
    mimetype = request.mimetype
    if mimetype == FORM_TYPE:
        body = _body_text()
        check_url_text(body.encode())
        form = parse_qs(body, keep_blank_values=True)
        if "query" in form and "update" in form:
            raise BadRequest("a request carries either 'query' or 'update', not both")
        params = {**url_params, **form}
        for name in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"):
            if name in url_params and name in form:
                params[name] = url_params[name] + form[name]
        return params, _one(form, "query"), _one(form, "update")
    if mimetype == QUERY_TYPE:
        return url_params, _body_text(), None
    if mimetype == UPDATE_TYPE:
        return url_params, None, _body_text()
    if not mimetype:
        raise StoreError(415, "POST needs a Content-Type: application/sparql-query, "
                              "application/sparql-update or application/x-www-form-urlencoded")
    raise StoreError(415, f"unsupported Content-Type {mimetype!r}: use application/sparql-query, "
                          "application/sparql-update or application/x-www-form-urlencoded")


def _accept(params: dict[str, list[str]]) -> str | None:
    fmt = _one(params, "format")
    if fmt:
        return SHORT_NAMES.get(fmt.lower(), fmt)
    return request.headers.get("Accept")


@bp.route("/sparql", methods=["GET", "POST", "HEAD"])
def endpoint():
    params, query, update = _params()
    if update is not None:
        denied = check_write()
        if denied is not None:
            return denied
        if not update.strip():
            raise BadRequest("empty update")
        result = store().update(update, using_graph_uris=params.get("using-graph-uri", []),
                                using_named_graph_uris=params.get("using-named-graph-uri", []),
                                base_iri=request.base_url)
        return Response(f'{{"added": {result.added}, "removed": {result.removed}}}\n',
                        status=200, mimetype="application/json")
    if query is None:
        if request.method == "POST":
            raise BadRequest("no 'query' or 'update' in the request")
        return service_description()
    if not query.strip():
        raise BadRequest("empty query")
    inference = inference_flag(_one(params, "inference"))
    media_type, chunks = store().query(
        query, accept=_accept(params), default_graph_uris=params.get("default-graph-uri", []),
        named_graph_uris=params.get("named-graph-uri", []), inference=inference,
        base_iri=request.base_url)
    headers = {"Vary": "Accept"}
    max_rows = getattr(store(), "max_rows", 0)
    if max_rows:
        headers["X-Regio-Max-Rows"] = str(max_rows)
    if request.method == "HEAD":
        close = getattr(chunks, "close", None)
        if close:
            close()
        return Response(b"", content_type=content_type(media_type), headers=headers)
    if isinstance(chunks, list):  # read whole: sent as one body with its Content-Length
        return Response(b"".join(chunks), content_type=content_type(media_type), headers=headers)
    return Response(stream_with_context(iter(chunks)), content_type=content_type(media_type), headers=headers)


# --- service description ------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD", "application/n-quads": "N-Quads", "application/trig": "TriG",
}


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", *GRAPH_FORMATS])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["text/turtle"]


def service_description() -> Response:
    if _wants_html() and any(rule.rule == "/" for rule in current_app.url_map.iter_rules()):
        return redirect("/", code=303)  # the query page
    try:
        media_type = negotiate_graph(request.headers.get("Accept"))
    except NotAcceptable as exc:
        return error(406, str(exc))
    endpoint_iri = request.base_url
    s = ox.BlankNode("service")
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    triples = [
        ox.Triple(s, a, sd("Service")),
        ox.Triple(s, sd("endpoint"), ox.NamedNode(endpoint_iri)),
        ox.Triple(s, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(s, sd("supportedLanguage"), sd("SPARQL11Update")),
        ox.Triple(s, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(s, sd("feature"), sd("BasicFederatedQuery")),
        ox.Triple(s, ox.NamedNode("http://purl.org/dc/terms/title"),
                  ox.Literal(f"REGIO SPARQL 1.1 service {__version__}")),
    ]
    for media in [*RESULT_FORMATS, *GRAPH_FORMATS]:
        triples.append(ox.Triple(s, sd("resultFormat"), ox.NamedNode(FORMATS + FORMAT_IRIS[media])))
    for media in GRAPH_FORMATS:
        triples.append(ox.Triple(s, sd("inputFormat"), ox.NamedNode(FORMATS + FORMAT_IRIS[media])))
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples += [
        ox.Triple(s, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    try:
        names = store().graph_names()
    except StoreError:
        names = []
    for i, name in enumerate(names):
        ng = ox.BlankNode(f"g{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), ng), ox.Triple(ng, a, sd("NamedGraph")),
                    ox.Triple(ng, sd("name"), ox.NamedNode(name))]
    fmt = GRAPH_FORMATS[media_type]
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        data = ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=fmt)
    else:
        data = ox.serialize(triples, format=fmt, prefixes={"sd": SD, "formats": FORMATS})
    return Response(data, content_type=content_type(media_type), headers={"Vary": "Accept"})
