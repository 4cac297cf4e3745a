"""The validation engine: pySHACL over a pyoxigraph store, with shapes and ontology cached.

pySHACL is the reference engine and decides every result; this module only removes the overhead
around it, so that the SPARQL service can validate every write and the command line can validate
a million triples:

- data is parsed by pyoxigraph (Rust) into a ``pyoxigraph.Store``, which pySHACL 0.30+ validates
  natively (its SPARQL-based constraints then run in Oxigraph too) — no rdflib parsing;
- the shapes graph is parsed once per process (and again only when a file under ``shapes/``
  changes) and pySHACL's compiled ``ShapesGraph`` is reused between runs;
- pySHACL would copy ("inoculate") the ontology's class and property axioms into a clone of the
  data graph on every run when given ``ont_graph``; we compute that copy once and add it to the
  freshly parsed store, which is validated in place.  This is exactly what ``pyshacl -e
  ontology.ttl`` does, so a firm typed ``regio:SME`` is checked by the ``regio:Firm`` shape.

:func:`reference_validate` runs plain ``pyshacl.validate`` (rdflib parsing, ``ont_graph``) on the
same inputs; tests and ``bench/validate`` check that both give the same conformance and results.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Union

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from regio import paths
from regio.validation.inputs import DataLike, InputError, Source, as_sources, load_sources
from regio.validation.report import ValidationReport, from_report_graph

INFERENCE_OPTIONS = ("none", "rdfs", "owlrl")

#: The ontology modules whose class hierarchy and property axioms the validation uses.
ONTOLOGY_FILES = ("regio.ttl", "regio-references.ttl", "regio-alignment.ttl")

_LABEL_PREDICATES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
)

log = logging.getLogger(__name__)


def shapes_files() -> list[Path]:
    """The shapes files: every ``shapes/*.ttl`` (the hand-written shapes and generated code lists)."""
    return sorted(paths.SHAPES_DIR.glob("*.ttl"))


def ontology_files() -> list[Path]:
    """The ontology modules that exist (the validation still runs while they are being written)."""
    return [p for p in (paths.ONTOLOGY_DIR / name for name in ONTOLOGY_FILES) if p.exists()]


def _stamp(files: Iterable[Path]) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@dataclass
class Resources:
    """Everything that does not depend on the data: parsed once, reused for every validation."""

    shapes_graph: rdflib.Graph
    ontology_graph: rdflib.Graph
    #: the ontology axioms pySHACL's inoculation copies into a data graph, as pyoxigraph quads
    ontology_quads: list[ox.Quad]
    #: pySHACL's compiled shapes, reused between runs
    compiled_shapes: Any
    stamp: tuple


_lock = threading.Lock()
_resources: Resources | None = None


def _parse_files(files: Iterable[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # noqa: BLE001 - a broken shapes/ontology file is a setup error
            raise InputError(f"cannot parse: {exc}", source=str(path)) from None
    return graph


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _inoculated_quads(ontology: rdflib.Graph) -> list[ox.Quad]:
    """The triples pySHACL's ``inoculate`` copies from the ontology into any data graph."""
    from pyshacl.graph_abstraction import DataGraph
    from pyshacl.rdfutil.inoculate import inoculate

    target = DataGraph.from_rdflib(rdflib.Graph())
    inoculate(target, ontology)
    default = ox.DefaultGraph()
    return [ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), default) for s, p, o in target.triples((None, None, None))]


def resources() -> Resources:
    """The cached shapes and ontology, reloaded when a file under shapes/ or ontology/ changes."""
    global _resources
    files_shapes = shapes_files()
    files_ontology = ontology_files()
    stamp = _stamp(files_shapes) + _stamp(files_ontology)
    with _lock:
        if _resources is not None and _resources.stamp == stamp:
            return _resources
        if not files_shapes:
            raise InputError(f"no shapes found in {paths.SHAPES_DIR}")
        from pyshacl.shapes_graph import ShapesGraph

        shapes_graph = _parse_files(files_shapes)
        ontology_graph = _parse_files(files_ontology)
        compiled = ShapesGraph(shapes_graph, False, log)
        compiled.shapes  # noqa: B018 - harvest the shapes now, once
        _resources = Resources(
            shapes_graph=shapes_graph,
            ontology_graph=ontology_graph,
            ontology_quads=_inoculated_quads(ontology_graph),
            compiled_shapes=compiled,
            stamp=stamp,
        )
        return _resources


def _store_from(data: Any, fmt: str | None) -> ox.Store:
    """A fresh pyoxigraph store holding the data (never the caller's own graph or store)."""
    if isinstance(data, ox.Store):
        store = ox.Store()
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in data)
        return store
    if isinstance(data, rdflib.Graph):  # also Dataset/ConjunctiveGraph: validate the union
        store = ox.Store()
        default = ox.DefaultGraph()
        triples = data.triples((None, None, None)) if not isinstance(data, rdflib.Dataset) else (
            q[:3] for q in data.quads((None, None, None, None))
        )
        store.bulk_extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), default) for s, p, o in triples)
        return store
    return load_sources(as_sources(data, fmt))


def _label_getter(store: ox.Store):
    predicates = [ox.NamedNode(p) for p in _LABEL_PREDICATES]
    cache: dict[Node, str | None] = {}

    def label_of(node: Node) -> str | None:
        if node in cache:
            return cache[node]
        found: str | None = None
        if isinstance(node, (rdflib.URIRef, rdflib.BNode)):
            subject = _to_ox(node)
            for predicate in predicates:
                labels = [q.object for q in store.quads_for_pattern(subject, predicate, None)]
                labels = [lit for lit in labels if isinstance(lit, ox.Literal)]
                if labels:
                    labels.sort(key=lambda lit: (lit.language not in ("en", None), lit.language or "", lit.value))
                    found = labels[0].value
                    break
        cache[node] = found
        return found

    return label_of


_data_graph_class = None


def _data_graph(store: ox.Store):
    """pySHACL's Oxigraph data graph, with a constant-time truth value.

    pySHACL writes ``datagraph or shapes_graph`` when it builds each result, and an rdflib graph's
    truth value is its length, which for an Oxigraph-backed graph is a ``COUNT`` over the whole
    store: seconds per thousand results on a large file.  "Has at least one triple" answers the
    same question in constant time; nothing else is changed.
    """
    global _data_graph_class
    if _data_graph_class is None:
        from pyshacl.graph_abstraction import OxigraphDataGraph

        class _OxigraphDataGraph(OxigraphDataGraph):
            def __bool__(self) -> bool:
                return next(iter(self.impl.quads_for_pattern(None, None, None)), None) is not None

        _data_graph_class = _OxigraphDataGraph
    return _data_graph_class(store)


def validate(
    data: Union[DataLike, rdflib.Graph, ox.Store],
    *,
    inference: str = "none",
    format: str | None = None,  # noqa: A002 - the natural name on the command line and here
) -> ValidationReport:
    """Validate region data against REGIO's shapes and return a :class:`ValidationReport`.

    ``data`` is an rdflib ``Graph``/``Dataset`` (the union of its graphs is validated), a
    ``pyoxigraph.Store``, a path (``.ttl``, ``.nt``, ``.nq``, ``.trig``, ``.jsonld``, ``.rdf``/
    ``.owl``/``.xml``, or a ``.csv`` spreadsheet template), ``"-"`` for standard input, a
    :class:`~regio.validation.inputs.Source`, or a list of those (validated together, as one
    graph).  ``format`` overrides the format guessed from the file name.  ``inference`` is
    ``"none"`` (the ontology's class hierarchy is still used, as pySHACL's ``ont_graph``),
    ``"rdfs"`` or ``"owlrl"`` (pySHACL's pre-inference over data plus ontology axioms).

    The caller's graph or store is never modified.  Raises
    :class:`~regio.validation.inputs.InputError` (with file, line and column where known) for
    input that cannot be read or parsed.
    """
    if inference not in INFERENCE_OPTIONS:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE_OPTIONS)}, not {inference!r}")
    res = resources()
    store = _store_from(data, format)
    n_triples = len(store)
    store.bulk_extend(res.ontology_quads)

    from pyshacl import Validator

    options = {"inference": inference, "inplace": True, "advanced": False, "logger": log}
    validator = Validator(_data_graph(store), shacl_graph=res.shapes_graph, options=options)
    validator.shacl_graph = res.compiled_shapes  # the compiled shapes, instead of recompiling
    conforms, report_graph, _ = validator.run()
    report = from_report_graph(bool(conforms), report_graph, _label_getter(store))
    report.triples = n_triples
    if isinstance(data, (str, os.PathLike, Source)):
        report.sources = [os.fspath(data) if not isinstance(data, Source) else data.name]
    elif isinstance(data, (list, tuple)):
        report.sources = [d.name if isinstance(d, Source) else os.fspath(d) for d in data]
    return report


def reference_validate(files: list[str | os.PathLike], *, inference: str = "none") -> ValidationReport:
    """Plain pySHACL, as its command line runs it: rdflib parsing, ``ont_graph``, no caching.

    The yardstick for :func:`validate`: both must give the same conformance and result set.
    """
    import pyshacl

    data = rdflib.Graph()
    for f in files:
        data.parse(os.fspath(f))
    res = resources()
    shapes = _parse_files(shapes_files())
    ontology = _parse_files(ontology_files())
    conforms, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology if len(ontology) else None, inference=inference
    )
    del res
    return from_report_graph(bool(conforms), report_graph)
