"""Real clients against the live service, embedded and remote: SPARQLWrapper, rdflib's
SPARQLStore/SPARQLUpdateStore, and raw HTTP (content negotiation, errors, CORS, inference=false)."""

from __future__ import annotations

import uuid

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from .conftest import TOKEN

EX = "https://example.org/clients/"


@pytest.fixture()
def graph(live):
    """A fresh named graph with three people, removed afterwards."""
    iri = f"{EX}graph/{uuid.uuid4().hex}"
    body = "".join(f'<{EX}p{i}> <{EX}name> "person {i}" ; a <{EX}Person> .\n' for i in range(3))
    r = requests.put(live.url + "/data", params={"graph": iri}, data=body.encode(), timeout=30,
                     headers={**live.auth(), "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    yield iri
    requests.delete(live.url + "/data", params={"graph": iri}, headers=live.auth(), timeout=30)


def test_sparqlwrapper_formats(live, graph) -> None:
    query = f"SELECT ?name WHERE {{ GRAPH <{graph}> {{ ?p <{EX}name> ?name }} }} ORDER BY ?name"
    sw = SPARQLWrapper(live.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert [r["name"]["value"] for r in rows] == ["person 0", "person 1", "person 2"]
    sw.setReturnFormat(XML)
    xml = sw.query().convert()
    assert len(xml.getElementsByTagName("result")) == 3
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines() == ["name", "person 0", "person 1", "person 2"]
    sw.setQuery(f"CONSTRUCT {{ ?p <{EX}name> ?n }} WHERE {{ GRAPH <{graph}> {{ ?p <{EX}name> ?n }} }}")
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) == 3


def test_sparqlwrapper_update_needs_token(live, graph) -> None:
    sw = SPARQLWrapper(live.url + "/sparql")
    sw.setMethod(POST)
    sw.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}p9> <{EX}name> "person 9" }} }}')
    with pytest.raises(Exception) as raised:
        sw.query()
    assert "401" in str(raised.value) or "Unauthorized" in type(raised.value).__name__
    sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    sw.query()
    assert live.ask(f'ASK {{ GRAPH <{graph}> {{ <{EX}p9> <{EX}name> "person 9" }} }}')


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_rdflib_sparql_stores(live, graph) -> None:
    store = SPARQLStore(live.url + "/sparql", returnFormat="json")
    g = rdflib.ConjunctiveGraph(store=store)  # the union of the named graphs, as the service has it
    names = sorted(str(r.name) for r in g.query(
        f"SELECT ?name WHERE {{ GRAPH <{graph}> {{ ?p <{EX}name> ?name }} }}"))
    assert names == ["person 0", "person 1", "person 2"]
    update_store = SPARQLUpdateStore(live.url + "/sparql", live.url + "/sparql",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    named = rdflib.Graph(store=update_store, identifier=rdflib.URIRef(graph))
    named.add((rdflib.URIRef(EX + "p7"), rdflib.URIRef(EX + "name"), rdflib.Literal("person 7")))
    assert live.ask(f'ASK {{ GRAPH <{graph}> {{ <{EX}p7> <{EX}name> "person 7" }} }}')
    named.remove((rdflib.URIRef(EX + "p7"), None, None))
    assert not live.ask(f"ASK {{ GRAPH <{graph}> {{ <{EX}p7> ?p ?o }} }}")
    assert len(list(named.triples((None, rdflib.URIRef(EX + "name"), None)))) == 3


@pytest.mark.parametrize("accept,media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_negotiation(live, graph, accept, media) -> None:
    r = requests.get(live.url + "/sparql", params={"query": f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                     headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == media
    assert r.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/n-quads", "nquads"), ("application/trig", "trig"),
])
def test_construct_negotiation(live, graph, accept, fmt) -> None:
    r = requests.post(live.url + "/sparql", data=f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                      headers={"Accept": accept, "Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == accept
    parsed = rdflib.Dataset().parse(data=r.content, format=fmt) if fmt in ("nquads", "trig") else \
        rdflib.Graph().parse(data=r.content, format=fmt)
    assert len(parsed) == 6 or len(list(parsed.quads())) == 6


def test_not_acceptable_and_errors(live) -> None:
    r = requests.get(live.url + "/sparql", params={"query": "SELECT * {}"}, headers={"Accept": "image/png"}, timeout=30)
    assert r.status_code == 406 and "available" in r.text
    r = requests.get(live.url + "/sparql", params={"query": "CONSTRUCT WHERE {}"},
                     headers={"Accept": "text/csv"}, timeout=30)
    assert r.status_code == 406
    r = requests.get(live.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"}, timeout=30)
    assert r.status_code == 400 and "error" in r.text.lower() and "Traceback" not in r.text
    r = requests.post(live.url + "/sparql", data=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"},
                      timeout=30)
    assert r.status_code == 400
    r = requests.post(live.url + "/sparql", data="ASK {}", headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 415
    r = requests.options(live.url + "/sparql", headers={"Origin": "https://yasgui.example",
                                                        "Access-Control-Request-Method": "POST"}, timeout=30)
    assert r.status_code == 204 and "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]


def test_union_default_graph_and_protocol_dataset(live, graph) -> None:
    # the default graph is the union of the named graphs
    assert live.ask(f'ASK {{ <{EX}p1> <{EX}name> "person 1" }}')
    # a protocol dataset replaces it
    r = requests.get(live.url + "/sparql", timeout=30, params={
        "query": f'ASK {{ <{EX}p1> <{EX}name> "person 1" }}', "default-graph-uri": EX + "elsewhere"},
        headers={"Accept": "application/sparql-results+json"})
    assert r.json()["boolean"] is False
    r = requests.get(live.url + "/sparql", timeout=30, params={
        "query": f'ASK {{ <{EX}p1> <{EX}name> "person 1" }}', "default-graph-uri": graph},
        headers={"Accept": "application/sparql-results+json"})
    assert r.json()["boolean"] is True


def test_inference_false_leaves_out_the_inferred_graph(live) -> None:
    live.store.write_inferred([_triple(EX + "inf", EX + "kind", EX + "Derived")])
    try:
        assert live.ask(f"ASK {{ <{EX}inf> <{EX}kind> <{EX}Derived> }}")
        r = requests.get(live.url + "/sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                         params={"query": f"ASK {{ <{EX}inf> <{EX}kind> <{EX}Derived> }}", "inference": "false"})
        assert r.json()["boolean"] is False
    finally:
        live.store.write_inferred([], [_triple(EX + "inf", EX + "kind", EX + "Derived")])


def _triple(s: str, p: str, o: str):
    import pyoxigraph as ox
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o))


def test_common_prefixes_are_predeclared(live, graph) -> None:
    """As on the query page and in the README's curl example: rdfs:, owl:, regio: … need no PREFIX."""
    r = requests.get(live.url + "/sparql", headers={"Accept": "text/csv"}, timeout=30, params={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?p a ?t . FILTER(?t != owl:Class && "
                 f"?t != regio:Region && !isLiteral(?t)) }} }}"})
    assert r.status_code == 200, r.text
    assert r.text.split() == ["n", "3"]
    r = live.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}p0> rdfs:label "zero"@en }} }}')
    assert r.status_code == 200, r.text
    assert live.ask(f'ASK {{ <{EX}p0> <http://www.w3.org/2000/01/rdf-schema#label> "zero"@en }}')
    # a query's own declaration wins
    r = requests.get(live.url + "/sparql", headers={"Accept": "text/csv"}, timeout=30, params={
        "query": f"PREFIX rdfs: <{EX}> SELECT ?n WHERE {{ GRAPH <{graph}> {{ <{EX}p1> rdfs:name ?n }} }}"})
    assert r.text.split("\n")[1].strip() == "person 1"


def test_browser_without_a_query_goes_to_the_query_page(embedded) -> None:
    r = requests.get(embedded.url + "/sparql", allow_redirects=False, timeout=30,
                     headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/")
    r = requests.get(embedded.url + "/sparql", allow_redirects=False, timeout=30, headers={"Accept": "*/*"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
