"""OWL 2 RL inference: materialise what the ontology entails for the data.

The entailments go into the named graph ``https://w3id.org/regio/graph/inferred`` of the embedded
store, so that queries see asserted + inferred triples by default and can leave the inferred graph
out.  Two entry points, as in ``docs/vocabulary.md``:

- :func:`materialize` recomputes the whole inferred graph (first start, bulk loads, schema changes);
- :func:`update_inferred` maintains it after a small write (DRed: delete and re-derive).

Both accept the service's store object or a bare ``pyoxigraph.Store``; the rules are compiled from
whatever schema the input graphs hold (the ontology graphs normally), see ``program.py``.
What is covered: the OWL 2 RL/RDF rules (W3C OWL 2 Profiles, section 4.3) except the datatype
rules (``dt-*``), ``prp-key``, ``eq-rep-p`` and the trivial conclusions every resource has
(``x owl:sameAs x``, ``x rdf:type owl:Thing``).  Types that are anonymous class expressions
(``x rdf:type _:restriction``) are written only where a rule looks them up (intersection members,
someValuesFrom fillers …), since incremental maintenance must find those in the store; the others
(a union used as a domain, say) are dead ends no query can name, and are not derived at all.  Inconsistencies (``cax-dw``, ``cls-nothing2``, ``prp-irp``,
``prp-asyp``, ``prp-pdw``, ``cls-maxc1``, ``eq-diff*``) are reported, not raised.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyoxigraph as ox

from regio.inference.engine import Clash, InferenceReport
from regio.inference.store import (
    INFERRED_GRAPH, check_consistency, materialize_store, triples_of, update_inferred_store,
)

__all__ = ["materialize", "update_inferred", "check", "InferenceReport", "Clash", "INFERRED_GRAPH",
           "oxigraph_store"]


def oxigraph_store(store: Any) -> ox.Store:
    """The pyoxigraph.Store behind the service's store object (or the store itself)."""
    if isinstance(store, ox.Store):
        return store
    for name in ("oxigraph", "ox", "pyoxigraph_store", "raw", "_store", "store", "_ox"):
        inner = getattr(store, name, None)
        if isinstance(inner, ox.Store):
            return inner
    raise TypeError(f"inference needs an embedded pyoxigraph store, not {type(store).__name__} "
                    "(a remote SPARQL engine keeps its own inference)")


def _remote(store: Any) -> bool:
    """A service store in front of a remote SPARQL engine: that engine keeps its own inference."""
    return getattr(store, "kind", None) == "remote"


def _skipped() -> InferenceReport:
    return InferenceReport(mode="skipped (remote engine: inference is the engine's own)")


def materialize(store: Any) -> InferenceReport:
    """Recompute the inferred graph from all asserted graphs; return what was done and found."""
    if _remote(store):
        return _skipped()
    report, _ = materialize_store(oxigraph_store(store))
    return report


def update_inferred(store: Any, added: Iterable = (), removed: Iterable = ()) -> InferenceReport:
    """Maintain the inferred graph after ``added``/``removed`` triples were written to the store.

    The triples may be pyoxigraph Quads/Triples, rdflib triples, or N-Triples string triples.
    """
    if _remote(store):
        return _skipped()
    return update_inferred_store(oxigraph_store(store), triples_of(list(added)), triples_of(list(removed)))


def check(store: Any) -> InferenceReport:
    """Report inconsistencies without writing anything."""
    if _remote(store):
        return _skipped()
    return check_consistency(oxigraph_store(store))
