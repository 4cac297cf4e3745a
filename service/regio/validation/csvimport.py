"""Spreadsheet import: REGIO's CSV templates to RDF, with errors by file, row and column.

Analysts keep region data in spreadsheets.  ``instances/templates/`` holds one CSV template per
kind of thing (``regions.csv``, ``clusters.csv``, ``actors.csv``, ``innovation-systems.csv``,
``sources.csv``; columns documented in its README and in :data:`TEMPLATES` below).  Import runs in
two stages, as a data steward would check by hand:

1. *before SHACL*: every cell is checked on its own and against the other files — a code that is
   not ISO 3166, a NACE code that is malformed, a region or source that is referred to but not
   defined, a quote that is not in the paper — and reported as ``file:row: column: message``
   (row 1 is the header, as in a spreadsheet);
2. *after SHACL*: the RDF built from the rows is validated with :func:`regio.validation.validate`
   and each result is traced back to the file and row its focus node came from.

Regions may be referred to by ISO code (``IT-45``), by CURIE (``iso:IT-45``, ``rid:jaeren``) or
IRI; ISO regions, and anything already in ``instances/*.ttl``, need not be repeated in
``regions.csv``: their description is taken from there for validation.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from regio import paths
from regio.validation.inputs import InputError, Source, check_utf8

REGIO = Namespace("https://w3id.org/regio#")
RID = "https://w3id.org/regio/id/"
ISO = "https://w3id.org/regio/id/iso3166/"
NACE = "http://data.europa.eu/ux2/nace2/"
NUTS = "http://data.europa.eu/nuts/code/"
PAPER = REGIO.AsheimLocalisedLearning

CURIES = {
    "regio": str(REGIO),
    "rid": RID,
    "iso": ISO,
    "nuts": NUTS,
    "nace": NACE,
}

USER_ASSIGNED = re.compile(r"^(?:AA|Q[M-Z]|X[A-Z]|ZZ)$")


@dataclass
class Column:
    """One template column: its name, whether a value is required, and what it holds."""

    name: str
    required: bool
    description: str


@dataclass
class Template:
    """A CSV template: its columns and the classes its ``type`` column may name."""

    name: str
    columns: list[Column]
    types: tuple[str, ...] = ()
    default_type: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_ID = Column("id", True, "identifier: a name (minted under https://w3id.org/regio/id/), a CURIE (rid:…, iso:…) or an IRI")
_LABEL = Column("label", True, "name, as written in the source")
_LANG = Column("lang", False, "language tag of the label (default en)")

TEMPLATES: dict[str, Template] = {
    "sources": Template(
        "sources",
        [
            Column("id", True, "identifier of the evidence, referred to from the sources column of the other files"),
            Column("quote", True, "the passage, verbatim from the work (for the paper: exactly as in its text)"),
            Column("work", False, "the work quoted (CURIE or IRI; default regio:AsheimLocalisedLearning)"),
            Column("cites", False, "references the work credits for the claim (CURIEs such as regio:Brusco1990), space-separated"),
        ],
    ),
    "regions": Template(
        "regions",
        [
            _ID, _LABEL, _LANG,
            Column("type", False, "Region (default), Country or Subdivision"),
            Column("iso3166", False, "ISO 3166-1 alpha-2 (countries) or ISO 3166-2 code (subdivisions)"),
            Column("country", False, "the country the region is in (ISO code such as NO, or iso:NO)"),
            Column("part_of", False, "larger region(s) it is part of, space-separated"),
            Column("nuts", False, "NUTS code (ITH5) or IRI"),
            Column("nuts_level", False, "NUTS level 0–3"),
            Column("sources", False, "source ids (sources.csv), space-separated"),
        ],
        types=("Region", "Country", "Subdivision"),
        default_type="Region",
    ),
    "clusters": Template(
        "clusters",
        [
            _ID, _LABEL, _LANG,
            Column("type", False, "Cluster (default), RegionalCluster, NationalEconomicCluster, IndustrialDistrict, IndustrialDistrictMarkI, IndustrialDistrictMarkII, GrowthPole"),
            Column("located_in", True, "region(s) the cluster is located in, space-separated"),
            Column("nace", False, "NACE Rev. 2 code(s): section letter or 2–4 digits, dots allowed (30.11)"),
            Column("employment", False, "people employed (whole number)"),
            Column("number_of_firms", False, "number of firms (whole number)"),
            Column("comprises", False, "clusters it is made up of in part (ids), space-separated"),
            Column("local_government_intervention", False, "true or false (industrial districts: Mark II / Mark I)"),
            Column("innovation_model", False, "linear or interactive"),
            Column("integration_principle", False, "territorial, functional, system or social"),
            Column("knowledge_base", False, "analytical or synthetic"),
            Column("start_year", False, "year it began (1800–2100)"),
            Column("end_year", False, "year it ended (1800–2100)"),
            Column("sources", True, "source ids (sources.csv), space-separated"),
        ],
        types=("Cluster", "RegionalCluster", "NationalEconomicCluster", "IndustrialDistrict",
               "IndustrialDistrictMarkI", "IndustrialDistrictMarkII", "GrowthPole"),
        default_type="Cluster",
    ),
    "actors": Template(
        "actors",
        [
            _ID, _LABEL, _LANG,
            Column("type", True, "Firm, SME, LargeFirm, TransnationalCorporation, HighTechSME, TraditionalSME, FinalMarketFirm, StageFirm, University, ResearchInstitute, TechnologyTransferAgency, TrainingAgency, Consultant, RegionalGovernance, GovernmentAgency, SciencePark, Technopolis, Actor"),
            Column("located_in", False, "region(s) the actor is located in, space-separated"),
            Column("member_of", False, "clusters or innovation systems (ids) it is a member of, space-separated"),
            Column("nace", False, "NACE Rev. 2 code(s) of a firm"),
            Column("employment", False, "employees (whole number)"),
            Column("knowledge_base", False, "analytical or synthetic"),
            Column("sources", False, "source ids; required unless member_of names a sourced cluster or system"),
        ],
        types=("Actor", "Firm", "SME", "LargeFirm", "TransnationalCorporation", "HighTechSME", "TraditionalSME",
               "FinalMarketFirm", "StageFirm", "University", "ResearchInstitute", "TechnologyTransferAgency",
               "TrainingAgency", "Consultant", "RegionalGovernance", "GovernmentAgency", "SciencePark", "Technopolis"),
    ),
    "innovation-systems": Template(
        "innovation-systems",
        [
            _ID, _LABEL, _LANG,
            Column("type", False, "InnovationSystem (default), NationalInnovationSystem, RegionalInnovationSystem, SectoralInnovationSystem, TechnologicalSystem, TerritoriallyEmbeddedRegionalInnovationNetwork, NetworkedRegionalInnovationSystem, RegionalisedNationalInnovationSystem"),
            Column("covers_region", True, "region(s) covered, space-separated"),
            Column("innovation_model", False, "linear or interactive"),
            Column("integration_principle", False, "territorial, functional, system or social"),
            Column("embedded_in_local_community", False, "true or false"),
            Column("integrated_into", False, "innovation system (id) it is integrated into"),
            Column("knowledge_base", False, "analytical or synthetic"),
            Column("sources", True, "source ids (sources.csv), space-separated"),
        ],
        types=("InnovationSystem", "NationalInnovationSystem", "RegionalInnovationSystem", "SectoralInnovationSystem",
               "TechnologicalSystem", "TerritoriallyEmbeddedRegionalInnovationNetwork",
               "NetworkedRegionalInnovationSystem", "RegionalisedNationalInnovationSystem"),
        default_type="InnovationSystem",
    ),
}

#: Order in which files are processed: definitions before references.
ORDER = ("sources", "regions", "innovation-systems", "clusters", "actors")

MODELS = {"linear": REGIO.linearModel, "interactive": REGIO.interactiveModel}
PRINCIPLES = {
    "territorial": REGIO.territorialIntegrationPrinciple,
    "functional": REGIO.functionalIntegrationPrinciple,
    "system": REGIO.systemIntegrationPrinciple,
    "social": REGIO.socialIntegrationPrinciple,
}
KNOWLEDGE_BASES = {"analytical": REGIO.analyticalKnowledgeBaseValue, "synthetic": REGIO.syntheticKnowledgeBaseValue}
BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class CSVError:
    """A problem in one cell (or row, or file) of a spreadsheet."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "Violation"

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row is not None else "")
        col = f" column {self.column!r}:" if self.column else ""
        return f"{where}:{col} {self.message}"


class CSVImportError(InputError):
    """Raised when rows cannot be mapped to RDF; ``errors`` lists every problem found."""

    def __init__(self, errors: list[CSVError]):
        self.errors = errors
        super().__init__(
            f"{len(errors)} problem(s) in the spreadsheet(s):\n" + "\n".join(f"  {e}" for e in errors)
        )


@dataclass
class ImportResult:
    """The RDF built from the spreadsheets, what it refers to, and where each node came from."""

    graph: Graph = field(default_factory=Graph)
    errors: list[CSVError] = field(default_factory=list)
    origin: dict[URIRef, tuple[str, int]] = field(default_factory=dict)
    referenced_regions: set[URIRef] = field(default_factory=set)

    def context_graph(self) -> Graph:
        """Descriptions of the regions referred to but not defined here (from instances/*.ttl)."""
        return _context_for(self.referenced_regions - set(self.origin))


# --------------------------------------------------------------------------------------------
# Known things: ISO codes, instance data, the paper


@lru_cache(maxsize=1)
def _iso_codes() -> tuple[frozenset[str], frozenset[str]]:
    import pycountry

    return (frozenset(c.alpha_2 for c in pycountry.countries), frozenset(s.code for s in pycountry.subdivisions))


def iso_code_exists(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 or ISO 3166-2 code (or user-assigned)."""
    countries, subdivisions = _iso_codes()
    head = code.split("-", 1)[0]
    if "-" not in code:
        return code in countries or bool(USER_ASSIGNED.match(code))
    return code in subdivisions or (bool(USER_ASSIGNED.match(head)) and bool(re.fullmatch(r"[A-Z0-9]{1,3}", code.split("-", 1)[1])))


@lru_cache(maxsize=1)
def _instances_store() -> ox.Store:
    store = ox.Store()
    for path in sorted(paths.INSTANCES_DIR.glob("*.ttl")):
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
        except (SyntaxError, OSError, ValueError):
            continue  # a broken instance file is reported by its own tests, not here
    return store


def _known_in_instances(iri: URIRef) -> bool:
    return next(iter(_instances_store().quads_for_pattern(ox.NamedNode(str(iri)), None, None)), None) is not None


def _iso_region_graph(iri: URIRef) -> Graph:
    """A minimal description of an ISO region from pycountry (when instances/ lacks it)."""
    import pycountry

    g = Graph()
    code = str(iri)[len(ISO):]
    if "-" not in code:
        country = pycountry.countries.get(alpha_2=code)
        if country is not None:
            g.add((iri, RDF.type, REGIO.Country))
            g.add((iri, RDFS.label, Literal(country.name, lang="en")))
            g.add((iri, REGIO.iso3166Code, Literal(code)))
        return g
    sub = pycountry.subdivisions.get(code=code)
    if sub is not None:
        g.add((iri, RDF.type, REGIO.Subdivision))
        g.add((iri, RDFS.label, Literal(sub.name, lang="en")))
        g.add((iri, REGIO.iso3166Code, Literal(code)))
        g.add((iri, REGIO.inCountry, URIRef(ISO + sub.country_code)))
        g += _iso_region_graph(URIRef(ISO + sub.country_code))
    return g


def _context_for(nodes: Iterable[URIRef]) -> Graph:
    """Triples about ``nodes`` (and the regions and evidence they point at) from instances/."""
    g = Graph()
    store = _instances_store()
    todo = list(nodes)
    seen: set[URIRef] = set()
    follow = {str(REGIO.inCountry), str(REGIO.isPartOf), str(REGIO.hasEvidence)}
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        found = False
        for q in store.quads_for_pattern(ox.NamedNode(str(node)), None, None):
            found = True
            o = q.object
            if isinstance(o, ox.NamedNode):
                obj = URIRef(o.value)
                if q.predicate.value in follow:
                    todo.append(obj)
            elif isinstance(o, ox.Literal):
                obj = Literal(o.value, lang=o.language) if o.language else Literal(o.value, datatype=URIRef(o.datatype.value))
            else:
                obj = BNode(o.value)
            g.add((node, URIRef(q.predicate.value), obj))
        if not found and str(node).startswith(ISO):
            g += _iso_region_graph(node)
    return g


@lru_cache(maxsize=1)
def _paper_normalised() -> str | None:
    try:
        return " ".join(paths.paper_text().split())
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------------------------
# Reading


def template_for(source: Source, header: list[str]) -> Template | None:
    """The template a CSV follows: by file name (``regions.csv``), else by its header."""
    stem = Path(source.name).stem.lower().replace("_", "-")
    for name in sorted(TEMPLATES, key=len, reverse=True):
        if stem == name or stem.endswith("-" + name) or stem.endswith("." + name):
            return TEMPLATES[name]
    best, best_score = None, 0
    for template in TEMPLATES.values():
        required = [c.name for c in template.columns if c.required]
        if all(r in header for r in required):
            score = len(set(header) & set(template.column_names))
            if score > best_score:
                best, best_score = template, score
    return best


def _read_rows(source: Source) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = source.data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        return [], []
    header = [h.strip().lower() for h in rows[0]]
    out = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values) or (values and values[0].lstrip().startswith("#")):
            continue  # blank rows and comment rows (first cell starting with #) are skipped
        out.append((number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    return header, out


# --------------------------------------------------------------------------------------------
# Mapping


class _Mapper:
    def __init__(self, base: str):
        self.base = base
        self.result = ImportResult()
        self.graph = self.result.graph
        self.defined: dict[str, dict[URIRef, tuple[str, int]]] = {name: {} for name in TEMPLATES}
        self.pending: list[Callable[[], None]] = []
        for prefix, ns in CURIES.items():
            self.graph.bind(prefix, ns)
        self.graph.bind("rdfs", str(RDFS))
        self.graph.bind("xsd", str(XSD))

    # -- helpers
    def error(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.result.errors.append(CSVError(file, row, column, message))

    def iri(self, token: str) -> URIRef | None:
        token = token.strip()
        if token.startswith("<") and token.endswith(">"):
            token = token[1:-1]
        if re.match(r"^https?://\S+$", token):
            return URIRef(token)
        if ":" in token:
            prefix, local = token.split(":", 1)
            if prefix in CURIES and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*", local):
                return URIRef(CURIES[prefix] + local)
            return None
        if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*", token):
            return URIRef(self.base + token)
        return None

    def region_ref(self, token: str) -> URIRef | None:
        if re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", token):
            return URIRef(ISO + token)
        return self.iri(token)

    @staticmethod
    def tokens(value: str) -> list[str]:
        return [t for t in re.split(r"[;\s]+", value) if t]

    # -- the cells every template shares
    def subject(self, file: str, row: int, cells: dict[str, str], template: Template) -> URIRef | None:
        node = self.iri(cells.get("id", ""))
        if node is None:
            self.error(file, row, "id", f"{cells.get('id', '')!r} is not a usable identifier: use a name such as emilia-romagna-districts, a CURIE (rid:…) or an IRI")
            return None
        for kind, nodes in self.defined.items():
            if node in nodes:
                first = nodes[node]
                self.error(file, row, "id", f"{node} is already defined in {first[0]} row {first[1]}")
                return None
        self.defined[template.name][node] = (file, row)
        self.result.origin[node] = (file, row)
        return node

    def label(self, file: str, row: int, cells: dict[str, str], node: URIRef) -> None:
        lang = cells.get("lang", "") or "en"
        if not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*", lang):
            self.error(file, row, "lang", f"{lang!r} is not a language tag: use e.g. en, no, it")
            return
        self.graph.add((node, RDFS.label, Literal(cells["label"], lang=lang)))

    def typed(self, file: str, row: int, cells: dict[str, str], node: URIRef, template: Template) -> None:
        value = cells.get("type", "") or template.default_type or ""
        local = value.split(":", 1)[-1]
        if local not in template.types:
            self.error(file, row, "type", f"{value!r} is not one of: {', '.join(template.types)}")
            return
        self.graph.add((node, RDF.type, REGIO[local]))

    def count(self, file: str, row: int, column: str, value: str, node: URIRef, prop: URIRef) -> None:
        if not value:
            return
        if not re.fullmatch(r"\d+", value):
            self.error(file, row, column, f"{value!r} is not a whole number ≥ 0 (write digits only, no separators)")
            return
        self.graph.add((node, prop, Literal(value, datatype=XSD.nonNegativeInteger)))

    def boolean(self, file: str, row: int, column: str, value: str, node: URIRef, prop: URIRef) -> None:
        if not value:
            return
        if value.lower() not in BOOLEANS:
            self.error(file, row, column, f"{value!r} is not true or false")
            return
        self.graph.add((node, prop, Literal(BOOLEANS[value.lower()])))

    def choice(self, file: str, row: int, column: str, value: str, node: URIRef, prop: URIRef, options: dict) -> None:
        for token in self.tokens(value):
            key = token.split(":", 1)[-1].lower()
            key = re.sub(r"(model|integrationprinciple|knowledgebasevalue)$", "", key)
            if key not in options:
                self.error(file, row, column, f"{token!r} is not one of: {', '.join(options)}")
                continue
            self.graph.add((node, prop, options[key]))

    def year(self, file: str, row: int, column: str, value: str, node: URIRef, prop: URIRef) -> None:
        if not value:
            return
        if not re.fullmatch(r"\d{4}", value) or not 1800 <= int(value) <= 2100:
            self.error(file, row, column, f"{value!r} is not a plausible year (four digits, 1800–2100)")
            return
        self.graph.add((node, prop, Literal(value, datatype=XSD.gYear)))

    def nace(self, file: str, row: int, column: str, value: str, node: URIRef) -> None:
        for token in self.tokens(value):
            code = token[len(NACE):] if token.startswith(NACE) else token.split(":", 1)[-1]
            if not re.fullmatch(r"[A-U]|\d{2}(\.\d{1,2})?|\d{3,4}", code):
                self.error(file, row, column, f"{token!r} is not a NACE Rev. 2 code: a section letter A–U or 2–4 digits (e.g. 30.11)")
                continue
            self.graph.add((node, REGIO.naceActivity, URIRef(NACE + code.replace(".", ""))))

    def regions(self, file: str, row: int, column: str, value: str, node: URIRef, prop: URIRef) -> None:
        for token in self.tokens(value):
            ref = self.region_ref(token)
            if ref is None:
                self.error(file, row, column, f"{token!r} is not a region reference: use an ISO code (IT-45), a CURIE (iso:IT-45, rid:…) or an IRI")
                continue
            self.graph.add((node, prop, ref))
            self.pending.append(lambda ref=ref, token=token: self.check_region(file, row, column, token, ref))

    def check_region(self, file: str, row: int, column: str, token: str, ref: URIRef) -> None:
        self.result.referenced_regions.add(ref)
        if ref in self.defined["regions"]:
            return
        if str(ref).startswith(ISO):
            code = str(ref)[len(ISO):]
            if iso_code_exists(code):
                return
            self.error(file, row, column, f"unknown region {token!r}: {code} is not an ISO 3166 code")
            return
        if _known_in_instances(ref):
            return
        self.error(file, row, column, f"unknown region {token!r}: define it in regions.csv (or use its ISO code)")

    def refs(self, file: str, row: int, column: str, value: str, kinds: tuple[str, ...], what: str) -> list[URIRef]:
        out = []
        for token in self.tokens(value):
            ref = self.iri(token)
            if ref is None:
                self.error(file, row, column, f"{token!r} is not an identifier")
                continue
            out.append(ref)

            def check(ref=ref, token=token) -> None:
                known = self.evidence_node(ref) if kinds == ("sources",) else ref
                if any(ref in self.defined[k] for k in kinds) or _known_in_instances(known):
                    return
                self.error(file, row, column, f"unknown {what} {token!r}: define it in {' or '.join(k + '.csv' for k in kinds)}")

            self.pending.append(check)
        return out

    def evidence(self, file: str, row: int, cells: dict[str, str], node: URIRef, required: bool) -> None:
        value = cells.get("sources", "")
        if not value:
            if required:
                self.error(file, row, "sources", "missing source: every claim needs the id of a row of sources.csv that quotes its evidence")
            return
        for ref in self.refs(file, row, "sources", value, ("sources",), "source"):
            self.graph.add((node, REGIO.hasEvidence, self.evidence_node(ref)))

    def evidence_node(self, ref: URIRef) -> URIRef:
        if str(ref).startswith(self.base) and "/" not in str(ref)[len(self.base):]:
            return URIRef(self.base + "evidence/" + str(ref)[len(self.base):])
        return ref

    # -- the templates
    def sources(self, file: str, row: int, cells: dict[str, str]) -> None:
        ref = self.iri(cells.get("id", ""))
        if ref is None:
            self.error(file, row, "id", f"{cells.get('id', '')!r} is not a usable identifier")
            return
        if ref in self.defined["sources"]:
            first = self.defined["sources"][ref]
            self.error(file, row, "id", f"source {cells['id']!r} is already defined in {first[0]} row {first[1]}")
            return
        self.defined["sources"][ref] = (file, row)
        node = self.evidence_node(ref)
        self.result.origin[node] = (file, row)
        self.graph.add((node, RDF.type, REGIO.Evidence))
        quote = cells["quote"]
        self.graph.add((node, REGIO.quote, Literal(quote)))
        work = self.iri(cells.get("work", "") or "regio:AsheimLocalisedLearning")
        if work is None:
            self.error(file, row, "work", f"{cells.get('work')!r} is not a CURIE or IRI of a work")
        else:
            self.graph.add((node, REGIO.inWork, work))
            paper = _paper_normalised()
            if work == PAPER and paper is not None and " ".join(quote.split()) not in paper:
                self.error(file, row, "quote", "the quote is not in the paper (compared after normalising white space): copy it verbatim, with the paper's curly quotes")
        for token in self.tokens(cells.get("cites", "")):
            ref_work = self.iri(token)
            if ref_work is None:
                self.error(file, row, "cites", f"{token!r} is not a CURIE or IRI of a reference")
                continue
            self.graph.add((node, REGIO.citesReference, ref_work))

    def regions_row(self, file: str, row: int, cells: dict[str, str], template: Template) -> None:
        node = self.subject(file, row, cells, template)
        if node is None:
            return
        self.typed(file, row, cells, node, template)
        self.label(file, row, cells, node)
        code = cells.get("iso3166", "")
        if code:
            if not iso_code_exists(code):
                self.error(file, row, "iso3166", f"{code!r} is not an ISO 3166-1 alpha-2 or ISO 3166-2 code")
            else:
                self.graph.add((node, REGIO.iso3166Code, Literal(code)))
        country = cells.get("country", "")
        if country:
            self.regions(file, row, "country", country, node, REGIO.inCountry)
        self.regions(file, row, "part_of", cells.get("part_of", ""), node, REGIO.isPartOf)
        nuts = cells.get("nuts", "")
        if nuts:
            nuts_code = nuts[len(NUTS):] if nuts.startswith(NUTS) else nuts.split(":", 1)[-1]
            if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,3}", nuts_code):
                self.error(file, row, "nuts", f"{nuts!r} is not a NUTS code (two letters of country, up to three characters of level, e.g. ITH5)")
            else:
                self.graph.add((node, REGIO.nutsRegion, URIRef(NUTS + nuts_code)))
        level = cells.get("nuts_level", "")
        if level:
            if level not in ("0", "1", "2", "3"):
                self.error(file, row, "nuts_level", f"{level!r} is not a NUTS level (0, 1, 2 or 3)")
            else:
                self.graph.add((node, REGIO.nutsLevel, Literal(int(level))))
        self.evidence(file, row, cells, node, required=False)

    def common_claims(self, file: str, row: int, cells: dict[str, str], node: URIRef) -> None:
        self.choice(file, row, "innovation_model", cells.get("innovation_model", ""), node, REGIO.followsInnovationModel, MODELS)
        self.choice(file, row, "integration_principle", cells.get("integration_principle", ""), node, REGIO.hasIntegrationPrinciple, PRINCIPLES)
        self.choice(file, row, "knowledge_base", cells.get("knowledge_base", ""), node, REGIO.hasKnowledgeBase, KNOWLEDGE_BASES)

    def clusters_row(self, file: str, row: int, cells: dict[str, str], template: Template) -> None:
        node = self.subject(file, row, cells, template)
        if node is None:
            return
        self.typed(file, row, cells, node, template)
        self.label(file, row, cells, node)
        self.regions(file, row, "located_in", cells.get("located_in", ""), node, REGIO.locatedIn)
        self.nace(file, row, "nace", cells.get("nace", ""), node)
        self.count(file, row, "employment", cells.get("employment", ""), node, REGIO.employment)
        self.count(file, row, "number_of_firms", cells.get("number_of_firms", ""), node, REGIO.numberOfFirms)
        for ref in self.refs(file, row, "comprises", cells.get("comprises", ""), ("clusters",), "cluster"):
            self.graph.add((node, REGIO.comprisesCluster, ref))
        self.boolean(file, row, "local_government_intervention", cells.get("local_government_intervention", ""), node, REGIO.hasLocalGovernmentIntervention)
        self.common_claims(file, row, cells, node)
        self.year(file, row, "start_year", cells.get("start_year", ""), node, REGIO.startYear)
        self.year(file, row, "end_year", cells.get("end_year", ""), node, REGIO.endYear)
        self.evidence(file, row, cells, node, required=True)

    def actors_row(self, file: str, row: int, cells: dict[str, str], template: Template) -> None:
        node = self.subject(file, row, cells, template)
        if node is None:
            return
        self.typed(file, row, cells, node, template)
        self.label(file, row, cells, node)
        self.regions(file, row, "located_in", cells.get("located_in", ""), node, REGIO.locatedIn)
        members = self.refs(file, row, "member_of", cells.get("member_of", ""), ("clusters", "innovation-systems"), "cluster or innovation system")
        for ref in members:
            self.graph.add((ref, REGIO.hasMember, node))
        self.nace(file, row, "nace", cells.get("nace", ""), node)
        self.count(file, row, "employment", cells.get("employment", ""), node, REGIO.employment)
        self.choice(file, row, "knowledge_base", cells.get("knowledge_base", ""), node, REGIO.hasKnowledgeBase, KNOWLEDGE_BASES)
        self.evidence(file, row, cells, node, required=not members)

    def innovation_systems_row(self, file: str, row: int, cells: dict[str, str], template: Template) -> None:
        node = self.subject(file, row, cells, template)
        if node is None:
            return
        self.typed(file, row, cells, node, template)
        self.label(file, row, cells, node)
        self.regions(file, row, "covers_region", cells.get("covers_region", ""), node, REGIO.coversRegion)
        self.common_claims(file, row, cells, node)
        self.boolean(file, row, "embedded_in_local_community", cells.get("embedded_in_local_community", ""), node, REGIO.embeddedInLocalCommunity)
        for ref in self.refs(file, row, "integrated_into", cells.get("integrated_into", ""), ("innovation-systems",), "innovation system"):
            self.graph.add((node, REGIO.integratedInto, ref))
        self.evidence(file, row, cells, node, required=True)


def import_csv(sources: list[Source], *, base: str = RID) -> ImportResult:
    """Map CSV templates to RDF; problems are collected in ``result.errors`` (nothing raised)."""
    mapper = _Mapper(base)
    parsed: list[tuple[Source, Template, list[tuple[int, dict[str, str]]]]] = []
    for source in sources:
        try:
            check_utf8(source.data, source.name)
        except InputError as exc:
            mapper.error(source.name, exc.line, None, exc.detail)
            continue
        try:
            header, rows = _read_rows(source)
        except (UnicodeDecodeError, csv.Error) as exc:
            mapper.error(source.name, None, None, f"cannot read as CSV: {exc}")
            continue
        if not header:
            mapper.error(source.name, None, None, "the file is empty: a template needs at least its header row")
            continue
        template = template_for(source, header)
        if template is None:
            mapper.error(source.name, 1, None, "not a REGIO template: name the file regions.csv, clusters.csv, actors.csv, innovation-systems.csv or sources.csv, or use their header")
            continue
        unknown = [h for h in header if h and h not in template.column_names]
        for h in unknown:
            mapper.error(source.name, 1, h, f"unknown column for the {template.name} template (columns: {', '.join(template.column_names)})")
        missing = [c.name for c in template.columns if c.required and c.name not in header]
        for name in missing:
            mapper.error(source.name, 1, name, f"required column missing from the header of the {template.name} template")
        if unknown or missing:
            continue
        parsed.append((source, template, rows))
    parsed.sort(key=lambda item: ORDER.index(item[1].name))
    handlers = {
        "sources": lambda f, r, c, t: mapper.sources(f, r, c),
        "regions": mapper.regions_row,
        "clusters": mapper.clusters_row,
        "actors": mapper.actors_row,
        "innovation-systems": mapper.innovation_systems_row,
    }
    for source, template, rows in parsed:
        for number, cells in rows:
            empty_required = [c.name for c in template.columns if c.required and not cells.get(c.name)]
            for name in empty_required:
                if name == "sources":
                    mapper.error(source.name, number, name, "missing source: every claim needs the id of a row of sources.csv that quotes its evidence")
                else:
                    mapper.error(source.name, number, name, "required value missing")
            if empty_required:
                continue
            handlers[template.name](source.name, number, cells, template)
    for check in mapper.pending:
        check()
    mapper.result.errors.sort(key=lambda e: (e.file, e.row or 0, e.column or ""))
    return mapper.result


def import_graph(sources: list[Source]) -> Graph:
    """The CSVs as RDF plus the regions they refer to, for validation; raises CSVImportError."""
    result = import_csv(sources)
    if result.errors:
        raise CSVImportError(result.errors)
    return result.graph + result.context_graph()


def locate(result: ImportResult, node) -> str:
    """``file:row`` a node was defined on, or its IRI when it did not come from a spreadsheet."""
    if node in result.origin:
        file, row = result.origin[node]
        return f"{file}:{row}"
    return str(node)
