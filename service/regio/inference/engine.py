"""Semi-naive forward chaining of the compiled OWL 2 RL rules.

A :class:`Reasoner` takes facts (triples of N-Triples strings) one at a time, applies every rule in
which the fact can appear in the body, joining with what is already known, and queues the heads
that are new.  Because each fact is joined only when it arrives, against the facts that arrived
before it, every pair is seen once: that is semi-naive evaluation without rounds.

What is "already known" is behind the small :class:`Facts` interface, so the same rules run over an
in-memory index (full materialisation, :class:`MemoryFacts`) and over the persistent store plus an
overlay (incremental maintenance, ``regio.inference.store.StoreFacts``).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from regio.inference.program import (
    DIFFERENT_FROM, NOTHING, SAME_AS, TYPE, Program, is_literal,
)

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class Clash:
    """An inconsistency found by an OWL 2 RL rule whose head is ``false``."""

    rule: str
    message: str
    terms: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"rule": self.rule, "message": self.message, "terms": list(self.terms)}


@dataclass
class InferenceReport:
    """What a materialisation did: counts, time and the inconsistencies it found."""

    inferred: int = 0
    removed: int = 0
    seconds: float = 0.0
    clashes: list[Clash] = field(default_factory=list)
    clash_count: int = 0
    mode: str = "full"

    @property
    def consistent(self) -> bool:
        return self.clash_count == 0

    def to_dict(self) -> dict:
        return {"mode": self.mode, "inferred": self.inferred, "removed": self.removed,
                "seconds": round(self.seconds, 3), "consistent": self.consistent,
                "clash_count": self.clash_count, "clashes": [c.to_dict() for c in self.clashes]}

    def to_text(self) -> str:
        lines = [f"{self.mode} inference: {self.inferred} triples inferred, {self.removed} removed "
                 f"in {self.seconds:.2f} s; " + ("consistent" if self.consistent
                                                 else f"INCONSISTENT ({self.clash_count} clashes)")]
        lines += [f"  {c.rule}: {c.message}" for c in self.clashes]
        return "\n".join(lines)


class Facts:
    """What the rules join against: the closure computed so far."""

    def known(self, t: Triple) -> bool:
        raise NotImplementedError

    def add(self, t: Triple) -> None:
        raise NotImplementedError

    def objects(self, s: str, p: str) -> Iterable[str]:
        raise NotImplementedError

    def subjects(self, p: str, o: str) -> Iterable[str]:
        raise NotImplementedError

    def about(self, node: str) -> Iterable[Triple]:
        """Every fact with ``node`` as subject or object (for owl:sameAs and re-derivation)."""
        raise NotImplementedError


class MemoryFacts(Facts):
    """Facts in Python dictionaries, indexed only where the program looks things up."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.set: set[Triple] = set()
        self.indexed = program.indexed_properties
        self.spo: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.pos: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._about: dict[str, list[Triple]] | None = None
        self._raw: list[Triple] = []

    def keep_raw(self, triples: list[Triple]) -> None:
        """Remember asserted triples the rules ignore, in case owl:sameAs needs to copy them."""
        self._raw = triples

    def known(self, t: Triple) -> bool:
        return t in self.set

    def add(self, t: Triple) -> None:
        self.set.add(t)
        s, p, o = t
        if p in self.indexed:
            self.spo[p][s].add(o)
            self.pos[p][o].add(s)
        if self._about is not None:
            self._about[s].append(t)
            self._about[o].append(t)

    def objects(self, s: str, p: str) -> Iterable[str]:
        index = self.spo.get(p)
        return tuple(index.get(s, ())) if index else ()

    def subjects(self, p: str, o: str) -> Iterable[str]:
        index = self.pos.get(p)
        return tuple(index.get(o, ())) if index else ()

    def about(self, node: str) -> Iterable[Triple]:
        if self._about is None:
            self._about = defaultdict(list)
            for t in self._raw:
                if t not in self.set:
                    self._about[t[0]].append(t)
                    self._about[t[2]].append(t)
            for t in self.set:
                self._about[t[0]].append(t)
                self._about[t[2]].append(t)
        return tuple(self._about.get(node, ()))


class Reasoner:
    """Applies the compiled rules; ``derive`` decides what happens to a rule's head."""

    MAX_CLASHES = 100

    def __init__(self, program: Program, facts: Facts) -> None:
        self.program = program
        self.facts = facts
        self.queue: deque[Triple] = deque()
        self.new: list[Triple] = []
        self.clashes: list[Clash] = []
        self.clash_count = 0
        self.report_clashes = True
        #: owl:sameAs is handled (eq-rep-*) once a sameAs fact has been seen: facts that arrived
        #: before it are copied when it arrives (``Facts.about``), later ones in ``fire``.
        self.equality = False
        self.derive: Callable[[Triple], None] = self.queue.append

    # -- driving --------------------------------------------------------------------------------

    def fire_all(self, triples: Iterable[Triple]) -> None:
        """Apply the rules to facts that are already known (the asserted data)."""
        fire = self.fire
        for t in triples:
            fire(t)

    def saturate(self) -> list[Triple]:
        """Process the queue to a fixpoint; return the facts that were new."""
        queue, facts, fire, new = self.queue, self.facts, self.fire, self.new
        known, add = facts.known, facts.add
        if isinstance(facts, MemoryFacts):
            known = facts.set.__contains__
        while queue:
            t = queue.popleft()
            if known(t):
                continue
            add(t)
            new.append(t)
            fire(t)
        return new

    def clash(self, rule: str, message: str, *terms: str) -> None:
        if not self.report_clashes:
            return
        self.clash_count += 1
        if len(self.clashes) < self.MAX_CLASHES:
            self.clashes.append(Clash(rule, message, terms))

    # -- the rules --------------------------------------------------------------------------

    def fire(self, t: Triple) -> None:
        s, p, o = t
        prog = self.program
        derive = self.derive
        if p == TYPE:
            supers = prog.superclasses.get(o)
            if supers:
                for d in supers:
                    derive((s, TYPE, d))
            if o in prog.active_classes:
                self._fire_type(s, o)
        elif p in prog.active_properties:
            self._fire_property(s, p, o)
        if self.equality and p != SAME_AS:
            self._replace(s, p, o)

    def _fire_type(self, x: str, c: str) -> None:
        prog, facts, derive = self.program, self.facts, self.derive
        known = facts.known
        if c == NOTHING:
            self.clash("cls-nothing2", f"{x} is an instance of owl:Nothing", x)
        for i, members in prog.intersections.get(c, ()):                       # cls-int1
            if all(m == c or known((x, TYPE, m)) for m in members):
                derive((x, TYPE, i))
        for r, p in prog.svf_by_filler.get(c, ()):                              # cls-svf1
            for s in facts.subjects(p, x):
                derive((s, TYPE, r))
        for p, v in prog.hv_by_class.get(c, ()):                                # cls-hv1
            derive((x, p, v))
        for p, d in prog.avf_by_class.get(c, ()):                               # cls-avf
            for y in facts.objects(x, p):
                if not is_literal(y):
                    derive((y, TYPE, d))
        for p, n, on in prog.maxc_by_class.get(c, ()):                          # cls-maxc1/2, maxqc1-4
            ys = [y for y in facts.objects(x, p) if on is None or known((y, TYPE, on))]
            self._max_card(x, p, n, ys)
        for d in prog.disjoint.get(c, ()):                                      # cax-dw, cax-adc, cls-com
            if known((x, TYPE, d)):
                self.clash("cax-dw", f"{x} is an instance of the disjoint classes {c} and {d}", x, c, d)

    def _max_card(self, x: str, p: str, n: int, ys: list[str]) -> None:
        if n == 0 and ys:
            self.clash("cls-maxc1", f"{x} has a value for {p} but a maximum cardinality of 0", x, p)
        elif n == 1 and len(ys) > 1:
            for a in ys:
                for b in ys:
                    if a < b and not is_literal(a):
                        self.derive((a, SAME_AS, b))

    def _fire_property(self, s: str, p: str, o: str) -> None:
        prog, facts, derive = self.program, self.facts, self.derive
        known = facts.known
        literal = is_literal(o)
        for q in prog.superproperties.get(p, ()):                               # prp-spo1, prp-eqp
            derive((s, q, o))
        for d in prog.domains.get(p, ()):                                       # prp-dom
            derive((s, TYPE, d))
        if not literal:
            for r in prog.ranges.get(p, ()):                                    # prp-rng
                derive((o, TYPE, r))
            for q in prog.inverses.get(p, ()):                                  # prp-inv1/2
                derive((o, q, s))
            if p in prog.symmetric:                                             # prp-symp
                derive((o, p, s))
        if p in prog.transitive and not literal:                                # prp-trp
            for z in facts.objects(o, p):
                derive((s, p, z))
            for w in facts.subjects(p, s):
                derive((w, p, o))
        if p in prog.irreflexive and s == o:                                    # prp-irp
            self.clash("prp-irp", f"{s} is related to itself by the irreflexive property {p}", s, p)
        if p in prog.asymmetric and known((o, p, s)):                           # prp-asyp
            self.clash("prp-asyp", f"{s} and {o} are related both ways by the asymmetric property {p}", s, p, o)
        for q in prog.disjoint_properties.get(p, ()):                           # prp-pdw, prp-adp
            if known((s, q, o)):
                self.clash("prp-pdw", f"{s} is related to {o} by the disjoint properties {p} and {q}", s, p, q, o)
        for r, filler in prog.svf_by_property.get(p, ()):                       # cls-svf1/2
            if filler is None or (not literal and known((o, TYPE, filler))):
                derive((s, TYPE, r))
        hv = prog.hv_by_property.get(p)
        if hv:                                                                  # cls-hv2
            for r in hv.get(o, ()):
                derive((s, TYPE, r))
        if not literal:
            for r, d in prog.avf_by_property.get(p, ()):                        # cls-avf
                if known((s, TYPE, r)):
                    derive((o, TYPE, d))
        for r, n, on in prog.maxc_by_property.get(p, ()):                       # cls-maxc*, cls-maxqc*
            if known((s, TYPE, r)):
                ys = [y for y in facts.objects(s, p) if on is None or known((y, TYPE, on))]
                if o not in ys and (on is None or known((o, TYPE, on))):
                    ys.append(o)
                self._max_card(s, p, n, ys)
        if p in prog.functional and not literal:                                # prp-fp
            for y in facts.objects(s, p):
                if y != o and not is_literal(y):
                    derive((o, SAME_AS, y))
        if p in prog.inverse_functional:                                        # prp-ifp
            for x in facts.subjects(p, o):
                if x != s:
                    derive((s, SAME_AS, x))
        for head, chain in prog.chains.get(p, ()):                              # prp-spo2
            for i, step in enumerate(chain):
                if step == p:
                    for start, end in self._chain(chain, i, s, o):
                        derive((start, head, end))
        if p == SAME_AS and s != o:                                              # eq-sym, eq-trans, eq-rep-*
            self.equality = True
            derive((o, SAME_AS, s))
            for z in facts.objects(o, SAME_AS):
                if z != s:
                    derive((s, SAME_AS, z))
            for t in facts.about(s):
                if t[1] != SAME_AS:
                    self._copy(t, s, o)
            if known((s, DIFFERENT_FROM, o)) or known((o, DIFFERENT_FROM, s)):    # eq-diff1
                self.clash("eq-diff1", f"{s} and {o} are both the same and different", s, o)
            for group in prog.all_different:                                    # eq-diff2/3
                if s in group and o in group:
                    self.clash("eq-diff2", f"{s} and {o} are declared all-different but the same", s, o)

    def _chain(self, chain: tuple[str, ...], i: int, s: str, o: str) -> Iterator[tuple[str, str]]:
        """Every (start, end) of a path along ``chain`` whose step ``i`` is ``s -> o``."""
        facts = self.facts
        starts = [s]
        for step in reversed(chain[:i]):
            starts = [w for x in starts for w in facts.subjects(step, x)]
        ends = [o]
        for step in chain[i + 1:]:
            ends = [z for y in ends for z in facts.objects(y, step)]
        for a in starts:
            for b in ends:
                yield a, b

    def _replace(self, s: str, p: str, o: str) -> None:
        """eq-rep-s/eq-rep-o for a new fact about a node that has owl:sameAs partners."""
        objects = self.facts.objects
        for s2 in objects(s, SAME_AS):
            if s2 != s:
                self.derive((s2, p, o))
        if not is_literal(o) and p != TYPE:
            for o2 in objects(o, SAME_AS):
                if o2 != o:
                    self.derive((s, p, o2))

    def _copy(self, t: Triple, old: str, new: str) -> None:
        s, p, o = t
        self.derive((new if s == old else s, p, new if o == old else o))
