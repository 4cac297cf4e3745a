"""Loading the default dataset (ontology, shapes, instance data) into the store, and keeping it fresh.

The first start loads every default file into its named graph (docs/vocabulary.md); later starts
compare the files' content hashes with ``loaded.json`` and reload only the graphs whose files
changed, so a restart takes about a second and a ``git pull`` is picked up by the next start.  The
graphs fed by these files belong to the files: a changed file replaces its graph.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pyoxigraph as ox

from regio.store import graphs

log = logging.getLogger("regio.store")


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def sync_default_dataset(store) -> list[str]:
    """(Re)load the default graphs whose files changed; return the graphs loaded."""
    by_graph: dict[str, list[Path]] = {}
    for path, graph in graphs.default_files():
        by_graph.setdefault(graph, []).append(path)
    record_path = Path(store.data_dir) / "loaded.json"
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        record = {}
    loaded = []
    oxi = store.oxigraph
    for graph, files in by_graph.items():
        digest = _digest(files)
        if record.get(graph) == digest and oxi.contains_named_graph(ox.NamedNode(graph)):
            continue
        g = ox.NamedNode(graph)
        if oxi.contains_named_graph(g):
            oxi.remove_graph(g)
        oxi.add_graph(g)
        for f in files:
            try:
                oxi.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=g,
                              base_iri=f.resolve().as_uri())
            except SyntaxError as exc:
                log.error("not loaded: %s is not valid Turtle: %s", f, exc)
        record[graph] = digest
        loaded.append(graph)
    for graph in list(record):
        if graph not in by_graph:  # its file was removed
            oxi.remove_graph(ox.NamedNode(graph)) if oxi.contains_named_graph(ox.NamedNode(graph)) else None
            del record[graph]
            loaded.append(graph)
    if loaded:
        oxi.flush()
        log.info("loaded %d default graph(s): %s", len(loaded), ", ".join(loaded))
        try:
            from regio import inference
        except ImportError:
            inference = None
        if inference is not None and hasattr(inference, "materialize"):
            try:
                inference.materialize(store)
                oxi.flush()
            except Exception:
                log.exception("materialising the inferred graph failed")
        record_path.parent.mkdir(parents=True, exist_ok=True)
        record_path.write_text(json.dumps(record, indent=1, sort_keys=True))
    return loaded
