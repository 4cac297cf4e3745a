"""A small lexer for SPARQL text, and what the service needs to know about a request before running it.

pyoxigraph parses and evaluates SPARQL but exposes neither the algebra nor the protocol's dataset
parameters for updates (``using-graph-uri``).  The service still has to know a few things before
it hands a request to the engine: the query form (to negotiate the result format), whether the
query names its own dataset (``FROM``), which hosts ``SERVICE`` and ``LOAD`` would contact (an SSRF
hole unless allow-listed), and, for updates, which graphs an operation may read or write (to
validate the would-be state before committing).  A lexer that knows SPARQL's strings, IRIs and
comments answers all of these reliably; the engine remains the judge of syntax.

Updates are also *rewritten* here so that they mean the same thing on every engine:

* the update's default graph is the user graph (``WITH <…/graph/user>`` is added to DELETE/INSERT
  operations that have no ``WITH``; triples outside ``GRAPH`` in ``INSERT DATA``/``DELETE DATA``
  go to the user graph; ``DEFAULT`` in CLEAR/DROP/ADD/MOVE/COPY means the user graph; ``LOAD``
  without ``INTO`` loads into it);
* the protocol's ``using-graph-uri``/``using-named-graph-uri`` become ``USING``/``USING NAMED``
  clauses of every DELETE/INSERT operation (a conflict with ``USING``/``WITH`` in the text is a 400,
  as the SPARQL 1.1 Protocol requires).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

ALL = "*"   # "every graph" in read/write sets

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<bnode>_:[A-Za-z0-9_\u00B7\u00C0-\uFFFF.\-]*)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][A-Za-z0-9_\u00B7\u00C0-\uFFFF.\-]*)?:(?:[A-Za-z0-9_:%\u00B7\u00C0-\uFFFF\-]|\\.|\.(?=[A-Za-z0-9_:%\u00B7\u00C0-\uFFFF\-]))*)
  | (?P<word>[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00B7\u00C0-\uFFFF\-]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str       # string, iri, var, bnode, pname, word, punct, other
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


class SparqlTextError(ValueError):
    """The request cannot be accepted as it stands (a 400 with this message)."""


#: pyoxigraph's parser and evaluator recurse without a limit: a query nesting brackets a few
#: thousand deep, or chaining a few thousand operators, overflows the stack and kills the process
#: (SIGSEGV, not an exception).  Real queries stay far below these limits.
MAX_NESTING = 200
MAX_OPERATORS = 2000
#: Its join planner is also worse than cubic in the number of triple patterns of one group: 400
#: patterns take ~3 s, 800 ~20 s, 1,500 more than a minute, 10,000 overflow the stack.  Patterns
#: are counted by their separators (``.``, ``;``, ``,``) outside ``INSERT DATA``/``DELETE DATA``
#: blocks, whose triples are data, not patterns to join (50,000 of them load in under a second).
MAX_PATTERNS = 500
_CHAINING = frozenset(["!", "&&", "||", "+", "-", "*", "/", "|", "^", "UNION", "OPTIONAL", "MINUS"])


def tokenize(text: str) -> list[Token]:
    """Tokens of a SPARQL text, without white space and comments; too deep nesting is an error."""
    tokens = []
    depth = deepest = operators = patterns = 0
    data_depth = None  # the depth of the INSERT DATA / DELETE DATA block we are in, if any
    brackets: list[str] = []  # open brackets; separators count only inside { } and [ ], not ( )
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        tok = Token(kind, match.group(), match.start(), match.end())
        tokens.append(tok)
        if tok.text in ("{", "(", "["):
            depth += 1
            deepest = max(deepest, depth)
            brackets.append(tok.text)
            if tok.text == "{" and data_depth is None and len(tokens) > 1 and tokens[-2].upper == "DATA":
                data_depth = depth
        elif tok.text in ("}", ")", "]"):
            if depth == data_depth:
                data_depth = None
            depth -= 1
            if brackets:
                brackets.pop()
        elif tok.text in _CHAINING or tok.upper in _CHAINING:
            operators += 1
        elif tok.text in (".", ";", ",") and brackets and brackets[-1] != "(" and data_depth is None:
            patterns += 1
    if deepest > MAX_NESTING:
        raise SparqlTextError(f"brackets nested {deepest} deep; at most {MAX_NESTING} levels are accepted")
    if operators > MAX_OPERATORS:
        raise SparqlTextError(f"{operators} operators (!, &&, ||, +, UNION, OPTIONAL, path operators, …); "
                              f"at most {MAX_OPERATORS} are accepted")
    if patterns > MAX_PATTERNS:
        raise SparqlTextError(f"about {patterns} triple patterns; at most {MAX_PATTERNS} are accepted in one "
                              "request (send data with INSERT DATA or the Graph Store instead)")
    return tokens


def _prologue(tokens: list[Token], base: str | None) -> tuple[dict[str, str], str | None]:
    from regio.store.graphs import PREFIXES
    prefixes: dict[str, str] = dict(PREFIXES)
    for i, tok in enumerate(tokens):
        if tok.upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = _resolve(tokens[i + 2].text[1:-1], base)
        elif tok.upper == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1].text[1:-1], base)
    return prefixes, base


def _resolve(iri: str, base: str | None) -> str:
    try:
        return urljoin(base, iri) if base and not urlsplit(iri).scheme else iri
    except ValueError as exc:  # urllib's "Invalid IPv6 URL" for <https://]x/> and the like
        raise SparqlTextError(f"cannot resolve <{iri}> against the base <{base}>: {exc}") from None


def term_iri(tok: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    """The absolute IRI a token stands for, or None (a variable, or an unknown prefix)."""
    if tok.kind == "iri":
        return _resolve(tok.text[1:-1], base)
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local.replace("\\", "")
    return None


def host_allowed(iri: str | None, allowed_hosts: frozenset[str]) -> bool:
    if not iri:
        return False
    try:
        parts = urlsplit(iri)
        host = (parts.hostname or "").lower()
        return bool(host) and (host in allowed_hosts or f"{host}:{parts.port}" in allowed_hosts)
    except ValueError:  # not a URL urllib can read (bad IPv6 literal, bad port): not allowed
        return False


def _check_service(tokens: list[Token], prefixes, base, allowed_hosts: frozenset[str]) -> None:
    for i, tok in enumerate(tokens):
        if tok.upper != "SERVICE":
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].upper == "SILENT":
            j += 1
        target = term_iri(tokens[j], prefixes, base) if j < len(tokens) else None
        if not host_allowed(target, allowed_hosts):
            shown = tokens[j].text if j < len(tokens) else "?"
            raise PermissionError(
                f"SERVICE {shown} refused: federated queries may only reach allow-listed hosts "
                f"(REGIO_ALLOWED_SERVICE_HOSTS)")


# --------------------------------------------------------------------------------------------
# Queries

@dataclass(frozen=True)
class QueryInfo:
    form: str                   # SELECT, ASK, CONSTRUCT, DESCRIBE
    has_dataset: bool           # FROM / FROM NAMED in the text
    limit: int | None           # top-level LIMIT, if any
    select_start: int | None    # offset of the SELECT keyword (for the row cap)
    dataset_clause: tuple[int, int] | None  # span of FROM clauses of a SELECT
    lookup: bool = False        # one triple pattern, nothing else (see is_lookup)
    #: the look-up's pattern, each term ("iri", IRI) / ("literal", value, language, datatype IRI)
    #: / ("var",), or None when a term is not that plain (escapes, unknown prefix …)
    pattern: tuple | None = None
    #: the service's default prefixes (graphs.PREFIXES) the query uses without declaring them:
    #: what a remote engine must be told
    default_prefixes: frozenset[str] = frozenset()


def analyze_query(text: str, *, allowed_hosts: frozenset[str] = frozenset()) -> QueryInfo:
    """Form, dataset clause and LIMIT of a query; raises PermissionError for SERVICE to outside hosts.

    Syntax errors are left to the engine, which reports them with a position.  Short texts are
    remembered (clients repeat the same queries; lexing costs more than a look-up's evaluation).
    """
    if len(text) <= 4096:
        return _analyze_cached(text, allowed_hosts)
    return _analyze(text, allowed_hosts)


@lru_cache(maxsize=1024)
def _analyze_cached(text: str, allowed_hosts: frozenset[str]) -> QueryInfo:
    return _analyze(text, allowed_hosts)


def _analyze(text: str, allowed_hosts: frozenset[str]) -> QueryInfo:
    tokens = tokenize(text)
    prefixes, base = _prologue(tokens, None)
    _check_service(tokens, prefixes, base, allowed_hosts)
    form = None
    select_start = None
    depth = 0
    has_dataset = False
    limit = None
    dataset_span = None
    for i, tok in enumerate(tokens):
        if tok.text in ("{", "(", "["):
            depth += 1
        elif tok.text in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and tok.kind == "word":
            word = tok.upper
            if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = word
                select_start = tok.start
            elif word == "FROM" and form is not None:
                has_dataset = True
                end = tokens[i + 2].end if i + 2 < len(tokens) and tokens[i + 1].upper == "NAMED" else (
                    tokens[i + 1].end if i + 1 < len(tokens) else tok.end)
                dataset_span = (dataset_span[0] if dataset_span else tok.start, end)
            elif word == "LIMIT":
                digits = _number(tokens, i + 1)
                if digits:
                    limit = int(digits)
    if form is None:
        raise SparqlTextError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    lookup = is_lookup(tokens)
    pattern = _pattern(tokens, prefixes, base) if lookup else None
    return QueryInfo(form, has_dataset, limit, select_start, dataset_span, lookup, pattern,
                     _default_prefixes_used(tokens))


def _default_prefixes_used(tokens: list[Token]) -> frozenset[str]:
    from regio.store.graphs import PREFIXES

    declared = {tokens[i + 1].text.rstrip(":") for i, tok in enumerate(tokens[:-1]) if tok.upper == "PREFIX"}
    used = {tok.text.split(":", 1)[0] for tok in tokens if tok.kind == "pname"}
    return frozenset(p for p in used - declared if p in PREFIXES)


def _pattern(tokens: list[Token], prefixes: dict[str, str], base: str | None) -> tuple | None:
    """The terms of a look-up's triple pattern (see QueryInfo.pattern)."""
    i = next(k for k, t in enumerate(tokens) if t.text == "{") + 1
    terms = []
    for position in range(3):
        j = _term(tokens, i, predicate=position == 1)
        tok = tokens[i]
        if tok.kind in ("var", "bnode"):
            terms.append(("var",))
        elif tok.kind == "word":  # "a"
            terms.append(("iri", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
        elif tok.kind == "string":
            if tok.text[:3] in ('"""', "'''") or "\\" in tok.text:
                return None
            lang = tokens[i + 2].text if j == i + 3 and tokens[i + 1].text == "@" else None
            datatype = term_iri(tokens[i + 2], prefixes, base) if j == i + 3 and tokens[i + 1].text == "^^" else None
            if j == i + 3 and not (lang or datatype):
                return None
            terms.append(("literal", tok.text[1:-1], lang, datatype))
        else:
            iri = term_iri(tok, prefixes, base)
            if iri is None:
                return None
            terms.append(("iri", iri))
        i = j
    return tuple(terms)


def _number(tokens: list[Token], i: int) -> str:
    """The digits of an integer starting at token ``i`` (the lexer yields a digit per token)."""
    out = ""
    while i < len(tokens) and tokens[i].text.isdigit() and (not out or tokens[i].start == tokens[i - 1].end):
        out += tokens[i].text
        i += 1
    return out


_TERM_KINDS = frozenset(["iri", "pname", "var", "bnode"])


def _term(tokens: list[Token], i: int, predicate: bool) -> int:
    """The index after an RDF term (IRI, prefixed name, variable, blank node label, string literal
    with optional language tag or datatype; ``a`` as predicate) at token ``i``, or -1."""
    if i >= len(tokens):
        return -1
    tok = tokens[i]
    if tok.kind in _TERM_KINDS:
        return i + 1
    if predicate and tok.kind == "word" and tok.text == "a":
        return i + 1
    if tok.kind == "string" and not predicate:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.text == "@" and i + 2 < len(tokens) and tokens[i + 2].kind == "word" \
                and tokens[i + 2].start == nxt.end:
            return i + 3
        if nxt is not None and nxt.text == "^^" and i + 2 < len(tokens) and tokens[i + 2].kind in ("iri", "pname"):
            return i + 3
        return i + 1
    return -1


def is_lookup(tokens: list[Token]) -> bool:
    """Whether a query is a look-up of one triple pattern and nothing else::

        [PREFIX/BASE …] SELECT (* | ?v …) [WHERE] { s p o [.] } [LIMIT n]
        [PREFIX/BASE …] ASK [WHERE] { s p o [.] }

    with distinct variables in the pattern, and no FROM, DISTINCT, OFFSET, FILTER, paths, ….  Such
    a query is one scan of one Oxigraph index range in which every step is a solution, so its cost
    is bounded by the number of rows it returns (capped) — it cannot run away, and the service may
    evaluate it without a killable worker.  Anything else (or anything unusual) answers False.
    """
    i = 0
    while i < len(tokens) and tokens[i].upper in ("PREFIX", "BASE"):
        i += 3 if tokens[i].upper == "PREFIX" else 2
    if i >= len(tokens):
        return False
    form = tokens[i].upper
    i += 1
    if form == "SELECT":
        if i < len(tokens) and tokens[i].text == "*":
            i += 1
        else:
            start = i
            while i < len(tokens) and tokens[i].kind == "var":
                i += 1
            if i == start:
                return False
    elif form != "ASK":
        return False
    if i < len(tokens) and tokens[i].upper == "WHERE":
        i += 1
    if i >= len(tokens) or tokens[i].text != "{":
        return False
    pattern = []
    i += 1
    for position in range(3):
        j = _term(tokens, i, predicate=position == 1)
        if j < 0:
            return False
        pattern.append(tokens[i])
        i = j
    if i < len(tokens) and tokens[i].text == ".":
        i += 1
    if i >= len(tokens) or tokens[i].text != "}":
        return False
    i += 1
    variables = [t.text[1:] for t in pattern if t.kind in ("var", "bnode")]
    if len(variables) != len(set(variables)):
        return False  # ?x ?p ?x scans for the few triples that repeat a term
    if form == "SELECT" and i < len(tokens) and tokens[i].upper == "LIMIT":
        digits = _number(tokens, i + 1)
        if not digits:
            return False
        i += 1 + len(digits)
    return i == len(tokens)


def cap_rows(text: str, info: QueryInfo, max_rows: int) -> str:
    """Wrap a SELECT query so that it returns at most ``max_rows`` rows (same variables, same order).

    ``SELECT * FROM … { { SELECT … } } LIMIT n`` keeps the prologue and moves the dataset clause
    out of the sub-select, where SPARQL does not allow it.
    """
    if info.form != "SELECT" or max_rows <= 0 or (info.limit is not None and info.limit <= max_rows):
        return text
    start = info.select_start
    assert start is not None
    prologue, body = text[:start], text[start:]
    dataset = ""
    if info.dataset_clause:
        a, b = info.dataset_clause
        dataset = text[a:b]
        body = text[start:a] + " " + text[b:]
    return f"{prologue}SELECT * {dataset} WHERE {{ {{ {body}\n}} }} LIMIT {max_rows}"


# --------------------------------------------------------------------------------------------
# Updates

@dataclass
class UpdatePlan:
    """An update rewritten for the store, with what it may read and write."""

    text: str
    kinds: list[str] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)     # graph IRIs, or ALL
    writes: set[str] = field(default_factory=set)    # graph IRIs, or ALL
    data_only: bool = True                          # only INSERT DATA / DELETE DATA
    data_ops: list[tuple[str, str]] = field(default_factory=list)  # (INSERT|DELETE, rewritten op text)

    @property
    def touches_all(self) -> bool:
        return ALL in self.reads or ALL in self.writes


def _split_operations(tokens: list[Token]) -> list[list[Token]]:
    ops: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.text in ("{", "(", "["):
            depth += 1
        elif tok.text in ("}", ")", "]"):
            depth -= 1
        if tok.text == ";" and depth == 0:
            ops.append([])
        else:
            ops[-1].append(tok)
    return [op for op in ops if op]


def _matching(tokens: list[Token], i: int) -> int:
    """Index of the bracket closing tokens[i]."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text in ("{", "(", "["):
            depth += 1
        elif tokens[j].text in ("}", ")", "]"):
            depth -= 1
            if depth == 0:
                return j
    raise SparqlTextError("unbalanced brackets in the update")


def _graphs_in(tokens: list[Token], prefixes, base) -> set[str]:
    """Graph IRIs named by GRAPH in a pattern or template (ALL if one is a variable or unknown)."""
    found: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.upper == "GRAPH" and i + 1 < len(tokens):
            iri = term_iri(tokens[i + 1], prefixes, base)
            found.add(iri if iri else ALL)
    return found


def plan_update(text: str, *, user_graph: str, using: tuple[str, ...] = (),
                using_named: tuple[str, ...] = (), base_iri: str | None = None,
                allowed_hosts: frozenset[str] = frozenset()) -> UpdatePlan:
    """Rewrite an update for the store (see the module docstring) and list its graphs."""
    tokens = tokenize(text)
    if not tokens:
        raise SparqlTextError("empty update")
    ops = _split_operations(tokens)
    plan = UpdatePlan(text="")
    out: list[str] = []
    user = f"<{user_graph}>"
    using_text = " ".join([f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named])
    from regio.store.graphs import PREFIXES
    prefixes: dict[str, str] = dict(PREFIXES)
    base = base_iri
    for op in ops:
        # Each operation may carry its own prologue; prefixes accumulate over the request.
        i = 0
        while i < len(op) and op[i].upper in ("PREFIX", "BASE"):
            if op[i].upper == "PREFIX" and i + 2 < len(op) and op[i + 2].kind == "iri":
                prefixes[op[i + 1].text.rstrip(":")] = _resolve(op[i + 2].text[1:-1], base)
                i += 3
            elif op[i].upper == "BASE" and i + 1 < len(op) and op[i + 1].kind == "iri":
                base = _resolve(op[i + 1].text[1:-1], base)
                i += 2
            else:
                raise SparqlTextError(f"malformed prologue near {op[i].text!r}")
        prologue_text = text[op[0].start:op[i].start] if i < len(op) else text[op[0].start:op[-1].end]
        body = op[i:]
        if not body:
            out.append(prologue_text)
            continue
        _check_service(body, prefixes, base, allowed_hosts)
        src = text[body[0].start:body[-1].end]

        def span(a: int, b: int) -> str:
            return text[body[a].start:body[b].end] if a <= b else ""

        head = body[0].upper
        second = body[1].upper if len(body) > 1 else ""
        if head in ("INSERT", "DELETE") and second == "DATA":
            kind = f"{head} DATA"
            if using or using_named:
                pass  # the protocol's USING parameters do not apply to DATA operations
            lb = 2
            if lb >= len(body) or body[lb].text != "{":
                raise SparqlTextError(f"{kind} must be followed by {{")
            rb = _matching(body, lb)
            inner = body[lb + 1:rb]
            plain: list[str] = []
            graphs: list[str] = []
            j = 0
            seg_start = 0
            while j < len(inner):
                if inner[j].upper == "GRAPH" and j + 2 < len(inner) and inner[j + 2].text == "{":
                    if seg_start < j:
                        plain.append(text[inner[seg_start].start:inner[j - 1].end])
                    end = _matching(inner, j + 2)
                    graphs.append(text[inner[j].start:inner[end].end])
                    iri = term_iri(inner[j + 1], prefixes, base)
                    if iri is None:
                        raise SparqlTextError(f"{kind}: graph {inner[j + 1].text} is not an IRI")
                    plan.writes.add(iri)
                    j = end + 1
                    if j < len(inner) and inner[j].text == ".":
                        j += 1
                    seg_start = j
                else:
                    j += 1
            if seg_start < len(inner):
                plain.append(text[inner[seg_start].start:inner[-1].end])
            plain = [p.strip().rstrip(".").strip() for p in plain if p.strip().rstrip(".").strip()]
            blocks = list(graphs)
            if plain:
                blocks.insert(0, f"GRAPH {user} {{ " + " .\n".join(plain) + " }")
                plan.writes.add(user_graph)
            rewritten = f"{head} DATA {{\n" + "\n".join(blocks) + "\n}" + span(rb + 1, len(body) - 1)
            plan.data_ops.append((head, prologue_text + rewritten))
        elif head in ("WITH", "INSERT", "DELETE"):
            plan.data_only = False
            kind = "MODIFY"
            has_with = head == "WITH"
            depth = 0
            has_using = False
            where_idx = None
            for k, tok in enumerate(body):
                if tok.text in ("{", "(", "["):
                    depth += 1
                elif tok.text in ("}", ")", "]"):
                    depth -= 1
                elif depth == 0 and tok.upper == "USING":
                    has_using = True
                elif depth == 0 and tok.upper == "WHERE" and where_idx is None:
                    where_idx = k
            if (using or using_named) and (has_with or has_using):
                raise SparqlTextError(
                    "the update names its dataset (WITH or USING) and the request gives "
                    "using-graph-uri/using-named-graph-uri: the SPARQL 1.1 Protocol forbids both")
            with_iri = term_iri(body[1], prefixes, base) if has_with and len(body) > 1 else None
            if has_with and with_iri is None:
                raise SparqlTextError("WITH must name a graph IRI")
            start = 2 if has_with else 0
            if where_idx is None:
                raise SparqlTextError("DELETE/INSERT operations need a WHERE clause")
            if body[start].upper == "DELETE" and start + 1 < len(body) and body[start + 1].upper == "WHERE":
                # DELETE WHERE { QP }  ==  DELETE { QP } WHERE { QP }
                lb = start + 2
                rb = _matching(body, lb)
                pattern = span(lb, rb)
                templates = body[lb:rb + 1]
                where_tokens = templates
                core = f"DELETE {pattern} {using_text} WHERE {pattern}" + span(rb + 1, len(body) - 1)
            else:
                templates = body[start:where_idx]
                where_tokens = body[where_idx:]
                core = span(start, where_idx - 1) + (f" {using_text} " if using_text else " ") + span(where_idx, len(body) - 1)
            target = with_iri or user_graph
            rewritten = f"WITH <{target}> {core}"
            plan.writes.add(target)
            plan.writes |= _graphs_in(templates, prefixes, base)
            # What WHERE reads: its default graph and the graphs it names.
            explicit_using = [t for t in body if t.upper == "USING"]
            if using or using_named:
                plan.reads |= set(using) | set(using_named)
            elif explicit_using:
                for k, tok in enumerate(body):
                    if tok.upper == "USING" and k + 1 < len(body):
                        nxt = body[k + 2] if body[k + 1].upper == "NAMED" and k + 2 < len(body) else body[k + 1]
                        plan.reads.add(term_iri(nxt, prefixes, base) or ALL)
            else:
                plan.reads.add(target)
                plan.reads |= _graphs_in(where_tokens, prefixes, base)
        elif head in ("CLEAR", "DROP"):
            plan.data_only = False
            kind = head
            k = 1
            if k < len(body) and body[k].upper == "SILENT":
                k += 1
            ref = body[k].upper if k < len(body) else ""
            if ref == "DEFAULT":
                rewritten = span(0, k - 1) + f" GRAPH {user}"
                plan.writes.add(user_graph)
            elif ref in ("ALL", "NAMED"):
                rewritten = src
                plan.writes.add(ALL)
            elif ref == "GRAPH" and k + 1 < len(body):
                rewritten = src
                plan.writes.add(term_iri(body[k + 1], prefixes, base) or ALL)
            else:
                raise SparqlTextError(f"{head} must be followed by GRAPH <iri>, DEFAULT, NAMED or ALL")
        elif head == "CREATE":
            plan.data_only = False
            kind = head
            rewritten = src
        elif head in ("ADD", "MOVE", "COPY"):
            plan.data_only = False
            kind = head
            parts = []
            graphs = []
            k = 1
            while k < len(body):
                tok = body[k]
                if tok.upper == "DEFAULT":
                    parts.append(user)
                    graphs.append(user_graph)
                elif tok.upper == "GRAPH":
                    parts.append("GRAPH")
                elif tok.kind in ("iri", "pname"):
                    parts.append(tok.text)
                    graphs.append(term_iri(tok, prefixes, base) or ALL)
                else:
                    parts.append(tok.text)
                k += 1
            rewritten = head + " " + " ".join(parts)
            plan.reads |= set(graphs)
            plan.writes |= set(graphs)
        elif head == "LOAD":
            plan.data_only = False
            kind = head
            k = 1
            if k < len(body) and body[k].upper == "SILENT":
                k += 1
            source = term_iri(body[k], prefixes, base) if k < len(body) else None
            if not host_allowed(source, allowed_hosts):
                raise PermissionError(
                    f"LOAD {body[k].text if k < len(body) else ''} refused: LOAD may only fetch from "
                    "allow-listed hosts (REGIO_ALLOWED_SERVICE_HOSTS)")
            into = [t for t in body if t.upper == "INTO"]
            if into:
                rewritten = src
                idx = body.index(into[0])
                target = body[idx + 2] if idx + 2 < len(body) else None
                plan.writes.add(term_iri(target, prefixes, base) or ALL if target else ALL)
            else:
                rewritten = src + f" INTO GRAPH {user}"
                plan.writes.add(user_graph)
        else:
            raise SparqlTextError(f"unknown update operation {body[0].text!r}")
        plan.kinds.append(kind)
        if kind not in ("INSERT DATA", "DELETE DATA"):
            out.append(prologue_text + rewritten)
        else:
            out.append(plan.data_ops[-1][1])
    plan.text = " ;\n".join(out)
    return plan
