"""``/ontology`` and ``/ontology/<term>``: every ``https://w3id.org/regio#…`` term, dereferenceable.

w3id.org redirects ``https://w3id.org/regio#Cluster`` (the fragment stays with the client) and
``https://w3id.org/regio/Cluster``-style requests here.  A browser gets a page with the term's
label, definition, the paper's quote, its sources, its super- and subclasses, and a drawing of the
class hierarchy; an RDF client gets the term's description (its concise bounded description, so
class expressions come along) as Turtle, RDF/XML, JSON-LD or N-Triples.

The ontology is read from the store's ontology graphs — not from the files — so the pages show what
the service serves, in embedded and in remote mode alike.  The parsed graph is cached briefly:
term pages are read far more often than the ontology changes.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import quote

from flask import Blueprint, abort, render_template
from markupsafe import Markup, escape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, DCTERMS, XSD
from rdflib.term import Node

from . import add_error_page, data, links, negotiate, svg

bp = Blueprint("ontology_pages", __name__)
add_error_page(bp)

REGIO = data.REGIO
PAPER_QUOTE = URIRef(REGIO + "paperQuote")
REFERENCE_TEXT = URIRef(REGIO + "referenceText")
BIBO = "http://purl.org/ontology/bibo/"
CACHE_SECONDS = 10.0

_cache_lock = threading.Lock()
_cache: dict[int, tuple[float, Graph]] = {}


def ontology_graph(max_age: float = CACHE_SECONDS) -> Graph:
    """The ontology, references and alignment graphs from the store, as one rdflib graph."""
    st = data.store()
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(id(st))
        if hit and now - hit[0] < max_age:
            return hit[1]
    values = " ".join(f"<{g}>" for g in data.ONTOLOGY_GRAPHS)
    graph = data.construct("CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?g { " + values + " } GRAPH ?g { ?s ?p ?o } }")
    for prefix, ns in data.PREFIXES.items():
        graph.bind(prefix, ns, replace=True)
    if len(graph):  # never keep an empty answer (a store still starting, an engine hiccup)
        with _cache_lock:
            _cache[id(st)] = (now, graph)
    return graph


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- reading the graph --------------------------------------------------------------------------

def label_of(g: Graph, term: Node) -> str:
    best: tuple[int, str] | None = None
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        for value in g.objects(term, prop):
            rank = links._rank(value, "en")
            if best is None or rank < best[0]:
                best = (rank, str(value))
        if best:
            return best[1]
    return links.fallback_label(str(term))


def literals(g: Graph, term: Node, *props: URIRef) -> list[Literal]:
    """Values of the properties, English (or untagged) first, without duplicates."""
    found: list[Literal] = []
    for prop in props:
        for value in g.objects(term, prop):
            if isinstance(value, Literal) and value not in found:
                found.append(value)
    return sorted(found, key=lambda v: links._rank(v, "en"))


def kind_of(g: Graph, term: URIRef) -> str:
    types = set(g.objects(term, RDF.type))
    for t, name in ((OWL.Class, "class"), (RDFS.Class, "class"), (OWL.ObjectProperty, "object property"),
                    (OWL.DatatypeProperty, "datatype property"), (OWL.AnnotationProperty, "annotation property"),
                    (RDF.Property, "property"), (OWL.Ontology, "ontology"), (OWL.NamedIndividual, "individual")):
        if t in types:
            return name
    if any(str(t).startswith(BIBO) for t in types):
        return "bibliographic resource"
    return "individual" if types else "term"


def named_superclasses(g: Graph, cls: Node) -> list[URIRef]:
    """Direct named superclasses, including the named conjuncts of an equivalent intersection."""
    found = [o for o in g.objects(cls, RDFS.subClassOf) if isinstance(o, URIRef)]
    for eq in g.objects(cls, OWL.equivalentClass):
        if isinstance(eq, BNode):
            for lst in g.objects(eq, OWL.intersectionOf):
                found += [m for m in Collection(g, lst) if isinstance(m, URIRef)]
    return sorted(set(found) - {cls, OWL.Thing}, key=str)


def named_subclasses(g: Graph, cls: Node) -> list[URIRef]:
    found = {s for s in g.subjects(RDFS.subClassOf, cls) if isinstance(s, URIRef)}
    for lst in g.subjects(RDF.first, cls):
        # cls as a conjunct of some class's equivalent intersection
        for inter in _list_heads(g, lst):
            for eq in g.subjects(OWL.intersectionOf, inter):
                found |= {s for s in g.subjects(OWL.equivalentClass, eq) if isinstance(s, URIRef)}
    return sorted(found - {cls}, key=str)


def _list_heads(g: Graph, node: Node) -> list[Node]:
    heads = [node]
    seen = {node}
    while True:
        prev = [s for s in g.subjects(RDF.rest, heads[-1]) if s not in seen]
        if not prev:
            return [heads[-1]]
        seen.add(prev[0])
        heads.append(prev[0])


def regio_classes(g: Graph) -> list[URIRef]:
    return sorted({c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and str(c).startswith(REGIO)},
                  key=lambda c: label_of(g, c).lower())


def reference_html(text: str) -> Markup:
    """A reference-list entry as the paper prints it: ``*Title*`` in italics, the rest as text."""
    return Markup(re.sub(r"\*([^*]+)\*", r"<em>\1</em>", str(escape(text))))


# --- class expressions in Manchester syntax -----------------------------------------------------

def link_to(g: Graph, term: Node) -> Markup:
    if isinstance(term, URIRef):
        return Markup('<a href="{}" title="{}">{}</a>').format(links.href(str(term)), links.curie(str(term)),
                                                                label_of(g, term))
    if isinstance(term, Literal):
        if term.language:
            return Markup('{} <span class="muted">@{}</span>').format(str(term), term.language)
        if term.datatype and term.datatype != XSD.string:
            return Markup('{} <span class="muted">{}</span>').format(str(term), links.curie(str(term.datatype)))
        return Markup("{}").format(str(term))
    return Markup("<span>(anonymous)</span>")


def expression(g: Graph, node: Node, depth: int = 0) -> Markup:
    """Render a class expression (restrictions, and/or/not, one-of) in Manchester syntax."""
    if not isinstance(node, BNode) or depth > 8:
        return link_to(g, node)
    kw = lambda word: Markup('<span class="kw">{}</span>').format(word)  # noqa: E731
    for prop, word in ((OWL.intersectionOf, "and"), (OWL.unionOf, "or")):
        lst = g.value(node, prop)
        if lst is not None:
            parts = [expression(g, m, depth + 1) for m in Collection(g, lst)]
            return Markup("(") + Markup(" {} ").format(kw(word)).join(parts) + Markup(")")
    comp = g.value(node, OWL.complementOf)
    if comp is not None:
        return kw("not") + Markup(" ") + expression(g, comp, depth + 1)
    one_of = g.value(node, OWL.oneOf)
    if one_of is not None:
        return Markup("{") + Markup(", ").join(link_to(g, m) for m in Collection(g, one_of)) + Markup("}")
    on_dt = g.value(node, OWL.onDatatype)
    if on_dt is not None:
        facets = []
        for r in Collection(g, g.value(node, OWL.withRestrictions) or RDF.nil):
            for p, o in g.predicate_objects(r):
                facets.append(Markup("{} {}").format(links.curie(str(p)).replace("xsd:", ""), o))
        return link_to(g, on_dt) + Markup("[") + Markup(", ").join(facets) + Markup("]")
    prop = g.value(node, OWL.onProperty)
    if prop is not None:
        head = link_to(g, prop)
        for p, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value")):
            v = g.value(node, p)
            if v is not None:
                return Markup("({} {} {})").format(head, kw(word), expression(g, v, depth + 1))
        for p, word in ((OWL.minCardinality, "min"), (OWL.maxCardinality, "max"), (OWL.cardinality, "exactly"),
                        (OWL.minQualifiedCardinality, "min"), (OWL.maxQualifiedCardinality, "max"),
                        (OWL.qualifiedCardinality, "exactly")):
            v = g.value(node, p)
            if v is not None:
                on = g.value(node, OWL.onClass) or g.value(node, OWL.onDataRange)
                tail = Markup(" ") + expression(g, on, depth + 1) if on is not None else Markup("")
                return Markup("({} {} {}{})").format(head, kw(word), v, tail)
        has_self = g.value(node, OWL.hasSelf)
        if has_self is not None:
            return Markup("({} {})").format(head, kw("Self"))
    inverse = g.value(node, OWL.inverseOf)
    if inverse is not None:
        return kw("inverse") + Markup(" ") + link_to(g, inverse)
    return Markup("<span>(anonymous)</span>")


# --- pictures -----------------------------------------------------------------------------------

def hierarchy_picture(g: Graph, focus: URIRef, *, as_individual: bool = False) -> Markup | None:
    """Ancestors of ``focus`` up to the roots, ``focus`` itself, and two levels of subclasses."""
    nodes: dict[URIRef, str] = {focus: "focus"}
    edges: set[tuple[str, str]] = set()
    todo = list(g.objects(focus, RDF.type)) if as_individual else [focus]
    if as_individual:
        todo = [t for t in todo if isinstance(t, URIRef) and t != OWL.NamedIndividual]
        edges |= {(str(focus), str(t)) for t in todo}
    seen: set[URIRef] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        nodes.setdefault(cls, "node" if str(cls).startswith(REGIO) else "external")
        if not str(cls).startswith(REGIO):
            continue  # stop at the boundary of the ontology: org:Organization, prov:Entity, …
        for sup in named_superclasses(g, cls):
            edges.add((str(cls), str(sup)))
            todo.append(sup)
    if not as_individual:
        level = [focus]
        for _ in range(2):
            nxt = []
            for cls in level:
                for sub in named_subclasses(g, cls):
                    nodes.setdefault(sub, "node")
                    edges.add((str(sub), str(cls)))
                    nxt.append(sub)
            level = nxt
    if len(nodes) < 2:
        return None
    drawn = [svg.Node(id=str(n), label=label_of(g, n), href=None if n == focus else links.href(str(n)),
                      kind=kind, title=f"{label_of(g, n)} ({links.curie(str(n))})") for n, kind in nodes.items()]
    return svg.hierarchy(drawn, sorted(edges), title=f"class hierarchy around {label_of(g, focus)}")


def named_members(g: Graph, node: Node) -> list[URIRef]:
    """The named classes of a domain or range: itself, or the members of a union or intersection."""
    if isinstance(node, URIRef):
        return [node]
    found: list[URIRef] = []
    for prop in (OWL.unionOf, OWL.intersectionOf):
        for lst in g.objects(node, prop):
            found += [m for m in Collection(g, lst) if isinstance(m, URIRef)]
    return found


def property_picture(g: Graph, prop: URIRef) -> Markup:
    def box(term: URIRef) -> svg.Node:
        return svg.Node(id=str(term), label=label_of(g, term), href=links.href(str(term)),
                        kind="node" if str(term).startswith(REGIO) else "external",
                        title=f"{label_of(g, term)} ({links.curie(str(term))})")

    domains = sorted({m for d in g.objects(prop, RDFS.domain) for m in named_members(g, d)}, key=str)
    ranges = sorted({m for r in g.objects(prop, RDFS.range) for m in named_members(g, r)}, key=str)
    return svg.property_picture([box(d) for d in domains],
                                svg.Node(id=str(prop), label=label_of(g, prop), kind="focus"),
                                [box(r) for r in ranges], title=f"what {label_of(g, prop)} relates")


def whole_hierarchy(g: Graph) -> Markup:
    classes = regio_classes(g)
    nodes = {c: "node" for c in classes}
    edges = set()
    for c in classes:
        for sup in named_superclasses(g, c):
            nodes.setdefault(sup, "node" if str(sup).startswith(REGIO) else "external")
            edges.add((str(c), str(sup)))
    drawn = [svg.Node(id=str(n), label=label_of(g, n), href=links.href(str(n)), kind=kind,
                      title=f"{label_of(g, n)} ({links.curie(str(n))})") for n, kind in nodes.items()]
    return svg.hierarchy(drawn, sorted(edges), title="the REGIO class hierarchy")


# --- pages --------------------------------------------------------------------------------------

PLURAL = {"class": "classes", "object property": "object properties", "datatype property": "datatype properties",
          "annotation property": "annotation properties", "property": "other properties",
          "individual": "named individuals", "bibliographic resource": "bibliographic resources",
          "term": "other terms", "ontology": "ontologies"}

SHOWN = {REFERENCE_TEXT, RDF.type, RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.comment, PAPER_QUOTE, DCTERMS.source,
         RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, RDFS.domain, RDFS.range,
         RDFS.subPropertyOf, OWL.inverseOf, RDFS.isDefinedBy}


def term_context(g: Graph, term: URIRef) -> dict:
    kind = kind_of(g, term)
    sources = []
    for src in sorted(g.objects(term, DCTERMS.source), key=str):
        citation = g.value(src, REFERENCE_TEXT) or g.value(src, DCTERMS.bibliographicCitation)
        sources.append({"link": link_to(g, src), "citation": reference_html(str(citation)) if citation else None})
    others = []
    for p, o in sorted(g.predicate_objects(term), key=lambda po: (str(po[0]), str(po[1]))):
        if p in SHOWN:
            continue
        others.append({"property": link_to(g, p), "value": expression(g, o) if isinstance(o, BNode) else link_to(g, o)})
    types = [t for t in g.objects(term, RDF.type) if t != OWL.NamedIndividual]
    characteristics = [links.curie(str(t)).replace("owl:", "") for t in types
                       if str(t).startswith(str(OWL)) and str(t).endswith("Property")
                       and t not in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)]
    return {
        "iri": str(term),
        "curie": links.curie(str(term)),
        "local": str(term)[len(REGIO):],
        "kind": kind,
        "label": label_of(g, term),
        "definitions": literals(g, term, SKOS.definition),
        "reference": reference_html(str(g.value(term, REFERENCE_TEXT))) if g.value(term, REFERENCE_TEXT) else None,
        "comments": literals(g, term, RDFS.comment),
        "quotes": literals(g, term, PAPER_QUOTE),
        "sources": sources,
        "types": [link_to(g, t) for t in types if not str(t).startswith(str(OWL))],
        "characteristics": characteristics,
        # asserted superclasses, then the named classes its definition implies (conjuncts)
        "superclasses": [expression(g, o) for o in g.objects(term, RDFS.subClassOf)]
        + [link_to(g, c) for c in named_superclasses(g, term) if (term, RDFS.subClassOf, c) not in g],
        "equivalents": [expression(g, o) for o in g.objects(term, OWL.equivalentClass)],
        "disjoint": [expression(g, o) for o in g.objects(term, OWL.disjointWith)]
        + [expression(g, s) for s in g.subjects(OWL.disjointWith, term)],
        "subclasses": [link_to(g, s) for s in named_subclasses(g, term)],
        "instances": [link_to(g, s) for s in sorted(g.subjects(RDF.type, term), key=str) if isinstance(s, URIRef)],
        "domains": [expression(g, o) for o in g.objects(term, RDFS.domain)],
        "ranges": [expression(g, o) for o in g.objects(term, RDFS.range)],
        "superproperties": [link_to(g, o) for o in g.objects(term, RDFS.subPropertyOf)],
        "subproperties": [link_to(g, s) for s in sorted(g.subjects(RDFS.subPropertyOf, term), key=str)],
        "inverse": [link_to(g, o) for o in g.objects(term, OWL.inverseOf)]
        + [link_to(g, s) for s in g.subjects(OWL.inverseOf, term)],
        "cited_by": [link_to(g, s) for s in sorted(set(g.subjects(DCTERMS.source, term)), key=str)],
        "used_in_domain": [link_to(g, s) for s in sorted(set(g.subjects(RDFS.domain, term)), key=str)
                           if isinstance(s, URIRef)],
        "used_in_range": [link_to(g, s) for s in sorted(set(g.subjects(RDFS.range, term)), key=str)
                          if isinstance(s, URIRef)],
        "others": others,
    }


def data_usage(term: URIRef, kind: str) -> dict | None:
    """How the data uses the term: how many instances (with inference) and a query to list them."""
    iri = data.iri_values([str(term)])
    if not iri:
        return None
    if kind == "class":
        count = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a " + iri + " }"
        listing = f"SELECT ?x ?label WHERE {{\n  ?x a {links.curie(str(term))} .\n  OPTIONAL {{ ?x rdfs:label ?label }}\n}}\nLIMIT 100\n"
        noun = "instances"
    elif kind in ("object property", "datatype property", "annotation property", "property"):
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s " + iri + " ?o }"
        listing = f"SELECT ?s ?o WHERE {{\n  ?s {links.curie(str(term))} ?o .\n}}\nLIMIT 100\n"
        noun = "statements"
    elif kind == "bibliographic resource":
        count = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e regio:citesReference|regio:inWork " + iri + " }"
        listing = (f"SELECT ?thing ?evidence ?quote WHERE {{\n  ?thing regio:hasEvidence ?evidence .\n"
                   f"  ?evidence regio:citesReference|regio:inWork {links.curie(str(term))} .\n"
                   f"  OPTIONAL {{ ?evidence regio:quote ?quote }}\n}}\nLIMIT 100\n")
        noun = "pieces of evidence citing it"
    else:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p " + iri + " }"
        listing = f"SELECT ?s ?p WHERE {{\n  ?s ?p {links.curie(str(term))} .\n}}\nLIMIT 100\n"
        noun = "statements pointing to it"
    rows = data.select(count)
    n = int(rows[0]["n"]) if rows and "n" in rows[0] else 0
    return {"count": n, "noun": noun, "query_href": "/?query=" + quote(listing, safe="")}


@bp.route("/ontology")
@bp.route("/ontology/")
def whole():
    media_type = negotiate.choose()
    g = ontology_graph()
    if media_type != negotiate.HTML:
        core = data.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + data.ONTOLOGY_GRAPHS[0] + "> { ?s ?p ?o } }")
        for prefix, ns in data.PREFIXES.items():
            core.bind(prefix, ns, replace=True)
        return negotiate.rdf_response(core, media_type, "regio")
    onto = URIRef(links.ONTOLOGY_IRI)
    groups = {}
    for term in sorted({s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(REGIO)},
                       key=lambda t: label_of(g, t).lower()):
        groups.setdefault(kind_of(g, term), []).append(link_to(g, term))
    order = ["class", "object property", "datatype property", "annotation property", "property", "individual",
             "bibliographic resource", "term"]
    meta = []
    for p in (DCTERMS.title, DCTERMS.description, RDFS.comment, OWL.versionIRI, OWL.versionInfo,
              DCTERMS.license, DCTERMS.creator, DCTERMS.contributor, DCTERMS.created, DCTERMS.modified, OWL.imports):
        for o in g.objects(onto, p):
            meta.append({"property": link_to(g, p), "value": link_to(g, o) if isinstance(o, URIRef) else str(o)})
    body = render_template(
        "pages/ontology.html",
        title=label_of(g, onto) if (onto, None, None) in g else "REGIO ontology",
        meta=meta,
        groups=[(PLURAL[k], groups[k]) for k in order if k in groups],
        picture=whole_hierarchy(g) if regio_classes(g) else None,
        count=len(g),
    )
    return negotiate.html_response(body)


@bp.route("/ontology/<term>")
def term_page(term: str):
    media_type = negotiate.choose()
    g = ontology_graph()
    node = URIRef(REGIO + term)
    valid = not any(c in term for c in '<>"{}|^`\\ /')
    if valid and (node, None, None) not in g:  # perhaps added since the graph was cached
        g = ontology_graph(max_age=1.0)
    if valid and (node, None, None) in g:
        pass
    elif term in ("references", "alignment"):  # the two modules, as w3id.org/regio/references etc.
        return module(term, media_type)
    else:
        abort(404, description=f"regio:{term} is not a term of the REGIO ontology; see /ontology for all terms")
    if media_type != negotiate.HTML:
        description = g.cbd(node)
        for prefix, ns in data.PREFIXES.items():
            description.bind(prefix, ns, replace=True)
        return negotiate.rdf_response(description, media_type, term)
    ctx = term_context(g, node)
    picture = None
    if ctx["kind"] == "class":
        picture = hierarchy_picture(g, node)
    elif ctx["kind"] == "individual":
        picture = hierarchy_picture(g, node, as_individual=True)
    elif "property" in ctx["kind"] and ctx["kind"] != "annotation property":
        picture = property_picture(g, node)
    body = render_template("pages/term.html", t=ctx, picture=picture, usage=data_usage(node, ctx["kind"]),
                           title=f"{ctx['label']} ({ctx['curie']})")
    return negotiate.html_response(body)


def module(name: str, media_type: str):
    graph = data.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + data.GRAPH + name + "> { ?s ?p ?o } }")
    for prefix, ns in data.PREFIXES.items():
        graph.bind(prefix, ns, replace=True)
    if media_type == negotiate.HTML:
        media_type = "text/turtle"  # no separate page: the terms of the module have theirs
    return negotiate.rdf_response(graph, media_type, f"regio-{name}")
