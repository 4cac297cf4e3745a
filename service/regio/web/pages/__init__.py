"""The pages people use: the query page, the validate page, the ontology and the region pages.

``bp`` carries what the pages share — templates, the CSS and JavaScript under ``static/`` (served
by the service itself: no CDN, so the pages work offline), the Jinja helpers, and ``/labels``, the
label look-up the query page's results table uses.  Each page is a blueprint in its own module:
``query``, ``validate``, ``ontology`` and ``resources``.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from . import data, links

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/pages",
)

#: The most IRIs one /labels request may ask about.
MAX_LABELS = 2000


@bp.app_template_global()
def href(iri: object) -> str:
    return links.href(str(iri))


@bp.app_template_global()
def curie(iri: object) -> str:
    return links.curie(str(iri))


def error_page(exc: HTTPException):
    """Errors on a page are pages too: the message, the navigation, the right status code."""
    if request.path == "/labels":
        return jsonify({"error": exc.name, "message": exc.description}), exc.code
    body = render_template("pages/error.html", title=f"{exc.code} {exc.name}", error=exc)
    return body, exc.code or 500, {"Content-Type": "text/html; charset=utf-8"}


def add_error_page(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(HTTPException, error_page)


add_error_page(bp)


@bp.route("/labels", methods=["POST"])
def labels():
    """``["iri", …]`` → ``{"iri": {"label": …, "href": …}}`` for the results table."""
    iris = request.get_json(silent=True)
    if not isinstance(iris, list) or not all(isinstance(i, str) for i in iris):
        abort(400, description='expected a JSON array of IRI strings, e.g. ["https://w3id.org/regio#Cluster"]')
    if len(iris) > MAX_LABELS:
        abort(400, description=f"at most {MAX_LABELS} IRIs per request")
    found = links.labels(iris)
    return jsonify({i: {"label": found.get(i) or links.fallback_label(i), "href": links.href(i),
                        "curie": links.curie(i)} for i in iris})


__all__ = ["bp", "data", "links"]
