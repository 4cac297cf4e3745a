"""What every store does the same way, embedded or remote: the write pipeline and the page API.

Every write — a SPARQL update or a Graph Store request — goes through one pipeline:

1. *plan*: the update is rewritten for the store and the graphs it may read and write are listed
   (``sparql_text.plan_update``); ``SERVICE``/``LOAD`` to hosts not allow-listed are refused;
2. *delta*: the quads it would add and remove are computed without touching the store —
   ``INSERT DATA``/``DELETE DATA`` and Graph Store bodies directly, any other update by running it
   on an in-memory scratch store holding copies of just the graphs it reads or writes;
3. *validate*: the would-be description of every resource the delta touches (its triples in all
   graphs after the write, the types of what it points to, the class hierarchy) is checked
   against the SHACL shapes by ``regio.validation.validate``; a violation is a 422 carrying the
   report, and nothing is written;
4. *commit*: the delta is applied (embedded: one transaction when it has no blank nodes) and made
   durable before the request is answered, then ``regio.inference.update_inferred(store, added,
   removed)`` brings the inferred graph up to date.

A write lock serialises steps 2–4 in this process, so the state validated is the state written.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import pyoxigraph as ox
import rdflib

from regio.store import graphs
from regio.store.errors import BadRequest, InvalidData, NotFound, Refused, StoreError
from regio.store.formats import NotAcceptable, negotiate
from regio.store.sparql_text import ALL, QueryInfo, SparqlTextError, UpdatePlan, analyze_query, plan_update

log = logging.getLogger("regio.store")

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# ---------------------------------------------------------------------------------------------
# terms between pyoxigraph and rdflib

def to_rdflib(term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(dt))
    if isinstance(term, ox.DefaultGraph):
        return rdflib.URIRef(graphs.USER)
    return rdflib.Literal(str(term))


def from_rdflib(term: rdflib.term.Node):
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


def triples_to_rdflib(triples: Iterable) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in triples:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g


def check_json_depth(data: bytes | str) -> None:
    """Refuse JSON nested too deeply for pyoxigraph's JSON-LD parser, which recurses without a
    limit: a few thousand nested objects overflow its stack and kill the process (SIGSEGV).
    Python's decoder stops at its recursion limit (about 1,000 levels) with RecursionError."""
    import json

    try:
        json.loads(data)
    except RecursionError:
        raise BadRequest("the JSON-LD is nested too deeply") from None
    except ValueError as exc:
        raise BadRequest(f"malformed JSON-LD: {exc}") from None


_XML_ENTITY = re.compile(rb"""<!ENTITY\s+(?:%\s+)?([^\s"'>]+)\s+(?:"([^"]*)"|'([^']*)')""")
#: How much larger than the document its entity references may make it.
MAX_ENTITY_EXPANSION = 16 * 1024 * 1024


def check_xml_entities(data: bytes | str) -> None:
    """Refuse the "billion laughs": pyoxigraph's RDF/XML parser expands internal entities without a
    limit (a 1 KB document of nested entities becomes a 3 GB literal and 9 GB of memory).  The
    entities Protégé and friends declare are plain IRIs, so entities that refer to entities are
    refused, and so is a document whose references would expand it by more than 16 MB."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if b"<!ENTITY" not in raw:
        return
    expansion = 0
    for match in _XML_ENTITY.finditer(raw):
        name, value = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        if b"&" in value:
            raise BadRequest(f"XML entity {name.decode('utf-8', 'replace')!r} refers to other entities; "
                             "nested entities are not accepted")
        expansion += len(value) * raw.count(b"&" + name + b";")
        if expansion > MAX_ENTITY_EXPANSION:
            raise BadRequest("the XML entities would expand the document by more than "
                             f"{MAX_ENTITY_EXPANSION // (1024 * 1024)} MB")


def quads_in(graph_iri: str, data: rdflib.Graph | bytes | str, fmt: ox.RdfFormat | None = None,
             base_iri: str | None = None) -> set[ox.Quad]:
    """The quads of ``data`` placed in ``graph_iri`` (data: an rdflib Graph or serialised RDF)."""
    g = ox.NamedNode(graph_iri)
    if isinstance(data, rdflib.Graph):
        return {ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o), g) for s, p, o in data}
    if fmt == ox.RdfFormat.JSON_LD:
        check_json_depth(data)
    elif fmt == ox.RdfFormat.RDF_XML:
        check_xml_entities(data)
    try:
        parsed = ox.parse(data, format=fmt or ox.RdfFormat.TURTLE, base_iri=base_iri or graph_iri)
        return {ox.Quad(q.subject, q.predicate, q.object, g) for q in parsed}
    except SyntaxError as exc:
        raise BadRequest(f"malformed RDF: {exc}") from None
    except ValueError as exc:
        raise BadRequest(f"cannot read the RDF: {exc}") from None


def quads_of(graph_iri: str, data, fmt: ox.RdfFormat | None = None) -> set[ox.Quad]:
    """``quads_in`` for one document, or for a list of (data, format) parts (merged)."""
    if isinstance(data, list):
        out: set[ox.Quad] = set()
        for part, part_fmt in data:
            out |= quads_in(graph_iri, part, part_fmt)
        return out
    return quads_in(graph_iri, data, fmt)


def has_bnode(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def quads_as_data(quads: Iterable[ox.Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA (no blank nodes)."""
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        by_graph.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .")
    return "\n".join(f"GRAPH {g} {{\n" + "\n".join(lines) + "\n}" for g, lines in by_graph.items())


@dataclass
class WriteResult:
    added: int
    removed: int
    created: bool = False   # a graph that did not exist before (Graph Store PUT/POST: 201)

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed}


class Delta:
    def __init__(self) -> None:
        self.added: set[ox.Quad] = set()
        self.removed: set[ox.Quad] = set()
        self.created: set[str] = set()
        self.dropped: set[str] = set()

    def add(self, q: ox.Quad, present: bool) -> None:
        if q in self.removed:
            self.removed.discard(q)
        elif not present:
            self.added.add(q)

    def remove(self, q: ox.Quad, present: bool) -> None:
        if q in self.added:
            self.added.discard(q)
        elif present:
            self.removed.add(q)


class BaseStore:
    """The store contract of docs/vocabulary.md; subclasses provide the engine primitives."""

    kind = "base"

    def __init__(self, config: dict[str, Any]):
        self.config = config
        hosts = str(config.get("REGIO_ALLOWED_SERVICE_HOSTS") or "")
        self.allowed_hosts = frozenset(h.strip().lower() for h in hosts.split(",") if h.strip())
        self.max_rows = int(config.get("REGIO_MAX_ROWS") or 0)
        self.timeout = float(config.get("REGIO_QUERY_TIMEOUT") or 0) or None
        #: callable(rdflib.Graph) -> report with .conforms (None: regio.validation.validate)
        self.validator: Callable | None = config.get("REGIO_VALIDATOR")
        self.write_lock = threading.RLock()
        if self.validator is None and config.get("REGIO_TOKEN"):
            threading.Thread(target=self._warm_validation, daemon=True, name="regio-warm-shapes").start()

    @staticmethod
    def _warm_validation() -> None:
        """Parse the shapes now, so the first write does not wait for it."""
        try:
            from regio.validation import resources
            resources()
        except Exception:  # reported by the first write that needs them
            log.debug("warming the validation resources failed", exc_info=True)

    # -- engine primitives (subclasses) ----------------------------------------------------------
    def graph_names(self) -> list[str]:
        raise NotImplementedError

    def graph_quads(self, iri: str) -> set[ox.Quad]:
        raise NotImplementedError

    def has_graph(self, iri: str) -> bool:
        raise NotImplementedError

    def contains(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Those of ``quads`` present in the store."""
        raise NotImplementedError

    def quads_about(self, nodes: Iterable) -> list[ox.Quad]:
        """All quads whose subject is one of ``nodes``."""
        raise NotImplementedError

    def _commit(self, delta: Delta, plan: UpdatePlan | None, base_iri: str | None) -> None:
        raise NotImplementedError

    def _changed(self) -> None:
        """Called after a committed write (embedded: publish a new snapshot to query workers)."""

    # -- reads ----------------------------------------------------------------------------------
    def select(self, sparql: str, *, inference: bool = True) -> list[dict[str, rdflib.term.Node]]:
        raise NotImplementedError

    def construct(self, sparql: str, *, inference: bool = True) -> rdflib.Graph:
        raise NotImplementedError

    def get_graph(self, iri: str | None) -> rdflib.Graph:
        iri = iri or graphs.USER
        if not self.has_graph(iri):
            raise NotFound(f"no graph <{iri}> in the store")
        return triples_to_rdflib(self.graph_quads(iri))

    def default_graphs(self, inference: bool) -> list[str]:
        """The graphs whose union is the default graph of a query."""
        names = self.graph_names()
        return names if inference else [g for g in names if g != graphs.INFERRED]

    # -- query text -----------------------------------------------------------------------------
    def _analyze(self, sparql: str) -> QueryInfo:
        """The query's shape and graphs, or the 400 / 403 its text earns."""
        try:
            return analyze_query(sparql, allowed_hosts=self.allowed_hosts)
        except SparqlTextError as exc:
            raise BadRequest(str(exc)) from None
        except PermissionError as exc:
            raise Refused(str(exc)) from None

    @staticmethod
    def _media_type(accept: str | None, info: QueryInfo) -> str:
        """The result format for the client's Accept header, or a 406."""
        try:
            return negotiate(accept, info.form)
        except NotAcceptable as exc:
            raise StoreError(406, str(exc)) from None

    # -- writes ---------------------------------------------------------------------------------
    def update(self, sparql: str, *, using_graph_uris: Iterable[str] = (),
               using_named_graph_uris: Iterable[str] = (), base_iri: str | None = None) -> WriteResult:
        try:
            plan = plan_update(sparql, user_graph=graphs.USER, using=tuple(using_graph_uris),
                               using_named=tuple(using_named_graph_uris), base_iri=base_iri,
                               allowed_hosts=self.allowed_hosts)
        except SparqlTextError as exc:
            raise BadRequest(str(exc)) from None
        except PermissionError as exc:
            raise StoreError(403, str(exc)) from None
        with self.write_lock:
            delta = self._data_delta(plan, base_iri) if plan.data_only else self._scratch_delta(plan, base_iri)
            return self._finish(delta, plan, base_iri)

    def put_graph(self, iri: str | None, data, fmt: ox.RdfFormat | None = None) -> WriteResult:
        iri = iri or graphs.USER
        new = quads_of(iri, data, fmt)
        with self.write_lock:
            existed = self.has_graph(iri)
            old = self.graph_quads(iri) if existed else set()
            delta = Delta()
            delta.added = new - old
            delta.removed = old - new
            if not existed:
                delta.created.add(iri)
            result = self._finish(delta, None, None)
            result.created = not existed
            return result

    def post_graph(self, iri: str | None, data, fmt: ox.RdfFormat | None = None) -> WriteResult:
        iri = iri or graphs.USER
        new = quads_of(iri, data, fmt)
        with self.write_lock:
            existed = self.has_graph(iri)
            delta = Delta()
            present = self.contains(new) if existed else set()
            delta.added = new - present
            if not existed:
                delta.created.add(iri)
            result = self._finish(delta, None, None)
            result.created = not existed
            return result

    def delete_graph(self, iri: str | None) -> WriteResult:
        iri = iri or graphs.USER
        with self.write_lock:
            if not self.has_graph(iri):
                raise NotFound(f"no graph <{iri}> in the store")
            delta = Delta()
            delta.removed = self.graph_quads(iri)
            delta.dropped.add(iri)
            return self._finish(delta, None, None)

    # -- the pipeline ---------------------------------------------------------------------------
    def _data_delta(self, plan: UpdatePlan, base_iri: str | None) -> Delta:
        delta = Delta()
        for head, text in plan.data_ops:
            scratch = ox.Store()
            as_insert = text.replace("DELETE DATA", "INSERT DATA", 1) if head == "DELETE" else text
            try:
                scratch.update(as_insert, base_iri=base_iri, prefixes=graphs.PREFIXES)
            except SyntaxError as exc:
                raise BadRequest(f"malformed update: {exc}") from None
            except (OSError, ValueError, RuntimeError) as exc:
                raise BadRequest(f"update failed: {exc}") from None
            quads = set(scratch.quads_for_pattern(None, None, None, None))
            if head == "DELETE" and any(has_bnode(q) for q in quads):
                raise BadRequest("malformed update: blank nodes are not allowed in DELETE DATA")
            present = self.contains(quads)
            for q in quads:
                if head == "INSERT":
                    delta.add(q, q in present)
                else:
                    delta.remove(q, q in present)
        return delta

    def _scratch_delta(self, plan: UpdatePlan, base_iri: str | None) -> Delta:
        existing = set(self.graph_names())
        if plan.touches_all:
            copied = set(existing)
        else:
            copied = (plan.reads | plan.writes) & existing
        scratch = ox.Store()
        before: dict[str, set[ox.Quad]] = {}
        for g in copied:
            before[g] = self.graph_quads(g)
            scratch.add_graph(ox.NamedNode(g))
            scratch.extend(before[g])
        try:
            scratch.update(plan.text, base_iri=base_iri, prefixes=graphs.PREFIXES)
        except SyntaxError as exc:
            raise BadRequest(f"malformed update: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise BadRequest(f"update failed: {exc}") from None
        after_names = {g.value for g in scratch.named_graphs() if isinstance(g, ox.NamedNode)}
        written = (after_names | copied) if ALL in plan.writes else (plan.writes & (after_names | copied))
        delta = Delta()
        for g in written:
            old = before.get(g, set())
            new = set(scratch.quads_for_pattern(None, None, None, ox.NamedNode(g))) if g in after_names else set()
            delta.added |= new - old
            delta.removed |= old - new
            if g in after_names and g not in existing:
                delta.created.add(g)
            if g in existing and g not in after_names:
                delta.dropped.add(g)
        stray = list(scratch.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        if stray:  # cannot happen after the rewrite; never lose data silently
            raise BadRequest("the update wrote to the engine's default graph, which this service does not use")
        return delta

    def _finish(self, delta: Delta, plan: UpdatePlan | None, base_iri: str | None) -> WriteResult:
        self._validate(delta)
        if delta.added or delta.removed or delta.created or delta.dropped:
            self._commit(delta, plan, base_iri)
            self._infer(delta)
            self._changed()
        return WriteResult(len(delta.added), len(delta.removed))

    def _get_validator(self) -> Callable | None:
        if self.validator is not None:
            return self.validator
        try:
            from regio.validation import validate
        except ImportError:
            log.warning("regio.validation is not available: writes are not validated")
            return None
        return validate

    def affected_graph(self, delta: Delta) -> rdflib.Graph:
        """The would-be description of what the delta touches, as an rdflib Graph."""
        nodes = {q.subject for q in delta.added | delta.removed}
        nodes |= {q.object for q in delta.added if isinstance(q.object, ox.NamedNode)}
        user_quads = [q for q in delta.added | delta.removed if q.graph_name.value != graphs.INFERRED]
        if not user_quads:
            return rdflib.Graph()
        triples: set[ox.Triple] = set()
        removed = {ox.Triple(q.subject, q.predicate, q.object) for q in delta.removed}

        def describe(found: list[ox.Quad]) -> None:
            for q in found:
                if q.graph_name.value == graphs.INFERRED:
                    continue  # asserted data is validated, as `regio validate` does on files
                t = ox.Triple(q.subject, q.predicate, q.object)
                if q in delta.removed and t in removed:
                    continue
                triples.add(t)

        describe(self.quads_about(nodes))
        for q in delta.added:
            triples.add(ox.Triple(q.subject, q.predicate, q.object))
        # still present through another graph?
        objects = {t.object for t in triples if not isinstance(t.object, ox.Literal)} - nodes
        describe([q for q in self.quads_about(objects) if q.predicate == RDF_TYPE])
        # (regio.validation brings the ontology's class hierarchy itself)
        return triples_to_rdflib(triples)

    def _validate(self, delta: Delta) -> None:
        if not (delta.added or delta.removed):
            return
        validator = self._get_validator()
        if validator is None:
            return
        graph = self.affected_graph(delta)
        if len(graph) == 0:
            return
        report = validator(graph)
        if report.conforms:
            return
        # Only the resources the write changed are judged; the others in the graph (what they
        # point to) are there with their types only, for sh:class, and are incomplete on purpose.
        # Warnings and infos do not block a write.
        changed = {to_rdflib(q.subject) for q in delta.added | delta.removed}
        blocking = [r for r in getattr(report, "results", None) or []
                    if str(getattr(r, "severity", "Violation")).endswith("Violation")
                    and (r.focus_node in changed or isinstance(r.focus_node, rdflib.BNode))]
        if hasattr(report, "results") and not blocking:
            return
        if hasattr(report, "results"):
            report.results = [r for r in report.results
                              if r.focus_node in changed or isinstance(r.focus_node, rdflib.BNode)]
        raise InvalidData(report)

    def _infer(self, delta: Delta) -> None:
        if self.kind != "embedded":
            return  # a remote engine keeps its own inference (regio.inference works on pyoxigraph)
        try:
            from regio import inference
        except ImportError:
            return
        fn = getattr(inference, "update_inferred", None)
        if fn is None:
            return
        added = [q for q in delta.added if q.graph_name.value != graphs.INFERRED]
        removed = [q for q in delta.removed if q.graph_name.value != graphs.INFERRED]
        if not (added or removed):
            return
        try:
            fn(self, added, removed)
        except Exception:  # the write is committed; inference lagging is logged, not fatal
            log.exception("incremental inference failed after a write")

    # -- direct access for inference --------------------------------------------------------------
    def write_inferred(self, added: Iterable, removed: Iterable = ()) -> None:
        """Add/remove triples (or quads) of the inferred graph, without validation."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __iter_graphs__(self) -> Iterator[str]:
        return iter(self.graph_names())
