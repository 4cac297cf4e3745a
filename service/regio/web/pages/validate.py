"""``/validate``: check region data against REGIO's SHACL shapes before loading it.

A data steward pastes or uploads RDF (Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads) or a
filled-in CSV template and gets the report of :func:`regio.validation.validate`, grouped by focus
node, coloured by severity, with a hint for fixing each result, and downloadable as Turtle
(a standard ``sh:ValidationReport``), JSON or text.  Scripts can POST to the same URL and ask for
the report directly (``Accept: text/turtle`` / ``application/json`` / ``text/plain``).

Bad input — nothing given, an unknown format, a syntax error — is answered ``400`` with the parser's
message (file, line, column) on the same page, the pasted text kept so it can be corrected.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, abort, render_template, request, send_from_directory
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH

from regio import paths

from . import add_error_page, links, negotiate

bp = Blueprint("validate_page", __name__)
add_error_page(bp)

FORMATS = [("", "detect from the file name or content"), ("turtle", "Turtle"), ("ntriples", "N-Triples"),
           ("json-ld", "JSON-LD"), ("rdfxml", "RDF/XML"), ("trig", "TriG"), ("nquads", "N-Quads"),
           ("csv", "CSV template")]
INFERENCE = [("none", "none (class hierarchy of the ontology only)"), ("rdfs", "RDFS"), ("owlrl", "OWL 2 RL")]
REPORT_TYPES = {"text/turtle": ("to_turtle", "ttl"), "application/json": ("to_json", "json"),
                "text/plain": ("to_text", "txt")}
#: The most focus nodes the page lists (the downloads hold them all).
MAX_GROUPS = 300

#: How to fix a result, by SHACL constraint component (local name): the data steward's next step.
HINTS = {
    "MinCountConstraintComponent": "Add a value for {path} to {focus} (the shape requires at least one more).",
    "MaxCountConstraintComponent": "Remove the extra values of {path} from {focus}: the shape allows fewer.",
    "DatatypeConstraintComponent": "Write the value as a literal of the expected datatype, e.g. \"1998\"^^xsd:gYear "
                                   "or \"42\"^^xsd:nonNegativeInteger — check the spelling of the datatype too.",
    "ClassConstraintComponent": "Point {path} at a resource of the expected class, or state that class of {value} "
                                "with rdf:type (see the ontology page of the class).",
    "NodeKindConstraintComponent": "Use the kind of term the shape expects (an IRI such as "
                                   "<https://w3id.org/regio/id/…>, not a string, or the other way round).",
    "InConstraintComponent": "Use one of the allowed values named in the message.",
    "HasValueConstraintComponent": "Add the required value named in the message.",
    "PatternConstraintComponent": "Change the value to the required form (the message gives the pattern; "
                                  "ISO 3166 codes look like NO or IT-45).",
    "MinInclusiveConstraintComponent": "Use a value within the allowed range.",
    "MaxInclusiveConstraintComponent": "Use a value within the allowed range.",
    "MinExclusiveConstraintComponent": "Use a value within the allowed range.",
    "MaxExclusiveConstraintComponent": "Use a value within the allowed range.",
    "MinLengthConstraintComponent": "Write a longer value.",
    "MaxLengthConstraintComponent": "Shorten the value.",
    "LanguageInConstraintComponent": "Tag the text with one of the allowed languages, e.g. \"…\"@en.",
    "UniqueLangConstraintComponent": "Keep one value per language tag for {path}.",
    "ClosedConstraintComponent": "Remove {path} from {focus}: the shape does not allow it here (typo in the "
                                 "property name?).",
    "NodeConstraintComponent": "The value does not meet the nested shape: read the message and the shape.",
    "QualifiedMinCountConstraintComponent": "Add values of {path} of the kind the message names.",
    "QualifiedMaxCountConstraintComponent": "Remove values of {path} of the kind the message names.",
    "OrConstraintComponent": "Make the value meet at least one of the alternatives the shape lists.",
    "XoneConstraintComponent": "Make the value meet exactly one of the alternatives the shape lists.",
    "AndConstraintComponent": "Make the value meet all the conditions the shape lists.",
    "NotConstraintComponent": "The value meets a condition the shape forbids.",
    "DisjointConstraintComponent": "The same value may not appear on both properties.",
    "EqualsConstraintComponent": "Both properties must have the same values.",
    "LessThanConstraintComponent": "The first value must be smaller (e.g. a start year before the end year).",
    "LessThanOrEqualsConstraintComponent": "The first value must not be larger (e.g. start year ≤ end year).",
    "SPARQLConstraintComponent": "A rule across several statements is broken: the message says which.",
}


def hint(result) -> str:
    """What to do about a result, by its constraint component."""
    component = str(result.constraint_component or "").rsplit("#", 1)[-1]
    template = HINTS.get(component, "Change the data as the message says; the shape {shape} states what it expects.")
    return template.format(path=result.path_text or "the property", focus=result.focus_label or term_text(result.focus_node),
                           value=term_text(result.value) if result.value is not None else "the value",
                           shape=term_text(result.source_shape))


def explanation(result, shapes_graph) -> str:
    """The shape author's own words on the constraint (sh:description), if any: the why."""
    if shapes_graph is None or result.source_shape is None:
        return ""
    for prop in (SH.description, URIRef("http://www.w3.org/2004/02/skos/core#scopeNote")):
        advice = shapes_graph.value(result.source_shape, prop)
        if isinstance(advice, Literal):
            return str(advice)
    return ""


def term_text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return links.curie(str(term))
    if isinstance(term, BNode):
        return "(anonymous node)"
    return str(term)


def wanted_report_type() -> str | None:
    """A report media type when a script (not a browser) posts, else None for the HTML page."""
    fmt = request.values.get("report")
    if fmt:
        for media_type, (_, ext) in REPORT_TYPES.items():
            if fmt in (ext, media_type):
                return media_type
        abort(400, description="report must be one of: ttl, json, txt")
    best = request.accept_mimetypes.best_match([negotiate.HTML, *REPORT_TYPES])
    return None if best in (None, negotiate.HTML) else best


def templates() -> list[str]:
    if not paths.TEMPLATES_DIR.is_dir():
        return []
    return sorted(p.name for p in paths.TEMPLATES_DIR.iterdir() if p.suffix in (".csv", ".ttl", ".md") and p.is_file())


def render(status: int = 200, **context) -> Response:
    context.setdefault("text", "")
    context.setdefault("format", "")
    context.setdefault("inference", "none")
    body = render_template("pages/validate.html", title="Validate", formats=FORMATS, inferences=INFERENCE,
                           templates=templates(), **context)
    return Response(body, status=status, mimetype="text/html")


@bp.route("/validate", methods=["GET"])
def form():
    return render()


@bp.route("/validate/templates/<name>")
def template_file(name: str):
    if name not in templates():
        abort(404, description=f"no template named {name!r}")
    return send_from_directory(paths.TEMPLATES_DIR, name, as_attachment=True)


def _pasted_bytes() -> bytes | None:
    """The pasted ``data`` field of a URL-encoded form as sent, or None.

    Werkzeug decodes a form field's invalid UTF-8 with replacement characters, which would turn a
    CSV in a legacy encoding into text that "conforms"; the raw bytes let it be refused instead.
    (A multipart form's text field is not checked this way; its uploaded files are, as bytes.)
    """
    if request.mimetype != "application/x-www-form-urlencoded":
        return None
    for field in request.get_data(cache=True).split(b"&"):
        key, _, value = field.partition(b"=")
        if unquote_to_bytes(key.replace(b"+", b" ")) == b"data":
            return unquote_to_bytes(value.replace(b"+", b" "))
    return None


@bp.route("/validate", methods=["POST"])
def run():
    from regio.validation import InputError, Source, validate
    from regio.validation.inputs import check_utf8
    from regio.validation.engine import resources

    pasted = _pasted_bytes()  # before request.form, which would consume the body
    text = request.form.get("data", "")
    fmt = request.form.get("format", "") or None
    inference = request.form.get("inference", "none")
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    context = {"text": text, "format": fmt or "", "inference": inference}
    if fmt is not None and fmt not in {f for f, _ in FORMATS}:
        return render(400, error=f"unknown format {fmt!r}", **context)
    if inference not in {i for i, _ in INFERENCE}:
        return render(400, error=f"unknown inference {inference!r}: use none, rdfs or owlrl", **context)
    if pasted is not None:
        try:
            check_utf8(pasted, "pasted data")
        except InputError as exc:
            return render(400, error=str(exc), **context)
    # Several files are validated together, as one graph: a set of CSV templates refers across
    # files (clusters.csv names the rows of sources.csv), and RDF may be split over modules.
    sources = [Source(f.filename, f.read(), fmt) for f in uploads]
    if text.strip():
        sources.append(Source("pasted data", text.encode("utf-8"), fmt or _sniff(text)))
    if not sources:
        return render(400, error="Nothing to validate: paste data into the box or choose a file.", **context)
    source_name = ", ".join(s.name for s in sources)

    try:
        report = validate(sources if len(sources) > 1 else sources[0], inference=inference)
    except InputError as exc:
        problems = getattr(exc, "errors", None)  # a CSV template: one entry per cell, row or file
        if problems:
            rows = [{"where": f"{e.file}" + (f", row {e.row}" if e.row is not None else ""),
                     "column": e.column, "message": e.message, "severity": getattr(e, "severity", "Violation")}
                    for e in problems]
            return render(400, error=f"{len(rows)} problem(s) in the spreadsheet: fix these cells, then "
                                     "validate again.", csv_errors=rows, **context)
        return render(400, error=str(exc), **context)
    except ValueError as exc:  # e.g. a CSV template with a wrong header, if raised as ValueError
        return render(400, error=str(exc), **context)

    media_type = wanted_report_type()
    if media_type:
        method, ext = REPORT_TYPES[media_type]
        response = Response(getattr(report, method)(), mimetype=media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="validation-report.{ext}"'
        return response

    try:
        shapes_graph = resources().shapes_graph
    except InputError:
        shapes_graph = None
    groups = []
    for node, label, results in report.by_focus_node()[:MAX_GROUPS]:
        groups.append({
            "node": term_text(node), "label": label, "iri": str(node) if isinstance(node, URIRef) else None,
            "worst": min((r.severity for r in results), key=["Violation", "Warning", "Info"].index),
            "results": [{"severity": r.severity, "message": r.message, "path": r.path_text if r.path is not None else None,
                         "value": term_text(r.value) if r.value is not None else None,
                         "shape": term_text(r.source_shape), "component": term_text(r.constraint_component),
                         "hint": hint(r), "why": explanation(r, shapes_graph)} for r in results],
        })
    downloads = {"ttl": report.to_turtle(), "json": report.to_json(), "txt": report.to_text()}
    return render(200, report=report, counts=report.counts(), groups=groups, summary=report.summary(),
                  more=max(0, len(report.by_focus_node()) - MAX_GROUPS), downloads=downloads,
                  source_name=source_name, **context)


def _sniff(text: str) -> str:
    """Pasted text has no file name: tell the formats apart by their first characters."""
    head = text.lstrip()[:500]
    if head.startswith("<?xml") or head.startswith("<rdf:RDF"):
        return "rdfxml"
    if head[:1] in "{[":
        return "json-ld"
    first = head.splitlines()[0] if head else ""
    if first.count(",") >= 2 and not first.startswith(("@", "PREFIX", "prefix", "<", "#")):
        return "csv"
    return "turtle"
