"""Reasoning over the REGIO ontology and data with HermiT (through owlready2).

HermiT is a complete OWL 2 DL reasoner: it decides whether the ontology together with some data is
consistent, which classes are unsatisfiable, and which types the individuals of the data have.
That is what turns the ontology's defined classes into a service: describe a regional innovation
system by its integration principle, innovation model and embeddedness, and HermiT names its type,
or reports that the description mixes traits the paper says exclude each other.

The ontology's imports are resolved offline through ``ontology/catalog-v001.xml``, and everything is
merged into one graph before it is handed to owlready2, so owlready2 never tries to fetch an
import.  Literals whose datatype is outside the OWL 2 datatype map (``xsd:gYear``, ``xsd:date``)
are left out of the reasoner's input: HermiT rejects them, and no axiom of the ontology depends on
them (the SHACL shapes check them instead).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import click
import rdflib
from rdflib import OWL, RDF, XSD, Literal, URIRef

from regio import paths

CORE_ONTOLOGY = "regio.ttl"
CATALOG = "catalog-v001.xml"
REGIO = "https://w3id.org/regio#"

_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

#: The OWL 2 datatype map (OWL 2 Structural Specification, section 4); HermiT supports these only.
OWL2_DATATYPES: frozenset[URIRef] = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, rdflib.RDFS.Literal, OWL.real, OWL.rational]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
            "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
            "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
            "base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
)

_QUAD_FORMATS = {"trig", "nquads", "trix"}


class ReasoningInputError(ValueError):
    """The input could not be read or processed (a bad file, not a logical problem)."""


@dataclass
class ReasoningResult:
    """What HermiT concluded about the ontology plus data."""

    consistent: bool
    #: IRIs of named classes that can have no instance (owl:Nothing aside).
    unsatisfiable: list[str] = field(default_factory=list)
    #: individual IRI -> all named types entailed (asserted and inferred), sorted
    types: dict[str, list[str]] = field(default_factory=dict)
    #: individual IRI -> the types that were not asserted in the input, sorted
    inferred: dict[str, list[str]] = field(default_factory=dict)
    #: literals of the data left out because HermiT does not support their datatype
    dropped_literals: int = 0
    #: for an inconsistent input: the clashes the OWL 2 RL rules find (a diagnosis; HermiT gives none)
    clashes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


def catalog_mappings(directory: Path | None = None) -> dict[str, Path]:
    """Read Protégé's catalog: import IRI -> local file."""
    directory = directory or paths.ONTOLOGY_DIR
    catalog = directory / CATALOG
    try:
        root = ET.parse(catalog).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ReasoningInputError(f"cannot read the import catalog {catalog}: {exc}") from exc
    return {
        element.get("name"): directory / element.get("uri")
        for element in root.iter(f"{_CATALOG_NS}uri")
        if element.get("name") and element.get("uri")
    }


def parse_file(path: Path, graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Parse an RDF file (format guessed from its name) into ``graph``; quads are merged."""
    graph = graph if graph is not None else rdflib.Graph()
    path = Path(path)
    fmt = rdflib.util.guess_format(str(path)) or "turtle"
    if path.suffix == ".owl":
        fmt = "xml"
    try:
        if fmt in _QUAD_FORMATS:
            dataset = rdflib.Dataset()
            dataset.parse(path, format=fmt)
            for s, p, o, _ in dataset.quads():
                graph.add((s, p, o))
        else:
            graph.parse(path, format=fmt)
    except FileNotFoundError as exc:
        raise ReasoningInputError(f"{path}: no such file") from exc
    except Exception as exc:  # rdflib's parsers raise many unrelated types
        raise ReasoningInputError(f"{path}: cannot parse as {fmt}: {exc}") from exc
    return graph


def ontology_graph(directory: Path | None = None) -> rdflib.Graph:
    """The core ontology and, transitively, every module it imports, resolved via the catalog."""
    directory = directory or paths.ONTOLOGY_DIR
    mappings = catalog_mappings(directory)
    graph = rdflib.Graph()
    parse_file(directory / CORE_ONTOLOGY, graph)
    done: set[str] = set()
    while True:
        pending = {str(o) for o in graph.objects(None, OWL.imports)} - done
        if not pending:
            return graph
        for iri in sorted(pending):
            if iri not in mappings:
                raise ReasoningInputError(f"import {iri} is not mapped to a local file in {CATALOG}")
            parse_file(mappings[iri], graph)
            done.add(iri)


def reasoner_input(graph: rdflib.Graph) -> tuple[bytes, int]:
    """Return N-Triples for owlready2 without imports and unsupported literals, and their count."""
    clean = rdflib.Graph()
    dropped = 0
    for s, p, o in graph:
        if p == OWL.imports:
            continue
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            dropped += 1
            continue
        clean.add((s, p, o))
    return clean.serialize(format="nt", encoding="utf-8"), dropped


def rl_clashes(graph: rdflib.Graph, limit: int = 10) -> list[str]:
    """Name the individuals and axioms behind an inconsistency, using the OWL 2 RL rules.

    HermiT only says "inconsistent"; the service's rule engine (regio.inference) reports each clash
    with the individual and the disjoint classes or functional property involved. RL rules are
    incomplete, so an empty list means "no simple explanation found", not "consistent".
    """
    try:
        import pyoxigraph as ox

        from regio.inference import check

        store = ox.Store()
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        report = check(store)
    except Exception:  # a diagnosis is a bonus: never let it hide the reasoner's verdict
        return []
    named = [c for c in report.clashes if "_:" not in c.message]
    return [f"{c.rule}: {c.message}" for c in (named or report.clashes)[:limit]]


def reason(data: Iterable[Path | rdflib.Graph] = (), *, ontology: rdflib.Graph | None = None) -> ReasoningResult:
    """Run HermiT over the ontology (with its imports) and the given data.

    Raises ReasoningInputError for unreadable input or input HermiT cannot process, and
    RuntimeError when Java is not available.
    """
    from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, World, sync_reasoner_hermit

    merged = rdflib.Graph()
    for triple in ontology if ontology is not None else ontology_graph():
        merged.add(triple)
    data_graph = rdflib.Graph()
    for item in data:
        if isinstance(item, rdflib.Graph):
            for triple in item:
                data_graph.add(triple)
        else:
            parse_file(Path(item), data_graph)
    for triple in data_graph:
        merged.add(triple)
    ntriples, _ = reasoner_input(merged)
    # Report only what the user's data lost (the references module's xsd:gYear years are expected).
    dropped = reasoner_input(data_graph)[1] if len(data_graph) else 0

    world = World()
    try:
        world.get_ontology("urn:regio:reasoning").load(fileobj=io.BytesIO(ntriples), format="ntriples")
    except Exception as exc:
        raise ReasoningInputError(f"owlready2 cannot load the input: {exc}") from exc
    try:
        sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except OwlReadyInconsistentOntologyError:
        return ReasoningResult(consistent=False, dropped_literals=dropped, clashes=rl_clashes(merged))
    except OwlReadyJavaError as exc:
        message = str(exc).strip().splitlines()
        detail = next((line for line in message if "Exception" in line), message[-1] if message else "")
        raise ReasoningInputError(f"HermiT could not process the input: {detail}") from exc
    except FileNotFoundError as exc:
        raise RuntimeError("Java is needed to run HermiT (apt-get install default-jre-headless)") from exc

    unsatisfiable = sorted(
        c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing)
    )
    subjects = {s for s in data_graph.subjects() if isinstance(s, URIRef)}
    asserted = {s: {str(o) for o in data_graph.objects(s, RDF.type)} for s in subjects}
    types: dict[str, list[str]] = {}
    inferred: dict[str, list[str]] = {}
    ancestors: dict[object, set[str]] = {}
    # world.individuals() lists only owl:NamedIndividual declarations, which data rarely makes.
    for iri in sorted(subjects):
        individual = world[str(iri)]
        if individual is None or not hasattr(individual, "is_a") or isinstance(individual, type):
            continue  # a class or property described in the data, not an individual
        named: set[str] = set()
        for cls in individual.is_a:
            if hasattr(cls, "ancestors"):
                if cls not in ancestors:
                    ancestors[cls] = {a.iri for a in cls.ancestors() if a.iri != str(OWL.Thing)}
                named |= ancestors[cls]
        types[str(iri)] = sorted(named)
        inferred[str(iri)] = sorted(named - asserted.get(iri, set()))
    return ReasoningResult(True, unsatisfiable, types, inferred, dropped)


def _curie(iri: str, graph: rdflib.Graph) -> str:
    try:
        return graph.namespace_manager.curie(iri, generate=False)
    except (KeyError, ValueError):
        return f"<{iri}>"


@click.command("reason")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--all-types", is_flag=True, help="Print every entailed type, not only the inferred ones.")
def reason_command(files: tuple[Path, ...], all_types: bool) -> None:
    """Check FILES (RDF data) against the REGIO ontology with HermiT.

    Prints the types HermiT infers for each individual described in FILES (with no FILES, checks
    the ontology alone). Exit status: 0 consistent, 1 inconsistent or unsatisfiable classes,
    2 unreadable input. HermiT is complete but not fast: a few descriptions take seconds, the
    thousands of generated ISO 3166 regions minutes.
    """
    try:
        graph = ontology_graph()
        data = rdflib.Graph()
        for path in files:
            parse_file(path, data)
        for prefix, namespace in data.namespaces():
            graph.bind(prefix, namespace, override=False)
        result = reason([data], ontology=graph)
    except ReasoningInputError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from exc
    except RuntimeError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from exc
    if result.dropped_literals:
        click.echo(
            f"note: {result.dropped_literals} literal(s) with a datatype outside the OWL 2 datatype map "
            "(e.g. xsd:gYear) were left out of reasoning",
            err=True,
        )
    if not result.consistent:
        what = "the ontology together with " + ", ".join(map(str, files)) if files else "the ontology"
        click.echo(
            f"INCONSISTENT: {what} has no model. Some individual is described with traits the "
            "ontology says exclude each other (e.g. a regional innovation system that is both "
            "socially embedded and based on system integration, or both linear and territorially "
            "embedded), or a functional property has two values.",
            err=True,
        )
        for clash in result.clashes:
            click.echo(f"  {clash}", err=True)
        raise SystemExit(1)
    for iri in sorted(result.types):
        shown = result.types[iri] if all_types else result.inferred[iri]
        names = ", ".join(_curie(t, graph) for t in shown) or "(nothing new)"
        click.echo(f"{_curie(iri, graph)}\t{names}")
    if result.unsatisfiable:
        names = ", ".join(_curie(c, graph) for c in result.unsatisfiable)
        click.echo(f"UNSATISFIABLE classes (can have no instance): {names}", err=True)
        raise SystemExit(1)
    click.echo(f"consistent: {len(result.types)} individual(s) classified", err=True)
