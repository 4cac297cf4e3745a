"""The REGIO web application: SPARQL 1.1 service, Graph Store, and the pages people use.

``create_app`` is the app factory (as in Flask's tutorial): configuration comes from defaults, then
``REGIO_*`` environment variables, then the mapping passed in (tests pass their own).  Each concern
is a blueprint in its own module; the store behind them is opened once per app and kept in
``app.extensions["regio.store"]``.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

#: Defaults; every key can be set as an environment variable of the same name.
DEFAULTS: dict[str, Any] = {
    "REGIO_DATA_DIR": None,          # embedded store directory (None: the user's data dir)
    "REGIO_STORE_URL": None,         # remote SPARQL 1.1 engine (query endpoint URL) instead of embedded
    "REGIO_TOKEN": None,             # bearer token that enables updates and the Graph Store writes
    "REGIO_QUERY_TIMEOUT": 30.0,     # seconds
    "REGIO_MAX_BODY": 50 * 1024 * 1024,  # bytes
    "REGIO_MAX_ROWS": 100_000,
    "REGIO_ALLOWED_SERVICE_HOSTS": "",   # comma-separated hosts SERVICE/LOAD may reach
    "REGIO_QUERY_WORKERS": 4,        # embedded: killable query processes (0: queries run in process)
    "REGIO_WORKER_MEMORY_QUADS": 2_000_000,  # embedded: query workers copy stores up to this size into memory (0: off)
    "REGIO_LOAD_DEFAULT": True,      # embedded: load/refresh the default dataset on start
    "REGIO_STORE_UPDATE_URL": None,  # remote: update endpoint (default: derived from REGIO_STORE_URL)
    "REGIO_STORE_GSP_URL": None,     # remote: Graph Store endpoint (default: derived)
    "REGIO_SHARED_STORE": "auto",    # embedded: several processes share the data dir (auto: under gunicorn)
}

#: "module:attribute" of every blueprint, registered in this order.
BLUEPRINTS: list[str] = [
    "regio.web.sparql:bp",
    "regio.web.graph_store:bp",
    "regio.web.health:bp",
    "regio.web.openapi:bp",
    "regio.web.pages:bp",
    "regio.web.pages.ontology:bp",
    "regio.web.pages.resources:bp",
    "regio.web.pages.query:bp",
    "regio.web.pages.validate:bp",
]


def load_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults < environment < explicit overrides."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if key in os.environ:
            config[key] = os.environ[key]
    if overrides:
        config.update(overrides)
    return config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app."""
    import importlib

    app = Flask(__name__)
    app.config.update(load_config(config))
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["REGIO_MAX_BODY"])
    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attr))
    importlib.import_module("regio.web.security").init_app(app)
    importlib.import_module("regio.web.service").init_app(app)
    app.wsgi_app = importlib.import_module("regio.web.fastpath").wrap(app)  # GET /sparql?query=…
    if app.config.get("REGIO_STORE", True) and "regio.store" not in app.extensions:
        from regio.store import open_store

        store = app.extensions["regio.store"] = open_store(app.config)
        if getattr(store, "shared", False) and getattr(store, "role", "") == "primary":
            store.publish_primary(app)  # the other workers send their writes here
    return app
