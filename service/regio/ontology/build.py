"""Render the Turtle sources of the ontology as RDF/XML for Protégé.

The Turtle files in ``ontology/`` are the sources that people edit and review; Protégé and older
OWL tools prefer RDF/XML, so every ``ontology/NAME.ttl`` gets a generated ``ontology/NAME.owl``
beside it.  ``tests/ontology/test_rdfxml_sync.py`` fails when the two drift apart, which is why
the rendering is a command (``regio build-ontology``) rather than a manual export.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click
import rdflib
from rdflib.compare import to_canonical_graph

from regio import paths

#: Prefixes bound in every rendering, so the RDF/XML uses readable entity names.
PREFIXES: dict[str, str] = {
    "regio": "https://w3id.org/regio#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "vann": "http://purl.org/vocab/vann/",
    "bibo": "http://purl.org/ontology/bibo/",
}


class _SortedGraph(rdflib.Graph):
    """A graph that answers every triple pattern in sorted order.

    rdflib's RDF/XML writer walks the graph in store order, which changes from run to run;
    sorted answers (and canonical blank-node labels) make a rebuild of an unchanged source
    byte-identical, so the generated files only show real changes in version control.
    """

    def triples(self, triple, *args, **kwargs):  # type: ignore[override]
        yield from sorted(super().triples(triple, *args, **kwargs))


def _sort_namespace_declarations(text: str) -> str:
    """Put the root element's xmlns attributes (one per line) in alphabetical order."""
    lines = text.splitlines(keepends=True)
    indexes = [i for i, line in enumerate(lines) if line.lstrip().startswith("xmlns:")]
    if indexes and indexes == list(range(indexes[0], indexes[-1] + 1)):
        block = [lines[i].rstrip("\n").rstrip(">") for i in indexes]
        closing = lines[indexes[-1]].rstrip("\n").endswith(">")
        block.sort()
        if closing:
            block[-1] += ">"
        lines[indexes[0] : indexes[-1] + 1] = [line + "\n" for line in block]
    return "".join(lines)


def turtle_sources(directory: Path | None = None) -> list[Path]:
    """Return the Turtle sources of the ontology, sorted by name."""
    return sorted((directory or paths.ONTOLOGY_DIR).glob("*.ttl"))


def rdfxml_path(source: Path) -> Path:
    """Return where the RDF/XML rendering of a Turtle source lives."""
    return source.with_suffix(".owl")


def render(source: Path) -> str:
    """Parse one Turtle source and return it serialised as RDF/XML.

    A syntax error surfaces as ``ValueError`` naming the file, so the command can report it
    without a traceback.
    """
    parsed = rdflib.Graph()
    try:
        parsed.parse(source, format="turtle")
    except Exception as exc:  # rdflib raises several parser-specific types
        raise ValueError(f"{source}: not valid Turtle: {exc}") from exc
    # Canonical blank-node labels, so that rebuilding an unchanged source gives the same file.
    graph = _SortedGraph()
    for triple in to_canonical_graph(parsed):
        graph.add(triple)
    for prefix, namespace in parsed.namespaces():
        graph.bind(prefix, namespace, override=True)
    for prefix, namespace in graph.namespaces():
        graph.bind(prefix, namespace, override=False)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=False)
    with warnings.catch_warnings():
        # rdflib's pretty-xml writer warns about every class-expression list it nests; the output
        # is complete all the same (test_rdfxml_sync checks that the graphs are isomorphic).
        warnings.filterwarnings("ignore", message="Assertions on .* other than RDF.first", category=UserWarning)
        text = graph.serialize(format="pretty-xml", encoding="utf-8").decode("utf-8")
    return _sort_namespace_declarations(text)


def build(directory: Path | None = None, sources: list[Path] | None = None) -> list[Path]:
    """Render the given Turtle sources (default: every ``*.ttl`` of the ontology directory).

    Return the files written.
    """
    written = []
    for source in sources or turtle_sources(directory):
        target = rdfxml_path(source)
        target.write_text(render(source), encoding="utf-8")
        written.append(target)
    return written


@click.command("build-ontology")
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--directory",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Ontology directory (default: ontology/ of the checkout).",
)
def build_command(sources: tuple[Path, ...], directory: Path | None) -> None:
    """Render ontology/*.ttl (or just SOURCES) as RDF/XML (the matching .owl) for Protégé."""
    try:
        written = build(directory, list(sources))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not written:
        raise click.ClickException(f"no Turtle files in {directory or paths.ONTOLOGY_DIR}")
    for path in written:
        click.echo(f"wrote {path}")
