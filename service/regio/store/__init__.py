"""The store behind the service: an embedded Oxigraph, or any SPARQL 1.1 engine over HTTP.

``open_store(config)`` returns an object with the contract API of docs/vocabulary.md:

* ``query(sparql, *, accept, default_graph_uris=(), named_graph_uris=(), inference=True,
  timeout=None, base_iri=None) -> (media type, iterable of bytes)`` — for the protocol;
* ``select(sparql, *, inference=True) -> list[dict[str, rdflib Node]]`` and
  ``construct(sparql, *, inference=True) -> rdflib.Graph`` — for pages and tests;
* ``update(sparql, *, using_graph_uris=(), using_named_graph_uris=(), base_iri=None)``;
* Graph Store operations ``get_graph(iri)``, ``put_graph(iri, data, fmt)``,
  ``post_graph(iri, data, fmt)``, ``delete_graph(iri)`` (``iri=None``: the user graph; ``data``:
  an rdflib Graph or serialised RDF in the pyoxigraph ``RdfFormat`` ``fmt``);
* ``graph_names()``, ``has_graph(iri)``, ``write_inferred(added, removed)`` (for inference),
  ``close()``.

Errors are ``regio.store.errors.StoreError`` subclasses carrying the HTTP status to answer with.
Every write is validated against the SHACL shapes before it is committed (``regio.store.base``).
"""

from __future__ import annotations

from typing import Any, Mapping

from regio.store import graphs
from regio.store.errors import (BadRequest, EngineUnavailable, InvalidData, NotFound, QueryTimeout,
                                Refused, StoreError)

__all__ = ["open_store", "graphs", "StoreError", "BadRequest", "Refused", "NotFound", "QueryTimeout",
           "EngineUnavailable", "InvalidData"]


def open_store(config: Mapping[str, Any]):
    """The embedded store in ``REGIO_DATA_DIR``, or the remote engine at ``REGIO_STORE_URL``."""
    config = dict(config)
    if config.get("REGIO_STORE_URL"):
        from regio.store.remote import RemoteStore
        return RemoteStore(config)
    from regio.store.embedded import EmbeddedStore, StoreLocked, shared_mode
    try:
        return EmbeddedStore(config)
    except StoreLocked:
        if not shared_mode(config):
            raise
    # another process (the primary) holds the store: serve reads from its snapshots, forward writes
    from regio.store.replica import ReplicaStore
    return ReplicaStore(config)
