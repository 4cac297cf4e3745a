"""What every response of the service gets: errors as clear 4xx/5xx text, CORS, a structured access log.

* A ``StoreError`` becomes its status with the message (a 422 carries the SHACL report, as Turtle,
  JSON or text after the client's ``Accept``); a too-large body is 413; anything unexpected is a
  500 with a short message (the traceback goes to the log, never to the client).
* CORS: any origin may query (``Access-Control-Allow-Origin: *``), preflights are answered; the
  bearer token still guards writes.
* Access log: one JSON object per request on the ``regio.access`` logger — time, client, method,
  path (without the query string, which could carry secrets), status, duration, size, user agent.
"""

from __future__ import annotations

import io
import json
import logging
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from regio.store.errors import InvalidData, StoreError

access_log = logging.getLogger("regio.access")
log = logging.getLogger("regio.web")

CORS_PATHS = ("/sparql", "/data", "/health")
ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
ALLOW_HEADERS = "Accept, Authorization, Content-Type"


def _text(status: int, message: str, **headers) -> Response:
    response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers)
    return response


def _report_response(exc: InvalidData) -> Response:
    report = exc.report
    best = request.accept_mimetypes.best_match(["text/plain", "application/json", "text/turtle"], "text/plain")
    if best == "application/json" and hasattr(report, "to_json"):
        body = report.to_json()
        body = body if isinstance(body, str) else json.dumps(body)
        return Response(body, status=422, mimetype="application/json")
    if best == "text/turtle" and hasattr(report, "to_turtle"):
        return Response(report.to_turtle(), status=422, content_type="text/turtle; charset=utf-8")
    text = report.to_text() if hasattr(report, "to_text") else str(report)
    return _text(422, f"{exc.message}\n\n{text}")


def limit_chunked_body(app: Flask) -> Response | None:
    """Enforce the body limit on a chunked body (no Content-Length to check up front).

    Behind Werkzeug's development server such a body is silently cut at MAX_CONTENT_LENGTH and
    the request carried on with the truncated text — a truncated update may still parse and do
    something else than was sent.  Read it here, at most one byte past the limit: too long is a
    413; otherwise it is handed on with its length known.
    """
    environ = request.environ
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if not limit or environ.get("CONTENT_LENGTH") or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    try:
        data = environ["wsgi.input"].read(int(limit) + 1)
    except (OSError, ValueError) as exc:
        return _text(400, f"malformed chunked request body: {exc}")
    if len(data) > int(limit):
        return _text(413, f"the request body is larger than this service accepts ({limit} bytes)")
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    return None


def _ensure_access_log() -> None:
    """Under gunicorn, which configures no logging for the app, the access log goes to stderr;
    elsewhere (``regio serve``, tests, scripts) it follows the logging configuration."""
    import sys

    if "gunicorn" not in sys.modules or access_log.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def init_app(app: Flask) -> None:
    _ensure_access_log()
    @app.errorhandler(StoreError)
    def store_error(exc: StoreError):
        if isinstance(exc, InvalidData):
            return _report_response(exc)
        return _text(exc.status, exc.message or "error")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return _text(413, f"the request body is larger than this service accepts ({limit} bytes)")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith(CORS_PATHS):
            return _text(exc.code or 500, f"{exc.name}: {exc.description}")
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _text(500, "internal error; the service log has the details")

    @app.before_request
    def start_timer():
        g.regio_start = time.perf_counter()
        if request.method == "OPTIONS" and request.path.startswith(CORS_PATHS):
            return Response(status=204)
        return limit_chunked_body(app)

    @app.after_request
    def cors_and_log(response: Response) -> Response:
        if request.path.startswith(CORS_PATHS):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Expose-Headers"] = "Location, X-Regio-Max-Rows"
            response.headers["Access-Control-Max-Age"] = "86400"
        if access_log.isEnabledFor(logging.INFO):
            started = g.get("regio_start")
            access_log.info(json.dumps({
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "remote": request.remote_addr,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "bytes": response.content_length,
                "agent": request.user_agent.string[:200],
            }))
        return response
