"""``regio serve``: run the service under gunicorn with a thread per keep-alive connection
(``regio.web.keepalive``) — one process, or ``--processes N`` workers sharing the store (see
docs/service.md) — or ``--server werkzeug`` (Werkzeug's development server, which closes the
connection after every request and starts a thread per connection).

Measured with bench/light_load.py on 2 cores (light mix, 8 clients): Werkzeug 520–550 queries/s
and 1.4–1.6 ms for one client; gunicorn's gthread worker 780–800 q/s and 1.1 ms (before the fast
path for POST and the pool's changes); see docs/service.md for the current figures.
"""

from __future__ import annotations

import logging
import os
import sys

import click

#: Threads of a web process: each serves one keep-alive connection (regio.web.keepalive).
THREADS = 64


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--data-dir", type=click.Path(file_okay=False), envvar="REGIO_DATA_DIR",
              help="Embedded store directory [default: $XDG_DATA_HOME/regio or ~/.local/share/regio].")
@click.option("--store", "store_url", envvar="REGIO_STORE_URL",
              help="Use a remote SPARQL 1.1 engine (its query endpoint URL) instead of the embedded store.")
@click.option("--token", envvar="REGIO_TOKEN",
              help="Bearer token enabling writes (prefer the REGIO_TOKEN variable: options show in ps).")
@click.option("--timeout", type=float, help="Query timeout in seconds [default: 30].")
@click.option("--max-rows", type=int, help="Maximum result rows [default: 100000].")
@click.option("--max-body", type=int, help="Maximum request body in bytes [default: 50 MiB].")
@click.option("--workers", "query_workers", type=int, help="Query worker processes (embedded) [default: 4]; each, once used, keeps an in-memory "
                   "copy of the store up to REGIO_WORKER_MEMORY_QUADS quads (default 2,000,000; about "
                   "380 bytes a quad).")
@click.option("--allow-service-host", multiple=True, help="Host SERVICE and LOAD may reach (repeatable).")
@click.option("--processes", type=int, default=1, show_default=True,
              help="Web processes (>1: gunicorn workers sharing the store; see docs/service.md).")
@click.option("--server", type=click.Choice(["gunicorn", "werkzeug"]), envvar="REGIO_SERVER",
              default="gunicorn", show_default=True,
              help="HTTP server of a single process: Werkzeug's threaded server or gunicorn; "
                   "--processes N > 1 always runs gunicorn.")
@click.option("--quiet", is_flag=True, help="No access log.")
def serve_command(host, port, data_dir, store_url, token, timeout, max_rows, max_body, query_workers,
                  allow_service_host, processes, server, quiet) -> None:
    """Serve the SPARQL 1.1 endpoint (/sparql), the Graph Store (/data) and the pages."""
    from regio.store.embedded import StoreLocked
    from regio.store.errors import StoreError
    from regio.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its request lines carry query strings
    if quiet:
        logging.getLogger("regio.access").setLevel(logging.WARNING)
    config: dict = {}
    for key, value in (("REGIO_DATA_DIR", data_dir), ("REGIO_STORE_URL", store_url), ("REGIO_TOKEN", token),
                       ("REGIO_QUERY_TIMEOUT", timeout), ("REGIO_MAX_ROWS", max_rows),
                       ("REGIO_MAX_BODY", max_body), ("REGIO_QUERY_WORKERS", query_workers)):
        if value is not None:
            config[key] = value
    if allow_service_host:
        config["REGIO_ALLOWED_SERVICE_HOSTS"] = ",".join(allow_service_host)
    if processes > 1 or server == "gunicorn":
        if not os.environ.get("REGIO_SHARED_STORE"):  # one process: no replicas to publish to
            config["REGIO_SHARED_STORE"] = "true" if processes > 1 else "false"
        _run_gunicorn(config, host, port, processes)
        return
    try:
        app = create_app(config)
    except StoreLocked as exc:
        raise click.ClickException(str(exc)) from None
    except StoreError as exc:
        raise click.ClickException(exc.message) from None
    store = app.extensions["regio.store"]
    where = getattr(store, "data_dir", None) or app.config.get("REGIO_STORE_URL")
    click.echo(f"REGIO serving the {store.kind} store ({where}) at http://{host}:{port}/sparql "
               f"— writes {'enabled (token)' if app.config.get('REGIO_TOKEN') else 'disabled'}", err=True)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        store.close()


def _run_gunicorn(config: dict, host: str, port: int, processes: int) -> None:
    """Several web processes under gunicorn: one primary writes, the others are replicas (or all
    talk to the remote engine)."""
    from gunicorn.app.base import BaseApplication

    from regio.web import create_app

    class Service(BaseApplication):
        def load_config(self) -> None:
            # limit_request_line 0: a GET query may be long (Werkzeug takes 64 KiB request lines)
            for key, value in {"bind": f"{host}:{port}", "workers": processes, "threads": THREADS,
                               "worker_class": "regio.web.keepalive.KeepAliveWorker", "keepalive": 2,
                               "timeout": 600, "graceful_timeout": 10, "limit_request_line": 0}.items():
                self.cfg.set(key, value)

        def load(self):
            from regio.store.embedded import StoreLocked
            from regio.store.errors import StoreError

            try:
                return create_app(config)
            except (StoreLocked, StoreError) as exc:
                click.echo(f"Error: {getattr(exc, 'message', None) or exc}", err=True)
                sys.exit(3)  # gunicorn's "worker failed to boot": the server stops

    writes = "enabled (token)" if config.get("REGIO_TOKEN") or os.environ.get("REGIO_TOKEN") else "disabled"
    click.echo(f"REGIO serving with {processes} process{'es' if processes > 1 else ''} (gunicorn) at "
               f"http://{host}:{port}/sparql — writes {writes}", err=True)
    Service().run()
