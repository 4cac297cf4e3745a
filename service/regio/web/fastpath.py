"""The common cases of the protocol without Flask's request cycle: a query by ``GET /sparql?query=…``,
by ``POST`` of a form whose only field is ``query``, or by ``POST`` of ``application/sparql-query``.

A light look-up costs the store about 0.1 ms; Flask's request context, URL routing, form parsing,
the ``Response`` object and the after-request hooks cost about 0.5 ms more (bench/light_load.py).
This WSGI middleware answers the plainest protocol requests — one non-empty ``query`` and no other
parameter — by calling the store directly and writing the response the Flask endpoint would
write: same status, body, ``Content-Type``/``Vary``/``X-Regio-Max-Rows``, CORS and security
headers, and the same access-log record.  Everything else (other methods or parameters, updates,
bodies over ``FAST_BODY`` bytes or not UTF-8, the service description, pages, and any unexpected
error) goes to the Flask app unchanged, with the body it sent.  ``tests/service/test_fastpath.py``
checks that both paths answer alike.
"""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from typing import Any, Callable, Iterable
from io import BytesIO
from urllib.parse import parse_qsl

from werkzeug.sansio.utils import get_current_url
from werkzeug.wsgi import get_host

from regio.store.errors import InvalidData, StoreError
from regio.store.formats import content_type
from regio.web.security import HEADERS as SECURITY_HEADERS
from regio.web.service import ALLOW_HEADERS, ALLOW_METHODS, access_log
from regio.web.sparql import FORM_TYPE, QUERY_TYPE

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


#: Larger bodies go to Flask (which applies the body limit and answers 413).
FAST_BODY = 64 * 1024


def _only_query(raw: str) -> str | None:
    """The value of ``query=…`` when it is the only parameter of a URL-encoded string."""
    if not raw.startswith("query=") or "&" in raw or ";" in raw:
        return None
    try:
        # strict: invalid UTF-8 (lone surrogates too) and NUL go to Flask, which answers 400
        params = parse_qsl(raw.encode("latin1").decode(), keep_blank_values=True, errors="strict")
    except (UnicodeError, ValueError):
        return None
    if len(params) != 1 or params[0][0] != "query":
        return None
    return params[0][1]


def _media_type(header: str) -> str | None:
    """The media type of a Content-Type whose only parameter, if any, is charset=utf-8."""
    mimetype, _, rest = header.partition(";")
    rest = rest.strip().lower().replace('"', "")
    if rest and rest not in ("charset=utf-8", "charset=utf8"):
        return None
    return mimetype.strip().lower()


def _body(environ: dict[str, Any]) -> bytes | None:
    """A small POST body, read whole; the input is replaced by a copy for Flask, which may need it."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    if length < 0 or length > FAST_BODY:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = BytesIO(body)
    return body if len(body) == length else None


def _query_of(environ: dict[str, Any]) -> str | None:
    """The query of a plain protocol request, or None when Flask should handle the request."""
    if environ.get("PATH_INFO") != "/sparql":
        return None
    method = environ.get("REQUEST_METHOD")
    if method == "GET":
        query = _only_query(environ.get("QUERY_STRING", ""))
    elif method == "POST" and not environ.get("QUERY_STRING"):
        mimetype = _media_type(environ.get("CONTENT_TYPE", ""))
        if mimetype not in (FORM_TYPE, QUERY_TYPE):
            return None
        body = _body(environ)
        if body is None:
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        query = _only_query(text) if mimetype == FORM_TYPE else text
    else:
        return None
    if query is None or not query.strip() or "\x00" in query:
        return None
    return query


def wrap(app) -> Callable:
    """The app's ``wsgi_app`` with the fast path in front (``app.wsgi_app = wrap(app)``)."""
    flask_wsgi = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        query = _query_of(environ)
        store = app.extensions.get("regio.store") if query is not None else None
        if store is None:
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
            "method": environ.get("REQUEST_METHOD"),
            "path": "/sparql",
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "bytes": size,
            "agent": (environ.get("HTTP_USER_AGENT") or "")[:200],
        }))
    return body
