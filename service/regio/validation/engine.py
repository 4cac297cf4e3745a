"""The validation engine: pySHACL with fast parsing, shapes and ontology cached.

pySHACL is the reference engine and decides every result; this module only removes the overhead
around it, so that the SPARQL service can validate every write and the command line can validate
a million triples:

- data is parsed by pyoxigraph's parser (Rust) straight into an rdflib graph, validated in place
  (not into an Oxigraph *store*: it canonicalises ``xsd:nonNegativeInteger`` to ``xsd:integer``,
  which changes what ``sh:datatype`` sees);
- the shapes graph is parsed once per process (and again only when a file under ``shapes/``
  changes) and pySHACL's compiled ``ShapesGraph`` is reused between runs; property shapes get
  their node shape's targets (:func:`targeted_property_shapes`), so pySHACL checks each of them
  once for all focus nodes instead of once per focus node;
- SHACL-SPARQL queries are parsed once, not once per focus node (:func:`_memoise_sparql_parsing`);
- the ontology's class hierarchy is extracted once and added to the freshly parsed graph, which
  is validated in place, so a firm typed ``regio:SME`` is checked by the ``regio:Firm`` shape
  (with ``rdfs``/``owlrl`` inference, the whole ontology is added for the reasoner).

:func:`reference_validate` runs plain ``pyshacl.validate`` (rdflib parsing, shapes parsed afresh)
on the same inputs plus the same ontology extract; tests and ``bench/validate`` check that both
give the same conformance and results.
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
from rdflib.namespace import SH
from rdflib.term import Node

from regio import paths
from regio.validation.inputs import DataLike, InputError, Source, TermConverter, as_sources, load_sources, new_graph
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
    #: the ontology's named class hierarchy (see _hierarchy_triples)
    hierarchy: list[tuple[Node, Node, Node]]
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


_BUILTIN = ("http://www.w3.org/2002/07/owl#", "http://www.w3.org/2000/01/rdf-schema#",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#")


def _hierarchy_triples(ontology: rdflib.Graph) -> list[tuple[Node, Node, Node]]:
    """The ontology's named class hierarchy and the types of its named individuals.

    ``C rdfs:subClassOf D`` between IRIs is all SHACL needs to check a firm typed ``regio:SME``
    with the ``regio:Firm`` shape (``sh:targetClass`` and ``sh:class`` follow ``rdfs:subClassOf``
    in the data graph); ``i rdf:type C`` for the ontology's individuals lets data point at them
    (``regio:usesKnowledgeForm regio:rdBasedKnowledgeValue`` is a ``regio:KnowledgeForm``).
    pySHACL's own ``ont_graph`` "inoculation" deep-copies every individual with its blank-node
    axioms instead, which for REGIO's ontology takes minutes.
    """
    sub, rdf_type = rdflib.RDFS.subClassOf, rdflib.RDF.type
    out = [
        (s, sub, o)
        for s, o in ontology.subject_objects(sub)
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef)
    ]
    out += [
        (s, rdf_type, o)
        for s, o in ontology.subject_objects(rdf_type)
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef) and not str(o).startswith(_BUILTIN)
    ]
    return out


def ontology_extract(inference: str = "none") -> rdflib.Graph:
    """The ontology triples added to the data before validation, as an rdflib Graph.

    Without inference: the named class hierarchy.  With ``rdfs``/``owlrl`` inference: the whole
    ontology (domains, ranges, equivalences, …), so the reasoner sees it with the data.
    """
    res = resources()
    graph = rdflib.Graph()
    if inference == "none":
        for triple in _hierarchy_triples(res.ontology_graph):
            graph.add(triple)
    else:
        graph += res.ontology_graph
    return graph


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def targeted_property_shapes(shapes: rdflib.Graph) -> rdflib.Graph:
    """The same shapes, with each property shape given its node shape's targets directly.

    pySHACL validates a property shape reached through ``sh:property`` once per focus node
    (building its constraint components anew each time), but a property shape with its own targets
    once for all focus nodes.  For a property shape that belongs to exactly one node shape with
    targets — a node shape not itself used inside another shape — both give the same results (same
    focus node, path, value, severity and source shape), so the copy moves the targets and drops
    the ``sh:property`` link.  The shapes file keeps the readable DCAT-AP layout; tests and
    ``bench/validate`` check that the results do not change.
    """
    out = new_graph()  # pySHACL reads the shapes graph for every focus node too: the fast store
    for triple in shapes:
        out.add(triple)
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns)
    for prop_shape in set(shapes.objects(None, SH.property)):
        parents = list(shapes.subjects(SH.property, prop_shape))
        if len(parents) != 1:
            continue
        parent = parents[0]
        if next(iter(shapes.subjects(None, parent)), None) is not None:
            continue  # the node shape is used inside another shape: keep it as it is
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(parent, p)]
        if not targets or next(iter(shapes.objects(prop_shape, SH.deactivated)), None) is not None:
            continue
        out.remove((parent, SH.property, prop_shape))
        for p, o in targets:
            out.add((prop_shape, p, o))
    return out


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
        compiled = ShapesGraph(targeted_property_shapes(shapes_graph), False, log)
        compiled.shapes  # noqa: B018 - harvest the shapes now, once
        _resources = Resources(
            shapes_graph=shapes_graph,
            ontology_graph=ontology_graph,
            hierarchy=_hierarchy_triples(ontology_graph),
            compiled_shapes=compiled,
            stamp=stamp,
        )
        return _resources


def _graph_from(data: Any, fmt: str | None) -> rdflib.Graph:
    """A fresh rdflib graph holding the data (never the caller's own graph or store)."""
    if isinstance(data, ox.Store):
        graph = new_graph()
        convert = TermConverter()
        for q in data:
            graph.add((convert(q.subject), convert(q.predicate), convert(q.object)))
        return graph
    if isinstance(data, rdflib.Graph):  # also Dataset/ConjunctiveGraph: validate the union
        graph = new_graph()
        if isinstance(data, rdflib.Dataset):
            for s, p, o, _ in data.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph += data
        return graph
    return load_sources(as_sources(data, fmt))


def _label_getter(graph: rdflib.Graph):
    predicates = [rdflib.URIRef(p) for p in _LABEL_PREDICATES]
    cache: dict[Node, str | None] = {}

    def label_of(node: Node) -> str | None:
        if node in cache:
            return cache[node]
        found: str | None = None
        for predicate in predicates:
            labels = [o for o in graph.objects(node, predicate) if isinstance(o, rdflib.Literal)]
            if labels:
                labels.sort(key=lambda lit: (lit.language not in ("en", None), lit.language or "", str(lit)))
                found = str(labels[0])
                break
        cache[node] = found
        return found

    return label_of


_sparql_memo_installed = False
_sparql_memo_active = threading.local()


def _memoise_sparql_parsing() -> None:
    """Parse each SPARQL text once per process instead of once per focus node.

    pySHACL runs a SHACL-SPARQL constraint as one query per focus node, always with the same text
    (the focus node is passed as an initial binding), and rdflib parses and translates the text
    every time — most of the cost.  Evaluating one prepared query with different bindings is
    rdflib's documented way to run a query repeatedly; the results are the same.  The memo is used
    only by the thread running :func:`validate` (``_sparql_memo_active``); every other rdflib
    query in the process goes straight to rdflib.
    """
    global _sparql_memo_installed
    if _sparql_memo_installed:
        return
    from functools import lru_cache

    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query

    @lru_cache(maxsize=256)
    def prepared(text: str, base: str | None, namespaces: tuple | None):
        return processor.translateQuery(processor.parseQuery(text), base, dict(namespaces) if namespaces else None)

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803 - rdflib's names
        if isinstance(strOrQuery, str) and getattr(_sparql_memo_active, "on", False):
            try:
                key = tuple(sorted(initNs.items())) if initNs else None
                strOrQuery = prepared(strOrQuery, base, key)
            except TypeError:  # unhashable namespaces: leave it to rdflib
                pass
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    _sparql_memo_installed = True


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
    graph = _graph_from(data, format)  # first: bad input is reported before any slow set-up
    res = resources()
    n_triples = len(graph)
    add = graph.store.add
    for triple in res.hierarchy if inference == "none" else res.ontology_graph:
        add(triple, graph, False)

    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    _memoise_sparql_parsing()
    options = {"inference": inference, "inplace": True, "advanced": False, "logger": log}
    validator = Validator(DataGraph.from_rdflib(graph), shacl_graph=res.shapes_graph, options=options)
    validator.shacl_graph = res.compiled_shapes  # the compiled shapes, instead of recompiling
    _sparql_memo_active.on = True
    try:
        conforms, report_graph, _ = validator.run()
    finally:
        _sparql_memo_active.on = False
    report = from_report_graph(bool(conforms), report_graph, _label_getter(graph))
    report.triples = n_triples
    if isinstance(data, (str, os.PathLike, Source)):
        report.sources = [os.fspath(data) if not isinstance(data, Source) else data.name]
    elif isinstance(data, (list, tuple)):
        report.sources = [d.name if isinstance(d, Source) else os.fspath(d) for d in data]
    return report


def reference_validate(files: list[str | os.PathLike], *, inference: str = "none") -> ValidationReport:
    """Plain pySHACL, as its command line runs it: rdflib parsing, the shapes parsed afresh.

    The data graph is the files plus :func:`ontology_extract` (what :func:`validate` adds too).
    The yardstick for :func:`validate`: both must give the same conformance and result set.
    """
    import pyshacl

    data = rdflib.Graph()
    for f in files:
        data.parse(os.fspath(f))
    data += ontology_extract(inference)
    shapes = _parse_files(shapes_files())
    conforms, report_graph, _ = pyshacl.validate(data, shacl_graph=shapes, inference=inference)
    return from_report_graph(bool(conforms), report_graph)
