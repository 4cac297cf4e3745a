"""The common case of the protocol without Flask's request cycle: ``GET /sparql?query=…``.

A light look-up costs the store about 0.2 ms; Flask's request context, URL routing, the
``Response`` object and the after-request hooks cost about as much again (bench/light_load.py).
This WSGI middleware answers the plainest protocol request — GET of ``/sparql`` whose only
parameter is one non-empty ``query`` — by calling the store directly and writing the response the
Flask endpoint would write: same status, body, ``Content-Type``/``Vary``/``X-Regio-Max-Rows``, CORS
and security headers, and the same access-log record.  Everything else (other methods or
parameters, forms, the service description, pages, and any unexpected error) goes to the Flask
app unchanged.  ``tests/service/test_fastpath.py`` checks that both paths answer alike.
"""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl

from werkzeug.sansio.utils import get_current_url
from werkzeug.wsgi import get_host

from regio.store.errors import InvalidData, StoreError
from regio.store.formats import content_type
from regio.web.security import HEADERS as SECURITY_HEADERS
from regio.web.service import ALLOW_HEADERS, ALLOW_METHODS, access_log

log = logging.getLogger("regio.web")

CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", ALLOW_METHODS),
    ("Access-Control-Allow-Headers", ALLOW_HEADERS),
    ("Access-Control-Expose-Headers", "Location, X-Regio-Max-Rows"),
    ("Access-Control-Max-Age", "86400"),
]
COMMON_HEADERS = CORS_HEADERS + list(SECURITY_HEADERS.items())
STATUS_LINES = {200: "200 OK", 400: "400 BAD REQUEST", 403: "403 FORBIDDEN", 404: "404 NOT FOUND",
                406: "406 NOT ACCEPTABLE", 500: "500 INTERNAL SERVER ERROR", 502: "502 BAD GATEWAY",
                503: "503 SERVICE UNAVAILABLE"}


@lru_cache(maxsize=64)
def _base_url(scheme: str, host: str, root: str) -> str:
    """What ``request.base_url`` is for /sparql (the base IRI of the query)."""
    return get_current_url(scheme, host, root, "/sparql")


def _query_of(environ: dict[str, Any]) -> str | None:
    """The query of a plain ``GET /sparql?query=…``, or None when Flask should handle the request."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
        return None
    raw = environ.get("QUERY_STRING", "")
    if not raw.startswith("query=") or "&" in raw or ";" in raw:
        return None
    try:
        # strict: invalid UTF-8 (lone surrogates too) and NUL go to Flask, which answers 400
        params = parse_qsl(raw.encode("latin1").decode(), keep_blank_values=True, errors="strict")
    except (UnicodeError, ValueError):
        return None
    if len(params) != 1 or params[0][0] != "query" or not params[0][1].strip() or "\x00" in params[0][1]:
        return None
    return params[0][1]


def wrap(app) -> Callable:
    """The app's ``wsgi_app`` with the fast path in front (``app.wsgi_app = wrap(app)``)."""
    flask_wsgi = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        query = _query_of(environ)
        store = app.extensions.get("regio.store") if query is not None else None
        if store is None or getattr(store, "kind", "") != "embedded":
            return flask_wsgi(environ, start_response)
        started = time.perf_counter()
        try:
            base = _base_url(environ.get("wsgi.url_scheme", "http"), get_host(environ),
                             environ.get("SCRIPT_NAME", ""))
            media_type, chunks = store.query(query, accept=environ.get("HTTP_ACCEPT"), base_iri=base)
        except InvalidData:  # not raised by queries; Flask knows how to answer it
            return flask_wsgi(environ, start_response)
        except StoreError as exc:
            if exc.status not in STATUS_LINES:
                return flask_wsgi(environ, start_response)
            body = ((exc.message or "error").rstrip() + "\n").encode()
            headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
            return _respond(environ, start_response, exc.status, headers, [body], len(body), started)
        except Exception:  # noqa: BLE001 - Flask logs it and answers 500, as for any request
            return flask_wsgi(environ, start_response)
        headers = [("Content-Type", content_type(media_type))]
        size = None
        if isinstance(chunks, list):
            size = sum(len(c) for c in chunks)
            headers.append(("Content-Length", str(size)))
        headers.append(("Vary", "Accept"))
        if getattr(store, "max_rows", 0):
            headers.append(("X-Regio-Max-Rows", str(store.max_rows)))
        return _respond(environ, start_response, 200, headers, chunks, size, started)

    return wsgi


def _respond(environ, start_response, status: int, headers: list, body, size: int | None, started: float):
    start_response(STATUS_LINES[status], headers + COMMON_HEADERS)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(json.dumps({
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "remote": environ.get("REMOTE_ADDR"),
            "method": "GET",
            "path": "/sparql",
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "bytes": size,
            "agent": (environ.get("HTTP_USER_AGENT") or "")[:200],
        }))
    return body
