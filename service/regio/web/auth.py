"""Bearer-token authorisation of writes (SPARQL Update and the Graph Store's PUT/POST/DELETE).

Writes are disabled unless a token is configured (``REGIO_TOKEN`` / ``regio serve --token``).  A
write without an ``Authorization: Bearer …`` header gets 401 with ``WWW-Authenticate``; a wrong
token gets 403.  The comparison is constant-time (``hmac.compare_digest``) and the token is never
logged or echoed.
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, request

REALM = 'Bearer realm="regio", charset="UTF-8"'


def _plain(status: int, message: str, **headers: str) -> Response:
    response = Response(message + "\n", status=status, mimetype="text/plain")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def check_write() -> Response | None:
    """None if this request may write; otherwise the 401/403 response to send."""
    token = current_app.config.get("REGIO_TOKEN")
    if not token:
        return _plain(403, "writes are disabled on this service (no token is configured)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not given.strip():
        return _plain(401, "this is a write: send the service's token as 'Authorization: Bearer <token>'",
                      WWW_Authenticate=REALM)
    if not hmac.compare_digest(given.strip().encode("utf-8"), str(token).encode("utf-8")):
        return _plain(403, "the token is not valid for writes")
    return None
