"""Security headers on every response.

The pages load nothing from elsewhere and run no inline script or style, so HTML can carry a
strict Content-Security-Policy: a label in the store that contains ``<script>`` is escaped by Jinja,
and even if some template forgot, the browser would refuse to run it.  Machine responses (SPARQL
results, RDF) get ``nosniff`` so that a browser never renders them as HTML.
"""

from __future__ import annotations

from flask import Flask, Response

#: Everything same-origin; no inline script or style; no plugins; never framed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
])

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def add_security_headers(response: Response) -> Response:
    """after_request hook: headers for all responses, the CSP and frame protection for HTML."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype in ("text/html", "application/xhtml+xml", "image/svg+xml"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
