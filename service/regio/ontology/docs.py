"""HTML documentation of the REGIO ontology (``regio docs``), written with pyLODE.

The core ontology and its modules (references, alignment) are one ontology to a reader, so they are
merged into a single graph and documented on one page: the core's header describes the whole,
the modules' headers and the ``owl:imports`` between them are left out (pyLODE would otherwise pick
one of the three titles at random and list the imports as dependencies to fetch).  pyLODE documents
classes and properties but not named individuals, so the paper's reference list, which terms cite
with ``dcterms:source``, is added as a section of its own.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import click
from rdflib import OWL, RDF, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS

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


def references_section(graph: Graph) -> str:
    """An HTML section listing the paper and its reference list as the references module has them."""
    entries = sorted(graph.subject_objects(REGIO.referenceText), key=lambda e: str(e[1]))
    if not entries:
        return ""
    items = "\n".join(
        f'      <li id="{html.escape(str(s).rpartition("#")[2])}"><code>regio:{html.escape(str(s).rpartition("#")[2])}</code> '
        f"{_emphasis(str(text))}</li>"
        for s, text in entries
    )
    title = graph.value(PAPER, DCTERMS.title)
    paper = f"<p>The paper: <em>{html.escape(str(title))}</em> (<code>regio:AsheimLocalisedLearning</code>).</p>" if title else ""
    return (
        '<div id="references" class="section">\n'
        "  <h2>References</h2>\n"
        f"  {paper}\n"
        "  <p>Every entry of the paper's reference list, as terms and evidence cite it "
        "(<code>dcterms:source</code>, <code>regio:citesReference</code>):</p>\n"
        f"  <ul>\n{items}\n  </ul>\n"
        "</div>\n"
    )


def render(graph: Graph) -> str:
    """The HTML page for ``graph`` (pyLODE's OntPub profile plus the references section)."""
    # pyLODE logs through the root logger; without a handler of our own, that call would configure
    # logging for the whole process and print pyLODE's progress notes.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        from pylode.profiles.ontpub import OntPub
    except Exception as exc:  # e.g. pyLODE 3.4.1's missing pyproject.toml (RDFLib/pyLODE#260)
        raise DocsError(f"pyLODE cannot be imported: {exc}") from exc
    try:
        page = OntPub(graph).make_html()
    except Exception as exc:  # pyLODE's own PylodeError and whatever a malformed ontology triggers
        raise DocsError(f"pyLODE could not document the ontology: {exc}") from exc
    section = references_section(graph)
    if section and '<div id="namespaces"' in page:
        page = page.replace('<div id="namespaces"', section + '<div id="namespaces"', 1)
    return page


def write_docs(output: Path, ontology_dir: Path = paths.ONTOLOGY_DIR) -> Path:
    """Write ``output/index.html`` documenting the ontology in ``ontology_dir``; return its path."""
    page = render(merged_ontology(ontology_files(ontology_dir)))
    target = output / "index.html"
    try:
        output.mkdir(parents=True, exist_ok=True)
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
