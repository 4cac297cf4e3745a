"""Materialise OWL 2 RL entailments of a pyoxigraph store into its inferred graph.

Full materialisation dumps the asserted graphs as N-Triples (Oxigraph's dump is far faster than
building Python term objects), keeps the triples a rule can react to, runs the reasoner in memory
and loads the new triples into ``https://w3id.org/regio/graph/inferred``.

Incremental maintenance (:func:`update_inferred_store`) is DRed ("delete and re-derive", Gupta,
Mumick & Subrahmanian 1993) run against the store itself, so a small write costs look-ups in
Oxigraph's indexes rather than a pass over the data:

1. *over-delete*: everything derivable (transitively) from a removed triple, and still held in the
   inferred graph, is taken out;
2. *re-derive*: the rules are applied again to every fact that mentions a node whose facts were
   taken out (every rule's body mentions its head's subject or object), which puts back what still
   has another derivation, and the consequences follow;
3. *insert*: the rules are applied to the added triples, to a fixpoint.

Both entry points expect the asserted graphs to already hold the new state.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Iterable, Sequence

import pyoxigraph as ox

from regio.inference.engine import Facts, InferenceReport, MemoryFacts, Reasoner, Triple
from regio.inference.program import (
    NOTHING, SAME_AS, SCHEMA_PREDICATES, SCHEMA_TYPES, TYPE, Program, compile_program,
)

INFERRED_GRAPH = "https://w3id.org/regio/graph/inferred"
SHAPES_GRAPH = "https://w3id.org/regio/graph/shapes"

#: graphs never read as input (the inferred graph itself, and SHACL shapes, which describe data)
EXCLUDED_GRAPHS = frozenset({INFERRED_GRAPH, SHAPES_GRAPH})


# -- terms --------------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def to_term(text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An N-Triples term string back to a pyoxigraph term."""
    if text[0] == "<":
        return ox.NamedNode(text[1:-1])
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    quad = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES)))
    return quad.object


def to_quad(t: Triple, graph: ox.NamedNode) -> ox.Quad:
    return ox.Quad(to_term(t[0]), to_term(t[1]), to_term(t[2]), graph)


def _graph_ok(graph, excluded: frozenset[str]) -> bool:
    return not (isinstance(graph, ox.NamedNode) and graph.value in excluded)


# -- the schema ---------------------------------------------------------------------------------

def read_schema(store: ox.Store, excluded: frozenset[str] = EXCLUDED_GRAPHS) -> list[Triple]:
    """The schema triples of every input graph (axioms may sit beside data, as in user uploads)."""
    out: list[Triple] = []
    for p in SCHEMA_PREDICATES:
        for q in store.quads_for_pattern(None, to_term(p), None, None):
            if _graph_ok(q.graph_name, excluded):
                out.append((str(q.subject), p, str(q.object)))
    for c in SCHEMA_TYPES:
        for q in store.quads_for_pattern(None, ox.NamedNode(TYPE[1:-1]), to_term(c), None):
            if _graph_ok(q.graph_name, excluded):
                out.append((str(q.subject), TYPE, c))
    return out


def program_for(store: ox.Store, excluded: frozenset[str] = EXCLUDED_GRAPHS) -> Program:
    return compile_program(read_schema(store, excluded))


# -- full materialisation -----------------------------------------------------------------------

def _read_input(store: ox.Store, predicates: set[str], excluded: frozenset[str]) -> bytes:
    """The input graphs' triples with these predicates, as N-Triples from Oxigraph (a CONSTRUCT
    reads only those predicates' index ranges and serialises in Rust; blank-node labels are the
    store's own, so they can be written back)."""
    values = " ".join(sorted(p for p in predicates if p.startswith("<")))
    skip = ", ".join(f"<{g}>" for g in sorted(excluded))
    query = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?p {{ {values} }} "
             f"{{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({skip})) }} }}")
    return store.query(query).serialize(format=ox.RdfFormat.N_TRIPLES)


def _parse_dump(data: bytes, wanted: set[str] | None) -> Iterable[Triple]:
    """Split Oxigraph's N-Triples output ("s p o .") into triples whose predicate is wanted
    (all when ``wanted`` is None)."""
    for line in data.decode("utf-8").splitlines():
        s, p, rest = line.split(" ", 2)
        if wanted is None or p in wanted:
            yield s, p, rest[:-2]


def write_inferred(store: ox.Store, triples: Iterable[Triple], graph: str = INFERRED_GRAPH,
                   replace: bool = True) -> int:
    """Write triples to the inferred graph; N-Triples text for IRIs, quads where blank nodes occur
    (Oxigraph's parser would rename blank-node labels, the quad API keeps them)."""
    g = ox.NamedNode(graph)
    lines: list[str] = []
    quads: list[ox.Quad] = []
    for t in triples:
        if t[0].startswith("_:") or t[2].startswith("_:"):
            quads.append(to_quad(t, g))
        else:
            lines.append(f"{t[0]} {t[1]} {t[2]} .\n")
    if replace:
        store.clear_graph(g)
    elif len(lines) > 50_000 and not any(True for _ in store.quads_for_pattern(None, None, None, g)):
        replace = True  # an empty graph: the bulk loader may write it
    if replace and len(lines) > 50_000:
        # Oxigraph's bulk loader is faster for a whole inferred graph (not transactional, but the
        # graph was just cleared and is only written here).
        store.bulk_load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=g)
    elif lines:
        store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=g, lenient=True)
    if quads:
        store.extend(quads)
    return len(lines) + len(quads)


def replace_inferred(store: ox.Store, triples: list[Triple], graph: str = INFERRED_GRAPH) -> tuple[int, int]:
    """Make ``graph`` hold exactly ``triples``, writing only the difference.

    Deleting a graph of a million triples from RocksDB costs as much as writing it, and a
    recomputation (``regio infer``, a changed ontology) mostly finds what is there already; so
    the old graph is read (a fast dump) and compared.  Returns (added, removed)."""
    g = ox.NamedNode(graph)
    old = set(_parse_dump(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g), None))
    new = set(triples)
    if not old:
        write_inferred(store, triples, graph, replace=False)
        return len(new), 0
    gone, added = old - new, new - old
    if len(gone) > len(new):
        write_inferred(store, triples, graph, replace=True)
        return len(new), len(old)
    for t in gone:
        store.remove(to_quad(t, g))
    write_inferred(store, list(added), graph, replace=False)
    return len(added), len(gone)


def materialize_store(store: ox.Store, *, graph: str = INFERRED_GRAPH,
                      excluded: frozenset[str] = EXCLUDED_GRAPHS, write: bool = True,
                      program: Program | None = None) -> tuple[InferenceReport, list[Triple]]:
    """Compute the OWL 2 RL closure of the input graphs and replace ``graph`` with what is new."""
    start = time.perf_counter()
    excluded = excluded | {graph}
    prog = program or program_for(store, excluded)
    facts = MemoryFacts(prog)
    wanted = prog.active_properties | prog.derivable_properties
    asserted = list(_parse_dump(_read_input(store, wanted, excluded), wanted))
    add = facts.add
    for t in asserted:
        add(t)
    facts.keep_raw(asserted)
    reasoner = Reasoner(prog, facts)
    reasoner.equality = any(t[1] == SAME_AS for t in asserted)
    for c, members in prog.one_of.items():                                      # cls-oo
        for m in members:
            reasoner.derive((m, TYPE, c))
    reasoner.fire_all(asserted)
    new = reasoner.saturate()
    out = [t for t in new if prog.stored(t)]
    out.extend(t for t in prog.schema_entailments if not facts.known(t))
    removed = 0
    if write:
        _, removed = replace_inferred(store, out, graph)
    report = InferenceReport(inferred=len(out), removed=removed, seconds=time.perf_counter() - start,
                             clashes=reasoner.clashes, clash_count=reasoner.clash_count, mode="full")
    return report, out


# -- incremental maintenance --------------------------------------------------------------------

class StoreFacts(Facts):
    """The closure as the store holds it (asserted graphs + inferred graph), plus an overlay of
    facts that count as present (``extra``) though not (yet, or any longer) written."""

    def __init__(self, store: ox.Store, excluded: frozenset[str]) -> None:
        self.store = store
        self.excluded = excluded - {INFERRED_GRAPH}
        self.extra: set[Triple] = set()
        self.hidden: set[Triple] = set()
        self._spo: dict[tuple[str, str], set[str]] = {}
        self._pos: dict[tuple[str, str], set[str]] = {}

    def _quads(self, s, p, o):
        for q in self.store.quads_for_pattern(s, p, o, None):
            if _graph_ok(q.graph_name, self.excluded):
                yield q

    def known(self, t: Triple) -> bool:
        if t in self.extra:
            return True
        if t in self.hidden:
            return False
        return next(self._quads(to_term(t[0]), to_term(t[1]), to_term(t[2])), None) is not None

    def add(self, t: Triple) -> None:
        self.hidden.discard(t)
        self.extra.add(t)
        self._spo.setdefault((t[0], t[1]), set()).add(t[2])
        self._pos.setdefault((t[1], t[2]), set()).add(t[0])

    def objects(self, s: str, p: str) -> Iterable[str]:
        found = {str(q.object) for q in self._quads(to_term(s), to_term(p), None)}
        found |= self._spo.get((s, p), set())
        return [o for o in found if (s, p, o) not in self.hidden]

    def subjects(self, p: str, o: str) -> Iterable[str]:
        if o[0] == '"':
            found = set()
        else:
            found = {str(q.subject) for q in self._quads(None, to_term(p), to_term(o))}
        found |= self._pos.get((p, o), set())
        return [s for s in found if (s, p, o) not in self.hidden]

    def about(self, node: str) -> Iterable[Triple]:
        term = to_term(node)
        found = {(str(q.subject), str(q.predicate), str(q.object)) for q in self._quads(term, None, None)}
        if node[0] != '"':
            found |= {(str(q.subject), str(q.predicate), str(q.object)) for q in self._quads(None, None, term)}
        found |= {t for t in self.extra if t[0] == node or t[2] == node}
        return [t for t in found if t not in self.hidden]


def _asserted(store: ox.Store, t: Triple, excluded: frozenset[str]) -> bool:
    for q in store.quads_for_pattern(to_term(t[0]), to_term(t[1]), to_term(t[2]), None):
        if _graph_ok(q.graph_name, excluded):
            return True
    return False


def update_inferred_store(store: ox.Store, added: Iterable[Triple], removed: Iterable[Triple], *,
                          graph: str = INFERRED_GRAPH, excluded: frozenset[str] = EXCLUDED_GRAPHS,
                          program: Program | None = None, full_above: int = 20_000) -> InferenceReport:
    """Bring ``graph`` up to date after ``added`` and ``removed`` were applied to the asserted graphs.

    Triples are N-Triples strings.  A change to the schema itself (a schema predicate, or a type
    that declares a property characteristic), or one of more than ``full_above`` triples, is
    answered with a full materialisation.
    """
    start = time.perf_counter()
    added = [t for t in added]
    removed = [t for t in removed]
    schema_preds = set(SCHEMA_PREDICATES)
    if any(t[1] in schema_preds or (t[1] == TYPE and t[2] in SCHEMA_TYPES) for t in added + removed):
        report, _ = materialize_store(store, graph=graph, excluded=excluded)
        report.mode = "full (schema changed)"
        return report
    if len(added) + len(removed) > full_above:
        # A bulk change (a graph dropped or loaded): one pass over the data beats look-ups per fact.
        report, _ = materialize_store(store, graph=graph, excluded=excluded)
        report.mode = "full (large change)"
        return report
    excluded_inputs = excluded | {graph}
    prog = program or program_for(store, excluded_inputs)
    g = ox.NamedNode(graph)

    def in_inferred(t: Triple) -> bool:
        return next(iter(store.quads_for_pattern(to_term(t[0]), to_term(t[1]), to_term(t[2]), g)), None) is not None

    removed_count = 0
    gone: set[Triple] = set()
    if removed:
        # 1. over-delete, joining against the old closure (the store plus the removed triples).
        facts = StoreFacts(store, excluded)
        for t in removed:
            facts.add(t)
        reasoner = Reasoner(prog, facts)
        reasoner.report_clashes = False
        queue: list[Triple] = []

        def overdelete(h: Triple) -> None:
            # Facts that are never stored (internal anonymous types) are followed without a look-up.
            if h not in gone and (not prog.stored(h) or in_inferred(h)) \
                    and not _asserted(store, h, excluded_inputs):
                gone.add(h)
                queue.append(h)

        reasoner.derive = overdelete
        reasoner.equality = True
        for t in removed:
            if not _asserted(store, t, excluded_inputs):
                reasoner.fire(t)
        while queue:
            reasoner.fire(queue.pop())
        for t in gone:
            if prog.stored(t):
                store.remove(to_quad(t, g))
                removed_count += 1

    # 2. re-derive around what was taken out, 3. insert what the additions entail.
    facts = StoreFacts(store, excluded)
    reasoner = Reasoner(prog, facts)
    reasoner.equality = _has_equality(store)
    # Every fact that mentions a node whose facts were taken out, or a removed triple's nodes (a
    # removed assertion may still be entailed, and then belongs in the inferred graph).
    nodes = {n for t in list(gone) + removed for n in ((t[0],) if t[1] == TYPE else (t[0], t[2]))
             if n[0] != '"'}
    for n in nodes:
        reasoner.fire_all(facts.about(n))
    reasoner.fire_all(t for t in added if facts.known(t))
    new = reasoner.saturate()
    out = [t for t in new if prog.stored(t) and not _asserted(store, t, excluded_inputs)]
    write_inferred(store, out, graph, replace=False)
    # Keep the inferred graph free of what is now asserted (as a full materialisation leaves it).
    for t in added:
        if in_inferred(t):
            store.remove(to_quad(t, g))
            removed_count += 1
    back = sum(1 for t in out if t in gone)
    return InferenceReport(inferred=len(out) - back, removed=removed_count - back,
                           seconds=time.perf_counter() - start, clashes=reasoner.clashes,
                           clash_count=reasoner.clash_count, mode="incremental")


def _has_equality(store: ox.Store) -> bool:
    return next(iter(store.quads_for_pattern(None, ox.NamedNode(SAME_AS[1:-1]), None, None)), None) is not None


def check_consistency(store: ox.Store, excluded: frozenset[str] = EXCLUDED_GRAPHS) -> InferenceReport:
    """Run the rules without writing, to report inconsistencies (cax-dw, prp-irp, cls-nothing …)."""
    report, _ = materialize_store(store, write=False, excluded=excluded)
    report.mode = "check"
    return report


def triples_of(quads: Sequence) -> list[Triple]:
    """pyoxigraph quads/triples or rdflib triples → N-Triples string triples."""
    out = []
    for q in quads:
        if hasattr(q, "subject"):
            out.append((str(q.subject), str(q.predicate), str(q.object)))
        else:
            s, p, o = q[:3]
            out.append(tuple(x.n3() if hasattr(x, "n3") else str(x) for x in (s, p, o)))
    return out


__all__ = ["INFERRED_GRAPH", "materialize_store", "update_inferred_store", "check_consistency",
           "write_inferred", "program_for", "triples_of", "NOTHING"]
