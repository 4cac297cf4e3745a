"""Validation reports: what the data steward reads, in text, JSON, Turtle and HTML.

pySHACL returns a standard ``sh:ValidationReport`` graph.  This module turns it into plain Python
objects (:class:`ValidationResult`, :class:`ValidationReport`) that the command line, the SPARQL
service and the web pages share, and fills the placeholders pySHACL leaves in ``sh:message`` for
SHACL Core constraints (``{$this}``, ``{$value}``, ``{$path}``), so that a message reads "Employment
"-5"^^xsd:integer of rid:x is negative" rather than "Employment {$value} of {$this} is negative".
The Turtle output is the standard report with those filled-in messages.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, NamespaceManager
from rdflib.term import Node

SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES)}

#: Prefixes used to write IRIs compactly in messages and text output.
PREFIXES = {
    "regio": "https://w3id.org/regio#",
    "regios": "https://w3id.org/regio/shapes#",
    "rid": "https://w3id.org/regio/id/",
    "iso": "https://w3id.org/regio/id/iso3166/",
    "sh": str(SH),
    "rdf": str(RDF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "bibo": "http://purl.org/ontology/bibo/",
    "prov": "http://www.w3.org/ns/prov#",
    "nuts": "http://data.europa.eu/nuts/code/",
    "nace": "http://data.europa.eu/ux2/nace2/",
}

_PLACEHOLDER = re.compile(r"\{[$?](this|value|path)\}")


def namespace_manager() -> NamespaceManager:
    """A namespace manager with REGIO's prefixes (for compact output)."""
    nm = NamespaceManager(Graph(bind_namespaces="none"))
    for prefix, ns in PREFIXES.items():
        nm.bind(prefix, Namespace(ns), override=True, replace=True)
    return nm


_NM = namespace_manager()


def render_term(term: Node | None, nm: NamespaceManager = _NM) -> str:
    """A term as a data steward would write it in Turtle: ``iso:IT-45``, ``"-5"^^xsd:integer``."""
    if term is None:
        return "—"
    if isinstance(term, URIRef):
        try:
            prefix, ns, local = nm.compute_qname(str(term), generate=False)
            if local and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(?<!\.)", local):
                return f"{prefix}:{local}"
        except (KeyError, ValueError, Exception):  # noqa: BLE001 - rdflib raises several kinds
            pass
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return term.n3(nm)
    return str(term)


def render_path(graph: Graph, path: Node | None, nm: NamespaceManager = _NM) -> str:
    """A SHACL property path in SPARQL syntax (``^regio:hasMember``, ``regio:a/regio:b``)."""
    if path is None:
        return "—"
    if isinstance(path, URIRef):
        return render_term(path, nm)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + render_path(graph, inverse, nm)
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, prop)
        if inner is not None:
            return f"({render_path(graph, inner, nm)}){suffix}"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(render_path(graph, p, nm) for p in Collection(graph, alternatives)) + ")"
    if graph.value(path, RDF.first) is not None:
        return "/".join(render_path(graph, p, nm) for p in Collection(graph, path))
    return render_term(path, nm)


@dataclass
class ValidationResult:
    """One validation result, with everything a data steward needs to find and fix the problem."""

    focus_node: Node
    path: Node | None
    value: Node | None
    message: str
    severity: str  # "Violation" | "Warning" | "Info"
    source_shape: Node
    constraint_component: Node | None = None
    focus_label: str | None = None
    #: for SHACL-SPARQL results, the sh:SPARQLConstraint that fired (the shape is its node shape)
    source_constraint: Node | None = None
    path_text: str = "—"

    def key(self) -> tuple:
        """Identity of a result for comparing two reports (blank nodes compare by position only)."""

        def norm(term: Node | None) -> str:
            return "_:b" if isinstance(term, BNode) else ("" if term is None else term.n3())

        return (
            norm(self.focus_node),
            self.path_text,
            norm(self.value),
            self.severity,
            norm(self.source_shape),
            norm(self.constraint_component),
            norm(self.source_constraint),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; terms as in SPARQL 1.1 JSON results (type/value/datatype/xml:lang)."""
        return {
            "focusNode": term_json(self.focus_node),
            "focusLabel": self.focus_label,
            "resultPath": self.path_text if self.path is not None else None,
            "value": term_json(self.value),
            "message": self.message,
            "severity": self.severity,
            "sourceShape": term_json(self.source_shape),
            "sourceConstraintComponent": term_json(self.constraint_component),
            "sourceConstraint": term_json(self.source_constraint),
        }


def term_json(term: Node | None) -> dict[str, str] | None:
    """A term as a SPARQL 1.1 JSON results binding."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


@dataclass
class ValidationReport:
    """The outcome of :func:`regio.validation.validate`.

    ``conforms`` follows SHACL: true only when there are no results at all (Info included).
    ``results`` are sorted by focus node, then severity, then path.  ``graph`` is the standard
    ``sh:ValidationReport`` (with filled-in messages) that :meth:`to_turtle` serialises.
    """

    conforms: bool
    results: list[ValidationResult]
    graph: Graph = field(repr=False, default_factory=Graph)
    triples: int | None = None
    sources: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of results per severity (all three keys always present)."""
        out = {name: 0 for name in SEVERITIES}
        for r in self.results:
            out[r.severity] = out.get(r.severity, 0) + 1
        return out

    def fails(self, fail_on: str = "info") -> bool:
        """Whether the report fails at the given threshold: ``info`` (any result, as SHACL),
        ``warning`` (warnings and violations) or ``violation`` (violations only)."""
        threshold = {"info": 2, "warning": 1, "violation": 0}[fail_on.lower()]
        return any(_SEVERITY_RANK.get(r.severity, 0) <= threshold for r in self.results)

    def by_focus_node(self) -> list[tuple[Node, str | None, list[ValidationResult]]]:
        """Results grouped by focus node, in order: (node, label, results)."""
        groups: dict[Node, list[ValidationResult]] = {}
        for r in self.results:
            groups.setdefault(r.focus_node, []).append(r)
        return [(node, rs[0].focus_label, rs) for node, rs in groups.items()]

    def summary(self) -> str:
        c = self.counts()
        verdict = "conforms" if self.conforms else "does not conform"
        nodes = len({r.focus_node for r in self.results})
        return (
            f"{verdict}: {c['Violation']} violation(s), {c['Warning']} warning(s), {c['Info']} info(s)"
            + (f" on {nodes} focus node(s)" if self.results else "")
        )

    def to_text(self) -> str:
        """Human-readable text, grouped by focus node (label, path, value, message, severity)."""
        lines = ["Validation report: " + self.summary()]
        if self.triples is not None:
            lines[0] += f" ({self.triples} triples validated)"
        for node, label, results in self.by_focus_node():
            lines.append("")
            lines.append(render_term(node) + (f"  “{label}”" if label else ""))
            for r in results:
                lines.append(f"  [{r.severity}] {r.path_text}" + (f" = {render_term(r.value)}" if r.value is not None else ""))
                lines.append(f"    {r.message}")
                rule = render_term(r.source_constraint) if r.source_constraint is not None else render_term(r.constraint_component)
                lines.append(f"    (shape {render_term(r.source_shape)}, {rule})")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "triples": self.triples,
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON: ``{"conforms", "counts", "triples", "results": [...]}``; terms as SPARQL JSON."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    def to_turtle(self) -> str:
        """The standard SHACL validation report in Turtle."""
        return self.graph.serialize(format="turtle")

    def to_html(self, *, full_document: bool = True) -> str:
        """HTML: a summary and one table per focus node; everything escaped.

        With ``full_document=False`` only the ``<section>`` is returned, for embedding in a page.
        """
        e = html.escape
        parts = [f'<section class="regio-validation-report" data-conforms="{str(self.conforms).lower()}">']
        parts.append(f"<p class=\"summary\">{e(self.summary())}</p>")
        for node, label, results in self.by_focus_node():
            title = e(render_term(node)) + (f" — {e(label)}" if label else "")
            parts.append(f"<h3>{title}</h3>")
            parts.append("<table><thead><tr><th>severity</th><th>path</th><th>value</th><th>message</th><th>shape</th></tr></thead><tbody>")
            for r in results:
                parts.append(
                    f'<tr class="{e(r.severity.lower())}"><td>{e(r.severity)}</td><td><code>{e(r.path_text)}</code></td>'
                    f"<td><code>{e(render_term(r.value)) if r.value is not None else ''}</code></td>"
                    f"<td>{e(r.message)}</td><td><code>{e(render_term(r.source_shape))}</code></td></tr>"
                )
            parts.append("</tbody></table>")
        parts.append("</section>")
        body = "\n".join(parts)
        if not full_document:
            return body
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>REGIO validation report</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
            "tr.violation td:first-child{color:#a00}tr.warning td:first-child{color:#a60}</style></head>\n<body>\n"
            "<h1>REGIO validation report</h1>\n" + body + "\n</body></html>\n"
        )

    def render(self, fmt: str) -> str:
        """The report in one of ``text``, ``json``, ``turtle``, ``html``."""
        renderers: dict[str, Callable[[], str]] = {
            "text": self.to_text,
            "json": self.to_json,
            "turtle": self.to_turtle,
            "html": self.to_html,
        }
        return renderers[fmt]()


def _pick_message(graph: Graph, result: Node) -> str:
    messages = list(graph.objects(result, SH.resultMessage))
    if not messages:
        return ""
    for want in ("en", None):
        for m in messages:
            if isinstance(m, Literal) and m.language == want:
                return str(m)
    return str(messages[0])


def fill_message(message: str, focus: Node, path_text: str, value: Node | None) -> str:
    """Fill ``{$this}``, ``{$path}`` and ``{$value}`` (and the ``{?…}`` spellings) in a message."""
    values = {"this": render_term(focus), "path": path_text, "value": render_term(value)}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], message)


def from_report_graph(
    conforms: bool,
    graph: Graph,
    label_of: Callable[[Node], str | None] = lambda node: None,
) -> ValidationReport:
    """Build a :class:`ValidationReport` from pySHACL's report graph, filling in messages.

    The graph is modified in place: each ``sh:resultMessage`` is replaced by the filled-in text
    (keeping its language tag), so the Turtle output says the same as the text output.
    """
    results: list[ValidationResult] = []
    for node in graph.subjects(RDF.type, SH.ValidationResult):
        focus = graph.value(node, SH.focusNode)
        path = graph.value(node, SH.resultPath)
        value = graph.value(node, SH.value)
        severity_iri = graph.value(node, SH.resultSeverity)
        severity = str(severity_iri).rsplit("#", 1)[-1] if severity_iri is not None else "Violation"
        path_text = render_path(graph, path) if path is not None else "—"
        raw_messages = list(graph.objects(node, SH.resultMessage))
        message = fill_message(_pick_message(graph, node), focus, path_text, value)
        for m in raw_messages:
            graph.remove((node, SH.resultMessage, m))
            filled = fill_message(str(m), focus, path_text, value)
            graph.add((node, SH.resultMessage, Literal(filled, lang=m.language if isinstance(m, Literal) else None)))
        results.append(
            ValidationResult(
                focus_node=focus,
                path=path,
                value=value,
                message=message,
                severity=severity,
                source_shape=graph.value(node, SH.sourceShape),
                constraint_component=graph.value(node, SH.sourceConstraintComponent),
                focus_label=label_of(focus),
                source_constraint=graph.value(node, SH.sourceConstraint),
                path_text=path_text,
            )
        )
    results.sort(key=lambda r: (str(r.focus_node), _SEVERITY_RANK.get(r.severity, 9), r.path_text, str(r.value), str(r.source_shape)))
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return ValidationReport(conforms=conforms, results=results, graph=graph)


def result_keys(results: Iterable[ValidationResult]) -> list[tuple]:
    """Sorted identities of results, for comparing two engines' reports."""
    return sorted(r.key() for r in results)
