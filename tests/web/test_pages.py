"""The pages people use, driven in headless Chromium.

Expected values come from the data, not from the test: the rows a competency question should
show are counted by the store, the violations of an invalid file by ``regio.validation``, a term's
label and subclasses from the ontology file, a region's actors from the test fixture.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDFS

from .conftest import FIXTURE, TEST_NS, console_errors, screenshot

pytestmark = pytest.mark.browser

REGIO = Namespace("https://w3id.org/regio#")



def wait(browser, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def css(browser, selector: str):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)


def open_page(browser, url: str) -> None:
    console_errors(browser)  # forget what earlier pages logged
    browser.get(url)
    wait(browser, lambda b: b.execute_script("return document.readyState") == "complete")


# --- the query page -----------------------------------------------------------------------------

def test_query_page_runs_an_example(browser, base_url: str, app) -> None:
    from selenium.webdriver.common.keys import Keys
    from regio.web.pages.query import examples

    store = app.extensions["regio.store"]
    # The first competency question with an answer over the data (the store counts the rows).
    chosen, expected = None, 0
    for example in examples():
        if not re.search(r"^\s*SELECT", re.sub(r"(?m)^\s*(#|PREFIX).*$", "", example["query"]), re.I | re.M):
            continue
        rows = store.select(example["query"])
        if rows:
            chosen, expected = example, len(rows)
            break
    assert chosen, "no competency question has an answer over the data"

    open_page(browser, base_url + "/")
    console_errors(browser)
    assert css(browser, ".CodeMirror"), "the editor did not start"
    prefilled = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert "PREFIX regio: <https://w3id.org/regio#>" in prefilled
    button = css(browser, f'button.example[data-example="{chosen["id"]}"]')[0]
    button.click()
    loaded = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert chosen["query"].strip() in loaded
    # Ctrl+Enter in the editor runs the query.
    css(browser, ".CodeMirror textarea")[0].send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser, lambda b: css(b, "#results-table tbody tr") or not css(b, "#error")[0].get_attribute("hidden"))
    assert css(browser, "#error")[0].get_attribute("hidden"), css(browser, "#error")[0].text
    shown = css(browser, "#results-table tbody tr")
    assert len(shown) == min(expected, 1000)
    # IRIs are shown by label once the labels arrive, and link into the service.
    anchors = css(browser, "#results-table a[data-iri]")
    if anchors:
        wait(browser, lambda b: css(b, "#results-table .iri-curie"))
        href = anchors[0].get_attribute("href")
        assert href.startswith(base_url + "/"), href
    assert "query=" in browser.current_url  # the shareable link
    assert css(browser, "#share-link")[0].get_attribute("value").startswith(base_url + "/?query=")
    assert {b.text for b in css(browser, "#download-buttons button")} >= {"JSON", "XML", "CSV", "TSV"}
    assert not console_errors(browser)
    screenshot(browser, "query-page")

    # The link reopens the same query.
    link = css(browser, "#share-link")[0].get_attribute("value")
    open_page(browser, link)
    reopened = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert reopened.strip() == loaded.strip()


def test_query_page_escapes_results_and_shows_graphs(browser, base_url: str) -> None:
    fixture = Graph().parse(FIXTURE, format="turtle")
    labelled = {s for s in fixture.subjects(RDFS.label, None)}
    select = (f"SELECT ?thing ?label WHERE {{ ?thing rdfs:label ?label "
              f"FILTER(STRSTARTS(STR(?thing), \"{TEST_NS}\")) }}")
    open_page(browser, base_url + "/?run=1&query=" + quote(select))
    wait(browser, lambda b: len(css(b, "#results-table tbody tr")) == len(labelled))
    cells = " ".join(td.text for td in css(browser, "#results-table tbody td"))
    assert "<script>window.regioXss = 1</script>" in cells, "a label with markup is not shown as text"
    # the IRIs get the labels too (and those are text as well)
    wait(browser, lambda b: any("<img" in a.text for a in css(b, "#results-table a[data-iri]")))
    assert browser.execute_script("return window.regioXss") is None, "markup from the store ran"

    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{TEST_NS}region>) }}"
    expected = len(set(fixture.predicate_objects(URIRef(TEST_NS + "region"))))
    open_page(browser, base_url + "/?run=1&inference=false&query=" + quote(construct))
    wait(browser, lambda b: css(b, "#results-table tbody tr"))
    assert len(css(browser, "#results-table tbody tr")) == expected
    assert {b.text for b in css(browser, "#download-buttons button")} == {"Turtle", "N-Triples", "RDF/XML", "JSON-LD"}
    assert not console_errors(browser)


def test_query_page_shows_errors(browser, base_url: str) -> None:
    open_page(browser, base_url + "/?query=" + quote("SELECT * WHERE { ?s ?p }"))
    css(browser, "#run")[0].click()
    wait(browser, lambda b: not css(b, "#error")[0].get_attribute("hidden"))
    message = css(browser, "#error")[0].text
    assert "400" in message, message
    assert len(message.splitlines()) >= 2, "the parser's message is missing"
    screenshot(browser, "query-error")


def test_query_page_keyboard(browser, base_url: str) -> None:
    from selenium.webdriver.common.keys import Keys

    open_page(browser, base_url + "/")
    css(browser, ".CodeMirror-lines")[0].click()
    editor = browser.switch_to.active_element
    assert editor == css(browser, ".CodeMirror textarea")[0], "clicking the editor does not focus it"
    before = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    editor.send_keys(Keys.TAB)
    assert browser.switch_to.active_element != editor, "Tab is trapped in the editor"
    after = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert before == after


# --- the validate page --------------------------------------------------------------------------

def test_validate_page_reports_violations(browser, base_url: str, tmp_path: Path) -> None:
    from regio.validation import validate

    bad = tmp_path / "invalid-region.ttl"
    text = FIXTURE.read_text(encoding="utf-8")
    # Break the fixture: the evidence no longer names the work it quotes, the cluster no place.
    text = text.replace("    regio:inWork t:work .", "    .").replace("    regio:locatedIn t:region ;\n    regio:hasMember",
                                                                           "    regio:hasMember")
    bad.write_text(text, encoding="utf-8")
    report = validate(bad)
    violations = [r for r in report.results if r.severity == "Violation"]
    assert violations, "the broken fixture should not conform"

    open_page(browser, base_url + "/validate")
    css(browser, "#file")[0].send_keys(str(bad))
    css(browser, "#validate")[0].click()
    wait(browser, lambda b: css(b, "#report-summary") or css(b, "#input-error"))
    assert not css(browser, "#input-error")
    assert "does not conform" in css(browser, "#report-summary")[0].text
    shown = css(browser, ".result.violation")
    assert len(shown) == len(violations)
    assert any("inWork" in r.text for r in shown)
    assert len(css(browser, ".result.violation .fix")) == len(shown), "a violation without a fix hint"
    # grouped by focus node: one group per focus node with results
    assert len(css(browser, ".focus-group")) == len({r.focus_node for r in report.results})
    assert not browser.execute_script("return window.regioXss")
    assert not console_errors(browser)
    screenshot(browser, "validate-page")


def test_validate_page_rejects_unparsable_input(browser, base_url: str) -> None:
    open_page(browser, base_url + "/validate")
    css(browser, "#data")[0].send_keys("@prefix regio: <https://w3id.org/regio#> .\nregio:x regio:y .")
    css(browser, "#validate")[0].click()
    wait(browser, lambda b: css(b, "#input-error"))
    message = css(browser, "#input-error")[0].text
    assert "syntax" in message.lower() and ":2" in message, message
    assert "regio:x regio:y" in css(browser, "#data")[0].get_attribute("value"), "the pasted text was lost"


# --- ontology pages -----------------------------------------------------------------------------

def test_term_page(browser, base_url: str, ontology: Graph) -> None:
    term = REGIO.Cluster
    label = str(next(o for o in ontology.objects(term, RDFS.label)))
    subclasses = {str(s)[len(str(REGIO)):] for s in ontology.subjects(RDFS.subClassOf, term) if isinstance(s, URIRef)}
    open_page(browser, base_url + "/ontology/Cluster")
    assert label in css(browser, "h1")[0].text
    svg = css(browser, "svg.hierarchy")
    assert svg, "no drawing of the class hierarchy"
    assert css(browser, "svg.hierarchy rect.box.focus")
    drawn = {a.get_dom_attribute("href").rsplit("/", 1)[-1] for a in css(browser, "svg.hierarchy a")}
    assert subclasses <= drawn, subclasses - drawn
    listed = {a.get_attribute("href").rsplit("/", 1)[-1] for a in css(browser, "dl.axioms a")}
    assert subclasses <= listed
    assert not console_errors(browser)
    screenshot(browser, "term-page")

    # A defined class shows its definition and the paper's quote.
    quoted = next((s for s in ontology.subjects(REGIO.paperQuote, None)
                   if isinstance(s, URIRef) and str(s).startswith(str(REGIO))), None)
    assert quoted is not None
    open_page(browser, base_url + "/ontology/" + str(quoted)[len(str(REGIO)):])
    quote_text = str(next(ontology.objects(quoted, REGIO.paperQuote)))
    assert " ".join(quote_text.split())[:60] in " ".join(css(browser, "blockquote.paper-quote")[0].text.split())
    screenshot(browser, "term-page-quote")

    # A defined class shows its definition as a class expression (Manchester syntax), linked.
    defined = sorted(s for s in ontology.subjects(URIRef("http://www.w3.org/2002/07/owl#equivalentClass"), None)
                     if isinstance(s, URIRef) and str(s).startswith(str(REGIO)))
    assert defined, "the ontology defines no class"
    open_page(browser, base_url + "/ontology/" + str(defined[0])[len(str(REGIO)):])
    expression = css(browser, "p.expr")
    assert expression and css(browser, "p.expr a") and css(browser, "p.expr .kw")
    assert not console_errors(browser)
    screenshot(browser, "term-page-defined-class")

    # A property is drawn between the classes of its domain and range (the members of a union).
    from rdflib.collection import Collection

    owl = "http://www.w3.org/2002/07/owl#"

    def named(node) -> set[str]:
        if isinstance(node, URIRef):
            return {str(node)}
        members = set()
        for lst in ontology.objects(node, URIRef(owl + "unionOf")):
            members |= {str(m) for m in Collection(ontology, lst) if isinstance(m, URIRef)}
        return members

    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    prop = sorted(p for p in ontology.subjects(rdf_type, URIRef(owl + "ObjectProperty"))
                  if str(p).startswith(str(REGIO)) and ontology.value(p, RDFS.domain) is not None
                  and ontology.value(p, RDFS.range) is not None)[0]
    open_page(browser, base_url + "/ontology/" + str(prop)[len(str(REGIO)):])
    drawn = {a.get_dom_attribute("href") for a in css(browser, "svg.property a")}
    ends = set().union(*(named(o) for o in ontology.objects(prop, RDFS.domain)),
                       *(named(o) for o in ontology.objects(prop, RDFS.range)))
    expected = {"/ontology/" + e[len(str(REGIO)):] if e.startswith(str(REGIO)) else "/resource?iri=" + quote(e, safe="")
                for e in ends}
    assert ends and expected <= drawn, (expected, drawn)
    screenshot(browser, "term-page-property")


def test_ontology_page(browser, base_url: str, ontology: Graph) -> None:
    open_page(browser, base_url + "/ontology")
    boxes = css(browser, "svg.hierarchy rect.box")
    classes = {c for c in ontology.subjects(None, None) if isinstance(c, URIRef) and str(c).startswith(str(REGIO))
               and (c, None, URIRef("http://www.w3.org/2002/07/owl#Class")) in ontology}
    assert len(boxes) >= len(classes)
    screenshot(browser, "ontology-page")


# --- region pages -------------------------------------------------------------------------------

def test_region_page_escapes_and_draws(browser, base_url: str) -> None:
    fixture = Graph().parse(FIXTURE, format="turtle")
    region = URIRef(TEST_NS + "region")
    label = str(fixture.value(region, RDFS.label))
    actors = {a for a in fixture.objects(None, REGIO.hasMember)}
    links = set(fixture.subjects(REGIO.linksFrom, None))

    open_page(browser, base_url + "/resource?iri=" + quote(str(region), safe=""))
    assert css(browser, "h1")[0].text.startswith(label), "the label with markup is not shown as text"
    assert browser.execute_script("return window.regioXss") is None, "markup from the store ran"
    assert not css(browser, "main script"), "a script element came from the store"
    assert len(css(browser, "svg.network circle.actor:not(.legend)")) == len(actors)
    assert len(css(browser, "svg.network path.link")) == len(links)
    assert css(browser, "svg.network path.link.vertical") and css(browser, "svg.network path.link.lateral")
    assert not console_errors(browser)
    screenshot(browser, "region-page-test-fixture")

    # And if markup ever slipped through, the CSP would stop it: inline handlers do not run.
    browser.execute_script("document.body.insertAdjacentHTML('beforeend', "
                           "'<img src=\"/nothing.png\" onerror=\"window.cspHole = 1\">')")
    wait(browser, lambda b: any("Content Security Policy" in m for m in console_errors(b)), timeout=10)
    assert browser.execute_script("return window.cspHole") is None


def test_real_region_page(browser, base_url: str, app) -> None:
    open_page(browser, base_url + "/regions")
    rows = css(browser, "table.data tbody tr td:first-child a")
    assert rows, "no region with clusters, innovation systems or evidence"
    screenshot(browser, "regions-page")
    name = rows[0].text
    rows[0].click()
    wait(browser, lambda b: css(b, "h1") and name in css(b, "h1")[0].text)
    assert css(browser, "#h-sources")
    assert css(browser, ".evidence q"), "a real region's page shows the paper's words"
    assert css(browser, "svg.network"), "no diagram on the region page"
    clusters = int(re.search(r"\((\d+)\)", css(browser, "#h-clusters")[0].text).group(1))
    systems = int(re.search(r"\((\d+)\)", css(browser, "#h-systems")[0].text).group(1))
    assert len(css(browser, "svg.network rect.hub:not(.region)")) == clusters + systems
    assert not console_errors(browser)
    screenshot(browser, "region-page")
