"""``/health``: is the service up and can it reach its store (for load balancers and ``make serve``)."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, jsonify

from regio import __version__

bp = Blueprint("health", __name__)


@bp.route("/health")
def health():
    store = current_app.extensions.get("regio.store")
    if store is None:
        return jsonify(status="error", message="no store is configured"), 503
    try:
        if hasattr(store, "ping"):
            store.ping()
        graphs = store.graph_names()
    except Exception as exc:  # engine down: say so, as a 503 a balancer understands
        return jsonify(status="error", store=store.kind, message=f"store unavailable: {exc}"), 503
    return jsonify(status="ok", version=__version__, store=store.kind, role=getattr(store, "role", None),
                   graphs=len(graphs),
                   writes=bool(current_app.config.get("REGIO_TOKEN")), pid=os.getpid())
