"""Pages for the things in the data: regions above all, and any other resource the store knows.

``/id/<path>`` dereferences ``https://w3id.org/regio/id/<path>`` (``rid:``, ``iso:``) with content
negotiation like the ontology pages; ``/resource?iri=…`` shows any other IRI the store holds data
about; ``/regions`` lists the regions the knowledge base says something about.

A region's page gathers what a regional-innovation researcher looks for: the clusters located in
the region (or in its parts), their actors, the innovation systems covering it with the RIS type the
reasoner inferred, the knowledge bases, the sources every claim rests on, and a drawing of the
actors and the links between them.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from . import add_error_page, data, links, negotiate, ontology, svg

bp = Blueprint("resource_pages", __name__)
add_error_page(bp)

R = data.REGIO
RIS_TYPES = [URIRef(R + n) for n in ("TerritoriallyEmbeddedRegionalInnovationNetwork",
                                     "NetworkedRegionalInnovationSystem", "RegionalisedNationalInnovationSystem")]
#: Colour group of an actor in the diagram: the first of these classes it belongs to.
ACTOR_KINDS = [("Firm", "firm"), ("University", "knowledge"), ("ResearchInstitute", "knowledge"),
               ("RegionalGovernance", "governance"), ("GovernmentAgency", "governance"),
               ("TechnologyTransferAgency", "support"), ("TrainingAgency", "support"), ("Consultant", "support"),
               ("SciencePark", "support"), ("Technopolis", "support")]
LINK_KINDS = {R + "VerticalLink": "vertical", R + "LateralLink": "lateral", R + "DiagonalLink": "diagonal"}
MAX_ACTORS_DRAWN = 60
MAX_ROWS = 500


def _iri(node: str) -> str:
    values = data.iri_values([node])
    if not values:
        abort(400, description="not a valid IRI")
    return values


class Classes:
    """Superclass closure of the ontology's named classes, so types read right with or without inference."""

    def __init__(self) -> None:
        self.g = ontology.ontology_graph()
        self._up: dict[URIRef, set[URIRef]] = {}

    def ancestors(self, cls: URIRef) -> set[URIRef]:
        if cls not in self._up:
            self._up[cls] = set()  # guards cycles
            found = {cls}
            for sup in ontology.named_superclasses(self.g, cls):
                found |= self.ancestors(sup)
            self._up[cls] = found
        return self._up[cls]

    def closure(self, types: set[Node]) -> set[URIRef]:
        out: set[URIRef] = set()
        for t in types:
            if isinstance(t, URIRef):
                out |= self.ancestors(t)
        return out

    def most_specific(self, types: set[Node]) -> list[URIRef]:
        named = {t for t in types if isinstance(t, URIRef) and t not in (OWL.NamedIndividual, OWL.Thing, RDFS.Resource)}
        return sorted(t for t in named if not any(t in self.ancestors(o) for o in named if o != t))

    def is_a(self, types: set[Node], local: str) -> bool:
        return URIRef(R + local) in self.closure(types)


def describe(subjects: list[str]) -> tuple[dict[str, dict[URIRef, list[Node]]], set[tuple[str, str, str]]]:
    """Properties of many subjects (with inference), and which statements are only inferred."""
    with_inf: dict[str, dict[URIRef, list[Node]]] = {s: defaultdict(list) for s in subjects}
    asserted: set[tuple[str, str, str]] = set()
    for start in range(0, len(subjects), 200):
        values = data.iri_values(subjects[start:start + 200])
        if not values:
            continue
        q = "SELECT ?s ?p ?o WHERE { VALUES ?s { " + values + " } ?s ?p ?o }"
        for row in data.select(q, inference=True):
            bucket = with_inf[str(row["s"])][row["p"]]
            if row["o"] not in bucket:
                bucket.append(row["o"])
        for row in data.select(q, inference=False):
            asserted.add((str(row["s"]), str(row["p"]), str(row["o"])))
    inferred = {(s, str(p), str(o)) for s, props in with_inf.items() for p, os in props.items() for o in os} - asserted
    return with_inf, inferred


def value_html(name: links.Namer, value: Node) -> Markup:
    if isinstance(value, URIRef):
        return Markup('<a href="{}" title="{}">{}</a>').format(links.href(str(value)), links.curie(str(value)),
                                                                name(value))
    if isinstance(value, Literal):
        if value.datatype == XSD.boolean:
            return Markup("{}").format("yes" if value.toPython() is True else "no")
        if value.language:
            return Markup('{} <span class="muted">@{}</span>').format(str(value), value.language)
        return Markup("{}").format(str(value))
    return Markup('<span class="muted">(anonymous node)</span>')


def type_badges(classes: Classes, name: links.Namer, iri: str, props: dict, inferred: set) -> list[Markup]:
    types = set(props.get(RDF.type, []))
    out = []
    for t in classes.most_specific(types):
        link = value_html(name, t)
        if (iri, str(RDF.type), str(t)) in inferred:
            link += Markup(' <span class="badge inferred" title="derived by the reasoner from the data and the '
                           'ontology">inferred</span>')
        out.append(link)
    return out


# --- the region page ----------------------------------------------------------------------------

def region_context(iri: str) -> dict:
    x = _iri(iri)
    classes = Classes()
    # Everything located in the region or in one of its parts.
    located = "?where regio:isPartOf* " + x + " . "
    cluster_rows = data.select(
        "SELECT DISTINCT ?c WHERE { ?c regio:locatedIn ?where . " + located
        + "?c a ?t . ?t rdfs:subClassOf* regio:Cluster }", inference=False)
    cluster_rows += data.select(
        "SELECT DISTINCT ?c WHERE { ?c regio:comprisesCluster ?part . ?part regio:locatedIn ?where . "
        + located + "}", inference=False)
    system_rows = data.select(
        "SELECT DISTINCT ?s WHERE { { ?s regio:coversRegion ?where } UNION { ?s regio:locatedIn ?where . "
        "?s a ?t . ?t rdfs:subClassOf* regio:InnovationSystem } " + located + "}", inference=False)
    clusters = sorted({str(r["c"]) for r in cluster_rows if isinstance(r["c"], URIRef)})
    systems = sorted({str(r["s"]) for r in system_rows if isinstance(r["s"], URIRef)})

    hubs = clusters + systems
    member_rows = data.select(
        "SELECT DISTINCT ?hub ?a WHERE { VALUES ?hub { " + (data.iri_values(hubs) or "<urn:x-none>")
        + " } ?hub regio:hasMember ?a }", inference=False) if hubs else []
    members: dict[str, list[str]] = defaultdict(list)
    for r in member_rows:
        members[str(r["hub"])].append(str(r["a"]))
    local_actor_rows = data.select(
        "SELECT DISTINCT ?a WHERE { ?a regio:locatedIn ?where . " + located
        + "?a a ?t . ?t rdfs:subClassOf* regio:Actor }", inference=False)
    actors = sorted({a for ms in members.values() for a in ms} | {str(r["a"]) for r in local_actor_rows})

    link_rows = data.select(
        "SELECT DISTINCT ?l ?t ?from ?to WHERE { VALUES ?from { " + (data.iri_values(actors[:2000]) or "<urn:x-none>")
        + " } ?l regio:linksFrom ?from ; regio:linksTo ?to . OPTIONAL { ?l a ?t } }", inference=False) if actors else []

    region_props, inferred = describe([iri])
    described, inferred2 = describe(hubs + actors[:MAX_ROWS])
    inferred |= inferred2
    props = region_props[iri]

    name = links.Namer([iri, *hubs, *actors[:MAX_ROWS]])
    name.add(o for d in (region_props, described) for ps in d.values() for os in ps.values() for o in os
             if isinstance(o, URIRef))

    def card(thing: str) -> dict:
        p = described.get(thing, {})
        rows = []
        for prop, values in sorted(p.items(), key=lambda kv: name(kv[0]).lower()):
            if prop in (RDF.type, RDFS.label, URIRef(R + "hasMember"), URIRef(R + "hasEvidence")):
                continue
            rows.append({"property": value_html(name, prop),
                         "values": [value_html(name, v) + (Markup(' <span class="badge inferred">inferred</span>')
                                                          if (thing, str(prop), str(v)) in inferred else Markup(""))
                                    for v in values[:20]]})
        types = set(p.get(RDF.type, []))
        ris = [t for t in RIS_TYPES if t in classes.closure(types)]
        return {"iri": thing, "href": links.href(thing), "label": name(URIRef(thing)),
                "types": type_badges(classes, name, thing, p, inferred), "rows": rows,
                "members": len(members.get(thing, [])),
                "ris": [{"link": value_html(name, t),
                         "inferred": (thing, str(RDF.type), str(t)) in inferred} for t in ris]}

    actor_rows = []
    for a in actors[:MAX_ROWS]:
        p = described.get(a, {})
        actor_rows.append({"link": value_html(name, URIRef(a)),
                           "types": type_badges(classes, name, a, p, inferred),
                           "in": [value_html(name, URIRef(h)) for h in hubs if a in members.get(h, [])],
                           "where": [value_html(name, v) for v in p.get(URIRef(R + "locatedIn"), [])]})

    # Knowledge bases: of the clusters, their industries and firms, and the innovation systems.
    kb_rows = data.select(
        "SELECT DISTINCT ?kb ?thing WHERE { VALUES ?hub { " + (data.iri_values(hubs) or "<urn:x-none>") + " } "
        "{ ?hub regio:hasKnowledgeBase|regio:usesKnowledgeForm ?kb . BIND(?hub AS ?thing) } UNION "
        "{ ?hub regio:inIndustry ?thing . ?thing regio:hasKnowledgeBase|regio:usesKnowledgeForm ?kb } UNION "
        "{ ?hub regio:hasMember ?thing . ?thing regio:hasKnowledgeBase|regio:usesKnowledgeForm ?kb } }",
        inference=True) if hubs else []
    knowledge: dict[str, list[str]] = defaultdict(list)
    for r in kb_rows:
        knowledge[str(r["kb"])].append(str(r["thing"]))
    name.add([URIRef(k) for k in knowledge] + [URIRef(t) for ts in knowledge.values() for t in ts])
    knowledge_bases = [{"link": value_html(name, URIRef(kb)),
                        "things": [value_html(name, URIRef(t)) for t in sorted(set(ts))[:30]],
                        "more": max(0, len(set(ts)) - 30)} for kb, ts in sorted(knowledge.items())]

    evidence = sources([iri, *hubs, *actors[:MAX_ROWS]], name)

    parts = data.select("SELECT DISTINCT ?part WHERE { ?part regio:isPartOf " + x + " }", inference=False)
    name.add(r["part"] for r in parts)

    return {
        "iri": iri,
        "label": name(URIRef(iri)),
        "types": type_badges(classes, name, iri, props, inferred),
        "facts": [{"property": value_html(name, p), "values": [value_html(name, v) for v in vs[:10]]}
                  for p, vs in sorted(props.items(), key=lambda kv: name(kv[0]).lower())
                  if p not in (RDF.type, RDFS.label, URIRef(R + "hasEvidence"))],
        "parts": sorted((value_html(name, r["part"]) for r in parts if isinstance(r["part"], URIRef)), key=str),
        "clusters": [card(c) for c in clusters],
        "systems": [card(s) for s in systems],
        "actors": actor_rows,
        "actors_total": len(actors),
        "knowledge_bases": knowledge_bases,
        "evidence": evidence,
        "diagram": actor_diagram(classes, name, clusters, systems, members, described, link_rows, region=iri)
        if (hubs or actors) else None,
    }


def actor_diagram(classes: Classes, name: links.Namer, clusters: list[str], systems: list[str],
                  members: dict[str, list[str]], described: dict, link_rows: list[dict],
                  region: str | None = None) -> dict:
    """Hubs (clusters, innovation systems) in the middle, their actors around, links as chords.

    Where the data names no actors, the region itself is drawn in the middle instead, with its
    clusters and innovation systems around it, so the picture still shows what is there.
    """
    linked = [str(r["from"]) for r in link_rows] + [str(r["to"]) for r in link_rows]
    all_actors = sorted({a for ms in members.values() for a in ms} | set(linked))
    # Actors with links first, then the rest, up to the cap; grouped by hub so spokes stay short.
    priority = {a: (0 if a in linked else 1) for a in all_actors}
    chosen = sorted(all_actors, key=lambda a: (priority[a], a))[:MAX_ACTORS_DRAWN]
    order = []
    for hub in clusters + systems:
        order += [a for a in members.get(hub, []) if a in chosen and a not in order]
    order += [a for a in chosen if a not in order]
    name.add(URIRef(a) for a in order)

    def kind(a: str) -> str:
        closure = classes.closure(set(described.get(a, {}).get(RDF.type, [])))
        for local, cls in ACTOR_KINDS:
            if URIRef(R + local) in closure:
                return cls
        return "other"

    hubs = [svg.Node(id=h, label=name(URIRef(h)), href=links.href(h),
                     kind="innovation-system" if h in systems else "cluster") for h in clusters + systems]
    actors = [svg.Node(id=a, label=name(URIRef(a)), href=links.href(a), kind=kind(a),
                       title=f"{name(URIRef(a))}") for a in order]
    drawn_links = [svg.Link(h, a, "member", f"{name(URIRef(h))} has member {name(URIRef(a))}")
                   for h in clusters + systems for a in members.get(h, []) if a in order]
    # One arrow per link (a link may be typed InterFirmLink as well as VerticalLink).
    kinds: dict[tuple[str, str, str], str] = {}
    for r in link_rows:
        key = (str(r["l"]), str(r["from"]), str(r["to"]))
        k = LINK_KINDS.get(str(r.get("t")))
        if k or key not in kinds:
            kinds[key] = k or kinds.get(key) or "other"
    for (_, source, target), k in sorted(kinds.items()):
        drawn_links.append(svg.Link(source, target, k,
                                    f"{k} link: {name(URIRef(source))} → {name(URIRef(target))}"))
    hub_ids = clusters + systems
    if len(hub_ids) > 1:
        values = data.iri_values(hub_ids)
        for r in data.select("SELECT DISTINCT ?a ?p ?b WHERE { VALUES ?a { " + values + " } VALUES ?b { " + values
                             + " } ?a ?p ?b FILTER(?p IN (regio:comprisesCluster, regio:integratedInto, "
                             "regio:hasMember)) }", inference=False):
            drawn_links.append(svg.Link(str(r["a"]), str(r["b"]), "relation",
                                        f"{name(URIRef(str(r['a'])))} — {name(r['p'])} → {name(URIRef(str(r['b'])))}"))
    legend = [("firm", "firm"), ("knowledge", "university / research"), ("support", "support organisation"),
              ("governance", "governance"), ("link vertical", "vertical link"), ("link lateral", "lateral link"),
              ("link diagonal", "diagonal link")] if actors else []
    center = None
    if not actors and region is not None:
        center = svg.Node(id=region, label=name(URIRef(region)), href=None, kind="region")
        for h in clusters:
            drawn_links.append(svg.Link(h, region, "relation", f"{name(URIRef(h))} is located in {center.label}"))
        for h in systems:
            drawn_links.append(svg.Link(h, region, "relation", f"{name(URIRef(h))} covers {center.label}"))
    picture = svg.network(hubs, actors, drawn_links, title="actors and their links", legend=legend, center=center)
    return {"svg": picture, "shown": len(order), "total": len(all_actors),
            "links": sum(1 for lk in drawn_links if lk.kind not in ("member", "relation"))}


def sources(things: list[str], name: links.Namer) -> list[dict]:
    """The evidence behind the statements about ``things``: quote, work, cited references."""
    if not things:
        return []
    rows = []
    for start in range(0, len(things), 300):
        values = data.iri_values(things[start:start + 300])
        rows += data.select(
            "SELECT ?thing ?e ?quote ?work ?ref WHERE { VALUES ?thing { " + values + " } ?thing regio:hasEvidence ?e . "
            "OPTIONAL { ?e regio:quote ?quote } OPTIONAL { ?e regio:inWork ?work } "
            "OPTIONAL { ?e regio:citesReference ?ref } }", inference=False)
    grouped: dict[str, dict] = {}
    for r in rows:
        e = str(r["e"])
        item = grouped.setdefault(e, {"things": [], "quote": None, "work": [], "refs": []})
        for key, field in (("thing", "things"), ("work", "work"), ("ref", "refs")):
            v = r.get(key)
            if isinstance(v, URIRef) and v not in item[field]:
                item[field].append(v)
        if r.get("quote") is not None:
            item["quote"] = str(r["quote"])
    name.add(v for item in grouped.values() for f in ("things", "work", "refs") for v in item[f])
    return [{"things": [value_html(name, t) for t in item["things"]], "quote": item["quote"],
             "work": [value_html(name, w) for w in item["work"]], "refs": [value_html(name, r) for r in item["refs"]]}
            for _, item in sorted(grouped.items())][:MAX_ROWS]


# --- the generic page ---------------------------------------------------------------------------

def resource_context(iri: str) -> dict:
    props_all, inferred = describe([iri])
    props = props_all[iri]
    incoming = data.select("SELECT ?s ?p WHERE { ?s ?p " + _iri(iri) + " } LIMIT " + str(MAX_ROWS), inference=False)
    name = links.Namer([URIRef(iri)])
    name.add(o for os in props.values() for o in os if isinstance(o, URIRef))
    name.add(props.keys())
    name.add(r["s"] for r in incoming)
    name.add(r["p"] for r in incoming)
    classes = Classes()
    members = [str(m) for m in props.get(URIRef(R + "hasMember"), [])]
    diagram = None
    types = set(props.get(RDF.type, []))
    if members and (classes.is_a(types, "Cluster") or classes.is_a(types, "InnovationSystem")):
        described, _ = describe(members[:MAX_ROWS])
        link_rows = data.select(
            "SELECT DISTINCT ?l ?t ?from ?to WHERE { VALUES ?from { " + (data.iri_values(members[:2000]) or "<urn:x-none>")
            + " } ?l regio:linksFrom ?from ; regio:linksTo ?to . OPTIONAL { ?l a ?t } }", inference=False) if members else []
        is_system = classes.is_a(set(props.get(RDF.type, [])), "InnovationSystem")
        diagram = actor_diagram(classes, name, [] if is_system else [iri], [iri] if is_system else [],
                                {iri: members}, described, link_rows) if members else None
    return {
        "iri": iri,
        "label": name(URIRef(iri)),
        "types": type_badges(classes, name, iri, props, inferred),
        "rows": [{"property": value_html(name, p),
                  "values": [value_html(name, v) + (Markup(' <span class="badge inferred">inferred</span>')
                                                   if (iri, str(p), str(v)) in inferred else Markup(""))
                             for v in vs[:MAX_ROWS]],
                  "more": max(0, len(vs) - MAX_ROWS)}
                 for p, vs in sorted(props.items(), key=lambda kv: name(kv[0]).lower()) if p != URIRef(R + "hasEvidence")],
        "incoming": [{"subject": value_html(name, r["s"]), "property": value_html(name, r["p"])} for r in incoming],
        "evidence": sources([iri], name),
        "diagram": diagram,
        "found": bool(props) or bool(incoming),
    }


def is_region(iri: str) -> bool:
    x = _iri(iri)
    rows = data.select("SELECT ?t WHERE { " + x + " a ?t } LIMIT 50", inference=False)
    classes = Classes()
    return URIRef(R + "Region") in classes.closure({r["t"] for r in rows})


def render_resource(iri: str):
    media_type = negotiate.choose()
    if media_type != negotiate.HTML:
        graph = rdf_description(iri)
        if not len(graph):
            abort(404, description=f"the knowledge base holds nothing about <{iri}>")
        return negotiate.rdf_response(graph, media_type, iri.rstrip("/").rsplit("/", 1)[-1] or "resource")
    if is_region(iri):
        ctx = region_context(iri)
        body = render_template("pages/region.html", r=ctx, title=ctx["label"])
    else:
        ctx = resource_context(iri)
        if not ctx["found"]:
            abort(404, description=f"the knowledge base holds nothing about <{iri}>")
        body = render_template("pages/resource.html", r=ctx, title=ctx["label"])
    return negotiate.html_response(body)


def rdf_description(iri: str) -> Graph:
    """The resource's statements, and those of the blank nodes it points to (one level)."""
    x = _iri(iri)
    graph = data.construct("CONSTRUCT { " + x + " ?p ?o . ?o ?p2 ?o2 } WHERE { " + x + " ?p ?o . "
                           "OPTIONAL { FILTER(isBlank(?o)) ?o ?p2 ?o2 } }")
    for prefix, ns in data.PREFIXES.items():
        graph.bind(prefix, ns, replace=True)
    return graph


@bp.route("/id/<path:name>")
def by_id(name: str):
    return render_resource(data.REGIO_ID + name)


@bp.route("/resource")
def by_iri():
    iri = request.args.get("iri", "").strip()
    if not iri:
        abort(400, description="give the resource's IRI: /resource?iri=https://…")
    if not data.iri_values([iri]) or ":" not in iri:
        abort(400, description=f"not an absolute IRI: {iri!r}")
    return render_resource(iri)


@bp.route("/regions")
def regions():
    """The regions the knowledge base says something about beyond the ISO 3166 reference list.

    Small queries aggregated here rather than one query with a property path from every cluster
    up through ``isPartOf*``: the ISO 3166 module holds thousands of regions, and engines differ
    widely in how they plan such a join.
    """
    cluster_rows = data.select(
        "SELECT DISTINCT ?x ?where WHERE { ?x regio:locatedIn ?where . ?x a ?t . "
        "?t rdfs:subClassOf* regio:Cluster }", inference=False)
    system_rows = data.select("SELECT DISTINCT ?x ?where WHERE { ?x regio:coversRegion ?where }", inference=False)
    evidence_rows = data.select(
        "SELECT ?r (COUNT(DISTINCT ?e) AS ?n) WHERE { ?r regio:hasEvidence ?e . ?r a ?t . "
        "?t rdfs:subClassOf* regio:Region } GROUP BY ?r", inference=False)
    places = {str(r["where"]) for r in cluster_rows + system_rows if isinstance(r["where"], URIRef)}
    up: dict[str, set[str]] = {p: {p} for p in places}
    if places:
        for start in range(0, len(places), 300):
            chunk = sorted(places)[start:start + 300]
            for r in data.select("SELECT ?w ?r WHERE { VALUES ?w { " + data.iri_values(chunk) + " } "
                                 "?w regio:isPartOf+ ?r }", inference=False):
                up[str(r["w"])].add(str(r["r"]))
    counts: dict[str, dict[str, set | int]] = defaultdict(lambda: {"clusters": set(), "systems": set(), "evidence": 0})
    for rows, key in ((cluster_rows, "clusters"), (system_rows, "systems")):
        for r in rows:
            for region in up.get(str(r["where"]), ()):
                counts[region][key].add(str(r["x"]))
    for r in evidence_rows:
        counts[str(r["r"])]["evidence"] = int(r["n"])
    codes = {str(r["r"]): str(r["code"]) for r in data.select(
        "SELECT ?r ?code WHERE { VALUES ?r { " + (data.iri_values(sorted(counts)) or "<urn:x-none>") + " } "
        "?r regio:iso3166Code ?code }", inference=False)} if counts else {}
    name = links.Namer(URIRef(r) for r in counts)
    items = sorted(({"link": value_html(name, URIRef(r)), "label": name(URIRef(r)), "code": codes.get(r, ""),
                     "clusters": len(c["clusters"]), "systems": len(c["systems"]), "evidence": c["evidence"]}
                    for r, c in counts.items()), key=lambda i: (-i["clusters"], -i["systems"], i["label"].lower()))
    all_regions = data.select("SELECT (COUNT(?r) AS ?n) WHERE { ?r regio:iso3166Code ?code }", inference=False)
    total = int(all_regions[0]["n"]) if all_regions else 0
    list_query = ("SELECT ?region ?code ?label WHERE {\n  ?region regio:iso3166Code ?code .\n"
                  "  OPTIONAL { ?region rdfs:label ?label }\n}\n"
                  "ORDER BY ?code\nLIMIT 500\n")
    return negotiate.html_response(render_template(
        "pages/regions.html", title="Regions", items=items, total=total,
        all_href="/?query=" + quote(list_query, safe="")))
