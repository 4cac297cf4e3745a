"""The OpenAPI document (``service/regio/web/openapi.yaml``, served at ``/openapi.json``) is held
to the real service: schemathesis generates requests for every documented operation, sends them
to a running ``regio serve`` and checks each answer against the document — no 5xx, only the
documented status codes and content types, bodies matching their schemas, and auth really
enforced where the document says it is (``ignored_auth``: the write operations are retried
without the token and must then fail).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .support import Server

EXAMPLES = 8   # per operation and generation mode: the whole file runs in well under a minute

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, ignored_auth]


def test_api_conforms_to_openapi(server: Server) -> None:
    """Positive (schema-valid) and negative (schema-violating) cases for every operation.

    schemathesis' pytest plugin does not run under pytest 9, so the operations' Hypothesis
    strategies are driven here; failures are collected (not shrunk) and reported together.
    """
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    failures: dict[str, str] = {}
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.generate])
            @given(operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                nonlocal calls
                calls += 1
                try:
                    case.call_and_validate(base_url=server.url, headers=server.auth(), checks=CHECKS, timeout=30)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # noqa: BLE001 - schemathesis' FailureGroup; reported below
                    failures.setdefault(f"{operation.label} ({mode.value})", f"{type(exc).__name__}: {exc}"[:1500])

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request can be generated"
                # nothing in this operation can be made schema-invalid (e.g. no parameters)
    assert calls > 100, f"only {calls} requests were generated"
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_document_covers_the_routes() -> None:
    """Every route of the app (static files aside) is in the document, so that schemathesis
    cannot silently skip one.  The blueprints are registered on a
    bare Flask app: no store is opened."""
    import importlib
    import re

    from flask import Flask

    from regio.web import BLUEPRINTS
    from regio.web.openapi import spec

    app = Flask("routes")
    for entry in BLUEPRINTS:
        module_name, attr = entry.split(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attr))
    documented = spec()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in set(rule.methods or ()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in documented.get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from openapi.yaml: {sorted(missing)}"
