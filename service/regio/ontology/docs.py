"""HTML documentation of the REGIO ontology (``regio docs``), written with pyLODE.

The core ontology and its modules (references, alignment) are one ontology to a reader, so they are
merged into a single graph and documented on one page: the core's header describes the whole,
the modules' headers and the ``owl:imports`` between them are left out (pyLODE would otherwise pick
one of the three titles at random and list the imports as dependencies to fetch).  pyLODE documents
classes and properties but not named individuals, although it links to them; so the ontology's
named individuals and the paper's reference list (which terms cite with ``dcterms:source``) are
added as sections of their own, with the local names as ids that pyLODE's links point at.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import click
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from regio import paths

REGIO = Namespace("https://w3id.org/regio#")
CORE = URIRef("https://w3id.org/regio")
PAPER = REGIO.AsheimLocalisedLearning


class DocsError(click.ClickException):
    """A failure the user can act on; ``regio docs`` exits with status 2 and this message."""

    exit_code = 2


def ontology_files(ontology_dir: Path) -> list[Path]:
    """The Turtle sources of the ontology (core and modules), core first."""
    if not ontology_dir.is_dir():
        raise DocsError(f"ontology directory not found: {ontology_dir}")
    files = sorted(ontology_dir.glob("*.ttl"), key=lambda p: (p.name != "regio.ttl", p.name))
    if not files:
        raise DocsError(f"no ontology (*.ttl) in {ontology_dir}")
    return files


def merged_ontology(files: list[Path]) -> Graph:
    """One graph of all ``files``, with a single ontology header (the core's when present)."""
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise DocsError(f"{path}: not valid Turtle: {exc}") from exc
    headers = sorted(graph.subjects(RDF.type, OWL.Ontology), key=lambda s: (s != CORE, str(s)))
    if not headers:
        raise DocsError("no owl:Ontology header in " + ", ".join(str(p) for p in files))
    main, modules = headers[0], headers[1:]
    for module in modules:
        graph.remove((module, None, None))
    graph.remove((main, OWL.imports, None))
    return graph


def _emphasis(text: str) -> str:
    """Escape ``text`` for HTML and render the plain-text source's *emphasis* as <em>."""
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", html.escape(text, quote=False))


def _local(node: URIRef) -> str:
    return html.escape(str(node).rpartition("#")[2])


def _label(graph: Graph, node: URIRef) -> str:
    label = graph.value(node, RDFS.label) or graph.value(node, DCTERMS.title)
    return html.escape(str(label) if label is not None else _local(node))


def individuals_section(graph: Graph) -> str:
    """The ontology's own named individuals (value partitions and the like), which pyLODE omits.

    The ids are the local names, as pyLODE's own links to them (``href="#linearModel"``) expect.
    """
    cited = set(graph.subjects(REGIO.referenceText, None)) | {PAPER}
    nodes = sorted(n for n in graph.subjects(RDF.type, OWL.NamedIndividual)
                   if isinstance(n, URIRef) and str(n).startswith(str(REGIO)) and n not in cited)
    if not nodes:
        return ""
    rows = []
    for node in nodes:
        types = sorted(t for t in graph.objects(node, RDF.type) if t != OWL.NamedIndividual)
        type_links = ", ".join(
            f'<a href="#{_local(t)}">{_label(graph, t)}</a>' if str(t).startswith(str(REGIO)) else _label(graph, t)
            for t in types
        )
        definition = graph.value(node, SKOS.definition) or graph.value(node, RDFS.comment)
        rows.append(
            f'      <li id="{_local(node)}"><strong>{_label(graph, node)}</strong> <code>regio:{_local(node)}</code>'
            + (f" — type: {type_links}" if type_links else "")
            + (f". {html.escape(str(definition))}" if definition is not None else "")
            + "</li>"
        )
    return (
        '<div id="named-individuals" class="section">\n'
        "  <h2>Named individuals</h2>\n"
        "  <ul>\n" + "\n".join(rows) + "\n  </ul>\n"
        "</div>\n"
    )


def references_section(graph: Graph) -> str:
    """The paper and its reference list as the references module has them; ids are local names."""
    entries = sorted(graph.subject_objects(REGIO.referenceText), key=lambda e: str(e[1]))
    if not entries:
        return ""
    items = "\n".join(
        f'      <li id="{_local(s)}"><code>regio:{_local(s)}</code> {_emphasis(str(text))}</li>'
        for s, text in entries
    )
    title = graph.value(PAPER, DCTERMS.title)
    paper = (f'<p id="{_local(PAPER)}">The paper: <em>{html.escape(str(title))}</em> '
             f"(<code>regio:{_local(PAPER)}</code>).</p>") if title else ""
    return (
        '<div id="reference-list" class="section">\n'
        "  <h2>References</h2>\n"
        f"  {paper}\n"
        "  <p>Every entry of the paper's reference list, as terms and evidence cite it "
        "(<code>dcterms:source</code>, <code>regio:citesReference</code>):</p>\n"
        f"  <ul>\n{items}\n  </ul>\n"
        "</div>\n"
    )


def _add_section(page: str, section_id: str, title: str, section: str) -> str:
    """Put ``section`` before pyLODE's Namespaces section and list it in the table of contents."""
    if not section or '<div id="namespaces"' not in page:
        return page
    page = page.replace('<div id="namespaces"', section + '<div id="namespaces"', 1)
    anchor = page.find('<a href="#namespaces">')
    item = page.rfind("<li>", 0, anchor)
    if anchor != -1 and item != -1:
        entry = f'<li>\n          <h4>\n            <a href="#{section_id}">{title}</a>\n          </h4>\n        </li>\n        '
        page = page[:item] + entry + page[item:]
    return page


def render(graph: Graph) -> str:
    """The HTML page for ``graph``: pyLODE's OntPub profile plus individuals and references."""
    # pyLODE logs through the root logger; without a handler of our own, that call would configure
    # logging for the whole process and print pyLODE's progress notes.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        from pylode.profiles.ontpub import OntPub
    except Exception as exc:  # e.g. pyLODE 3.4.1's missing pyproject.toml (RDFLib/pyLODE#260)
        raise DocsError(f"pyLODE cannot be imported: {exc}") from exc
    # computed first: OntPub adds its own inferences to the graph it is given
    individuals, references = individuals_section(graph), references_section(graph)
    try:
        page = OntPub(graph).make_html()
    except Exception as exc:  # pyLODE's own PylodeError and whatever a malformed ontology triggers
        raise DocsError(f"pyLODE could not document the ontology: {exc}") from exc
    page = _add_section(page, "named-individuals", "Named individuals", individuals)
    page = _add_section(page, "reference-list", "References", references)
    return page


def write_docs(output: Path, ontology_dir: Path = paths.ONTOLOGY_DIR) -> Path:
    """Write ``output/index.html`` documenting the ontology in ``ontology_dir``; return its path."""
    graph = merged_ontology(ontology_files(ontology_dir))
    target = output / "index.html"
    try:
        # Made before rendering, so that an unusable output fails at once, not after pyLODE's work.
        output.mkdir(parents=True, exist_ok=True)
        page = render(graph)
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise DocsError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


@click.command("docs")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=paths.ROOT / "docs" / "ontology",
              show_default=True, help="Directory to write index.html into (created if missing).")
@click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path), default=paths.ONTOLOGY_DIR,
              show_default=True, help="Directory of the ontology's Turtle files.")
def docs_command(output: Path, ontology_dir: Path) -> None:
    """Write HTML documentation of the REGIO ontology (core and modules) with pyLODE."""
    target = write_docs(output, ontology_dir)
    click.echo(f"wrote {target}")
