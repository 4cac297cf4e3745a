"""``regio infer``: recompute the inferred graph of the embedded store, or only check consistency.

Exit codes: 0 done and consistent, 1 the data is inconsistent (the clashes are printed), 2 the store
could not be opened (e.g. a running ``regio serve`` holds it).
"""

from __future__ import annotations

import json
import sys

import click


@click.command("infer")
@click.option("--data-dir", type=click.Path(file_okay=False), envvar="REGIO_DATA_DIR",
              help="Embedded store directory [default: the service's].")
@click.option("--check", "check_only", is_flag=True, help="Only report inconsistencies; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def infer_command(data_dir: str | None, check_only: bool, as_json: bool) -> None:
    """Materialise the OWL 2 RL entailments into https://w3id.org/regio/graph/inferred."""
    from regio import inference
    from regio.store import StoreError
    from regio.store.embedded import EmbeddedStore, StoreLocked

    config = {"REGIO_QUERY_WORKERS": 0}
    if data_dir:
        config["REGIO_DATA_DIR"] = data_dir
    try:
        store = EmbeddedStore(config)
    except (StoreLocked, StoreError, OSError) as exc:
        click.echo(f"regio infer: error: {getattr(exc, 'message', exc)}", err=True)
        sys.exit(2)
    try:
        report = inference.check(store) if check_only else inference.materialize(store)
        if not check_only:
            store.oxigraph.flush()
    finally:
        store.close()
    click.echo(json.dumps(report.to_dict(), indent=1) if as_json else report.to_text())
    sys.exit(0 if report.consistent else 1)
