"""Compile the OWL 2 RL rules against a T-box.

The ontology is small and the data is large, so instead of matching generic rules such as
``(?c rdfs:subClassOf ?d), (?x rdf:type ?c) -> (?x rdf:type ?d)`` against every triple, the schema
is read once and each axiom becomes a lookup table keyed by the data's predicate or class: "a fact
``x rdf:type C`` yields these superclasses, can complete these intersections, satisfies these
someValuesFrom restrictions …".  The engine then only does dictionary look-ups per fact.

The schema-level rules of the OWL 2 RL profile (``scm-*``: subclass and subproperty closure,
equivalences, domain/range inheritance, intersections and unions) are evaluated here, once, in
Python; the data-level rules (``cax-*``, ``prp-*``, ``cls-*``, ``eq-*``) are what the tables feed.

Terms are N-Triples strings (``<iri>``, ``_:id``, ``"lex"^^<dt>``), the form pyoxigraph dumps, so
that the hot loop hashes plain strings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

TYPE = f"<{RDF}type>"
FIRST = f"<{RDF}first>"
REST = f"<{RDF}rest>"
NIL = f"<{RDF}nil>"
SUBCLASS = f"<{RDFS}subClassOf>"
SUBPROP = f"<{RDFS}subPropertyOf>"
DOMAIN = f"<{RDFS}domain>"
RANGE = f"<{RDFS}range>"
LITERAL = f"<{RDFS}Literal>"
THING = f"<{OWL}Thing>"
NOTHING = f"<{OWL}Nothing>"
SAME_AS = f"<{OWL}sameAs>"
DIFFERENT_FROM = f"<{OWL}differentFrom>"
EQ_CLASS = f"<{OWL}equivalentClass>"
EQ_PROP = f"<{OWL}equivalentProperty>"
INVERSE_OF = f"<{OWL}inverseOf>"
DISJOINT_WITH = f"<{OWL}disjointWith>"
PROP_DISJOINT_WITH = f"<{OWL}propertyDisjointWith>"
COMPLEMENT_OF = f"<{OWL}complementOf>"
INTERSECTION_OF = f"<{OWL}intersectionOf>"
UNION_OF = f"<{OWL}unionOf>"
ONE_OF = f"<{OWL}oneOf>"
ON_PROPERTY = f"<{OWL}onProperty>"
ON_CLASS = f"<{OWL}onClass>"
SOME_VALUES_FROM = f"<{OWL}someValuesFrom>"
ALL_VALUES_FROM = f"<{OWL}allValuesFrom>"
HAS_VALUE = f"<{OWL}hasValue>"
MAX_CARD = f"<{OWL}maxCardinality>"
MAX_QCARD = f"<{OWL}maxQualifiedCardinality>"
CHAIN = f"<{OWL}propertyChainAxiom>"
MEMBERS = f"<{OWL}members>"
DISTINCT_MEMBERS = f"<{OWL}distinctMembers>"
ALL_DISJOINT_CLASSES = f"<{OWL}AllDisjointClasses>"
ALL_DISJOINT_PROPERTIES = f"<{OWL}AllDisjointProperties>"
ALL_DIFFERENT = f"<{OWL}AllDifferent>"
TRANSITIVE = f"<{OWL}TransitiveProperty>"
SYMMETRIC = f"<{OWL}SymmetricProperty>"
ASYMMETRIC = f"<{OWL}AsymmetricProperty>"
IRREFLEXIVE = f"<{OWL}IrreflexiveProperty>"
FUNCTIONAL = f"<{OWL}FunctionalProperty>"
INVERSE_FUNCTIONAL = f"<{OWL}InverseFunctionalProperty>"

#: Predicates whose triples make up the schema (read before the data is touched).
SCHEMA_PREDICATES = (
    SUBCLASS, SUBPROP, DOMAIN, RANGE, EQ_CLASS, EQ_PROP, INVERSE_OF, DISJOINT_WITH,
    PROP_DISJOINT_WITH, COMPLEMENT_OF, INTERSECTION_OF, UNION_OF, ONE_OF, ON_PROPERTY, ON_CLASS,
    SOME_VALUES_FROM, ALL_VALUES_FROM, HAS_VALUE, MAX_CARD, MAX_QCARD, CHAIN, MEMBERS,
    DISTINCT_MEMBERS, FIRST, REST,
)
#: rdf:type objects that are schema statements about properties or axioms.
SCHEMA_TYPES = (TRANSITIVE, SYMMETRIC, ASYMMETRIC, IRREFLEXIVE, FUNCTIONAL, INVERSE_FUNCTIONAL,
                ALL_DISJOINT_CLASSES, ALL_DISJOINT_PROPERTIES, ALL_DIFFERENT)


def is_literal(term: str) -> bool:
    return term[0] == '"'


def is_datatype(term: str) -> bool:
    """True for XSD datatypes and rdfs:Literal: ranges that type literals, not individuals."""
    return term == LITERAL or term.startswith(f"<{XSD}") or term == f"<{RDF}langString>" \
        or term == f"<{RDF}PlainLiteral>" or term == f"<{RDF}XMLLiteral>"


@dataclass
class Program:
    """The T-box compiled into look-up tables for the data-level OWL 2 RL rules."""

    #: C -> every strict superclass of C (transitively; cax-sco, cax-eqc, cls-int2, cls-uni)
    superclasses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: p -> every strict superproperty of p (prp-spo1, prp-eqp)
    superproperties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    domains: dict[str, tuple[str, ...]] = field(default_factory=dict)       # prp-dom
    ranges: dict[str, tuple[str, ...]] = field(default_factory=dict)        # prp-rng
    inverses: dict[str, tuple[str, ...]] = field(default_factory=dict)      # prp-inv1/2
    symmetric: set[str] = field(default_factory=set)                        # prp-symp
    transitive: set[str] = field(default_factory=set)                       # prp-trp
    asymmetric: set[str] = field(default_factory=set)                       # prp-asyp
    irreflexive: set[str] = field(default_factory=set)                      # prp-irp
    functional: set[str] = field(default_factory=set)                       # prp-fp
    inverse_functional: set[str] = field(default_factory=set)               # prp-ifp
    disjoint_properties: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # prp-pdw, prp-adp
    #: p -> [(head, chain)] for every chain that contains p (prp-spo2)
    chains: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=lambda: defaultdict(list))
    #: member class -> [(intersection class, all members)] (cls-int1)
    intersections: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=lambda: defaultdict(list))
    #: p -> [(restriction, filler or None for owl:Thing)] (cls-svf1/2)
    svf_by_property: dict[str, list[tuple[str, str | None]]] = field(default_factory=lambda: defaultdict(list))
    #: filler class -> [(restriction, p)] (cls-svf1, triggered by the filler's type)
    svf_by_filler: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    #: restriction -> [(p, value)] (cls-hv1)
    hv_by_class: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    #: p -> value -> [restriction] (cls-hv2)
    hv_by_property: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    #: restriction -> [(p, class)] and p -> [(restriction, class)] (cls-avf)
    avf_by_class: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    avf_by_property: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    #: restriction -> [(p, n, on-class or None)] for max (qualified) cardinality 0/1 (cls-maxc*, cls-maxqc*)
    maxc_by_class: dict[str, list[tuple[str, int, str | None]]] = field(default_factory=lambda: defaultdict(list))
    maxc_by_property: dict[str, list[tuple[str, int, str | None]]] = field(default_factory=lambda: defaultdict(list))
    #: C -> classes disjoint with C (cax-dw, cax-adc, cls-com)
    disjoint: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: class -> members of its owl:oneOf enumeration (cls-oo)
    one_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: groups of individuals declared pairwise different (eq-diff2/3)
    all_different: list[tuple[str, ...]] = field(default_factory=list)
    #: schema triples entailed by the scm-* rules and not asserted (written to the inferred graph)
    schema_entailments: set[tuple[str, str, str]] = field(default_factory=set)
    #: classes whose instances must be looked up (intersections, fillers, disjointness, restrictions)
    indexed_classes: set[str] = field(default_factory=set)
    #: properties whose triples must be looked up by subject or object
    indexed_properties: set[str] = field(default_factory=set)
    #: properties that any rule reacts to (others are skipped without a look)
    active_properties: set[str] = field(default_factory=set)
    #: properties that a rule can derive (their asserted triples are needed to avoid duplicates)
    derivable_properties: set[str] = field(default_factory=set)
    #: classes that have something to react to when an individual gets them
    active_classes: set[str] = field(default_factory=set)
    #: True when the data or the schema can produce owl:sameAs (then the eq-rep rules run)
    uses_equality: bool = False

    def stored(self, t: tuple[str, str, str]) -> bool:
        """Whether a derived triple is written: not ``owl:Thing`` types, and anonymous types only
        where a rule looks them up (incremental maintenance must find those in the store)."""
        if t[1] != TYPE:
            return True
        c = t[2]
        return c != THING and (not c.startswith("_:") or c in self.indexed_classes)

    def describe(self) -> str:
        return (f"{len(self.superclasses)} classes with superclasses, {len(self.superproperties)} "
                f"properties with superproperties, {sum(len(v) for v in self.intersections.values())} "
                f"intersection memberships, {sum(len(v) for v in self.svf_by_property.values())} "
                f"someValuesFrom, {sum(len(v) for v in self.hv_by_class.values())} hasValue restrictions")


def _closure(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Transitive closure of a small graph (the schema), by DFS from every node."""
    result: dict[str, set[str]] = {}
    for start in list(edges):
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        seen.discard(start)
        result[start] = seen
    return result


def compile_program(schema: Iterable[tuple[str, str, str]]) -> Program:
    """Build a :class:`Program` from schema triples (N-Triples strings).

    ``schema`` should hold the triples whose predicate is in :data:`SCHEMA_PREDICATES` and the
    ``rdf:type`` triples whose object is in :data:`SCHEMA_TYPES`; other triples are ignored.
    """
    by_p: dict[str, list[tuple[str, str]]] = defaultdict(list)
    types: dict[str, set[str]] = defaultdict(set)
    asserted: set[tuple[str, str, str]] = set()
    for s, p, o in schema:
        asserted.add((s, p, o))
        if p == TYPE:
            types[o].add(s)
        else:
            by_p[p].append((s, o))
    first = dict(by_p[FIRST])
    rest = dict(by_p[REST])

    def rdf_list(head: str) -> tuple[str, ...]:
        items, seen = [], set()
        while head != NIL and head in first and head not in seen:
            seen.add(head)
            items.append(first[head])
            head = rest.get(head, NIL)
        return tuple(items)

    def single(p: str) -> dict[str, str]:
        return dict(by_p[p])

    prog = Program()

    # Class hierarchy (scm-sco, scm-eqc1/2, cls-int2, cls-uni) -----------------------------
    sub: dict[str, set[str]] = defaultdict(set)
    for c, d in by_p[SUBCLASS]:
        sub[c].add(d)
    for c, d in by_p[EQ_CLASS]:
        sub[c].add(d)
        sub[d].add(c)
    for c, lst in by_p[INTERSECTION_OF]:
        members = rdf_list(lst)
        for m in members:
            sub[c].add(m)
            prog.intersections[m].append((c, members))
    for c, lst in by_p[UNION_OF]:
        for m in rdf_list(lst):
            sub[m].add(c)
    closure = _closure(sub)
    prog.superclasses = {c: tuple(sorted(d - {THING, c})) for c, d in closure.items() if d - {THING, c}}

    # Property hierarchy and characteristics ------------------------------------------------
    subp: dict[str, set[str]] = defaultdict(set)
    for p, q in by_p[SUBPROP]:
        subp[p].add(q)
    for p, q in by_p[EQ_PROP]:
        subp[p].add(q)
        subp[q].add(p)
    pclosure = _closure(subp)
    prog.superproperties = {p: tuple(sorted(q - {p})) for p, q in pclosure.items() if q - {p}}

    dom: dict[str, set[str]] = defaultdict(set)
    rng: dict[str, set[str]] = defaultdict(set)
    for p, c in by_p[DOMAIN]:
        dom[p].add(c)
    for p, c in by_p[RANGE]:
        if not is_datatype(c):
            rng[p].add(c)
    prog.domains = {p: tuple(sorted(c - {THING})) for p, c in dom.items() if c - {THING}}
    prog.ranges = {p: tuple(sorted(c - {THING})) for p, c in rng.items() if c - {THING}}

    inv: dict[str, set[str]] = defaultdict(set)
    for p, q in by_p[INVERSE_OF]:
        if not p.startswith("_:") and not q.startswith("_:"):
            inv[p].add(q)
            inv[q].add(p)
    prog.inverses = {p: tuple(sorted(q)) for p, q in inv.items()}
    prog.symmetric = set(types[SYMMETRIC])
    prog.transitive = set(types[TRANSITIVE])
    prog.asymmetric = set(types[ASYMMETRIC])
    prog.irreflexive = set(types[IRREFLEXIVE])
    prog.functional = set(types[FUNCTIONAL])
    prog.inverse_functional = set(types[INVERSE_FUNCTIONAL])
    for p, q in by_p[PROP_DISJOINT_WITH]:
        prog.disjoint_properties[p].add(q)
        prog.disjoint_properties[q].add(p)
    members_of = dict(by_p[MEMBERS])
    for axiom in types[ALL_DISJOINT_PROPERTIES]:
        props = rdf_list(members_of.get(axiom, NIL))
        for p in props:
            prog.disjoint_properties[p].update(q for q in props if q != p)
    for head, lst in by_p[CHAIN]:
        chain = rdf_list(lst)
        if len(chain) >= 2:
            for p in set(chain):
                prog.chains[p].append((head, chain))

    # Restrictions ---------------------------------------------------------------------------
    on_property = single(ON_PROPERTY)
    on_class = single(ON_CLASS)
    for r, filler in by_p[SOME_VALUES_FROM]:
        p = on_property.get(r)
        if p is None:
            continue
        if filler == THING:
            prog.svf_by_property[p].append((r, None))
        else:
            prog.svf_by_property[p].append((r, filler))
            prog.svf_by_filler[filler].append((r, p))
    for r, value in by_p[HAS_VALUE]:
        p = on_property.get(r)
        if p is not None:
            prog.hv_by_class[r].append((p, value))
            prog.hv_by_property[p][value].append(r)
    for r, filler in by_p[ALL_VALUES_FROM]:
        p = on_property.get(r)
        if p is not None and not is_datatype(filler):
            prog.avf_by_class[r].append((p, filler))
            prog.avf_by_property[p].append((r, filler))
    for pred, qualified in ((MAX_CARD, False), (MAX_QCARD, True)):
        for r, n in by_p[pred]:
            p = on_property.get(r)
            try:
                count = int(n.split('"')[1])
            except (IndexError, ValueError):
                continue
            if p is None or count > 1:
                continue
            cls = on_class.get(r) if qualified else None
            if cls == THING:
                cls = None
            prog.maxc_by_class[r].append((p, count, cls))
            prog.maxc_by_property[p].append((r, count, cls))

    # Disjointness, complements, enumerations, differences ----------------------------------
    for c, d in by_p[DISJOINT_WITH]:
        prog.disjoint[c].add(d)
        prog.disjoint[d].add(c)
    for axiom in types[ALL_DISJOINT_CLASSES]:
        classes = rdf_list(members_of.get(axiom, NIL))
        for c in classes:
            prog.disjoint[c].update(d for d in classes if d != c)
    for c, d in by_p[COMPLEMENT_OF]:
        prog.disjoint[c].add(d)
        prog.disjoint[d].add(c)
    prog.disjoint[NOTHING].add(THING)
    for c, lst in by_p[ONE_OF]:
        prog.one_of[c] = rdf_list(lst)
    distinct = dict(by_p[DISTINCT_MEMBERS])
    for axiom in types[ALL_DIFFERENT]:
        group = rdf_list(distinct.get(axiom) or members_of.get(axiom, NIL))
        if len(group) > 1:
            prog.all_different.append(group)

    # Entailed schema triples (scm-sco, scm-spo, scm-eqc2, scm-eqp2, scm-dom/rng, scm-int, scm-uni).
    entailed: set[tuple[str, str, str]] = set()
    for c, supers in closure.items():
        if c.startswith("_:"):
            continue
        for d in supers:
            if d != c and not d.startswith("_:"):
                entailed.add((c, SUBCLASS, d))
                if c in closure.get(d, ()):
                    entailed.add((c, EQ_CLASS, d))
    for p, supers in pclosure.items():
        for q in supers:
            if q != p:
                entailed.add((p, SUBPROP, q))
                if p in pclosure.get(q, ()):
                    entailed.add((p, EQ_PROP, q))
    for p, classes in dom.items():
        for c in list(classes):
            for d in closure.get(c, ()):
                if not d.startswith("_:"):
                    entailed.add((p, DOMAIN, d))
        for sp in [x for x, ups in pclosure.items() if p in ups]:
            for c in classes:
                entailed.add((sp, DOMAIN, c))
    for p, classes in rng.items():
        for c in list(classes):
            for d in closure.get(c, ()):
                if not d.startswith("_:"):
                    entailed.add((p, RANGE, d))
        for sp in [x for x, ups in pclosure.items() if p in ups]:
            for c in classes:
                entailed.add((sp, RANGE, c))
    prog.schema_entailments = {t for t in entailed if t not in asserted and THING not in (t[0], t[2])}

    # What the engine needs to index and react to. ------------------------------------------
    prog.indexed_classes = (set(prog.intersections) | set(prog.svf_by_filler) | set(prog.avf_by_class)
                            | set(prog.maxc_by_class) | set(prog.disjoint)
                            | {d for ds in prog.disjoint.values() for d in ds}
                            | {c for lst in prog.maxc_by_class.values() for _, _, c in lst if c})
    prog.uses_equality = bool(prog.functional or prog.inverse_functional or prog.maxc_by_property)
    _prune_dead_ends(prog)
    _lookup_sets(prog)
    return prog


def _prune_dead_ends(prog: Program) -> None:
    """Drop heads that are anonymous classes nothing can use.

    A union used as a domain (``Cluster ∪ Firm``) or a restriction that is only a superclass makes
    every subject of the property an instance of a blank node that no rule joins on and no query can
    name; deriving it costs as much as a useful type.  Such a class is a dead end when it is blank,
    no rule looks it up, it has no superclass and it entails no value (cls-hv1).  A hasValue
    restriction that is only reached through cls-hv2 is a dead end too (cls-hv1 would give back the
    triple it came from).
    """
    def dead(c: str, for_hv2: bool = False) -> bool:
        return (c.startswith("_:") and c not in prog.indexed_classes and not prog.superclasses.get(c)
                and (for_hv2 or c not in prog.hv_by_class))

    prog.superclasses = {c: tuple(d for d in ds if not dead(d)) for c, ds in prog.superclasses.items()}
    prog.superclasses = {c: ds for c, ds in prog.superclasses.items() if ds}
    prog.domains = {p: tuple(c for c in cs if not dead(c)) for p, cs in prog.domains.items()}
    prog.domains = {p: cs for p, cs in prog.domains.items() if cs}
    prog.ranges = {p: tuple(c for c in cs if not dead(c)) for p, cs in prog.ranges.items()}
    prog.ranges = {p: cs for p, cs in prog.ranges.items() if cs}
    for p in list(prog.svf_by_property):
        prog.svf_by_property[p] = [(r, f) for r, f in prog.svf_by_property[p] if not dead(r)]
        if not prog.svf_by_property[p]:
            del prog.svf_by_property[p]
    for p in list(prog.hv_by_property):
        for v in list(prog.hv_by_property[p]):
            prog.hv_by_property[p][v] = [r for r in prog.hv_by_property[p][v] if not dead(r, True)]
            if not prog.hv_by_property[p][v]:
                del prog.hv_by_property[p][v]
        if not prog.hv_by_property[p]:
            del prog.hv_by_property[p]


def _lookup_sets(prog: Program) -> None:
    """What the engine must index, react to, and check for duplicates."""
    prog.indexed_properties = (set(prog.transitive) | set(prog.svf_by_property) | set(prog.avf_by_property)
                               | set(prog.maxc_by_property) | set(prog.functional)
                               | set(prog.inverse_functional) | set(prog.asymmetric)
                               | set(prog.disjoint_properties) | set(prog.chains) | {SAME_AS, DIFFERENT_FROM})
    prog.active_properties = (prog.indexed_properties | set(prog.superproperties) | set(prog.domains)
                              | set(prog.ranges) | set(prog.inverses) | prog.symmetric | prog.irreflexive
                              | set(prog.hv_by_property) | {TYPE})
    prog.derivable_properties = ({q for qs in prog.superproperties.values() for q in qs}
                                 | {q for qs in prog.inverses.values() for q in qs} | prog.symmetric
                                 | prog.transitive | {h for lst in prog.chains.values() for h, _ in lst}
                                 | {p for lst in prog.hv_by_class.values() for p, _ in lst}
                                 | {TYPE, SAME_AS})
    prog.active_classes = (set(prog.superclasses) | prog.indexed_classes | set(prog.hv_by_class)
                           | {NOTHING})
