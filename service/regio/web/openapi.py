"""The OpenAPI 3 description of the HTTP API, served at ``/openapi.json`` (and ``/openapi.yaml``).

The document is written by hand in ``openapi.yaml`` beside this module, because it is the
contract the reliability tests hold the real app to (``tests/reliability/test_schemathesis.py``
runs schemathesis against it): generating it from the routes would only describe what the code
happens to do.  It is parsed once and cached.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

SPEC_PATH = Path(__file__).with_name("openapi.yaml")

bp = Blueprint("openapi", __name__)


@functools.cache
def spec() -> dict[str, Any]:
    """The parsed document (a plain dict, ready for ``jsonify`` or schemathesis' ``from_dict``)."""
    import yaml

    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi_json() -> Response:
    response = jsonify(spec())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    return Response(SPEC_PATH.read_bytes(), mimetype="application/yaml")
